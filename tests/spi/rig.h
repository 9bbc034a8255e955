/* A test bench: one bus, a host adapter at ID 7 and disks on memory LUNs. */
#ifndef MC_SPI_TEST_RIG_H
#define MC_SPI_TEST_RIG_H

#include "spi_dev.h"
#include "spi_trace.h"

#define RIG_MAX_DISKS 7u
#define RIG_HOST_ID 7u
#define RIG_BLOCK 512u

typedef struct rig {
    mc_spi_bus *bus;
    mc_spi_host *host;
    mc_spi_disk *disk[RIG_MAX_DISKS];
    mc_lun_set *luns[RIG_MAX_DISKS];
    unsigned ids[RIG_MAX_DISKS];
    unsigned n;
    mc_spi_trace *trace;
    char err[256];
} rig;

typedef struct rig_opts {
    int speed;                 /* 0 async, 1 Fast-20 narrow, 2 Ultra320 wide */
    unsigned ndisks;
    uint64_t lun_blocks;
    unsigned disk_mutants, host_mutants;
    bool raw;
    bool disconnect;
    int retransfer;
    bool trace;
    bool incapable_last;       /* the last disk is a standard target */
    uint64_t wait_ns;          /* host wait limit; 0 = a short test default */
} rig_opts;

int rig_open(rig *r, const rig_opts *o);
void rig_close(rig *r);
/* Negotiates with and discovers every disk as group 0, IDs 0..n-1 in disk order. */
int rig_setup(rig *r);
int rig_run(rig *r);
/* Queues a silent write of `blocks` blocks of data at lba to disks in `order` (indexes). */
int rig_silent(rig *r, const unsigned *order, unsigned n, uint32_t lba, uint32_t blocks,
               const uint8_t *data, bool status_now);
bool rig_disk_has(rig *r, unsigned disk, uint32_t lba, const uint8_t *data, size_t len);
void rig_pattern(uint8_t *buf, size_t len, unsigned seed);

#endif
