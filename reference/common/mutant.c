#include "mutant.h"

#include <string.h>

int mc_mutant_lookup(const mc_mutant_def *defs, size_t n, const char *name)
{
    if (name == NULL || name[0] == '\0' || strcmp(name, "none") == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(defs[i].name, name) == 0)
            return (int)i + 1;
    return -1;
}

void mc_mutant_print(FILE *out, const mc_mutant_def *defs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s\t%s\t%s\t%s\n", defs[i].name, defs[i].roles, defs[i].clause, defs[i].breaks);
}
