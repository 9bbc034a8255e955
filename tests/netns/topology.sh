#!/bin/sh
# Namespace topology for multicast mirroring: a bridge, one network namespace per target and one
# for the initiator, each joined to the bridge by a veth pair with its own address, so group joins
# are real IGMP joins on a real (virtual) link.
#   topology.sh up [N]    N targets (default 3): namespaces mct-i, mct-t1..mct-tN
#   topology.sh down      removes everything "up" made (safe to run twice)
# Addresses: initiator 10.77.0.1, target k 10.77.0.(10+k), all /24 on bridge mct-br0.
set -eu

PREFIX=${MCT_PREFIX:-mct}
BR=${PREFIX}-br0
NET=10.77.0
MTU=${MCT_MTU:-1500}

need_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "topology.sh: needs root (network namespaces)" >&2
        exit 77
    fi
}

add_ns() {  # name address
    ns=$PREFIX-$1
    ip netns add "$ns"
    ip link add "v$1-$PREFIX" type veth peer name eth0 netns "$ns"
    ip link set "v$1-$PREFIX" master "$BR" mtu "$MTU" up
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 mtu "$MTU" up
    ip -n "$ns" addr add "$2/24" dev eth0
    # group traffic leaves by eth0; IGMPv2 so joins and leaves show as single reports
    ip -n "$ns" route add 224.0.0.0/4 dev eth0
    ip netns exec "$ns" sh -c 'echo 2 > /proc/sys/net/ipv4/conf/eth0/force_igmp_version' 2>/dev/null || true
}

up() {
    need_root
    n=${1:-3}
    ip link add "$BR" type bridge
    ip link set "$BR" mtu "$MTU" up
    # the bridge forwards group traffic to every port (no snooping querier on an isolated bridge)
    echo 0 > "/sys/class/net/$BR/bridge/multicast_snooping" 2>/dev/null || true
    add_ns i "$NET.1"
    k=1
    while [ "$k" -le "$n" ]; do
        add_ns "t$k" "$NET.$((10 + k))"
        k=$((k + 1))
    done
    echo "topology up: $BR, $PREFIX-i $NET.1, targets $PREFIX-t1..t$n at $NET.11.., MTU $MTU"
}

down() {
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX-" || true); do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    ip link del "$BR" 2>/dev/null || true
    echo "topology down"
}

case "${1:-}" in
up) shift; up "$@" ;;
down) need_root; down ;;
*) echo "usage: topology.sh up [N] | down" >&2; exit 2 ;;
esac
