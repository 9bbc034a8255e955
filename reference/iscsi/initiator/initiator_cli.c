#include "initiator_cli.h"

#include <stdio.h>

/* Replaced by the initiator implementation; present so the program links while it is written. */
int mc_initiator_main(int argc, char **argv)
{
    fprintf(stderr, "mirrorcert: the iSCSI initiator is not built yet\n");
    return 2;
}
