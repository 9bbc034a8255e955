/* Linearizability of block-storage histories (docs/history-checker.md).
 *
 * A run of the virtual SAN suite records every client operation on the blocks of a virtual disk.
 * Each block is an independent register (Knossos's independent keys): a read must return the last
 * write linearised before it, or the initial content (value 0) when there is none. A history is
 * linearizable when, for every block, some total order of its operations respects real time (an
 * operation that completed before another was invoked comes first) and the register's rules.
 *
 * mc_history_check decides it per block: proof rules that name the operations of the commonest
 * violations, a linear pass for blocks whose operations never overlap in time, and otherwise the
 * search of Wing & Gong with Lowe's memoisation of (set of linearised operations, register value),
 * bounded per block. A bound that is hit gives "unknown", never "linearizable". */
#ifndef MC_VSAN_HISTORY_H
#define MC_VSAN_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The content of every block before any write. */
#define MC_HISTORY_VALUE_INITIAL 0u
/* What a caller records for a read that returned data no write of the run produced. */
#define MC_HISTORY_VALUE_FOREIGN UINT64_MAX

/* The latest time an ok operation may complete: UINT64_MAX stands for "never" inside. */
#define MC_HISTORY_TIME_MAX (UINT64_MAX - 1u)
/* Operations one history may hold: bounds every allocation of a check (a few hundred bytes each). */
#define MC_HISTORY_MAX_OPS (1u << 24)
/* Distinct search states (set of linearised operations, register value) explored per block
 * before the block's verdict is "unknown": a soak's block of a few dozen operations from 8
 * clients needs tens. */
#define MC_HISTORY_DEFAULT_MAX_STATES (1u << 20)
/* Bytes the memo of one block's search may hold before the block's verdict is "unknown". */
#define MC_HISTORY_DEFAULT_MAX_MEMO_BYTES (256u << 20)
/* A memo entry is found by a 32-bit index: the largest max_states accepted. */
#define MC_HISTORY_STATES_LIMIT (UINT32_MAX / 2u)
/* Operations a violation report names (indices into the caller's array). */
#define MC_HISTORY_CULPRITS_MAX 8u
/* Length of a report's explanation, NUL included; longer text is cut. */
#define MC_HISTORY_EXPLAIN_MAX 1024u

typedef enum mc_hop_kind { MC_HOP_READ, MC_HOP_WRITE } mc_hop_kind;

typedef enum mc_hop_outcome {
    MC_HOP_OK,      /* completed: a read's value is what it returned */
    MC_HOP_FAIL,    /* definitely had no effect: reads only, and such a read is ignored */
    MC_HOP_UNKNOWN  /* timed out or failed: a write may take effect at any time after its
                     * invocation (its completion is infinite); a read is ignored */
} mc_hop_outcome;

/* One client operation. Times are monotonic microseconds; completed >= invoked for an ok
 * operation and is ignored otherwise. Values of writes are unique per block, never 0 nor
 * MC_HISTORY_VALUE_FOREIGN. */
typedef struct mc_hop {
    uint32_t process;        /* client id */
    mc_hop_kind kind;
    uint64_t key;            /* block number */
    uint64_t value;          /* id of the data written or read */
    uint64_t invoked;
    uint64_t completed;
    mc_hop_outcome outcome;
} mc_hop;

typedef struct mc_history_limits {
    size_t max_states;       /* per block; 0 = MC_HISTORY_DEFAULT_MAX_STATES */
    size_t max_memo_bytes;   /* per block; 0 = MC_HISTORY_DEFAULT_MAX_MEMO_BYTES */
    /* Search every block with the plain model (unknown writes concurrent with everything after
     * them), without the proof rules, the reductions and the linear pass: slower, for
     * cross-checking those against the search. */
    bool search_only;
} mc_history_limits;

typedef enum mc_history_verdict {
    MC_HISTORY_LINEARIZABLE,
    MC_HISTORY_VIOLATION,
    MC_HISTORY_UNKNOWN,      /* a search bound was hit (or memory ran out) */
    MC_HISTORY_USAGE         /* the history breaks the caller's side of the contract */
} mc_history_verdict;

/* How a block's violation was found. */
typedef enum mc_history_rule {
    MC_HISTORY_RULE_NONE,
    MC_HISTORY_RULE_FOREIGN,        /* a read returned data no write produced */
    MC_HISTORY_RULE_NEVER_WRITTEN,  /* a read returned a value no write to its block wrote */
    MC_HISTORY_RULE_FUTURE,         /* a read completed before the write of its value began */
    MC_HISTORY_RULE_OVERWRITTEN,    /* a later write completed, or was seen, before the read began */
    MC_HISTORY_RULE_SEQUENTIAL,     /* the block's operations do not overlap: their order is known */
    MC_HISTORY_RULE_SEARCH          /* no order fits, found by the search */
} mc_history_rule;

typedef struct mc_history_result {
    mc_history_verdict verdict;
    mc_history_rule rule;             /* for a violation */
    uint64_t key;                     /* block of the violation, bound or usage error reported */
    size_t culprits[MC_HISTORY_CULPRITS_MAX]; /* indices into ops of the operations named */
    size_t n_culprits;
    char explanation[MC_HISTORY_EXPLAIN_MAX];
    /* counts */
    size_t keys;                      /* blocks with at least one operation checked */
    size_t ops;                       /* operations checked */
    size_t ops_ignored;               /* failed or unknown reads */
    size_t states;                    /* search states explored, all blocks */
    size_t keys_violating;
    size_t keys_unknown;              /* blocks whose search hit a bound */
    size_t keys_sequential;           /* blocks decided by the linear pass */
    size_t keys_searched;             /* blocks decided by the search */
} mc_history_result;

/* Checks ops[0..n) (any order). lim may be NULL (defaults). Returns 0 when the history was
 * checked (out->verdict is linearizable, violation or unknown); -1 with out->verdict
 * MC_HISTORY_USAGE and the reason in out->explanation for a history that breaks the contract
 * (out->culprits names the operation), or with MC_HISTORY_UNKNOWN when memory ran out.
 * The report is of the lowest block that violates, else of the lowest block left unknown. */
int mc_history_check(const mc_hop *ops, size_t n, const mc_history_limits *lim, mc_history_result *out);

const char *mc_history_verdict_name(mc_history_verdict v);
const char *mc_history_rule_name(mc_history_rule r);

#endif
