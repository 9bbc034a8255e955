#!/bin/sh
# `mirrorcert soak` as a user runs it: a conformant sample passes (exit 0) and replays the same
# run for the same seed; a mutant the soak catches fails (exit 1) and prints its replay command;
# bad options are usage errors (exit 2). Prints TAP.
# usage: soak_cli.sh MIRRORCERT WORKDIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 MIRRORCERT WORKDIR" >&2; exit 2; }
mc=$1 work=$2
rm -rf "$work" && mkdir -p "$work" || exit 1
export TMPDIR="$work"
. "$(dirname "$0")/../tap/tap.sh"
echo "TAP version 13"

"$mc" soak --runs 6 --seed 1000 >"$work/a.txt" 2>&1; rc=$?
point "$([ $rc -eq 0 ] && grep -q '^soak: 6 runs, .* 0 failed$' "$work/a.txt"; echo $?)" \
    "six conformant runs pass: $(tail -n 1 "$work/a.txt") (exit $rc)"
point "$([ "$(grep -c '^ok seed' "$work/a.txt")" -eq 6 ]; echo $?)" "one line per run"
"$mc" soak --runs 1 --seed 1003 >"$work/b.txt" 2>&1
point "$(grep "^ok seed 1003" "$work/b.txt" >"$work/b.line"; grep "^ok seed 1003" "$work/a.txt" | cmp -s - "$work/b.line"; echo $?)" \
    "seed 1003 alone replays the same run: $(cat "$work/b.line")"

"$mc" soak --runs 10 --seed 1000 --mutant vsan-no-mirror-back >"$work/m.txt" 2>&1; rc=$?
point "$([ $rc -eq 1 ] && grep -q '^FAILED seed' "$work/m.txt"; echo $?)" \
    "a mutant that never mirrors the second server's writes is caught: $(tail -n 1 "$work/m.txt") (exit $rc)"
point "$(grep -q '^  replay: mirrorcert soak --seed [0-9]* --runs 1 --servers [23] --ms [0-9]* --mutant vsan-no-mirror-back --verbose 1$' "$work/m.txt"; echo $?)" \
    "a failed run prints the command that replays it"

for args in "--runs 0" "--servers 4" "--seed -1" "--mutant no-such-mutant" "--frobnicate 1" "--runs"; do
    "$mc" soak $args >"$work/u.txt" 2>&1; rc=$?
    point "$([ $rc -eq 2 ]; echo $?)" "soak $args is a usage error (exit $rc: $(head -n 1 "$work/u.txt"))"
done
"$mc" soak --mutant list >"$work/l.txt" 2>&1; rc=$?
point "$([ $rc -eq 0 ] && [ "$(grep -c '	' "$work/l.txt")" -ge 12 ]; echo $?)" "--mutant list prints the engine's mutants in the common format"
echo "1..$n"
exit "$failed"
