#!/bin/sh
# ctest mutation.sample: a seeded sample of tests/mutation/run (a few mutants of the target's
# full-feature-phase PDU code and of the SPI message code) and checks of what the tool did, not
# of the score: it exits 0, every selected mutant is judged, the summary, results, per-survivor
# diffs and JUnit agree, each diff applies to the worktree's file, the JUnit file passes
# `mirrorcert merge-junit` (and the strict Ant schema when it is there), and the copy of the
# tree holds no mutant afterwards. TAP on stdout; exit 1 when a point failed.
# usage: sample.sh SOURCE_DIR MIRRORCERT OUT_DIR JUNIT_XSD
set -u
src=$1 mc=$2 out=$3 xsd=$4
files="reference/iscsi/target/target_ffp.c reference/spi/msg.c"
per_file=3
n=0
bad=0
point() { # point OK DESCRIPTION
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=1; fi
}
echo "TAP version 13"
"$src/tests/mutation/run" --files "$files" --sample $per_file --seed 1 --out "$out" --jobs 1 \
    >"$out.stdout" 2>"$out.stderr"
rc=$?
sed 's/^/# /' "$out.stderr"
point $rc "the tool ran to its end (exit $rc)"
[ $rc = 0 ] || { echo "1..$n"; exit 1; }

want=$((2 * per_file))
judged=$(wc -l <"$out/results.tsv")
point $([ "$judged" = $want ] && echo 0 || echo 1) "$want mutants selected and judged ($judged)"
odd=$(cut -f 2 "$out/results.tsv" | grep -cvxE 'killed|survived|stillborn')
point $([ "$odd" = 0 ] && echo 0 || echo 1) "every result is killed, survived or stillborn"
for f in $files; do
    c=$(grep -c "^$f:" "$out/results.tsv")
    point $([ "$c" = $per_file ] && echo 0 || echo 1) "$per_file mutants of $f ($c)"
    grep -q "^$f " "$out/summary.txt"
    point $? "the summary has a line for $f"
    cmp -s "$src/$f" "$out/src/$f"
    point $? "the copy's $f is the worktree's again"
done

survivors=$(awk -F '\t' '$2 == "survived" {print $1}' "$out/results.tsv")
ndiff=$(find "$out/survivors" -name '*.diff' | wc -l)
nsurv=$(printf '%s' "$survivors" | grep -c .)
point $([ "$ndiff" = "$nsurv" ] && echo 0 || echo 1) "one diff per survivor ($ndiff for $nsurv)"
applies=0
for id in $survivors; do
    d="$out/survivors/$(printf '%s' "$id" | tr '/:' '__').diff"
    patch --dry-run -s -p1 -d "$src" <"$d" >/dev/null 2>&1 || { applies=1; echo "# $d does not apply"; }
done
point $applies "every survivor's diff applies to the worktree"

tests=$(grep -c '<testcase ' "$out/junit.xml")
fails=$(grep -c '<failure ' "$out/junit.xml")
point $([ "$tests" = "$judged" ] && [ "$fails" = "$nsurv" ] && echo 0 || echo 1) \
    "JUnit: a testcase per mutant ($tests), a failure per survivor ($fails)"
"$mc" merge-junit -o "$out/merged.xml" "$out/junit.xml" >"$out/merge.err" 2>&1
point $? "mirrorcert merge-junit accepts the JUnit file"
if [ -r "$xsd" ]; then
    xmllint --noout --schema "$xsd" "$out/junit.xml" 2>"$out/xmllint.err"
    point $? "the JUnit file is valid against the strict Ant schema"
else
    echo "ok $((n = n + 1)) # SKIP no schema at $xsd"
fi
echo "1..$n"
exit $bad
