/* Shared pieces of the composite exchanges of the `iscsi` command (login, text, SCSI). */
#ifndef MC_MOD_ISCSI_FLOW_H
#define MC_MOD_ISCSI_FLOW_H

#include "mod_iscsi.h"

#define MC_US_PER_MS 1000
/* A login that needs more round trips than this is a babbling peer. */
#define MC_FLOW_MAX_ROUND_TRIPS 64
#define FIELD(d, name) mc_flow_wide(d, name)

/* A dict's integer field, -1 when absent; a dict's value, NULL when absent. */
Tcl_WideInt mc_flow_wide(Tcl_Obj *d, const char *name);
Tcl_Obj *mc_flow_obj(Tcl_Obj *d, const char *name);
int mc_flow_remaining_ms(Tcl_WideInt deadline);
/* Waits for the next PDU of task itt (or a Reject quoting it); others stay queued. */
int mc_flow_next_for_task(Tcl_Interp *interp, mc_iconn *c, uint32_t itt, Tcl_WideInt deadline, Tcl_Obj **out);
/* Sends p with defaults filled, appending its dict to pdus (may be NULL). */
int mc_flow_send(Tcl_Interp *interp, mc_iconn *c, mc_pdu *p, bool given[MC_F_COUNT], Tcl_Obj *pdus);
int mc_flow_set_data(Tcl_Interp *interp, mc_pdu *p, const uint8_t *b, size_t n);
uint32_t mc_flow_key_u32(Tcl_Obj *keys, const char *name, uint32_t dflt);

#endif
