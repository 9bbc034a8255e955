#!/bin/sh
# A misbehaving vector, environment or output costs one verdict or one line, never the process
# and never a Tcl stack trace: exit and blocking commands in vectors (the selftest-bounds suite),
# a device that cannot be reached, PIXIT values out of range, a suite on a device of another kind
# (exit 2), reports that cannot be written (exit 2), and inputs that once gave Tcl stack traces.
# Prints TAP; exits 1 when any point failed.
#   bounds.sh MIRRORCERT XSD WORKDIR
set -u
mc=$1 xsd=$2 work=$3
# A bound on each run that only a hang reaches.
run_bound_s=60
# The selftest-bounds suite takes about 2 s (its exec-sleep vector's timeout); its sleep alone
# would take 20 s.
suite_bound_s=12
rm -rf "$work" && mkdir -p "$work" || exit 1
. "$(dirname "$0")/../tap/tap.sh"
run() { # run OUT-PREFIX ARGS...: stdout, stderr and status of one mirrorcert run
    out=$1; shift
    timeout "$run_bound_s" "$mc" "$@" >"$out.out" 2>"$out.err"
    echo $? >"$out.rc"
}
rc() { cat "$1.rc"; }
has() { grep -q -- "$2" "$1"; echo $?; }
is() { [ "$1" = "$2" ]; echo $?; }
# One line on stderr, no Tcl stack trace.
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && ! grep -q 'while executing\|invoked from within' "$1"; echo $?; }
verdict_of() { # the YAML verdict following vector $2's test line in $1
    awk -v id="$2" '$0 ~ (" - " id "( |$)") {f=1; next} f && /verdict:/ {print $2; exit} /^(ok|not ok)/ {f=0}' "$1"
}
tap_ok() { grep -qE "^ok [0-9]+ - $2( |\$)" "$1"; echo $?; }
echo "TAP version 13"

# --- vectors that call exit, block in exec, open sockets and pipelines ---------------------
t0=$(date +%s)
run "$work/b" run --suite selftest-bounds --seed 1 --tap --junit "$work/b.xml"
t1=$(date +%s)
point "$(is "$(rc "$work/b")" 1)" "the run with misbehaving vectors ends with exit 1 (not 0 from a vector's exit)"
point "$([ $((t1 - t0)) -lt "$suite_bound_s" ]; echo $?)" "it ends within $suite_bound_s s ($((t1 - t0)) s): exec sleep 20 is stopped by the watchdog"
point "$(has "$work/b.out" '^1\.\.6$')" "TAP plan counts the 6 vectors"
point "$(has "$work/b.out" '^# selftest-bounds on selftest: 6 vectors: 2 pass, 4 error')" "every vector has a verdict and the summary is printed"
point "$(is "$(verdict_of "$work/b.out" selftest-bounds.exit)" error)" "exit in a vector is verdict error"
point "$(has "$work/b.out" 'message: "the vector called exit 0')" "and says so"
point "$(is "$(verdict_of "$work/b.out" selftest-bounds.exec-sleep)" error)" "exec past the timeout is verdict error"
point "$(has "$work/b.out" 'message: "watchdog: the vector was stopped after its timeout of 2 s"')" "stopped by the watchdog"
point "$(pgrep -f 'sleep 20[.]123' >/dev/null; [ $? -ne 0 ]; echo $?)" "the command exec ran is killed, not left running"
point "$(tap_ok "$work/b.out" selftest-bounds.exec-works)" "exec under the watchdog keeps Tcl's results and errors"
point "$(has "$work/b.out" 'message: "socket is not available in a vector')" "a plain socket is refused at once"
point "$(has "$work/b.out" 'message: "open: command pipelines are not available in a vector')" "a pipeline is refused at once"
point "$(tap_ok "$work/b.out" selftest-bounds.after-all)" "the vector after them runs and passes"
point "$([ -s "$work/b.xml" ] && xmllint --noout "$work/b.xml" 2>/dev/null; echo $?)" "the JUnit file is written"

# --- the environment's faults are exit 2 with one line, never verdicts ----------------------
# A loopback port nothing listens on: one the kernel just gave and took back.
port=$(echo 'set s [socket -server {} -myaddr 127.0.0.1 0]; puts [lindex [fconfigure $s -sockname] 2]; close $s' | tclsh)
printf 'portal 127.0.0.1:%s\n' "$port" >"$work/nobody.pixit"
run "$work/ext" run --suite iscsi-core --device external --pixit "$work/nobody.pixit"
point "$(is "$(rc "$work/ext")" 2)" "--device external with nothing listening exits 2"
point "$(one_line "$work/ext.err")" "with one line"
point "$(has "$work/ext.err" "cannot be reached at 127.0.0.1:$port")" "naming the address"
point "$([ ! -s "$work/ext.out" ]; echo $?)" "and no verdicts"
run "$work/ext-all" run --device external --pixit "$work/nobody.pixit"
point "$(is "$(rc "$work/ext-all")" 2)" "every suite on an unreachable external device exits 2 as well"
printf 'portal {}\n' >"$work/noportal.pixit"
run "$work/noportal" run --suite iscsi-core --device external --pixit "$work/noportal.pixit"
point "$(is "$(rc "$work/noportal")/$(one_line "$work/noportal.err")" 2/0)" "a missing portal exits 2 with one line"
printf 'response-ms -5\n' >"$work/neg.pixit"
run "$work/neg" run --suite selftest --filter selftest.pass --pixit "$work/neg.pixit"
point "$(is "$(rc "$work/neg")/$(one_line "$work/neg.err")" 2/0)" "PIXIT response-ms -5 exits 2 with one line"
point "$(has "$work/neg.err" 'PIXIT response-ms must be an integer in 1..600000')" "naming the item and its range"
printf 'step-timeout zero\n' >"$work/step.pixit"
run "$work/step" run --suite selftest --filter selftest.pass --pixit "$work/step.pixit"
point "$(is "$(rc "$work/step")" 2)" "PIXIT step-timeout that is not a number exits 2"
run "$work/spi-ext" run --suite spi --device external
point "$(is "$(rc "$work/spi-ext")/$(one_line "$work/spi-ext.err")" 2/0)" "the spi suite on external is a usage error with one line"
point "$(has "$work/spi-ext.err" 'suite spi runs on devices of kind spi; device external is of kind iscsi')" "naming both kinds"
run "$work/core-spi" run --suite iscsi-core --device spi-sim
point "$(is "$(rc "$work/core-spi")" 2)" "iscsi-core on spi-sim is a usage error"

# --- reports that cannot be written are exit 2 with one line --------------------------------
if [ -w /dev/full ]; then
    run "$work/full" run --suite selftest --filter selftest.pass --junit /dev/full
    point "$(is "$(rc "$work/full")/$(one_line "$work/full.err")" 2/0)" "--junit /dev/full exits 2 with one line"
    point "$(has "$work/full.err" 'No space left on device')" "saying why"
    timeout "$run_bound_s" "$mc" run --suite selftest --filter selftest.pass --tap >/dev/full 2>"$work/tapfull.err"
    point "$(is "$?/$(one_line "$work/tapfull.err")" 2/0)" "--tap into a full device exits 2 with one line"
    timeout "$run_bound_s" "$mc" run --suite selftest --filter selftest.pass >/dev/full 2>"$work/sumfull.err"
    point "$(is "$?/$(one_line "$work/sumfull.err")" 2/0)" "the summary into a full device exits 2 with one line"
else
    for i in 1 2 3 4; do echo "ok $((n = n + 1)) # SKIP /dev/full is not writable here"; done
fi
: >"$work/afile"
run "$work/rep" run --suite selftest --filter selftest.pass --report "$work/afile/sub"
point "$(is "$(rc "$work/rep")/$(one_line "$work/rep.err")" 2/0)" "a report folder that cannot be made exits 2 with one line"
run "$work/deep" run --suite selftest --filter selftest.pass --junit "$work/d1/d2/j.xml" --report "$work/d3/d4"
point "$([ -s "$work/d1/d2/j.xml" ] && [ -s "$work/d3/d4/index.html" ]; echo $?)" "the parent folders of report paths are created"

# --- no Tcl stack trace for any input --------------------------------------------------------
mkdir -p "$work/adir"
for args in "run --suite selftest --pixit $work/adir" "run --suite selftest --pics $work/adir" "list a b" \
            "mutants a" "run --suite selftest --filter selftest.pass --seed"; do
    # shellcheck disable=SC2086
    run "$work/trace" $args
    point "$(is "$(rc "$work/trace")/$(one_line "$work/trace.err")" 2/0)" "mirrorcert $args: exit 2, one line, no stack trace"
done

echo "1..$n"
exit $failed
