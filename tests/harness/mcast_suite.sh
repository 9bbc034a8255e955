#!/bin/sh
# The mcast suite beyond its proof (tests/conformance/mutant_proof.sh runs it on its default
# device and against every mutant): the harness's own emulated targets pass its target vectors
# (the group sender against an independent implementation of the contract), and the reference
# multicast devices pass with the PIXIT dialect switched to the spec's literal keys. The two
# runs go at once. Prints TAP; exits 1 when any point failed.
# usage: mcast_suite.sh MIRRORCERT SOURCE_DIR OUT_DIR
set -u
mc=$1
export MIRRORCERT_HOME=$2
out=$3
seed=${MC_MUTANT_SEED:-1}
rm -rf "$out" && mkdir -p "$out"
. "$(dirname "$0")/../tap/tap.sh"
echo "TAP version 13"


# run NAME ARGS...: one mirrorcert run in the background, its output in NAME.log, its status in NAME.rc.
run() {
    name=$1; shift
    ( "$mc" run --suite mcast --seed "$seed" "$@" >"$out/$name.log" 2>&1; echo $? >"$out/$name.rc" ) &
}
rc() { cat "$out/$1.rc" 2>/dev/null || echo none; }

run emulated --device mcast-emulated --role target
# Registration and termination both ways in the literal dialect.
printf 'text-dialect literal\n' >"$out/literal.pixit"
run literal --device mcast-reference --pixit "$out/literal.pixit" --filter 'mcast.[ditr]*'
wait

point "$([ "$(rc emulated)" = 0 ]; echo $?)" "the harness's emulated targets pass the target vectors (exit $(rc emulated), see $out/emulated.log)"
point "$([ "$(rc literal)" = 0 ]; echo $?)" "reference multicast devices pass with the literal dialect (exit $(rc literal), see $out/literal.log)"
echo "1..$n"
exit "$failed"
