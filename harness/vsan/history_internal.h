/* The parts of the history checker: the driver (history.c: validation, grouping by block,
 * reports), the proof rules and the reduction (history_rules.c), the search (history_search.c). */
#ifndef MC_VSAN_HISTORY_INTERNAL_H
#define MC_VSAN_HISTORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"

/* Completion of a write that may take effect at any time after its invocation. */
#define HK_NEVER UINT64_MAX

/* An operation the checker considers (failed and unknown reads are left out). */
typedef struct hk_op {
    uint64_t key;
    uint64_t value;
    uint64_t inv;
    uint64_t comp;      /* HK_NEVER for an unknown write until a reduction bounds it */
    size_t src;         /* index into the caller's array */
    uint32_t process;
    bool write;
    bool known;         /* outcome ok */
} hk_op;

/* A write found by its value. */
typedef struct hk_wref {
    uint64_t value;
    size_t op;          /* index into the block's ops, or into every op for the history index */
} hk_wref;

/* One block: its operations by invocation and its writes by value. */
typedef struct hk_block {
    uint64_t key;
    const hk_op *ops;
    size_t n;
    const hk_wref *writes;
    size_t n_writes;
} hk_block;

/* What a block's check found, before the driver keeps the lowest block's. */
typedef struct hk_report {
    mc_history_rule rule;
    size_t culprits[MC_HISTORY_CULPRITS_MAX];
    size_t n_culprits;
    char text[MC_HISTORY_EXPLAIN_MAX];
    size_t len;
} hk_report;

/* A proof event of the overwritten rule: at time t the block is known to have held a value
 * whose write began at `began` (history_rules.c). */
typedef struct hk_event {
    uint64_t t;
    uint64_t began;
    size_t op;
} hk_event;

/* What every block's check shares. */
typedef struct hk_ctx {
    const hk_op *all;           /* every considered operation, by block then invocation */
    const hk_wref *by_value;    /* every write of the history, by value then block */
    size_t n_writes;
    size_t max_states;
    size_t max_memo_bytes;
    bool search_only;
    hk_op *reduced;             /* scratch, as long as the longest block */
    hk_event *events;           /* scratch, as long as the longest block */
    ptrdiff_t *writer;          /* scratch: per operation of a block, its read's write (hk_rules) */
} hk_ctx;

enum hk_outcome { HK_LINEARIZABLE, HK_VIOLATION, HK_BOUND, HK_NOMEM };

/* history.c: the report's text and the operations it names. */
void hk_say(hk_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a description of o ("read by client 2 at [10, 20]", "write 9 by client 1 at [5, 8]",
 * "write 9 by client 1 invoked at 5 (outcome unknown)") and names it as a culprit. */
void hk_say_op(hk_report *r, const hk_op *o);
/* Index into b->ops of the write of value, or -1 when the block has none. */
ptrdiff_t hk_writer(const hk_block *b, uint64_t value);
/* Orders writes by value (qsort). */
int hk_wref_cmp(const void *a, const void *b);

/* history_rules.c. Each returns 1 and fills r when it finds a violation, else 0. hk_rules also
 * fills c->writer for hk_reduce. */
int hk_rules(const hk_ctx *c, const hk_block *b, hk_report *r);
/* The reduction of docs/history-checker.md: unknown writes never read are dropped, and one that
 * is read must have taken effect by the first completion of a read of its value. Writes into
 * c->reduced and returns the count. Requires hk_rules to have found nothing. */
size_t hk_reduce(const hk_ctx *c, const hk_block *b);
/* The linear pass: -1 when two of ops[0..n) overlap in time, else 0 or 1 as above. */
int hk_sequential(const hk_block *b, const hk_op *ops, size_t n, hk_report *r);

/* history_search.c: Wing & Gong with Lowe's memo over ops[0..n) (sorted by invocation),
 * counting the states it explores into *states. HK_VIOLATION fills r. */
enum hk_outcome hk_search(const hk_ctx *c, const hk_block *b, const hk_op *ops, size_t n,
                          hk_report *r, size_t *states);

#endif
