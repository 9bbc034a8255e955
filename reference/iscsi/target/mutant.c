#include "mutant.h"

#include <string.h>

typedef struct mutant_desc {
    const char *name;
    const char *what;
} mutant_desc;

static const mutant_desc mutants[MC_MUTANT_COUNT] = {
    [MC_MUTANT_NONE] = {"none", "conformant behaviour"},
#define MC_MUTANT_DESC(id, name, what) [MC_MUTANT_##id] = {name, what},
    MC_MUTANTS(MC_MUTANT_DESC)
#undef MC_MUTANT_DESC
};

int mc_mutant_by_name(const char *name)
{
    for (int i = 0; i < MC_MUTANT_COUNT; i++)
        if (strcmp(mutants[i].name, name) == 0)
            return i;
    return -1;
}

const char *mc_mutant_name(int mutant)
{
    if (mutant < 0 || mutant >= MC_MUTANT_COUNT)
        return "?";
    return mutants[mutant].name;
}

void mc_mutant_list(FILE *out)
{
    for (int i = 1; i < MC_MUTANT_COUNT; i++)
        fprintf(out, "%-32s %s\n", mutants[i].name, mutants[i].what);
}
