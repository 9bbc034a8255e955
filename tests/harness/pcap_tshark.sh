#!/bin/sh
# The capture a run writes (--report DIR: DIR/traffic.pcap) is read by tshark as iSCSI: tshark
# exits 0, finds every kind of PDU the vectors exchanged, and flags no frame as malformed except
# Text Responses with the C bit set (a key split across PDUs, RFC 7143 11.10.2, which tshark
# cannot parse as whole keys). Prints TAP; exits 1 when any point failed.
#   pcap_tshark.sh MIRRORCERT WORKDIR
mc=$1 work=$2
rm -rf "$work" && mkdir -p "$work" || exit 1
. "$(dirname "$0")/../tap/tap.sh"
echo "TAP version 13"

# Reads, writes, text and task management: every PDU kind counted below appears in them.
"$mc" run --suite iscsi-core --device reference --seed 1 --filter 'core.[rtw]*' \
    --report "$work/report" >"$work/run.out" 2>&1
point $? "the iscsi-core read/text/tmf/write vectors pass against the reference target"
pcap=$work/report/traffic.pcap
point "$([ -s "$pcap" ]; echo $?)" "the run wrote $pcap"
if ! command -v tshark >/dev/null 2>&1; then
    point 1 "tshark is installed (Debian package tshark)"
    echo "1..$n"
    exit 1
fi

# The capture frames every iSCSI connection on the iSCSI port (3260), whatever port the
# device listens on, so tshark dissects it with no decode-as option; the device's real port is
# in the report's results.xml.
ports=$(tshark -r "$pcap" -T fields -e tcp.srcport -e tcp.dstport 2>/dev/null |
    awk 'NF == 2 {print ($1 < $2 ? $1 : $2)}' | sort -u)
point "$([ "$ports" = 3260 ]; echo $?)" "every TCP flow of the capture is framed on port 3260 (server ports seen: $(echo $ports))"
set --

tshark -r "$pcap" "$@" >"$work/dissected.txt" 2>"$work/tshark.err"
point $? "tshark reads the capture (exit 0)"
echo "# $(wc -l <"$work/dissected.txt" | tr -d ' ') frames dissected"

count() { tshark -r "$pcap" "$@" -Y "$filter" 2>/dev/null | wc -l | tr -d ' '; }
# Opcodes of RFC 7143 11.1 (tshark's iscsi.opcode leaves out the immediate bit).
for pair in "0x03:Login Command" "0x23:Login Response" "0x01:SCSI Command" "0x31:R2T" \
            "0x05:SCSI Data-Out" "0x25:SCSI Data-In" "0x21:SCSI Response" \
            "0x04:Text Command" "0x24:Text Response"; do
    op=${pair%%:*} name=${pair#*:}
    filter="iscsi.opcode == $op"
    got=$(count "$@")
    point "$([ "$got" -gt 0 ]; echo $?)" "tshark dissects $name PDUs ($got frames)"
done

filter="_ws.malformed"
all=$(count "$@")
filter="_ws.malformed && !(iscsi.opcode == 0x24 && iscsi.text.C == 1)"
other=$(count "$@")
echo "# malformed frames: $all, of which Text Responses continued (C bit): $((all - other))"
if [ "$other" -ne 0 ]; then
    tshark -r "$pcap" "$@" -Y "$filter" 2>/dev/null | sed 's/^/#   /'
fi
point "$([ "$other" -eq 0 ]; echo $?)" "no frame is malformed but split-key Text Response continuations"
echo "1..$n"
exit "$failed"
