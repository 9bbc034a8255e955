/* The mutant table: one switch per claim element; the suite must catch every one. */
#include "spi_dev.h"

const mc_mutant_def mc_spi_mutants[] = {
#define MC_SPI_MUTANT_DEF(id, name, roles, clause, what, side, rule) MC_MUTANT_ROW(id, name, roles, clause, what)
    MC_SPI_MUTANTS(MC_SPI_MUTANT_DEF)
#undef MC_SPI_MUTANT_DEF
};
const size_t mc_spi_nmutants = sizeof mc_spi_mutants / sizeof mc_spi_mutants[0];

static const int sides[] = {
#define MC_SPI_MUTANT_SIDE(id, name, roles, clause, what, side, rule) MC_SPI_SIDE_##side,
    MC_SPI_MUTANTS(MC_SPI_MUTANT_SIDE)
#undef MC_SPI_MUTANT_SIDE
};

static const char *const rules[] = {
#define MC_SPI_MUTANT_RULE(id, name, roles, clause, what, side, rule) rule,
    MC_SPI_MUTANTS(MC_SPI_MUTANT_RULE)
#undef MC_SPI_MUTANT_RULE
};

unsigned mc_spi_mutant_bit(size_t i)
{
    return i < mc_spi_nmutants ? 1u << i : 0;
}

int mc_spi_mutant_side(size_t i)
{
    return i < mc_spi_nmutants ? sides[i] : MC_SPI_SIDE_TARGET;
}

const char *mc_spi_mutant_rule(size_t i)
{
    return i < mc_spi_nmutants ? rules[i] : "";
}
