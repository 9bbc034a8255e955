#!/bin/sh
# Multicast mirroring across network namespaces: builds the topology (topology.sh), serves three
# reference targets in their namespaces, drives the mirroring initiator's console from the
# initiator namespace (mcast_netns.exp) and always takes the topology down again.
# Usage: mcast_netns.sh /path/to/mirrorcert. Exit 77 (skipped) when not root.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:?usage: mcast_netns.sh /path/to/mirrorcert}
if [ "$(id -u)" != 0 ]; then
    echo "mcast_netns: not root, namespace topology skipped"
    exit 77
fi
export MCT_PREFIX=mct$$
N=3
LOGDIR=$(mktemp -d)
cleanup() {
    "$HERE/topology.sh" down >/dev/null 2>&1 || true
    rm -rf "$LOGDIR"
}
trap cleanup EXIT INT TERM
"$HERE/topology.sh" up $N
k=1
while [ $k -le $N ]; do
    ip netns exec "$MCT_PREFIX-t$k" "$BIN" serve iscsi-target --portal "10.77.0.$((10 + k)):3260" \
        --iqn "iqn.2026-11.org.mirrorcert:netns$k" --lun 1=mem --lun 2=mem --size 4M >"$LOGDIR/t$k.log" 2>&1 &
    k=$((k + 1))
done
# every target prints one ready line before serving
tries=0
until [ "$(cat "$LOGDIR"/t*.log 2>/dev/null | grep -c ready)" -eq $N ]; do
    tries=$((tries + 1))
    if [ $tries -gt 50 ]; then
        echo "mcast_netns: targets did not start"; cat "$LOGDIR"/t*.log
        exit 1
    fi
    sleep 0.1
done
expect "$HERE/mcast_netns.exp" "$BIN" "$MCT_PREFIX" $N
