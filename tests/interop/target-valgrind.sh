#!/bin/bash
# Runs the reference target under Valgrind memcheck while libiscsi's conformance suite
# (iscsi-test-cu -d, the ALL family: every distinct test once) exercises it, then stops it with
# SIGTERM. Passes when Valgrind reports no errors and no definitely or indirectly lost memory.
# Usage: target-valgrind.sh MIRRORCERT WORKDIR [TESTS]   (TESTS: an iscsi-test-cu -t spec, default ALL)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $0 MIRRORCERT WORKDIR [TESTS]" >&2; exit 2; }
bin=$1
MC_WORK=$2
tests=${3:-ALL}
suite_seconds=${MC_CU_TIMEOUT:-1500}
mkdir -p "$MC_WORK" || exit 1
[ -x "$bin" ] || mc_die "$bin is not executable"
command -v valgrind >/dev/null || mc_die "valgrind not installed"
command -v iscsi-test-cu >/dev/null || mc_die "iscsi-test-cu not installed (Debian package libiscsi-bin)"
trap 'mc_stop_ours 10' EXIT

iqn=iqn.2026-11.org.mirrorcert:valgrind
vglog="$MC_WORK/valgrind.log"
rm -f "$MC_WORK/lun.img" "$vglog"
start=$(date +%s)
MC_READY_SECONDS=180 mc_start_ours "$bin" "$iqn" "$MC_WORK/lun.img" "$MC_WORK/target.log" \
    valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --track-fds=no --log-file="$vglog"
port=$MC_OURS_PORT
(cd "$MC_WORK" && timeout -k 10 "$suite_seconds" iscsi-test-cu -d -t "$tests" \
    "iscsi://127.0.0.1:$port/$iqn/1" >"$MC_WORK/suite.log" 2>&1)
suite_rc=$?
[ $suite_rc -eq 124 ] || [ $suite_rc -eq 137 ] && mc_die "iscsi-test-cu did not finish within ${suite_seconds}s"
mc_cu_parse "$MC_WORK/suite.log" >"$MC_WORK/results"
stop_rc=0
mc_stop_ours 120 || stop_rc=$?
echo "iscsi-test-cu -t $tests under valgrind: $(grep -c '^pass ' "$MC_WORK/results") pass," \
     "$(grep -c '^skip ' "$MC_WORK/results") skip, $(grep -c '^fail ' "$MC_WORK/results") fail" \
     "in $(( $(date +%s) - start ))s"
[ -s "$MC_WORK/results" ] || mc_die "the suite produced no results (see $MC_WORK/suite.log)"
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost' "$vglog" | sed 's/^==[0-9]*== //'
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$vglog" | tail -1)
[ -n "$errors" ] || mc_die "no Valgrind summary in $vglog (the target did not exit cleanly?)"
[ "$errors" -eq 0 ] || mc_die "Valgrind reported $errors errors (see $vglog)"
[ $stop_rc -eq 0 ] || mc_die "the target under Valgrind exited with status $stop_rc after SIGTERM (see $vglog)"
echo "ok: no memory errors and nothing definitely lost in the reference target"
