#!/bin/sh
# `mirrorcert replay` on captures taken with dumpcap of libiscsi's iscsi-test-cu against the
# reference target (tests/fuzz/corpus/capture: ALL.iSCSIResiduals.Read10Residuals as pcapng, cut
# short, and cut by a snap length of 120 bytes as pcap): the flows listed, bad captures named by
# frame, the replay against the conformant reference agreeing, against a mutant diverging and
# shrunk to the one command that shows it, and the emitted vector passing on the reference and
# failing on the mutant. Prints TAP; exits 1 when any point failed.
#   replay.sh MIRRORCERT SOURCE-DIR WORKDIR
mc=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
. "$(dirname "$0")/../tap/tap.sh"
echo "TAP version 13"
caps=$src/tests/fuzz/corpus/capture
cap=$caps/resid.pcapng

"$mc" replay "$cap" >"$work/list.out" 2>&1
point $? "the flows of a pcapng capture are listed (exit 0)"
grep -q "^flow 2  tcp .*iSCSI: .*, 16 PDUs (8 from it), login seen, digests none" "$work/list.out"
point $? "flow 2 is iSCSI: 16 PDUs, 8 of them the initiator's, its login in the capture"
"$mc" replay "$cap" --flow 2 >"$work/flow.out" 2>&1
point "$([ "$(grep -c '^ *[0-9][0-9]*  \(->\|<-\)' "$work/flow.out")" = 16 ]; echo $?)" "--flow 2 prints its 16 PDUs, one a line"
grep -q "^    52  ->  SCSI Command *itt 0x[0-9a-f]*  cdb\[0\] 5e  edtl 16384" "$work/flow.out"
point $? "each with its frame and fields (frame 52: PERSISTENT RESERVE IN, EDTL 16384)"

"$mc" replay "$src/README.md" >"$work/bad.out" 2>&1
rc=$?
point "$([ $rc = 2 ] && grep -q 'not a capture libpcap reads' "$work/bad.out"; echo $?)" "a file that is not a capture: exit 2, saying so (exit $rc)"
"$mc" replay "$caps/resid-cut.pcapng" >"$work/cut.out" 2>&1
rc=$?
point "$([ $rc = 0 ] && grep -q 'warning: the capture ends badly after frame' "$work/cut.out"; echo $?)" "a capture cut short: what it holds is listed, its bad end named (exit $rc)"
"$mc" replay "$caps/resid-snap120.cap" --flow 2 >"$work/snap.out" 2>&1
grep -q "note: frame [0-9]* was cut by the snap length" "$work/snap.out" && grep -q "note: .*it is left out" "$work/snap.out"
point $? "a capture cut by its snap length: the frames and the PDUs it cut are named"
"$mc" replay "$cap" --shrink >"$work/noshrink.out" 2>&1
point "$([ $? = 2 ]; echo $?)" "--shrink without --device is a usage error (exit 2)"
"$mc" replay "$cap" --device reference >"$work/twoflows.out" 2>&1
point "$([ $? = 2 ] && grep -q 'name one with --flow' "$work/twoflows.out"; echo $?)" "two iSCSI flows and no --flow: exit 2, asking for one"

"$mc" replay "$cap" --flow 2 --device reference --report "$work/ref" >"$work/ref.out" 2>&1
rc=$?
point "$([ $rc = 0 ] && grep -q '^no divergence' "$work/ref.out"; echo $?)" "replayed against the reference target: no divergence (exit $rc)"
txt=$work/ref/replay.flow2-replay.txt
grep -q "^rewrites:" "$txt" && grep -q "ITT 0x558263b5 -> 0x" "$txt" && grep -q "LUN 0 -> 1 (PIXIT lun)" "$txt" && grep -q "^rule: ignored" "$txt"
point $? "the report lists the rewrites (ITTs, the LUN) and the rule"
point "$([ -s "$work/ref/certification.html" ] && [ -s "$work/ref/traffic.pcap" ]; echo $?)" "with the run's certificate and capture"

"$mc" replay "$cap" --flow 2 --device reference --mutant residual-missing --shrink \
    --report "$work/mut" --emit-vector "$work/replay-vector.tcl" >"$work/mut.out" 2>&1
rc=$?
point "$([ $rc = 1 ]; echo $?)" "against the mutant residual-missing the answers diverge (exit $rc)"
grep -q "^first divergence: SCSI Command 0x28 (frame 44), answer 1 (SCSI Response, frame 45): O captured 1, live 0" "$work/mut.out"
point $? "the first divergence is the missing overflow bit of the first READ(10)"
grep -q "^shrink: 7 commands to 1 in [0-9]* replays (bound 200)" "$work/mut.out"
point $? "--shrink keeps one command of seven: $(grep '^shrink' "$work/mut.out")"
grep -q "check pdu \$r {opcode 0x21 status 0 response 0 O 1 residual 512}" "$work/replay-vector.tcl"
point $? "the emitted vector checks the captured answer's overflow and residual"
"$mc" run --suite iscsi-core --vector-file "$work/replay-vector.tcl" --filter 'replay.*' --seed 1 \
    --report "$work/v-ref" >"$work/v-ref.out" 2>&1
point $? "the emitted vector passes on the conformant reference"
"$mc" run --suite iscsi-core --vector-file "$work/replay-vector.tcl" --filter 'replay.*' --seed 1 \
    --mutant residual-missing --report "$work/v-mut" >"$work/v-mut.out" 2>&1
rc=$?
point "$([ $rc = 1 ] && grep -q 'field O: expected 1, seen 0' "$work/v-mut.out"; echo $?)" "and fails on the mutant, naming the field (exit $rc)"
tap_done
