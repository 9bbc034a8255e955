/* The mirror engine's mutants, in the project's one table format (reference/common/mutant.h):
 * each breaks one claim element of 004 or one invariant of a replicated store. */
#include "engine_int.h"

const mc_mutant_def mc_vsan_mutants[] = {MC_VSAN_MUTANTS(MC_MUTANT_ROW)};
const size_t mc_vsan_mutant_count = sizeof mc_vsan_mutants / sizeof mc_vsan_mutants[0];
