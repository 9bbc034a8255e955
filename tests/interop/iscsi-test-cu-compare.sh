#!/bin/bash
# Runs libiscsi's conformance suite (iscsi-test-cu -d, every test) against the reference target and
# against tgtd on loopback, the two targets at once, prints pass/skip/fail per target, and fails
# when the reference target fails a test that tgtd passes. iscsi-test-cu counts skipped tests as passed; here a test that
# printed [SKIPPED] is counted as a skip, never as a pass.
# Usage: iscsi-test-cu-compare.sh MIRRORCERT WORKDIR   (MIRRORCERT "-" runs tgtd alone)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 MIRRORCERT|- WORKDIR" >&2; exit 2; }
bin=$1
MC_WORK=$2
run_seconds=${MC_CU_TIMEOUT:-600}
mkdir -p "$MC_WORK" || exit 1
command -v iscsi-test-cu >/dev/null || mc_die "iscsi-test-cu not installed (Debian package libiscsi-bin)"
# The LUN files live in memory (/dev/shm) where there is one: the suite writes and flushes them
# thousands of times, and the targets, not the host's disk, are under test.
luns=$(mktemp -d "${MC_LUN_DIR:-/dev/shm}/cu-luns.XXXXXX" 2>/dev/null || mktemp -d "$MC_WORK/luns.XXXXXX") ||
    mc_die "cannot create a folder for the LUN files"
trap 'mc_stop_ours 10; mc_stop_tgtd; rm -rf "$luns"' EXIT

# run_suite NAME URL: the verbose run (per-test result and skip notices) and the -x run (CUnit XML).
run_suite() {
    local name=$1 url=$2 dir="$MC_WORK/$1" start rc
    rm -rf "$dir"; mkdir -p "$dir"
    start=$(date +%s)
    (cd "$dir" && timeout -k 10 "$run_seconds" iscsi-test-cu -d "$url" >verbose.log 2>&1)
    rc=$?
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && mc_die "$name: iscsi-test-cu did not finish within ${run_seconds}s"
    (cd "$dir" && timeout -k 10 "$run_seconds" iscsi-test-cu -d -x "$url" >xml-mode.log 2>&1)
    rc=$?
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && mc_die "$name: iscsi-test-cu -x did not finish within ${run_seconds}s"
    echo $(( $(date +%s) - start )) >"$dir/seconds"
    mc_cu_parse "$dir/verbose.log" >"$dir/results"
    [ -s "$dir/results" ] || mc_die "$name: no test results in $dir/verbose.log"
    local listed parsed
    listed=$(grep -c '^  Test: ' "$dir/verbose.log")
    parsed=$(wc -l <"$dir/results")
    [ "$listed" -eq "$parsed" ] || mc_die "$name: $listed tests started but $parsed results parsed"
    [ -f "$dir/CUnitAutomated-Results.xml" ] || mc_die "$name: iscsi-test-cu -x wrote no CUnit XML"
}

count() { grep -c "^$2 " "$MC_WORK/$1/results" || true; }

iqn_ours=iqn.2026-11.org.mirrorcert:cu-ours
iqn_tgtd=iqn.2026-11.org.mirrorcert:cu-tgtd
port_tgtd=$(mc_free_port) || mc_die "no free port"
ctl_tgtd=$(mc_free_ctl_port) || mc_die "no free port"
truncate -s 64M "$luns/tgtd-lun.img" || exit 1
mc_start_tgtd "$port_tgtd" "$ctl_tgtd" "$iqn_tgtd" "$luns/tgtd-lun.img" "$MC_WORK/tgtd.log"
targets="tgtd"
if [ "$bin" != "-" ]; then
    [ -x "$bin" ] || mc_die "$bin is not executable"
    port_ours=$(mc_free_port) || mc_die "no free port"
    mc_start_ours "$bin" "$port_ours" "$iqn_ours" "$luns/ours-lun.img" "$MC_WORK/ours.log"
    targets="tgtd ours"
fi

# The two targets share nothing (ports, LUN files, processes): their runs go at once, each in a
# subshell whose failure (mc_die) is its exit status.
run_suite tgtd "iscsi://127.0.0.1:$port_tgtd/$iqn_tgtd/1" &
tgtd_run=$!
if [ "$bin" != "-" ]; then
    run_suite ours "iscsi://127.0.0.1:$port_ours/$iqn_ours/1" &
    ours_run=$!
    wait "$ours_run" || mc_die "the run against the reference target failed (see above)"
fi
wait "$tgtd_run" || mc_die "the run against tgtd failed (see above)"
mc_stop_tgtd
if [ "$bin" != "-" ]; then
    stop_rc=0
    mc_stop_ours 30 || stop_rc=$?
    [ $stop_rc -eq 0 ] || mc_die "reference target exited with status $stop_rc after SIGTERM"
fi

printf '\n%-8s %6s %6s %6s %6s %9s %7s\n' target tests pass skip fail xml-fail seconds
for t in $targets; do
    xml_fail=$(mc_cu_xml_failed "$MC_WORK/$t/CUnitAutomated-Results.xml")
    printf '%-8s %6s %6s %6s %6s %9s %7s\n' "$t" "$(wc -l <"$MC_WORK/$t/results")" "$(count "$t" pass)" \
        "$(count "$t" skip)" "$(count "$t" fail)" "$xml_fail" "$(cat "$MC_WORK/$t/seconds")"
done
echo "(the listing repeats tests under several families; distinct names:" \
     "$(awk '{print $2}' "$MC_WORK/tgtd/results" | sort -u | wc -l))"
echo "failing on tgtd: $(awk '$1=="fail"{print $2}' "$MC_WORK/tgtd/results" | sort -u | tr '\n' ' ')"
[ "$bin" = "-" ] && exit 0

echo "failing on ours: $(awk '$1=="fail"{print $2}' "$MC_WORK/ours/results" | sort -u | tr '\n' ' ')"
# A name fails for a target when any of its listings failed there; the gate is ours-fail, tgtd-pass.
awk '$1=="fail"{print $2}' "$MC_WORK/ours/results" | sort -u >"$MC_WORK/ours.failed"
awk '{print $2}' "$MC_WORK/tgtd/results" | sort -u >"$MC_WORK/tgtd.names"
awk '$1=="fail"{print $2}' "$MC_WORK/tgtd/results" | sort -u >"$MC_WORK/tgtd.failed"
awk '$1=="skip"{print $2}' "$MC_WORK/tgtd/results" | sort -u >"$MC_WORK/tgtd.skipped"
comm -23 "$MC_WORK/ours.failed" "$MC_WORK/tgtd.failed" >"$MC_WORK/ours-only.failed"
regress=$(comm -23 "$MC_WORK/ours-only.failed" "$MC_WORK/tgtd.skipped")
skipped_there=$(comm -12 "$MC_WORK/ours-only.failed" "$MC_WORK/tgtd.skipped")
[ -z "$skipped_there" ] || echo "failing on ours, skipped by tgtd (not gated): $(echo $skipped_there)"
if [ -n "$regress" ]; then
    echo "FAIL: the reference target fails tests that tgtd passes: $(echo $regress)"
    exit 1
fi
echo "ok: the reference target fails no test that tgtd passes"
