#!/bin/sh
# sigrok-cli reads the simulator's VCD: the channels are there and REQ pulses as often as the
# decoder counted. usage: sigrok_check.sh DUMPER SIGROK-CLI FILE
set -eu
dumper=$1 sigrok=$2 file=$3
expect=$("$dumper" "$file")
pulses=$(echo "$expect" | awk '/^req_pulses/ {print $2}')
show=$("$sigrok" -I vcd -i "$file" --show)
for ch in BSY SEL ATN ACK REQ CD IO MSG DBP DB0 DB15; do
    echo "$show" | grep -q -- "- $ch:" || { echo "sigrok lists no channel $ch"; exit 1; }
done
seen=$("$sigrok" -I vcd -i "$file" -O csv | awk -F, '
    /^;/ || /^META/ { next }
    /^logic/ { next }
    col == 0 { col = -1 }
    { v = $req; if (v == 1 && prev != 1) n++; prev = v }
    END { print n + 0 }' req="$(echo "$show" | awk '/^- / {i++; if ($2 == "REQ:") print i}')")
echo "REQ pulses: decoder $pulses, sigrok $seen"
[ "$pulses" -gt 0 ] && [ "$pulses" = "$seen" ]
