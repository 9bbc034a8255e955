#!/bin/sh
# Every mutant of the reference iSCSI target must be caught: its suite exits 1 and names the
# failing vectors; the conformant reference must pass the same suites (exit 0).
# usage: mutants.sh MIRRORCERT SOURCE_DIR OUT_DIR
# Mutants named mcast-* are left to conformance.mcast (mcast_suite.sh), which runs them against the
# mcast suite with every multicast target and the mirroring initiator; every other one runs
# against iscsi-core.
set -u
mc=$1
export MIRRORCERT_HOME=$2
out=$3
seed=${MC_MUTANT_SEED:-1}
mkdir -p "$out"

suites_for() {
    case $1 in
    mcast-*) for f in "$MIRRORCERT_HOME"/conformance/suites/mcast*.tcl; do
                 [ -e "$f" ] && basename "$f" .tcl
             done ;;
    *) echo iscsi-core ;;
    esac
}

# run SUITE MUTANT LOG: the run's exit status; MUTANT may be empty.
run() {
    if [ -n "$2" ]; then
        "$mc" run --suite "$1" --device reference --seed "$seed" --mutant "$2" >"$3" 2>&1
    else
        "$mc" run --suite "$1" --device reference --seed "$seed" >"$3" 2>&1
    fi
}

# failing LOG: ids of the vectors a run log reports as fail.
failing() {
    sed -n 's/^fail  *\([^:]*\):.*/\1/p' "$1"
}

bad=0
n=0
echo "TAP version 13"
mutants=$("$mc" serve iscsi-target --mutant list | awk '$1 !~ /^mcast-/ {print $1}')
[ -n "$mutants" ] || { echo "Bail out! the target lists no mutants"; exit 1; }
suites=$(for m in $mutants; do suites_for "$m"; done | sort -u)

for s in $suites; do
    n=$((n + 1))
    run "$s" "" "$out/reference-$s.log"
    rc=$?
    failing "$out/reference-$s.log" >"$out/reference-$s.fail"
    if [ $rc -eq 0 ]; then
        echo "ok $n - conformant reference passes $s"
    else
        echo "not ok $n - conformant reference: $s exits $rc (see $out/reference-$s.log)"
        bad=1
    fi
done

for m in $mutants; do
    n=$((n + 1))
    ss=$(suites_for "$m")
    if [ -z "$ss" ]; then
        echo "not ok $n - $m: no suite to run it against"
        bad=1
        continue
    fi
    caught=""
    verdicts=""
    for s in $ss; do
        run "$s" "$m" "$out/$m-$s.log"
        rc=$?
        verdicts="$verdicts $s:$rc"
        if [ $rc -eq 1 ]; then
            caught="$caught $(failing "$out/$m-$s.log" | grep -vxF -f "$out/reference-$s.fail" | tr '\n' ' ')"
        fi
    done
    caught=$(echo $caught)
    if [ -n "$caught" ]; then
        echo "ok $n - $m caught by: $caught"
    else
        echo "not ok $n - $m not caught (exit:$verdicts; see $out/$m-*.log)"
        bad=1
    fi
done
echo "1..$n"
exit $bad
