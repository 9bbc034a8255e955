/* Phase names and odd parity. */
#include "spi_bus.h"

const char *mc_spi_phase_name(uint32_t lines)
{
    switch (lines & MC_SPI_PHASE_MASK) {
    case MC_SPI_DATA_OUT: return "DATA OUT";
    case MC_SPI_DATA_IN: return "DATA IN";
    case MC_SPI_COMMAND: return "COMMAND";
    case MC_SPI_STATUS: return "STATUS";
    case MC_SPI_MSG_OUT: return "MESSAGE OUT";
    case MC_SPI_MSG_IN: return "MESSAGE IN";
    default: return "RESERVED";
    }
}

bool mc_spi_phase_legal(uint32_t lines)
{
    uint32_t ph = lines & MC_SPI_PHASE_MASK;
    return ph != MC_SPI_MSG && ph != (MC_SPI_MSG | MC_SPI_IO);
}

bool mc_spi_parity(uint8_t byte) { return (__builtin_popcount(byte) & 1) == 0; }

uint32_t mc_spi_db_byte(uint8_t b) { return MC_SPI_DB_WORD(b) | (mc_spi_parity(b) ? MC_SPI_DBP : 0); }

uint32_t mc_spi_db_word(uint16_t w)
{
    return MC_SPI_DB_WORD(w) | (mc_spi_parity((uint8_t)w) ? MC_SPI_DBP : 0) |
           (mc_spi_parity((uint8_t)(w >> 8)) ? MC_SPI_DBP1 : 0);
}

bool mc_spi_parity_ok(uint32_t lines, bool wide)
{
    uint16_t db = MC_SPI_DB(lines);
    if (mc_spi_parity((uint8_t)db) != ((lines & MC_SPI_DBP) != 0))
        return false;
    return !wide || mc_spi_parity((uint8_t)(db >> 8)) == ((lines & MC_SPI_DBP1) != 0);
}
