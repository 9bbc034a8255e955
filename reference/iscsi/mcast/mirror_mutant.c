/* The mirroring initiator's mutant table (rows from MC_MIRROR_MUTANTS). */
#include "mirror.h"

const mc_mutant_def mc_mirror_mutants[] = {MC_MIRROR_MUTANTS(MC_MUTANT_ROW)};
const size_t mc_mirror_nmutants = sizeof(mc_mirror_mutants) / sizeof(mc_mirror_mutants[0]);

const char *mc_mirror_mutant_name(int m)
{
    if (m == MC_MIRROR_MUTANT_NONE)
        return "none";
    return m > 0 && m < MC_MIRROR_MUTANT_COUNT ? mc_mirror_mutants[m - 1].name : "?";
}
