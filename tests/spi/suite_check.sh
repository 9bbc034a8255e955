#!/bin/sh
# The spi suite passes on the reference devices and fails on every mutant of `spi mutants`.
# usage: suite_check.sh MIRRORCERT
set -u
mc=$1
"$mc" run --suite spi --device spi-sim >/tmp/spi-suite.$$ 2>&1
rc=$?
tail -1 /tmp/spi-suite.$$
if [ $rc -ne 0 ]; then
    cat /tmp/spi-suite.$$
    rm -f /tmp/spi-suite.$$
    echo "reference devices: exit $rc, expected 0"
    exit 1
fi
bad=0
for m in leader_drops_bsy participant_no_phase no_status_reselect leader_keeps_bsy ignore_group \
         status_order bad_parity no_last_indicator select_participant wrong_gid no_release; do
    "$mc" run --suite spi --device spi-sim --mutant "$m" >/tmp/spi-suite.$$ 2>&1
    rc=$?
    echo "mutant $m: $(tail -1 /tmp/spi-suite.$$)"
    if [ $rc -ne 1 ]; then
        echo "mutant $m: exit $rc, expected 1 (caught)"
        bad=1
    fi
done
rm -f /tmp/spi-suite.$$
exit $bad
