#!/bin/sh
# The harness end to end on its self-test suite (one vector per verdict path) with the selftest
# device profile: verdicts, exit statuses, TAP, JUnit against the strict Ant schema, reports,
# sharding, seeds and usage errors. Prints TAP; exits 1 when any point failed.
# Usage: selftest.sh MIRRORCERT XSD WORKDIR
set -u
mc=$1 xsd=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
. "$(dirname "$0")/../tap/tap.sh"
run() { # run OUT-PREFIX ARGS...: stdout, stderr and status of one mirrorcert run
    out=$1; shift
    "$mc" "$@" >"$out.out" 2>"$out.err"
    echo $? >"$out.rc"
}
rc() { cat "$1.rc"; }
has() { grep -q -- "$2" "$1"; echo $?; }
tap_line() { # the TAP test line of vector $2 in $1
    grep -E "^(ok|not ok) [0-9]+ - $2( |\$)" "$1"
}
is() { [ "$1" = "$2" ]; echo $?; }

echo "TAP version 13"

# --- the whole suite: every verdict path --------------------------------------------------
run "$work/all" run --suite selftest --device selftest --seed 7 --tap \
    --junit "$work/all.xml" --report "$work/report"
point "$(is "$(rc "$work/all")" 1)" "a run with failures exits 1"
point "$(has "$work/all.out" '^1\.\.26$')" "TAP plan counts the 26 vectors"
for v in pass device-restart device-sever claim-cite members member-restart fault configure; do
    point "$(tap_line "$work/all.out" "selftest.$v" | grep -q '^ok' ; echo $?)" "selftest.$v passes"
done
for v in fail caught-check step-deadline device-crash device-fault inconc error watchdog watchdog-sleep unknown-claim \
         defer-order defer-broken fault-not-offered fault-unknown member-unknown configure-not-offered; do
    point "$(tap_line "$work/all.out" "selftest.$v" | grep -q '^not ok' ; echo $?)" "selftest.$v is not ok"
done
verdict_of() { # the YAML verdict following vector $1's test line
    awk -v id="selftest.$1" '$0 ~ (" - " id "( |$)") {f=1; next} f && /verdict:/ {print $2; exit} /^(ok|not ok)/ {f=0}' "$work/all.out"
}
for pair in fail:fail caught-check:fail step-deadline:fail device-crash:error device-fault:fail inconc:inconc error:error watchdog:error \
            watchdog-sleep:error unknown-claim:error deviation:fail defer-order:error defer-broken:error \
            fault-not-offered:inconc fault-unknown:error member-unknown:error configure-not-offered:inconc; do
    v=${pair%%:*} want=${pair#*:}
    point "$(is "$(verdict_of "$v")" "$want")" "selftest.$v has verdict $want"
done
point "$(has "$work/all.out" 'message: "field opcode: expected 0x24, seen 0x3f (RFC7143:11.11)"')" \
    "a failed check names field, expected, seen and clause"
point "$(has "$work/all.out" 'message: "step \\"wait for an answer\\" did not finish')" "a step overrun names the step"
point "$(has "$work/all.out" 'message: "device selftest member m0 (pid [0-9]*) stopped running during the vector without being asked to: killed by SIGKILL"')" \
    "a member killed from outside is an error naming the device, the member, its pid and the signal"
point "$(has "$work/all.out" 'message: "device selftest member m0 (pid [0-9]*) stopped running during the vector without being asked to: killed by SIGSEGV"')" \
    "a member that crashes fails, naming the signal"
point "$(has "$work/all.out" 'message: "device fault: profile selftest does not offer the fault cut-link"')" \
    "a fault the profile does not offer is inconc naming it"
point "$(has "$work/all.out" 'message: "device configure: profile selftest offers size small|large, not huge"')" \
    "a configuration the profile does not offer is inconc naming it"
point "$(has "$work/all.out" 'message: "device fault: unknown fault \\"melt-down\\"')" "an unknown fault is an error naming it"
point "$(has "$work/all.out" 'message: "watchdog: the vector was stopped after its timeout of 1 s"')" "the watchdog says so"
defer_lines() { # the observations of selftest.defer-order, in order
    awk '/ - selftest.defer-order$/ {f=1; next} f && /^(ok|not ok)/ {f=0} f && /deferred/ {print}' "$work/all.out"
}
point "$(is "$(defer_lines | sed 's/.*s deferred \([a-z]*\).*/\1/' | tr '\n' ' ')" "second first ")" \
    "deferred scripts run after the watchdog stopped the body, last deferred first"
point "$(has "$work/all.out" 'message: "deferred cleanup failed: cleanup broke"')" "a failing cleanup is an error naming it"
point "$(tap_line "$work/all.out" selftest.na | grep -q '^ok .* # SKIP n/a' ; echo $?)" "n/a is reported as a TAP SKIP"
point "$(tap_line "$work/all.out" selftest.deviation | grep -q '^not ok .* # TODO expected failure' ; echo $?)" \
    "a listed deviation is a TAP TODO"
point "$(has "$work/all.out" '^# selftest on selftest: 26 vectors: 8 pass, 4 fail, 3 inconc, 9 error, 1 n/a, 1 expected failure')" \
    "the summary counts every outcome"

# --- JUnit and the report folder ----------------------------------------------------------
if [ -r "$xsd" ]; then
    xmllint --noout --schema "$xsd" "$work/all.xml" 2>"$work/xmllint.err"
    point $? "the JUnit XML validates against the strict Ant schema"
else
    echo "ok $((n = n + 1)) # SKIP no schema at $xsd"
fi
attr() { xmllint --xpath "string(/testsuite/@$1)" "$work/all.xml"; }
point "$(is "$(attr tests)/$(attr failures)/$(attr errors)/$(attr skipped)" 26/7/9/2)" \
    "JUnit counts: 26 tests, 7 failures (fail, inconc), 9 errors, 2 skipped (n/a, expected failure)"
point "$(is "$(xmllint --xpath 'string(//property[@name="seed"]/@value)' "$work/all.xml")" 7)" "JUnit records the seed"
point "$(is "$(xmllint --xpath 'string(//testcase[@name="selftest.na"]/skipped/@type)' "$work/all.xml")" n/a)" \
    "JUnit types an n/a skip n/a"
point "$(is "$(xmllint --xpath 'string(//testcase[@name="selftest.deviation"]/skipped/@type)' "$work/all.xml")" expected-failure)" \
    "JUnit types an expected failure's skip expected-failure"
for f in results.xml index.html certification.html junit.xml; do
    point "$([ -s "$work/report/$f" ]; echo $?)" "the report folder holds $f"
done
point "$([ -e "$work/report/selftest-m1.log" ]; echo $?)" "the report folder keeps the device members' logs"
point "$(has "$work/report/certification.html" 'Known deviations of this device')" "the certification report lists deviations"
point "$(is "$(xmllint --xpath 'string(//standards/section[@cite="RFC7143:11.10"]/@verdict)' "$work/report/results.xml")" pass)" \
    "a cited section's verdict is its vectors' worst"

cite_verdict() { xmllint --xpath "string(//claims/claimset/claim[@id=\"$1\"]/@verdict)" "$work/report/results.xml"; }
point "$(is "$(cite_verdict 000:1)" pass)" "a claim cited through its element takes its vector's verdict"
point "$(is "$(cite_verdict 000:2)" "not covered")" "a claim no vector cites is not covered"
invariant_verdict() { xmllint --xpath "string(//claims/claimset/invariant[@id=\"$1\"]/@verdict)" "$work/report/results.xml"; }
point "$(is "$(invariant_verdict invariant:linearizable)" pass)" "an invariant cited takes its vector's verdict"
point "$(is "$(invariant_verdict invariant:no-stale-epoch)" "not covered")" "an invariant no vector cites is not covered"

# --- PICS and PIXIT files override the template and the defaults ---------------------------
printf '# the device claims it after all\nunclaimed 1\n' >"$work/claims.pics"
run "$work/pics" run --suite selftest --device selftest --filter selftest.na --pics "$work/claims.pics"
point "$(has "$work/pics.out" '^fail *selftest.na: must not run')" "--pics turns an n/a vector into one that runs"
printf 'target-iqn not-an-iqn\n' >"$work/pixit.tcl"
run "$work/pixit" run --suite selftest --device selftest --filter selftest.pass --pixit "$work/pixit.tcl"
point "$(has "$work/pixit.out" 'field target-iqn: expected a match of "iqn.\*", seen not-an-iqn')" \
    "--pixit overrides the default PIXIT"
printf 'nosuchitem 1\n' >"$work/bad.pics"
run "$work/badpics" run --suite selftest --device selftest --pics "$work/bad.pics"
point "$(is "$(rc "$work/badpics")" 2)" "a PICS item the template lacks is a usage error"

# --- exit statuses -------------------------------------------------------------------------
run "$work/ok" run --suite selftest --device selftest --filter 'selftest.pass'
point "$(is "$(rc "$work/ok")" 0)" "a passing selection exits 0"
point "$([ ! -s "$work/ok.err" ]; echo $?)" "no progress line when stderr is not a terminal"
run "$work/na" run --suite selftest --device selftest --filter 'selftest.na'
point "$(is "$(rc "$work/na")" 0)" "n/a alone exits 0"
run "$work/xf" run --suite selftest --device selftest --filter 'selftest.deviation'
point "$(is "$(rc "$work/xf")" 0)" "an expected failure alone exits 0"
run "$work/inc" run --suite selftest --device selftest --filter 'selftest.inconc'
point "$(is "$(rc "$work/inc")" 1)" "inconc exits 1"
for bad in "--bogus" "--suite nosuch" "--device nosuch" "--shard 3/2" "--seed x" "--filter nomatch*" "--pics /nonexistent" \
           "--mutant nosuch" "--role bus-host"; do
    # shellcheck disable=SC2086
    run "$work/usage" run --suite selftest --device selftest $bad
    point "$(is "$(rc "$work/usage")" 2)" "usage error ($bad) exits 2"
done
run "$work/role" run --suite selftest --device selftest --role 'initiator target' --filter 'selftest.pass'
point "$(is "$(rc "$work/role")" 0)" "--role takes a list of roles"
run "$work/mutants" mutants --suite spi
point "$(is "$(rc "$work/mutants")" 0)" "mutants --suite spi exits 0"
point "$(awk -F '\t' 'NF != 4 {bad = 1} END {exit bad || NR == 0}' "$work/mutants.out"; echo $?)" \
    "mutants prints NAME, ROLES, CLAUSE, WHAT separated by tabs, one mutant a line"
run "$work/nomutants" mutants --device selftest
point "$(is "$(rc "$work/nomutants")/$(wc -c <"$work/nomutants.out" | tr -d ' ')" 0/0)" "a profile without mutants lists none"
run "$work/none" frobnicate
point "$(is "$(rc "$work/none")" 2)" "an unknown command exits 2"
run "$work/ver" version
point "$(has "$work/ver.out" '^mirrorcert [0-9]')" "version prints the version"
run "$work/list" list 'selftest.*'
point "$(has "$work/list.out" 'selftest.watchdog ')" "list shows the vectors matching a pattern"

# --- a suite names its default device; report folders are made -----------------------------
src=$(cd "$(dirname "$0")/../.." && pwd)
home=$work/home
mkdir -p "$home/harness" && cp -R "$src/conformance" "$src/vectors" "$src/reports" "$home/" &&
    cp -R "$src/harness/tcl" "$src/harness/devices" "$home/harness/"
printf 'suite nodevice {summary "no device" version 1 pics selftest vectors {vectors/selftest/*.tcl}}\n' \
    >"$home/conformance/suites/nodevice.tcl"
MIRRORCERT_HOME=$home "$mc" run --suite nodevice >"$work/nodevice.out" 2>"$work/nodevice.err"
point "$(is $? 2)" "a suite that names no default device is a usage error"
point "$(has "$work/nodevice.err" 'must name its default device')" "and says so"
run "$work/folders" run --suite selftest --filter selftest.pass --junit "$work/new/a/j.xml" --report "$work/new/b/r"
point "$([ -s "$work/new/a/j.xml" ] && [ -s "$work/new/b/r/index.html" ]; echo $?)" \
    "run creates the missing folders of --junit and --report"

# --- sharding: the shards partition the suite ----------------------------------------------
: >"$work/shard-ids"
for k in 1 2 3; do
    run "$work/shard$k" run --suite selftest --device selftest --shard "$k/3" --tap --filter 'selftest.[a-v]*'
    grep -E '^(ok|not ok) ' "$work/shard$k.out" | sed 's/^.* - \([^ ]*\).*$/\1/' >>"$work/shard-ids"
done
point "$(is "$(sort "$work/shard-ids" | tr '\n' ' ')" "$(sort -u "$work/shard-ids" | tr '\n' ' ')")" "no vector runs in two shards"
point "$(is "$(wc -l <"$work/shard-ids" | tr -d ' ')" 24)" "every selected vector runs in some shard"

# --- merge-junit: two shards' JUnit files make the unsharded run's -------------------------
for k in 1 2; do
    run "$work/half$k" run --suite selftest --device selftest --seed 7 --shard "$k/2" --junit "$work/half$k.xml"
done
run "$work/merge" merge-junit -o "$work/merged.xml" "$work/half1.xml" "$work/half2.xml"
point "$(is "$(rc "$work/merge")" 0)" "merge-junit joins the two shards' JUnit files"
if [ -r "$xsd" ]; then
    xmllint --noout --schema "$xsd" "$work/merged.xml" 2>"$work/merged-xmllint.err"
    point $? "the merged JUnit XML validates against the strict Ant schema"
else
    echo "ok $((n = n + 1)) # SKIP no schema at $xsd"
fi
counts() { xmllint --xpath "concat(/testsuite/@tests, '/', /testsuite/@failures, '/', /testsuite/@errors, '/', /testsuite/@skipped)" "$1"; }
point "$(is "$(counts "$work/merged.xml")" "$(counts "$work/all.xml")")" \
    "the merged counts are the unsharded run's ($(counts "$work/merged.xml"))"
point "$(is "$(xmllint --xpath 'count(//testcase)' "$work/merged.xml")" 26)" "the merged file keeps all 26 testcases"
run "$work/merge-dup" merge-junit -o "$work/dup.xml" "$work/half1.xml" "$work/half1.xml"
point "$(is "$(rc "$work/merge-dup")" 2)" "a testcase in two inputs exits 2"
point "$(has "$work/merge-dup.err" 'appears twice')" "and says which testcase"
printf '<testsuite' >"$work/broken.xml"
run "$work/merge-bad" merge-junit -o "$work/bad.xml" "$work/half1.xml" "$work/broken.xml"
point "$(is "$(rc "$work/merge-bad")" 2)" "a malformed input exits 2"
point "$(has "$work/merge-bad.err" "$work/broken.xml")" "and names the file"

# --- seeds: a vector's seed depends on --seed and its id only -------------------------------
seed_of() {
    run "$work/seed" run --suite selftest --device selftest --filter 'selftest.pass' --seed "$1" --report "$work/seed-report"
    xmllint --xpath 'string(//vector[@id="selftest.pass"]/observation[contains(., "seed")])' "$work/seed-report/results.xml" |
        sed 's/.*seed //'
}
a=$(seed_of 11) b=$(seed_of 11) c=$(seed_of 12)
point "$(is "$a" "$b")" "the same --seed gives the vector the same seed ($a)"
point "$([ "$a" != "$c" ]; echo $?)" "another --seed gives another ($c)"

# --- reports: expected failures, the PIXIT read, the overall verdict ------------------------
run "$work/xf" run --suite selftest --device selftest --filter 'selftest.deviation' --report "$work/xf-report"
point "$(is "$(rc "$work/xf")" 0)" "a run whose only failure is a listed deviation exits 0"
point "$(is "$(xmllint --xpath 'string(//standards/section[@cite="RFC7143:11.1"]/@verdict)' "$work/xf-report/results.xml")" xfail)" \
    "a section whose only failure is an expected one has verdict xfail, not fail"
point "$(has "$work/xf-report/certification.html" '<td class="xfail">expected failure</td>')" \
    "the certificate shows it as an expected failure"
point "$(has "$work/xf-report/certification.html" 'PARTIAL RUN')" "a filtered run's certificate says it is a partial run"
point "$(is "$(xmllint --xpath 'count(//pixit/item[@name="chap-secret"])' "$work/xf-report/results.xml")" 0)" \
    "a PIXIT item the run never read is not in the report"
point "$(is "$(xmllint --xpath 'count(//pixit/item[@name="step-timeout"])' "$work/xf-report/results.xml")" 1)" \
    "one it read is"

# --- init: a vendor's PIXIT and PICS files, usable as written ------------------------------
run "$work/init" init acme-x1 --suite iscsi-core --dir "$work/vendor"
point "$(is "$(rc "$work/init")" 0)" "init writes a device's PIXIT and PICS"
point "$(has "$work/init.out" "--device external --pixit $work/vendor/acme-x1.pixit --pics $work/vendor/acme-x1.pics")" \
    "and prints the run line that uses them"
point "$(has "$work/vendor/acme-x1.pixit" '^portal ')" "the PIXIT holds the portal"
point "$(has "$work/init.out" 'core.write.r2t-first')" "the vectors that may write to the LUN are named"
run "$work/init2" init acme-x1 --suite iscsi-core --dir "$work/vendor"
point "$(is "$(rc "$work/init2")" 2)" "init does not overwrite without --force (exit 2)"
run "$work/init-run" run --suite iscsi-core --device reference --filter 'core.nop.*' \
    --pixit "$work/vendor/acme-x1.pixit" --pics "$work/vendor/acme-x1.pics"
point "$(is "$(rc "$work/init-run")" 0)" "a run reads both files as written"

echo "1..$n"
exit $failed
