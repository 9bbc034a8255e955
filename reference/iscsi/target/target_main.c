#include "target.h"

#include <stdio.h>

/* Replaced by the target implementation; present so the program links while it is written. */
int mc_target_main(int argc, char **argv)
{
    fprintf(stderr, "mirrorcert: the iSCSI target is not built yet\n");
    return 2;
}
