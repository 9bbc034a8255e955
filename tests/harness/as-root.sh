#!/bin/sh
# Runs its arguments when the user is root; otherwise exits 77, which ctest reports as skipped
# (SKIP_RETURN_CODE), never as passed. For tests of daemons that need root, such as tgtd.
if [ "$(id -u)" != 0 ]; then
    echo "skipped: needs root"
    exit 77
fi
exec "$@"
