#!/bin/sh
# The reference target killed from outside (SIGKILL) while the iscsi-core suite runs against it:
# the run must not hang; it goes on with a restarted device, ends with exit 1 (not 0, not 2), the
# vector that saw the death has verdict error naming the device and its pid, and the JUnit file
# still validates against the strict Ant schema. Prints TAP; exits 1 when any point failed.
#   kill_midrun.sh MIRRORCERT XSD WORKDIR
mc=$1 xsd=$2 work=$3
# A bound on the whole run that only a hang reaches (the suite takes seconds).
run_bound_s=120
# How many vectors must have finished before the kill, so it lands mid-run.
done_before_kill=3

rm -rf "$work" && mkdir -p "$work" || exit 1
. "$(dirname "$0")/../tap/tap.sh"
echo "TAP version 13"

# A target name of this run only, so no other run's target is ever matched.
iqn="iqn.2026-11.org.mirrorcert:kill-midrun-$$"
printf 'target-iqn %s\n' "$iqn" >"$work/pixit.tcl"
timeout "$run_bound_s" "$mc" run --suite iscsi-core --device reference --seed 1 --tap \
    --pixit "$work/pixit.tcl" --junit "$work/run.xml" --report "$work/report" >"$work/run.out" 2>"$work/run.err" &
wrapper=$!

# The run's own target: a child of this run's mirrorcert (the child of `timeout`), by its name.
target_pid() {
    for p in $(pgrep -P "$wrapper"); do
        pgrep -P "$p" -f "serve iscsi-target .*--iqn $iqn( |\$)"
    done | head -n 1
}
finished() { grep -cE '^(ok|not ok) [0-9]+ ' "$work/run.out"; }

pid=
i=0
while [ "$i" -lt 600 ] && kill -0 "$wrapper" 2>/dev/null; do
    if [ "$(finished)" -ge "$done_before_kill" ]; then
        pid=$(target_pid)
        [ -n "$pid" ] && break
    fi
    sleep 0.1
    i=$((i + 1))
done
point "$([ -n "$pid" ]; echo $?)" "the run's target is found after $done_before_kill vectors (pid ${pid:-none})"
if [ -n "$pid" ]; then
    t_kill=$(date +%s%N)
    kill -KILL "$pid"
fi
wait "$wrapper"
rc=$?
t_end=$(date +%s%N)
[ -n "$pid" ] && echo "# from the kill to the end of the run: $(( (t_end - t_kill) / 1000000 )) ms"
echo "# $(grep '^# iscsi-core on reference' "$work/run.out" | sed 's/^# //')"

point "$([ "$rc" -ne 124 ]; echo $?)" "the run ends within $run_bound_s s (no hang)"
point "$([ "$rc" -eq 1 ]; echo $?)" "the run exits 1 (got $rc)"
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$work/run.out")
point "$([ -n "$plan" ] && [ "$(finished)" -eq "$plan" ]; echo $?)" \
    "every planned vector gets a verdict ($(finished) of ${plan:-?}): the run went on after the kill"
grep -q "message: \"device reference (pid $pid) stopped running [a-z ]* without being asked to: killed by SIGKILL\"" \
    "$work/run.out"
point $? "a vector names the killed device, its pid and the signal"
# The YAML block holding that message has verdict error.
awk -v pat="device reference \\\\(pid $pid\\\\) stopped running" '
    /^(ok|not ok) / {v = ""; m = 0}
    /^  verdict: / {v = $2}
    $0 ~ pat {m = 1}
    m && v == "error" {found = 1}
    END {exit !found}' "$work/run.out"
point $? "that vector's verdict is error"
awk '/^(ok|not ok) / {id = $NF} /^  verdict: error/ {e = 1} e && /^  duration_ms: / {print "# the vector that saw the death: " id ", " $2 " ms"; e = 0}' "$work/run.out"
if [ -r "$xsd" ]; then
    xmllint --noout --schema "$xsd" "$work/run.xml" 2>"$work/xmllint.err"
    point $? "the JUnit XML validates against the strict Ant schema"
    point "$([ "$(xmllint --xpath 'count(//testcase/error)' "$work/run.xml")" -ge 1 ]; echo $?)" \
        "the JUnit file holds the error"
else
    echo "ok $((n + 1)) - # SKIP no schema at $xsd"
    n=$((n + 1))
fi
[ "$failed" -eq 0 ] || { echo "# run output:"; sed 's/^/#   /' "$work/run.out" | tail -n 40; }
echo "1..$n"
exit "$failed"
