#!/bin/sh
# The vsan suite against GlusterFS (device profile gluster: a replica volume served by one tgtd
# per server): every vector passes, is n/a, or is one of the profile's known deviations; and once
# the run is over, no process it started is left (each carries MC_GLUSTER_RUN=PID:... in its
# environment, PID the run's). Skipped (77) with the reason when not root, without the Debian
# packages glusterfs-server, glusterfs-client and tgt-glusterfs, without FUSE, or when a glusterd
# already listens on every address at port 24007 (tgtd's glfs backing store reaches only that
# port, so the profile's glusterd listens there on an address of the run's own).
# Usage: gluster-vsan.sh MIRRORCERT WORKDIR
set -u
[ $# -eq 2 ] || { echo "usage: $0 MIRRORCERT WORKDIR" >&2; exit 2; }
bin=$1
work=$2
skip() { echo "skipped: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root (glusterd, FUSE mounts and tgtd do)"
for p in glusterd:glusterfs-server gluster:glusterfs-cli glusterfs:glusterfs-client tgtd:tgt tgtadm:tgt; do
    command -v "${p%%:*}" >/dev/null 2>&1 || skip "${p%%:*} not installed (Debian package ${p#*:})"
done
[ -f /usr/lib/tgt/backing-store/bs_glfs.so ] || skip "tgtd has no glfs backing store (Debian package tgt-glusterfs)"
[ -c /dev/fuse ] || skip "no /dev/fuse (the kernel's FUSE): the volume's file is created through a FUSE mount"
if ss -Hltn 'sport = :24007' 2>/dev/null | awk '{print $4}' | grep -Eq '^(0\.0\.0\.0|\*|\[::\]):24007$'; then
    skip "a glusterd listens on every address at port 24007 (tgtd's glfs backing store reaches no other port)"
fi

rm -rf "$work"
mkdir -p "$work" || exit 1
"$bin" run --suite vsan --device gluster --seed 1 --junit "$work/junit.xml" --report "$work/report" >"$work/run.log" 2>&1 &
run=$!
wait $run
rc=$?
cat "$work/run.log"

# Left behind: a process carrying the run's tag, or the tag of any run whose harness is gone.
left=
for f in /proc/[0-9]*/environ; do
    owner=$( { tr '\0' '\n' <"$f"; } 2>/dev/null | sed -n 's/^MC_GLUSTER_RUN=\([0-9][0-9]*\):.*/\1/p')
    [ -n "$owner" ] || continue
    if [ "$owner" = "$run" ] || ! kill -0 "$owner" 2>/dev/null; then
        p=${f#/proc/}
        left="$left ${p%/environ}"
    fi
done
if [ -n "$left" ]; then
    echo "FAIL: processes of the run left behind:"
    for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done
    exit 1
fi
if grep -q " fuse.glusterfs " /proc/mounts && grep " fuse.glusterfs " /proc/mounts | grep -q "mirrorcert\.$run\."; then
    echo "FAIL: a GlusterFS mount of the run left behind"
    exit 1
fi
exit $rc
