/* Signal names shared by the VCD writer and reader: one table, both directions. */
#ifndef MC_SPI_VCD_COMMON_H
#define MC_SPI_VCD_COMMON_H

#include "spi_bus.h"

typedef struct vcd_line {
    const char *name;
    uint32_t bit;
} vcd_line;

static const vcd_line vcd_lines[] = {
    {"BSY", MC_SPI_BSY}, {"SEL", MC_SPI_SEL}, {"RST", MC_SPI_RST}, {"ATN", MC_SPI_ATN},
    {"ACK", MC_SPI_ACK}, {"REQ", MC_SPI_REQ}, {"CD", MC_SPI_CD},   {"IO", MC_SPI_IO},
    {"MSG", MC_SPI_MSG}, {"DBP", MC_SPI_DBP}, {"DBP1", MC_SPI_DBP1},
};
#define VCD_NLINES (sizeof vcd_lines / sizeof vcd_lines[0])
#define VCD_DB_WIDTH 16u
#define VCD_DRIVE_WIDTH 32u
#define VCD_ID_FIRST '!'        /* identifiers are printable ASCII from '!' to '~' */
#define VCD_ID_LAST '~'
#define VCD_SCOPE "scsi"
#define VCD_DB_NAME "DB"
#define VCD_DRIVE_PREFIX "drv"

#endif
