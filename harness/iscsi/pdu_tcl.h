/* iSCSI PDUs as Tcl values (mod_iscsi_dict.c): the decoded dicts every module shows vectors,
 * PDUs built from field lists, text segments as key lists, field predicates. Shared by the
 * modules that carry iSCSI PDUs (iscsi, mcast); every name comes from the one field table. */
#ifndef MC_HARNESS_PDU_TCL_H
#define MC_HARNESS_PDU_TCL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tcl.h>

#include "pdu.h"

Tcl_Obj *mc_pdu_to_dict(const mc_pdu *p, bool outbound, double time_s);
int mc_opcode_from_obj(Tcl_Interp *interp, Tcl_Obj *o, uint8_t *op);
/* Applies "field value" pairs; names unknown for the opcode give an error listing valid ones. */
int mc_pdu_apply_fields(Tcl_Interp *interp, mc_pdu *p, Tcl_Obj *const *pairs, int n, bool given[MC_F_COUNT]);
/* key=value NUL-separated text (RFC 7143 6.1) from/to a flat Tcl list. */
int mc_text_encode(Tcl_Interp *interp, Tcl_Obj *kv, Tcl_DString *out);
Tcl_Obj *mc_text_decode(const uint8_t *data, size_t len);
int mc_pred_match(Tcl_Interp *interp, Tcl_Obj *pdu, Tcl_Obj *pred, bool *match);
int mc_hex_decode(Tcl_Interp *interp, const char *hex, uint8_t *out, size_t max, size_t *len);

#endif
