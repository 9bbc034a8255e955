#!/bin/sh
# The group datagrams of a run's capture are readable with reports/wireshark/mcast-group.lua: the
# mcast write vectors against mcast-reference write a capture in which every UDP datagram to the
# group port is dissected as a group datagram, with SCSI Commands and Data-Outs inside and no
# expert info; the negative vectors' damaged datagrams (bad CRC, magic, length, PDU count, a
# truncated PDU) are each flagged by the dissector's own check. Prints TAP; exits 1 when a point
# failed, 77 (skip) when tshark is missing or built without Lua.
#   mcast_group_tshark.sh MIRRORCERT LUA WORKDIR TSHARK
mc=$1 lua=$2 work=$3 tshark=${4:-}
. "$(dirname "$0")/../vsan/tshark_lua.sh"

ts() { # ts PCAP FILTER: the frames of PCAP matching FILTER, one a line
    "$tshark" -X lua_script:"$lua" -r "$1" -Y "$2" 2>/dev/null
}

"$mc" run --suite mcast --filter 'mcast.write.*' --seed 11 --report "$work/write" >"$work/write.out" 2>&1
point $? "the mcast write vectors pass against mcast-reference and write a capture"
pcap=$work/write/traffic.pcap
"$tshark" -X lua_script:"$lua" -r "$pcap" >/dev/null 2>"$work/load.err"
st=$?
grep -v 'Running as user' "$work/load.err" >"$work/load.err2"
point "$([ $st -eq 0 ] && [ ! -s "$work/load.err2" ]; echo $?)" "tshark loads the dissector and reads the capture"
udp=$(ts "$pcap" "udp.dstport == 3260" | wc -l)
group=$(ts "$pcap" "mcgroup" | wc -l)
point "$([ "$udp" -gt 0 ] && [ "$group" -eq "$udp" ]; echo $?)" \
    "every datagram to the group port is a group datagram ($group of $udp)"
cmds=$(ts "$pcap" "mcgroup.pdu.opcode == 0x01" | wc -l)
outs=$(ts "$pcap" "mcgroup.pdu.opcode == 0x05" | wc -l)
point "$([ "$cmds" -gt 0 ] && [ "$outs" -gt 0 ]; echo $?)" \
    "SCSI Commands ($cmds datagrams) and Data-Outs ($outs datagrams) are dissected inside them"
flagged=$(ts "$pcap" "mcgroup && _ws.expert" | wc -l)
point "$([ "$flagged" -eq 0 ]; echo $?)" "no expert info on a conformant run's datagrams: every CRC and length right ($flagged)"

"$mc" run --suite mcast --filter 'mcast.neg.bad-[cml]*' --seed 11 --report "$work/neg" >"$work/neg.out" 2>&1
point $? "the mcast negative vectors for a bad CRC, magic and length pass and write a capture"
pcap=$work/neg/traffic.pcap
for f in mcgroup.crc.bad mcgroup.magic.bad mcgroup.length.bad mcgroup.count.bad mcgroup.pdu.truncated; do
    got=$(ts "$pcap" "$f" | wc -l)
    point "$([ "$got" -ge 1 ]; echo $?)" "the damaged datagrams are flagged $f ($got)"
done
echo "1..$n"
exit "$failed"
