#!/bin/sh
# vsan_bench --peer gluster, briefly (--brief --repeats 1): the reference pair and the GlusterFS
# pair (harness/devices/gluster.tcl, held up by `mirrorcert hold`) both produce every figure, and
# once the run is over nothing of it is left: no process of the device (each carries
# MC_GLUSTER_RUN=PID:... in its environment, PID the holder's, which the benchmark prints), no
# process naming the run's folder (the reference servers, the bricks), no GlusterFS mount, no
# folder of the run. No timing is judged. Skipped (77) with the benchmark's reason when the
# device cannot run here (not root, a package or FUSE missing, a glusterd on every address at
# port 24007).
# Usage: vsan_bench_peer.sh VSAN_BENCH WORKDIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 VSAN_BENCH WORKDIR" >&2; exit 2; }
bench=$1
work=$2
. "$(dirname "$0")/../tests/tap/tap.sh"

rm -rf "$work"
mkdir -p "$work" || exit 1
# The stores' folder, short: glusterd's unix socket lies inside it (a path of at most 107 bytes).
run=$(mktemp -d "${TMPDIR:-/tmp}/vsan-peer.XXXXXX") || exit 1
"$bench" --peer gluster --brief --repeats 1 --dir "$run" >"$work/out.txt" 2>"$work/err.txt"
rc=$?
cat "$work/out.txt"
if [ $rc = 77 ]; then
    rmdir "$run"
    exit 77
fi
sed 's/^/# /' "$work/err.txt"
point $rc "vsan_bench --peer gluster --brief --repeats 1 exits 0"

# Each workload row: the reference's min/median/max, gluster's, and their ratio.
num='[0-9][0-9.]*/[0-9][0-9.]*/[0-9][0-9.]*'
for w in "write 4 KiB latency us QD1" "read 4 KiB latency us QD1" \
    "write 64 KiB MiB/s QD1" "write 1 MiB MiB/s QD1" "write 64 KiB MiB/s QD4" "write 1 MiB MiB/s QD4" \
    "read 64 KiB MiB/s QD1" "read 1 MiB MiB/s QD1" "read 64 KiB MiB/s QD4" "read 1 MiB MiB/s QD4" \
    "first read" "longest without a read" "first write"; do
    grep -q "^  $w  *$num  *$num  *$num\$" "$work/out.txt"
    point $? "both pairs measured: $w (with the ratio)"
done

holder=$(sed -n 's/.*held by pid \([0-9][0-9]*\).*/\1/p' "$work/out.txt")
[ -n "$holder" ]
point $? "the benchmark names the process holding the device"

left=
for f in /proc/[0-9]*/environ; do
    tag=$( { tr '\0' '\n' <"$f"; } 2>/dev/null | sed -n 's/^MC_GLUSTER_RUN=\([0-9][0-9]*\):.*/\1/p')
    if [ -n "$holder" ] && [ "$tag" = "$holder" ]; then
        p=${f#/proc/}
        left="$left ${p%/environ}"
    fi
done
for f in /proc/[0-9]*/cmdline; do
    cmd=$( { tr '\0' ' ' <"$f"; } 2>/dev/null)
    case $cmd in
    *"$run"*)
        p=${f#/proc/}
        left="$left ${p%/cmdline}"
        ;;
    esac
done
for p in $left; do echo "# left running: $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done
[ -z "$left" ]
point $? "no process of the run is left (glusterd, bricks, self-heal daemon, tgtds, reference servers)"

! grep " fuse.glusterfs " /proc/mounts | grep -q " $run"
point $? "no GlusterFS mount of the run is left"

kept=$(ls -A "$run" | tr '\n' ' ')
[ -z "$kept" ] && rmdir "$run"
point $? "no folder of the run is left in $run ($kept)"

tap_done
