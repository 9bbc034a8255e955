/* The search for a linearization of one block (Wing & Gong, with Lowe's memoisation).
 *
 * The operations become a list of events by time: each operation's invocation, and its
 * completion unless it is an unknown write (which may take effect at any time after its
 * invocation, or never). At equal times invocations come first, so operations whose intervals
 * touch are concurrent. From the head of the list the search takes the first invocation whose
 * operation the register allows now (a write always; a read when the register holds its
 * value), linearises it (removes its two events, pushes it) and starts again from the head.
 * Meeting a completion means that operation should already be linearised: the search backtracks
 * by popping the last operation linearised and tries the next candidate after it. It succeeds
 * when no completion is left, and fails when it must backtrack from an empty stack.
 *
 * Lowe's memo: a configuration is the set of linearised operations and the register value; one
 * already explored is not explored again. The memo's size is the number of states explored, and
 * it is bounded in entries and in bytes: past either bound the block's verdict is unknown. */
#include <stdlib.h>
#include <string.h>

#include "history_internal.h"

#define WORD_BITS 64u
#define MEMO_FIRST_ENTRIES 256u  /* the memo's first allocation, entries */
#define MEMO_FIRST_SLOTS 512u    /* its first hash table, slots (a power of two) */
#define MEMO_LOAD_DEN 2u         /* the table is kept at most 1/MEMO_LOAD_DEN full */
#define MEMO_HEADER_WORDS 2u     /* an entry: hash, register value, then the set's words */
/* splitmix64's finaliser (Steele, Lea and Flood): one 64-bit hash per operation index, XORed
 * into the hash of a set as operations join and leave it (Zobrist hashing). */
#define MIX_ADD 0x9e3779b97f4a7c15ull
#define MIX_MUL1 0xbf58476d1ce4e5b9ull
#define MIX_MUL2 0x94d049bb133111ebull
#define MIX_SHIFT1 30
#define MIX_SHIFT2 27
#define MIX_SHIFT3 31
/* Separates the register value's contribution to a state's hash from the operations'. */
#define VALUE_SALT 0x5be0cd19137e2179ull
/* Operations placed last that a violation report names, besides the one that cannot be placed. */
#define FAR_LAST 3u

static uint64_t mix64(uint64_t x)
{
    x += MIX_ADD;
    x = (x ^ (x >> MIX_SHIFT1)) * MIX_MUL1;
    x = (x ^ (x >> MIX_SHIFT2)) * MIX_MUL2;
    return x ^ (x >> MIX_SHIFT3);
}

enum { MEMO_ADDED, MEMO_PRESENT, MEMO_FULL, MEMO_NOMEM };

typedef struct memo {
    uint64_t *arena;        /* entries of `stride` words */
    size_t words, stride;
    size_t count, cap;      /* entries used and allocated */
    uint32_t *table;        /* 1 + entry index; 0 is an empty slot */
    size_t slots;
    size_t max_states, max_bytes;
} memo;

static size_t memo_bytes(const memo *m, size_t cap, size_t slots)
{
    return cap * m->stride * sizeof(uint64_t) + slots * sizeof(uint32_t);
}

static int memo_grow_table(memo *m)
{
    size_t slots = m->slots ? m->slots * 2 : MEMO_FIRST_SLOTS;
    if (memo_bytes(m, m->cap, slots) > m->max_bytes)
        return MEMO_FULL;
    uint32_t *t = calloc(slots, sizeof *t);
    if (!t)
        return MEMO_NOMEM;
    for (size_t e = 0; e < m->count; e++) {
        size_t s = m->arena[e * m->stride] & (slots - 1);
        while (t[s])
            s = (s + 1) & (slots - 1);
        t[s] = (uint32_t)(e + 1);
    }
    free(m->table);
    m->table = t;
    m->slots = slots;
    return MEMO_ADDED;
}

static int memo_grow_arena(memo *m)
{
    size_t cap = m->cap ? m->cap * 2 : MEMO_FIRST_ENTRIES;
    if (cap > m->max_states)
        cap = m->max_states;
    if (memo_bytes(m, cap, m->slots) > m->max_bytes)
        return MEMO_FULL;
    uint64_t *a = realloc(m->arena, cap * m->stride * sizeof *a);
    if (!a)
        return MEMO_NOMEM;
    m->arena = a;
    m->cap = cap;
    return MEMO_ADDED;
}

/* Adds (bits, value) unless it is there. */
static int memo_add(memo *m, uint64_t hash, uint64_t value, const uint64_t *bits)
{
    int rc;
    if ((m->count + 1) * MEMO_LOAD_DEN > m->slots && (rc = memo_grow_table(m)) != MEMO_ADDED)
        return rc;
    size_t mask = m->slots - 1, s = hash & mask;
    for (; m->table[s]; s = (s + 1) & mask) {
        const uint64_t *e = m->arena + (size_t)(m->table[s] - 1) * m->stride;
        if (e[0] == hash && e[1] == value && !memcmp(e + MEMO_HEADER_WORDS, bits, m->words * sizeof *bits))
            return MEMO_PRESENT;
    }
    if (m->count >= m->max_states)
        return MEMO_FULL;
    if (m->count == m->cap && (rc = memo_grow_arena(m)) != MEMO_ADDED)
        return rc;
    uint64_t *e = m->arena + m->count * m->stride;
    e[0] = hash;
    e[1] = value;
    memcpy(e + MEMO_HEADER_WORDS, bits, m->words * sizeof *bits);
    m->table[s] = (uint32_t)(++m->count);
    return MEMO_ADDED;
}

/* One event of the list. */
typedef struct node {
    struct node *prev, *next;
    struct node *ret;       /* an invocation's completion; NULL for an unknown write */
    uint64_t t;
    uint32_t op;
    bool call;
} node;

static int node_cmp(const void *a, const void *b)
{
    const node *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->call != y->call)
        return x->call ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

static void lift(node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    if (n->ret) {
        n->ret->prev->next = n->ret->next;
        n->ret->next->prev = n->ret->prev;
    }
}

static void unlift(node *n)
{
    if (n->ret) {
        n->ret->prev->next = n->ret;
        n->ret->next->prev = n->ret;
    }
    n->prev->next = n;
    n->next->prev = n;
}

typedef struct frame {
    node *call;
    uint64_t held;          /* the register before the call was linearised */
} frame;

/* The furthest the search got: `depth` operations linearised, the register holding `held`,
 * when the completion of `op` was met with `op` not linearised. */
typedef struct furthest {
    size_t depth;
    uint32_t op;
    uint64_t held;
    uint32_t last[FAR_LAST];  /* the operations placed last, latest first */
    size_t n_last;
    bool set;
} furthest;

typedef struct search {
    node *nodes;            /* the events, then the list's head at index 2n */
    frame *stack;
    uint64_t *bits;
    memo memo;
} search;

static void search_free(search *s)
{
    free(s->nodes);
    free(s->stack);
    free(s->bits);
    free(s->memo.arena);
    free(s->memo.table);
}

/* Builds the event list; returns its head, or NULL without memory. */
static node *build(search *s, const hk_op *ops, size_t n, size_t *completions)
{
    size_t words = (n + WORD_BITS - 1) / WORD_BITS;
    s->nodes = malloc((2 * n + 1) * sizeof *s->nodes);
    s->stack = malloc((n ? n : 1) * sizeof *s->stack);
    s->bits = calloc(words ? words : 1, sizeof *s->bits);
    if (!s->nodes || !s->stack || !s->bits)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        s->nodes[k++] = (node){.t = ops[i].inv, .op = (uint32_t)i, .call = true};
        if (ops[i].comp != HK_NEVER)
            s->nodes[k++] = (node){.t = ops[i].comp, .op = (uint32_t)i, .call = false};
    }
    *completions = k - n;
    qsort(s->nodes, k, sizeof *s->nodes, node_cmp);
    /* each completion's invocation comes before it: link them through a per-operation slot */
    node **call_of = malloc((n ? n : 1) * sizeof *call_of);
    if (!call_of)
        return NULL;
    for (size_t i = 0; i < k; i++) {
        if (s->nodes[i].call)
            call_of[s->nodes[i].op] = &s->nodes[i];
        else
            call_of[s->nodes[i].op]->ret = &s->nodes[i];
    }
    free(call_of);
    node *head = &s->nodes[k];
    *head = (node){.prev = k ? &s->nodes[k - 1] : head, .next = k ? &s->nodes[0] : head};
    for (size_t i = 0; i < k; i++) {
        s->nodes[i].prev = i ? &s->nodes[i - 1] : head;
        s->nodes[i].next = i + 1 < k ? &s->nodes[i + 1] : head;
    }
    s->memo.words = words;
    s->memo.stride = MEMO_HEADER_WORDS + words;
    return head;
}

static bool overlaps(const hk_op *a, const hk_op *b)
{
    return a->inv <= b->comp && b->inv <= a->comp;
}

static const hk_op *writer_in(const hk_block *b, uint64_t value)
{
    ptrdiff_t w = hk_writer(b, value);
    return w < 0 ? NULL : &b->ops[w];
}

static bool placed_last(const furthest *f, size_t op)
{
    for (size_t k = 0; k < f->n_last; k++)
        if (f->last[k] == op)
            return true;
    return false;
}

/* A read with what it returned. */
static void say_result(hk_report *r, const hk_op *o)
{
    hk_say_op(r, o);
    if (!o->write)
        hk_say(r, " (returned %llu)", (unsigned long long)o->value);
}

/* "no order ... fits: ... then X cannot be placed: the block holds ...; overlapping it: ..." */
static void say_violation(const hk_block *b, const hk_op *ops, size_t n, const furthest *f, hk_report *r)
{
    const hk_op *x = &ops[f->op];
    r->rule = MC_HISTORY_RULE_SEARCH;
    hk_say(r, "block %llu: no order of its %zu operations fits a register; the longest order found "
              "places %zu of them, then the ", (unsigned long long)b->key, n, f->depth);
    hk_say_op(r, x);
    if (!x->write)
        hk_say(r, ", which returned %llu,", (unsigned long long)x->value);
    hk_say(r, " cannot be placed before it completes: the block holds ");
    const hk_op *held = f->held == MC_HISTORY_VALUE_INITIAL ? NULL : writer_in(b, f->held);
    if (held) {
        hk_say(r, "%llu from the ", (unsigned long long)f->held);
        hk_say_op(r, held);
    } else {
        hk_say(r, "its initial value 0");
    }
    const hk_op *wx = x->write ? NULL : writer_in(b, x->value);
    if (wx) {
        hk_say(r, "; %llu came from the ", (unsigned long long)x->value);
        hk_say_op(r, wx);
    }
    const char *sep = "; placed last before it: ";
    for (size_t k = 0; k < f->n_last; k++) {
        const hk_op *o = &ops[f->last[k]];
        if ((held && o->src == held->src) || (wx && o->src == wx->src))
            continue;
        hk_say(r, "%s", sep);
        say_result(r, o);
        sep = ", ";
    }
    sep = "; overlapping it: ";
    for (size_t i = 0; i < n && r->n_culprits < MC_HISTORY_CULPRITS_MAX; i++) {
        const hk_op *o = &ops[i];
        if (i == f->op || (held && o->src == held->src) || (wx && o->src == wx->src) || !overlaps(o, x) ||
            placed_last(f, i))
            continue;
        hk_say(r, "%s", sep);
        say_result(r, o);
        sep = ", ";
    }
}

static enum hk_outcome bound(const hk_ctx *c, const hk_block *b, size_t n, const memo *m, hk_report *r)
{
    hk_say(r, "block %llu: the search of its %zu operations stopped undecided after %zu states "
              "(bounds: %zu states, %zu bytes of memo)", (unsigned long long)b->key, n, m->count,
           c->max_states, c->max_memo_bytes);
    return HK_BOUND;
}

enum hk_outcome hk_search(const hk_ctx *c, const hk_block *b, const hk_op *ops, size_t n,
                          hk_report *r, size_t *states)
{
    search s = {.memo = {.max_states = c->max_states, .max_bytes = c->max_memo_bytes}};
    size_t left = 0;
    node *head = build(&s, ops, n, &left);
    if (!head) {
        search_free(&s);
        return HK_NOMEM;
    }
    enum hk_outcome result = HK_LINEARIZABLE;
    furthest far = {0};
    size_t depth = 0;
    uint64_t held = MC_HISTORY_VALUE_INITIAL, hash = 0;
    node *e = head->next;
    while (left > 0) {
        if (e->call) {
            const hk_op *o = &ops[e->op];
            if (o->write || o->value == held) {
                uint64_t now = o->write ? o->value : held;
                uint64_t h = hash ^ mix64(e->op);
                s.bits[e->op / WORD_BITS] |= 1ull << (e->op % WORD_BITS);
                int rc = memo_add(&s.memo, h ^ mix64(now ^ VALUE_SALT), now, s.bits);
                if (rc == MEMO_ADDED) {
                    s.stack[depth++] = (frame){.call = e, .held = held};
                    held = now;
                    hash = h;
                    left -= e->ret != NULL;
                    lift(e);
                    e = head->next;
                    continue;
                }
                s.bits[e->op / WORD_BITS] &= ~(1ull << (e->op % WORD_BITS));
                if (rc != MEMO_PRESENT) {
                    result = rc == MEMO_FULL ? bound(c, b, n, &s.memo, r) : HK_NOMEM;
                    break;
                }
            }
            e = e->next;
            continue;
        }
        if (!far.set || depth > far.depth) {
            far = (furthest){.depth = depth, .op = e->op, .held = held, .set = true};
            for (size_t k = depth; k > 0 && far.n_last < FAR_LAST; k--)
                far.last[far.n_last++] = s.stack[k - 1].call->op;
        }
        if (depth == 0) {
            say_violation(b, ops, n, &far, r);
            result = HK_VIOLATION;
            break;
        }
        frame f = s.stack[--depth];
        held = f.held;
        hash ^= mix64(f.call->op);
        s.bits[f.call->op / WORD_BITS] &= ~(1ull << (f.call->op % WORD_BITS));
        left += f.call->ret != NULL;
        unlift(f.call);
        e = f.call->next;
    }
    *states += s.memo.count;
    search_free(&s);
    return result;
}
