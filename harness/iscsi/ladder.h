/* A ladder: a bounded, compact record of the PDUs (and group datagrams) a vector exchanged, for
 * the ladder diagram of the report. Each entry is {time conn dir op fields}: the wall clock in
 * microseconds (so the records of several modules merge by time), a connection or "group", out
 * (from the harness) or in, the opcode or datagram name, and a dict of BHS fields without data.
 * The first MC_LADDER_HEAD and the last MC_LADDER_TAIL entries are kept, the middle counted
 * (our choice: a diagram a reader can follow; the capture has them all). */
#ifndef MC_LADDER_H
#define MC_LADDER_H

#include <stdbool.h>
#include <tcl.h>

#define MC_LADDER_HEAD 48
#define MC_LADDER_TAIL 48

typedef struct mc_ladder {
    Tcl_Obj *entries;             /* NULL until the first */
    Tcl_WideInt seen, dropped;
} mc_ladder;

/* Microseconds of the wall clock (Tcl's `clock microseconds`). */
Tcl_WideInt mc_ladder_now_us(void);
/* The fields of a PDU dict (mc_pdu_to_dict) worth a diagram: its BHS fields and the sense
 * triple as sense_key, sense_asc, sense_ascq; never data. */
Tcl_Obj *mc_ladder_fields(Tcl_Obj *pdu_dict);
/* Adds one entry; fields may be NULL. */
void mc_ladder_add(mc_ladder *l, Tcl_WideInt wall_us, const char *conn, const char *dir, const char *op,
                   Tcl_Obj *fields);
/* Adds a PDU dict (mc_pdu_to_dict): its direction, opcode name and fields. */
void mc_ladder_add_pdu(mc_ladder *l, Tcl_WideInt wall_us, const char *conn, Tcl_Obj *pdu_dict);
/* {pdus LIST dropped N head H}. */
Tcl_Obj *mc_ladder_obj(const mc_ladder *l);
void mc_ladder_free(mc_ladder *l);

#endif
