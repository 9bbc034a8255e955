#!/bin/sh
# The Wireshark dissector reports/wireshark/vsan-link.lua reads a capture of the mirror link:
# its table block is the one link.h generates; tshark finds the link by its magic (heuristic)
# and, with the heuristic off, on the port preference; every message type appears as often as
# the capture program wrote it; nothing is malformed or flagged; statuses and the cluster name
# are shown by name. Prints TAP; exits 1 when a point failed, 77 (skip) when tshark is missing
# or built without Lua.
#   dissector_check.sh CAPTURE-PROGRAM LUA WORKDIR TSHARK
cap=$1 lua=$2 work=$3 tshark=${4:-}
port=47123   # a TCP port no Wireshark dissector claims, so only ours can take it
. "$(dirname "$0")/tshark_lua.sh"

"$cap" --lua-table >"$work/table.want"
sed -n '/^-- BEGIN GENERATED/,/^-- END GENERATED/p' "$lua" >"$work/table.got"
diff -u "$work/table.want" "$work/table.got" >"$work/table.diff"
st=$?
point $st "the dissector's table block is the one link.h generates (regenerate: vsan_link_capture --lua-table)"
[ $st -eq 0 ] || sed 's/^/# /' "$work/table.diff" | head -20

pcap=$work/vsan-link.pcap
"$cap" "$pcap" $port >"$work/expected"
point $? "the capture program wrote $pcap"

# check NAME TSHARK-ARGS...: one dissection, judged whole
check() {
    name=$1
    shift
    "$tshark" -X lua_script:"$lua" -r "$pcap" -V "$@" >"$work/$name.txt" 2>"$work/$name.err"
    st=$?
    grep -v 'Running as user' "$work/$name.err" >"$work/$name.err2"
    point "$([ $st -eq 0 ] && [ ! -s "$work/$name.err2" ]; echo $?)" "$name: tshark loads the dissector and reads the capture"
    [ -s "$work/$name.err2" ] && sed 's/^/# /' "$work/$name.err2" | head -10
    total=0 wrong=""
    while read -r _ type want; do
        got=$(grep -c "^    type: $type ([0-9]*)\$" "$work/$name.txt")
        total=$((total + got))
        [ "$got" -eq "$want" ] || wrong="$wrong $type:$got/$want"
    done <"$work/expected"
    point "$([ -z "$wrong" ]; echo $?)" "$name: every type appears as often as written ($total messages)${wrong:+; wrong:$wrong}"
    malformed=$(grep -c '\[Malformed' "$work/$name.txt")
    point "$([ "$malformed" -eq 0 ]; echo $?)" "$name: no [Malformed mark ($malformed)"
    flagged=$(grep -Ec 'Expert Info \((Error|Warning)/' "$work/$name.txt")
    point "$([ "$flagged" -eq 0 ]; echo $?)" "$name: no error or warning expert info (CRCs right, bodies whole) ($flagged)"
}
check heuristic
check port --disable-heuristic mcvsan_tcp -o mcvsan.port:$port
"$tshark" -X lua_script:"$lua" -r "$pcap" --disable-heuristic mcvsan_tcp 2>/dev/null | grep -c MCVSAN >"$work/none.count"
point "$([ "$(cat "$work/none.count")" -eq 0 ]; echo $?)" "neither heuristic nor port: nothing dissected (the port check is not vacuous)"

for line in "status: STALE_EPOCH (4)" "status: BUSY (9)" "status: NOT_COORDINATOR (7)" "cluster: alpha" \
            "flags: 0x00000001" "regions (3)" "history (2)"; do
    point "$(grep -qF "$line" "$work/heuristic.txt"; echo $?)" "shown: $line"
done
echo "1..$n"
exit "$failed"
