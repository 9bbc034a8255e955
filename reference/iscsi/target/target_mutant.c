#include "target_mutant.h"

const mc_mutant_def mc_target_mutants[] = {MC_TARGET_MUTANTS(MC_MUTANT_ROW)};
const size_t mc_target_nmutants = sizeof(mc_target_mutants) / sizeof(mc_target_mutants[0]);
