/* The reference iSCSI target: an event-driven RFC 7143 target serving many sessions. */
#ifndef MC_ISCSI_TARGET_H
#define MC_ISCSI_TARGET_H

/* `mirrorcert serve iscsi-target ...`: parses its arguments, prints one ready line, serves until
 * SIGTERM/SIGINT. Returns a process exit status (0 clean stop, 2 usage, 1 runtime error). */
int mc_target_main(int argc, char **argv);

#endif
