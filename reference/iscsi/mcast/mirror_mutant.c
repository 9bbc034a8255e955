/* The mirroring initiator's mutant table (names and descriptions from MC_MIRROR_MUTANTS). */
#include <string.h>

#include "mirror.h"

static const struct {
    const char *name, *what;
} table[] = {
    {"none", "conformant"},
#define MC_MIRROR_MUTANT_ROW(id, name, what) {name, what},
    MC_MIRROR_MUTANTS(MC_MIRROR_MUTANT_ROW)
#undef MC_MIRROR_MUTANT_ROW
};

int mc_mirror_mutant_by_name(const char *name)
{
    for (int i = 0; i < MC_MIRROR_MUTANT_COUNT; i++)
        if (strcmp(table[i].name, name) == 0)
            return i;
    return -1;
}

const char *mc_mirror_mutant_name(int m)
{
    return m >= 0 && m < MC_MIRROR_MUTANT_COUNT ? table[m].name : "?";
}

void mc_mirror_mutant_list(FILE *out)
{
    for (int i = 1; i < MC_MIRROR_MUTANT_COUNT; i++)
        fprintf(out, "%-30s %s\n", table[i].name, table[i].what);
}
