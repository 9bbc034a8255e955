#!/bin/sh
# The proof of a suite: its default device passes it, and the suite catches every mutant that
# device lists (`mirrorcert mutants --suite SUITE`). A mutant is caught when at least one vector
# of the mutant's roles ends with verdict fail on the mutant while it passed on the conformant
# device, with the same seed; an error, inconc or expected failure never counts. The conformant
# run is made once, and it and the mutant runs go MC_MUTANT_JOBS (2) at a time; they are judged
# once all have ended. Prints TAP: each mutant caught by which vectors, or not caught; exits 1
# when any point failed.
# usage: mutant_proof.sh MIRRORCERT SUITE OUT_DIR
set -u
if [ "${1:-}" = --one ]; then
    # One run (from the xargs below): --one MIRRORCERT SUITE OUT_DIR SEED MUTANT, the mutant
    # "conformant" being the conformant device.
    mc=$2 suite=$3 out=$4 seed=$5 m=$6
    if [ "$m" = conformant ]; then
        "$mc" run --suite "$suite" --seed "$seed" --tap >"$out/$m.tap" 2>"$out/$m.err"
    else
        roles=$(awk -F '\t' -v m="$m" '$1 == m {print $2}' "$out/mutants.txt")
        "$mc" run --suite "$suite" --seed "$seed" --mutant "$m" --role "$roles" --tap >"$out/$m.tap" 2>"$out/$m.err"
    fi
    echo $? >"$out/$m.rc"
    exit 0
fi
[ $# -eq 3 ] || { echo "usage: $0 MIRRORCERT SUITE OUT_DIR" >&2; exit 2; }
mc=$1 suite=$2 out=$3
seed=${MC_MUTANT_SEED:-1}
jobs=${MC_MUTANT_JOBS:-2}
rm -rf "$out" && mkdir -p "$out" || exit 1
. "$(dirname "$0")/../tap/tap.sh"

# verdicts TAP: "VERDICT ID" per vector of a --tap run, pass for an ok that is no n/a skip;
# expected failures (# TODO) are left out.
verdicts() {
    awk '
        /^(ok|not ok) [0-9]+ - / {
            id = $0; sub(/^(ok|not ok) [0-9]+ - /, "", id); sub(/ .*/, "", id)
            todo = ($0 ~ / # TODO /); cur = id
            if ($1 == "ok" && $0 !~ / # SKIP /) print "pass", id
            next
        }
        /^  verdict: / && cur != "" { if (!todo) print $2, cur; cur = "" }
    ' "$1"
}

echo "TAP version 13"
if ! "$mc" mutants --suite "$suite" >"$out/mutants.txt" 2>"$out/mutants.err"; then
    echo "Bail out! mirrorcert mutants --suite $suite: $(cat "$out/mutants.err")"
    exit 1
fi
names=$(cut -f 1 "$out/mutants.txt")
[ -n "$names" ] || { echo "Bail out! the default device of $suite lists no mutants"; exit 1; }
if printf '%s\n' $names | grep -qx conformant; then
    echo "Bail out! a mutant named conformant would be taken for the conformant run"
    exit 1
fi

printf '%s\n' conformant $names | xargs -P "$jobs" -I{} sh "$0" --one "$mc" "$suite" "$out" "$seed" {}
rc=$(cat "$out/conformant.rc" 2>/dev/null || echo none)
verdicts "$out/conformant.tap" | awk '$1 == "pass" {print $2}' | sort >"$out/conformant.pass"
point "$([ "$rc" = 0 ]; echo $?)" "the conformant device passes $suite (exit $rc, $(wc -l <"$out/conformant.pass") vectors pass, see $out/conformant.tap)"
for m in $names; do
    rc=$(cat "$out/$m.rc" 2>/dev/null || echo none)
    caught=$(verdicts "$out/$m.tap" | awk '$1 == "fail" {print $2}' | sort | comm -12 - "$out/conformant.pass" | tr '\n' ' ')
    roles=$(awk -F '\t' -v m="$m" '$1 == m {print $2}' "$out/mutants.txt")
    if [ -n "$caught" ]; then
        point 0 "$m caught by: $caught"
    else
        point 1 "$m not caught by the vectors of role $roles (exit $rc, see $out/$m.tap)"
    fi
done
echo "1..$n"
exit "$failed"
