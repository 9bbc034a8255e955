#!/bin/sh
# The capture the `vsan` module's relays write is readable as the mirror link: test_vsan_mod
# --capture runs two servers and a witness with relays between the servers and mirrors a write
# each way; tshark with reports/wireshark/vsan-link.lua then finds the link by its magic, with
# GRANT and WRITE messages among them, the WRITEs answered WRITE_OK, and nothing malformed or
# flagged. Prints TAP; exits 1 when a point failed, 77 (skip) when tshark is missing or built
# without Lua.
#   vsan_relay_tshark.sh TEST_VSAN_MOD LUA WORKDIR TSHARK
prog=$1 lua=$2 work=$3 tshark=${4:-}
. "$(dirname "$0")/../vsan/tshark_lua.sh"

pcap=$work/relay.pcap
"$prog" --capture "$pcap" >"$work/rig.out" 2>&1
st=$?
point $st "servers, witness and relays ran, a write mirrored each way, captured into $pcap"
[ $st -eq 0 ] || sed 's/^/# /' "$work/rig.out" | head -20

"$tshark" -X lua_script:"$lua" -r "$pcap" -V >"$work/dissect.txt" 2>"$work/dissect.err"
st=$?
grep -v 'Running as user' "$work/dissect.err" >"$work/dissect.err2"
point "$([ $st -eq 0 ] && [ ! -s "$work/dissect.err2" ]; echo $?)" "tshark loads the dissector and reads the relay capture"
[ -s "$work/dissect.err2" ] && sed 's/^/# /' "$work/dissect.err2" | head -10

count() { grep -c "^    type: $1 ([0-9]*)\$" "$work/dissect.txt"; }
hello=$(count HELLO) grant=$(count GRANT) write=$(count WRITE) write_ok=$(count WRITE_OK)
point "$([ "$hello" -ge 2 ]; echo $?)" "both servers' HELLOs found by the heuristic ($hello)"
point "$([ "$grant" -ge 1 ]; echo $?)" "a GRANT: write priority asked before a write ($grant)"
point "$([ "$write" -ge 2 ]; echo $?)" "the mirrored WRITEs of both servers ($write)"
point "$([ "$write_ok" -ge "$write" ]; echo $?)" "each WRITE answered WRITE_OK ($write_ok)"
malformed=$(grep -c '\[Malformed' "$work/dissect.txt")
point "$([ "$malformed" -eq 0 ]; echo $?)" "no [Malformed mark ($malformed)"
flagged=$(grep -Ec 'Expert Info \((Error|Warning)/' "$work/dissect.txt")
point "$([ "$flagged" -eq 0 ]; echo $?)" "no error or warning expert info: every CRC right ($flagged)"
echo "1..$n"
exit "$failed"
