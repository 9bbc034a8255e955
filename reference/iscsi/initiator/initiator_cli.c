#include "initiator_cli.h"

#include <stdio.h>
#include <string.h>

#include "mirror.h"

/* Replaced by the initiator implementation; present so the program links while it is written. */
int mc_initiator_main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "console") == 0)  /* the multicast mirroring console */
        return mc_mcast_console_main(argc - 1, argv + 1);
    fprintf(stderr, "mirrorcert: the iSCSI initiator is not built yet\n");
    return 2;
}
