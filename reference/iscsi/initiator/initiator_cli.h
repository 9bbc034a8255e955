/* The reference initiator's small command-line front end. */
#ifndef MC_ISCSI_INITIATOR_CLI_H
#define MC_ISCSI_INITIATOR_CLI_H

/* `mirrorcert initiator ...`: returns a process exit status (0 ok, 1 failure, 2 usage). The
 * program sends `initiator console` to the mirroring console (mirror.h) instead; the usage text
 * names it so the two read as one command. */
int mc_initiator_main(int argc, char **argv);

#endif
