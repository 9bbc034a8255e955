#!/bin/bash
# Interoperability of the reference target with libiscsi's tools, and of the reference initiator
# with the reference target and with tgtd: every tool's output is checked for the facts the
# target was configured with (name, capacity, data written), every step runs under a deadline.
# Usage: libiscsi-tools.sh MIRRORCERT WORKDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 MIRRORCERT WORKDIR" >&2; exit 2; }
bin=$1
MC_WORK=$2
step_seconds=${MC_STEP_TIMEOUT:-60}
perf_seconds=3
size_bytes=67108864          # --size 64M
block=512
mkdir -p "$MC_WORK" || exit 1
[ -x "$bin" ] || mc_die "$bin is not executable"
for tool in iscsi-ls iscsi-inq iscsi-readcapacity16 iscsi-perf; do
    command -v "$tool" >/dev/null || mc_die "$tool not installed (Debian package libiscsi-bin)"
done
trap 'mc_stop_ours 10; mc_stop_tgtd' EXIT
failures=0
check() {   # check DESCRIPTION COMMAND...: runs the command, counts and reports a failure
    local what=$1
    shift
    if "$@"; then
        echo "ok   - $what"
    else
        echo "FAIL - $what"
        failures=$((failures + 1))
    fi
}
run() {     # run LOG COMMAND...: the command under the step deadline, output kept in LOG
    local log=$1
    shift
    timeout -k 5 "$step_seconds" "$@" >"$MC_WORK/$log" 2>&1
}
has() { grep -q -- "$2" "$MC_WORK/$1"; }

iqn=iqn.2026-11.org.mirrorcert:tools
rm -f "$MC_WORK/ours-lun.img"
mc_start_ours "$bin" "$iqn" "$MC_WORK/ours-lun.img" "$MC_WORK/ours.log"
port=$MC_OURS_PORT
url="iscsi://127.0.0.1:$port/$iqn/1"

# libiscsi's tools against the reference target.
check "iscsi-ls runs" run ls.log iscsi-ls -s "iscsi://127.0.0.1:$port"
check "iscsi-ls lists the target name" has ls.log "Target:$iqn"
check "iscsi-ls lists LUN 1 as a disk" has ls.log "Lun:1 *Type:DIRECT_ACCESS"
check "iscsi-inq runs" run inq.log iscsi-inq "$url"
check "iscsi-inq: a direct-access device" has inq.log "Peripheral Device Type:DIRECT_ACCESS"
vendor=$(sed -n 's/^Vendor://p' "$MC_WORK/inq.log" | sed 's/ *$//')
check "iscsi-inq reports a vendor ('$vendor')" test -n "$vendor"
check "iscsi-readcapacity16 runs" run readcap.log iscsi-readcapacity16 "$url"
check "iscsi-readcapacity16: total size $size_bytes" has readcap.log "Total size:$size_bytes"
check "iscsi-readcapacity16: $block-byte blocks" has readcap.log "LOGICAL BLOCK LENGTH IN BYTES:$block"
check "iscsi-perf runs ${perf_seconds}s" run perf.log iscsi-perf -t "$perf_seconds" "$url"
check "iscsi-perf saw the capacity" has perf.log "capacity is $((size_bytes / block)) blocks"
check "iscsi-perf finished" has perf.log "finished."
iops=$(grep -o 'iops average [0-9]*' "$MC_WORK/perf.log" | tail -1 | awk '{print $3}')
check "iscsi-perf moved data (average iops ${iops:-none})" test "${iops:-0}" -gt 0
echo "iscsi-perf on the reference target: $(grep -o 'iops average [0-9]* ([0-9]* MB/s)' "$MC_WORK/perf.log" | tail -1)"

# The reference initiator's CLI against a target: discovery, INQUIRY, capacity, write/read back, ping.
head -c $((block * 64)) /dev/urandom >"$MC_WORK/pattern.bin"
cli_checks() {   # cli_checks NAME PORT IQN LUN VENDOR
    local name=$1 p=$2 t=$3 lun=$4 vend=$5
    local tgt=(--portal "127.0.0.1:$p" --target "$t" --lun "$lun" --timeout 20)
    check "$name: initiator discover" run "$name-discover.log" "$bin" initiator discover --portal "127.0.0.1:$p"
    check "$name: discovery lists $t" has "$name-discover.log" "^TargetName=$t\$"
    check "$name: initiator inquiry" run "$name-inquiry.log" "$bin" initiator inquiry "${tgt[@]}"
    check "$name: INQUIRY vendor matches ('$vend')" has "$name-inquiry.log" "^Vendor: $vend"
    check "$name: initiator readcap" run "$name-readcap.log" "$bin" initiator readcap "${tgt[@]}"
    check "$name: capacity $size_bytes" has "$name-readcap.log" "^Total size: $size_bytes\$"
    check "$name: initiator write" run "$name-write.log" "$bin" initiator write "${tgt[@]}" --lba 4096 \
        --in "$MC_WORK/pattern.bin"
    check "$name: initiator read" run "$name-read.log" "$bin" initiator read "${tgt[@]}" --lba 4096 \
        --blocks 64 --out "$MC_WORK/$name-readback.bin"
    check "$name: read back what was written" cmp -s "$MC_WORK/pattern.bin" "$MC_WORK/$name-readback.bin"
    check "$name: initiator write with CRC32C digests" run "$name-write-crc.log" "$bin" initiator write \
        "${tgt[@]}" --lba 8192 --in "$MC_WORK/pattern.bin" --digest crc32c
    check "$name: initiator ping" run "$name-ping.log" "$bin" initiator ping "${tgt[@]}"
    local st=0
    run "$name-badlun.log" "$bin" initiator readcap "${tgt[@]}" --lun 9 || st=$?
    check "$name: a missing LUN fails with status 1 (got $st)" test "$st" -eq 1
}
cli_checks ours "$port" "$iqn" 1 "$vendor"
st=0
run usage.log "$bin" initiator readcap --portal "127.0.0.1:$port" || st=$?
check "initiator without --target: usage error, status 2 (got $st)" test "$st" -eq 2
st=0
run wrong-target.log "$bin" initiator readcap --portal "127.0.0.1:$port" --target iqn.2026-11.org.mirrorcert:none || st=$?
check "initiator login to an unknown target: status 1 (got $st)" test "$st" -eq 1
check "the refusal is explained" has wrong-target.log "login refused"

stop_rc=0
mc_stop_ours 30 || stop_rc=$?
check "reference target exits 0 on SIGTERM (status $stop_rc)" test "$stop_rc" -eq 0

# The reference initiator against tgtd (tgt's vendor string is "IET").
tport=$(mc_free_port) || mc_die "no free port"
ctl=$(mc_free_ctl_port) || mc_die "no free tgtd control port"
truncate -s "$size_bytes" "$MC_WORK/tgtd-lun.img" || exit 1
mc_start_tgtd "$tport" "$ctl" iqn.2026-11.org.mirrorcert:tools-tgtd "$MC_WORK/tgtd-lun.img" "$MC_WORK/tgtd.log"
tgtd_vendor=$(timeout 20 iscsi-inq "iscsi://127.0.0.1:$tport/iqn.2026-11.org.mirrorcert:tools-tgtd/1" 2>/dev/null |
              sed -n 's/^Vendor://p' | sed 's/ *$//')
cli_checks tgtd "$tport" iqn.2026-11.org.mirrorcert:tools-tgtd 1 "${tgtd_vendor:-IET}"
mc_stop_tgtd

echo "logs in $MC_WORK"
[ $failures -eq 0 ] || mc_die "$failures checks failed"
echo "all checks passed"
