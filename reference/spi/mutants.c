/* The mutant table: one switch per claim element; the suite must catch every one. */
#include <string.h>

#include "spi_dev.h"

const mc_spi_mutant_info mc_spi_mutants[] = {
    {MC_MUT_LEADER_DROPS_BSY, "leader_drops_bsy", "target", "001:2 001:3 001:12 001:13",
     "the leader releases BSY when it hands the phase lines over", "sm_bus_free_in_op"},
    {MC_MUT_PARTICIPANT_NO_PHASE, "participant_no_phase", "target", "001:5 001:15",
     "a participant REQs its block without driving the phase lines", "req_without_phase_lines"},
    {MC_MUT_NO_STATUS_RESELECT, "no_status_reselect", "target", "001:9 001:19",
     "participants after the leader never reselect to return status", "sm_status_missing"},
    {MC_MUT_LEADER_KEEPS_BSY, "leader_keeps_bsy", "target", "001:4 001:14",
     "the leader ignores the release message and keeps BSY", "sm_release_no_bus_free"},
    {MC_MUT_IGNORE_GROUP, "ignore_group", "target", "001:7 001:17",
     "a participant answers to its ID nibble in any group", "two_drivers"},
    {MC_MUT_STATUS_ORDER, "status_order", "target", "001:9 001:19",
     "participants reselect for status in ID priority, not in transfer order", "sm_status_order"},
    {MC_MUT_BAD_PARITY, "bad_parity", "target", "SPI odd parity",
     "the target drives even parity on DB(P)", "parity"},
    {MC_MUT_NO_LAST, "no_last_indicator", "host", "001:8 001:18",
     "the switch-role message for the final participant lacks the last indicator", "sm_no_last_indicator"},
    {MC_MUT_SELECT_PARTICIPANT, "select_participant", "host", "001:1 001:11 001:20",
     "each participant gets its block through its own selection (a nexus)", "sm_participant_selected"},
    {MC_MUT_WRONG_GID, "wrong_gid", "host", "001:7 001:17",
     "switch-role messages carry the SCSI ID instead of the assigned group/ID", "sm_unassigned_gid"},
    {MC_MUT_NO_RELEASE, "no_release", "host", "001:4 001:14",
     "the host never sends the release message", "sm_no_release"},
};
const size_t mc_spi_mutant_count = sizeof mc_spi_mutants / sizeof mc_spi_mutants[0];

const mc_spi_mutant_info *mc_spi_mutant_find(const char *name)
{
    for (size_t i = 0; i < mc_spi_mutant_count; i++)
        if (strcmp(mc_spi_mutants[i].name, name) == 0)
            return &mc_spi_mutants[i];
    return NULL;
}
