#!/bin/sh
# A device that floods unsolicited NOP-In PDUs (flood_device.tcl), the harness under a memory
# cap: the vector that leaves them unread ends with error naming the bound, the vector that reads
# them all keeps a bounded history (first and last PDUs, the middle counted), and the run ends
# with its summary, its JUnit file and exit 1, never an abort. Prints TAP; exits 1 when any point
# failed.
#   flood.sh MIRRORCERT WORKDIR
set -u
mc=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
# The address space the harness may use, in KiB: three times what this run needs (it passes
# under 300000), far less than what keeping every PDU of the flood for the vectors' 15 s would
# take (the harness decodes it at about 300 MB/s).
cap_kib=1000000
# A bound on the run that only a hang reaches.
run_bound_s=120
rm -rf "$work" && mkdir -p "$work" || exit 1
. "$(dirname "$0")/../tap/tap.sh"
has() { grep -q -- "$2" "$1"; echo $?; }
is() { [ "$1" = "$2" ]; echo $?; }
verdict_of() { # the YAML verdict following vector $2's test line in $1
    awk -v id="$2" '$0 ~ (" - " id "( |$)") {f=1; next} f && /verdict:/ {print $2; exit} /^(ok|not ok)/ {f=0}' "$1"
}
echo "TAP version 13"

tclsh "$here/flood_device.tcl" >"$work/device.out" 2>&1 &
device=$!
trap 'kill "$device" 2>/dev/null' EXIT
i=0
while [ "$i" -lt 100 ] && ! grep -q '^ready' "$work/device.out"; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's/^ready //p' "$work/device.out")
[ -n "$port" ] || { echo "Bail out! the flooding device did not start"; exit 1; }
printf 'portal 127.0.0.1:%s\n' "$port" >"$work/pixit.tcl"

(ulimit -v "$cap_kib" && exec timeout "$run_bound_s" "$mc" run --suite selftest-flood --seed 1 --tap \
    --pixit "$work/pixit.tcl" --junit "$work/run.xml") >"$work/run.out" 2>"$work/run.err"
status=$?
point "$(is "$status" 1)" "under a ${cap_kib} KiB cap the run ends with exit 1 (status $status), not an abort"
point "$(has "$work/run.out" '^# selftest-flood on external: 2 vectors: 1 pass, 1 error')" "with its summary"
point "$([ -s "$work/run.xml" ] && xmllint --noout "$work/run.xml" 2>/dev/null; echo $?)" "and its JUnit file"
point "$(is "$(verdict_of "$work/run.out" selftest-flood.unread)" error)" "PDUs left unread past their bound: verdict error"
point "$(has "$work/run.out" 'at the bound of 4096 PDUs')" "naming the bound"
point "$(grep -qE '^ok [0-9]+ - selftest-flood.history' "$work/run.out"; echo $?)" \
    "reading the whole flood keeps the first and last 1024 PDUs and counts the dropped middle"
point "$(has "$work/run.out" 'more PDUs than its history keeps')" "the report says the middle was dropped"
point "$([ ! -s "$work/run.err" ]; echo $?)" "nothing on stderr"

echo "1..$n"
exit $failed
