#!/bin/sh
# The mcast suite end to end: the reference multicast devices pass it (exit 0), the harness's
# own emulated targets pass its target vectors (the group sender against an independent
# implementation of the contract), and every multicast mutant of the reference target and of
# the mirroring initiator makes it fail (exit 1), naming the vectors that caught it.
# Target mutants run the target vectors, initiator mutants the initiator vectors (mcast.init.*).
# Prints TAP; exits 1 when any point failed.
# usage: mcast_suite.sh MIRRORCERT SOURCE_DIR OUT_DIR
set -u
mc=$1
export MIRRORCERT_HOME=$2
out=$3
seed=${MC_MUTANT_SEED:-1}
rm -rf "$out" && mkdir -p "$out"
target_vectors='mcast.[a-hj-z]*'
initiator_vectors='mcast.init.*'
n=0
bad=0
echo "TAP version 13"

point() { # point OK DESCRIPTION
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=1; fi
}

# run LOG ARGS...: the exit status of one mirrorcert run, its output in LOG.
run() {
    log=$1; shift
    "$mc" run --suite mcast --seed "$seed" "$@" >"$log" 2>&1
}

run "$out/reference.log" --device mcast-reference --junit "$out/reference.xml"
rc=$?
point "$([ $rc -eq 0 ]; echo $?)" "reference multicast devices pass the mcast suite (exit $rc, see $out/reference.log)"

run "$out/emulated.log" --device mcast-emulated
rc=$?
point "$([ $rc -eq 0 ]; echo $?)" "the harness's emulated targets pass the target vectors (exit $rc, see $out/emulated.log)"

# The PIXIT dialect switched to the spec's literal keys: registration and termination both ways.
printf 'text-dialect literal\n' >"$out/literal.pixit"
run "$out/literal.log" --device mcast-reference --pixit "$out/literal.pixit" --filter 'mcast.[ditr]*'
rc=$?
point "$([ $rc -eq 0 ]; echo $?)" "reference multicast devices pass with the literal dialect (exit $rc, see $out/literal.log)"

caught_by() { # the vectors a run's summary lists as failed
    sed -n 's/^fail  *\([^:]*\):.*/\1/p' "$1" | tr '\n' ' '
}

# start NAME FILTER: one mutant run in the background, its status left in a file.
start() {
    ( run "$out/mutant-$1.log" --device mcast-reference --mutant "$1" --filter "$2"; echo $? >"$out/mutant-$1.rc" ) &
}

mutant() { # mutant NAME: the verdict of a finished run
    log="$out/mutant-$1.log"
    rc=$(cat "$out/mutant-$1.rc" 2>/dev/null || echo none)
    c=$(caught_by "$log")
    if [ "$rc" = 1 ] && [ -n "$c" ]; then
        point 0 "$1 caught by: $c"
    else
        point 1 "$1 not caught (exit $rc, see $log)"
    fi
}

tm=$(echo $("$mc" serve iscsi-target --mutant list | awk '$1 ~ /^mcast-/ {print $1}'))
im=$(echo $("$mc" initiator console --mutant list | awk '{print $1}'))
[ -n "$tm" ] || point 1 "the reference target lists multicast mutants"
[ -n "$im" ] || point 1 "the mirroring initiator lists mutants"
# Runs go jobs at a time (each waits mostly on its devices), then are judged in list order.
jobs=${MC_MCAST_JOBS:-2}
i=0
for m in $tm $im; do
    case " $im " in *" $m "*) f=$initiator_vectors ;; *) f=$target_vectors ;; esac
    start "$m" "$f"
    i=$((i + 1))
    if [ $((i % jobs)) -eq 0 ]; then wait; fi
done
wait
for m in $tm $im; do mutant "$m"; done
echo "1..$n"
exit $bad
