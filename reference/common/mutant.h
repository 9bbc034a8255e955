/* Mutants: switches that each break one rule on purpose, so a conformance suite can show it
 * catches the breakage. Every reference device lists its mutants in this one format, and prints
 * them the same way for `--mutant list`, which the harness and the mutant proof read. */
#ifndef MC_COMMON_MUTANT_H
#define MC_COMMON_MUTANT_H

#include <stddef.h>
#include <stdio.h>

typedef struct mc_mutant_def {
    const char *name;    /* lower case and dashes, unique in the program: "r2t-offset-wrong" */
    const char *roles;   /* the vector roles (space-separated) whose vectors can catch it */
    const char *clause;  /* the claim elements or RFC sections it breaks: "000:11 000:10" */
    const char *breaks;  /* what it does wrong, one sentence */
} mc_mutant_def;

/* A device's table is an X-macro X(ID, "name", "roles", "clause", "what it breaks"); this row
 * turns it into an initialiser of mc_mutant_def. */
#define MC_MUTANT_ROW(id, name, roles, clause, what) {name, roles, clause, what},

/* The index + 1 of name in defs; 0 for NULL, "" or "none" (conformant); -1 when unknown. */
int mc_mutant_lookup(const mc_mutant_def *defs, size_t n, const char *name);
/* One line per mutant: NAME TAB ROLES TAB CLAUSE TAB WHAT. */
void mc_mutant_print(FILE *out, const mc_mutant_def *defs, size_t n);

#endif
