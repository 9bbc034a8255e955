#!/bin/sh
# The committed seed corpus is what its generator writes: regenerate it and compare file by file.
# Files named regress-* are crash inputs kept as regressions, not generated: they are left out.
#   corpus_check.sh GENERATOR COMMITTED-DIR WORK-DIR [ARG...]   (runs GENERATOR ARG... WORK-DIR)
set -eu
gen=$1 committed=$2 work=$3
shift 3
rm -rf "$work" && mkdir -p "$work"
"$gen" "$@" "$work"
if ! diff -r -x 'regress-*' "$committed" "$work" >/dev/null; then
    echo "the committed corpus $committed differs from what $gen writes; regenerate it:" >&2
    echo "  $gen $* $committed" >&2
    diff -r -x 'regress-*' "$committed" "$work" >&2 || true
    exit 1
fi
echo "corpus $committed: $(ls "$work" | wc -l) files, as generated"
