#!/bin/sh
# Builds every fuzz target (tests/fuzz/CMakeLists.txt) with clang, libFuzzer, ASan and UBSan in
# build-fuzz/ and runs each, one after another, for SECONDS from a copy of its committed seed
# corpus (new inputs stay in build-fuzz/corpus/NAME, crash inputs in build-fuzz/artifacts/); with
# NAMEs, only those targets. Prints each run's last libFuzzer status line (executions, coverage,
# exec/s). Exits 1 when any target crashed, leaked, tripped a sanitizer or spent more than
# INPUT_SECONDS on one input, 2 on a usage or build error.
#   tests/fuzz/run-fuzzers.sh SECONDS [NAME...]
set -u
secs=${1:-}
case $secs in '' | *[!0-9]*) echo "usage: $0 SECONDS [NAME...]" >&2; exit 2 ;; esac
shift
# One input taking longer than this is a hang (our choice: the slowest target, a whole iSCSI
# connection in memory, takes milliseconds per input).
INPUT_SECONDS=10
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$src/build-fuzz
mkdir -p "$out/artifacts"
if ! cmake -S "$src" -B "$out" -DMC_FUZZ=ON -DCMAKE_C_COMPILER=clang >"$out/configure.log" 2>&1; then
    cat "$out/configure.log" >&2
    exit 2
fi
if ! cmake --build "$out" -j2 --target fuzzers >"$out/build.log" 2>&1; then
    tail -40 "$out/build.log" >&2
    exit 2
fi
failed=0 ran=0
for bin in "$out"/tests/fuzz/*_fuzzer; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin" _fuzzer)
    if [ $# -gt 0 ]; then
        case " $* " in *" $name "*) ;; *) continue ;; esac
    fi
    corpus=$out/corpus/$name
    mkdir -p "$corpus"
    cp "$src/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
    log=$out/$name.log
    echo "== $name: $secs s from $(ls "$corpus" | wc -l) inputs"
    "$bin" -max_total_time="$secs" -timeout="$INPUT_SECONDS" -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" \
        "$corpus" >"$log" 2>&1
    rc=$?
    ran=$((ran + 1))
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" | tail -2
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log"
    if [ "$rc" -ne 0 ]; then
        echo "$name FAILED (exit $rc): see $log and $out/artifacts/" >&2
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -10 >&2
        failed=1
    fi
done
if [ "$ran" -eq 0 ]; then
    echo "no fuzz target was built" >&2
    exit 2
fi
exit "$failed"
