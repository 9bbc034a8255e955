/* The run's capture: one pcap file (core/pcap_writer.h) that every module writes its traffic
 * into. The runner opens it with `capture open FILE` in the main interpreter; a module finds it
 * from any vector's child interpreter with mc_capture_for and holds a reference while it writes. */
#ifndef MC_HARNESS_CAPTURE_H
#define MC_HARNESS_CAPTURE_H

#include <tcl.h>

#include "pcap_writer.h"

/* The capture open in interp or its nearest parent; NULL when none is open. The caller takes a
 * reference (mc_pcap_ref) for as long as it writes. */
mc_pcap *mc_capture_for(Tcl_Interp *interp);

/* `capture open FILE | close | info`. */
int mc_mod_capture_init(Tcl_Interp *interp);

#endif
