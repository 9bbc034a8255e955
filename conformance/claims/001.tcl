# Claims 001:1-20: parallel SCSI silent mirroring (seed 001_672e163532c52ad2.txt, spec 003).
# The seed carries page line numbers and docket headers; they are not part of the claims.
#
# Conventions of this file:
# - The claims' steps are unlettered; elements are numbered (a), (b), ... in the order the
#   steps appear (claims 1, 10, 11, 20).
# - Roles: bus-host = the host adapter (nexus initiator); bus-leader = the target leader that
#   was selected and holds BSY; bus-participant = a group member other than the leader that
#   takes the data phase without being selected; bus-target = every group member alike.
# - observe: "host DUT" = the harness owns the simulated bus and plays the group; "leader DUT"
#   or "participant DUT" = the harness plays the host and the other members; "VCD" = the same
#   check run offline on a capture of a real bus.

claimset 001 {title "parallel SCSI silent mirroring" seed 001_672e163532c52ad2.txt spec 003_1f8c0ea5c7fed783.txt}

claim 001:1 {kind method depends {}} {
    element 001:1(a) role bus-host text "starts a mirroring operation with a group of targets on one bus" observe "host DUT: a mirrored write from the host produces one silent-mirroring connection to the group"
    element 001:1(b) role bus-host text "arbitrates and selects the target leader with ATN asserted" observe "host DUT: bus trace shows ARBITRATION, SELECTION of the leader ID with ATN, MESSAGE OUT next"
    element 001:1(c) role bus-host text "sends a message naming the target leader" observe "host DUT: first MESSAGE OUT bytes carry the leader's group member identification"
    element 001:1(d) role bus-host text "sends a data block to the target leader" observe "host DUT: DATA OUT phase driven by the leader, block length as negotiated"
    element 001:1(e) role bus-host text "sends a target selection message naming a participating target" observe "host DUT: ATN, MESSAGE OUT with the vendor switch message naming the next member"
    element 001:1(f) role bus-host text "sends a data block to that participant without selecting it" observe "host DUT: DATA OUT to the participant with no ARBITRATION or SELECTION between the two blocks"
}

claim 001:2 {kind method depends {001:1}} {
    element 001:2 role bus-leader text "the target leader keeps the bus for the whole mirroring operation" observe "leader DUT: no BUS FREE from selection until the release message"
}

claim 001:3 {kind method depends {001:2}} {
    element 001:3 role bus-leader text "the leader holds the bus by keeping BSY asserted" observe "leader DUT: the leader's BSY drive stays asserted across every participant's data phase"
}

claim 001:4 {kind method depends {001:1}} {
    element 001:4 role bus-host text "sends a bus release message telling the leader to free the bus" observe "host DUT: final MESSAGE OUT carries the release message, then BSY falls"
}

claim 001:5 {kind method depends {001:1}} {
    element 001:5 role bus-participant text "the participant drives at least one phase line during its data phase" observe "participant DUT: C/D, I/O or MSG and REQ come from the participant's drive word while the leader drives only BSY"
}

claim 001:6 {kind method depends {001:1}} {
    element 001:6 role bus-host text "leader identification and target selection messages carry a vendor code announcing silent mirroring capability" observe "host DUT: both messages are EXTENDED MESSAGE with a vendor-specific code (0x80-0xFF) in the default dialect, or the literal bytes per PIXIT"
}

claim 001:7 {kind method depends {001:1}} {
    element 001:7 role bus-host text "both messages carry a silent mirroring group identification and a member identification" observe "host DUT: group and member bytes decoded from each message equal the configured group"
}

claim 001:8 {kind method depends {001:1}} {
    element 001:8 role bus-host text "the target selection message marks the participant that is last in the operation" observe "host DUT: the last-member indicator appears in the selection message before the final data block only"
}

claim 001:9 {kind method depends {001:1}} {
    element 001:9 role bus-target text "every group member returns a status" observe "member DUT: after release, each member reselects the host and sends STATUS then COMMAND COMPLETE"
}

claim 001:10 {kind method depends {001:9}} {
    element 001:10(a) role bus-host text "finds at least one data block that was not stored" observe "host DUT: a member answers CHECK CONDITION for its block; the host records the failed block"
    element 001:10(b) role bus-host text "sends the failed block again by a mirroring operation" observe "host DUT: a new silent-mirroring connection ends with the failed member's block"
}

claim 001:11 {kind system depends {}} {
    element 001:11(a) role system text "a bus" observe "simulated bus or VCD capture"
    element 001:11(b) role bus-host text "a host attached to the bus" observe "host DUT: the host adapter arbitrates on the bus"
    element 001:11(c) role bus-target text "a group of targets on the bus with several participants, one of them the leader" observe "member DUT: the device accepts group membership during discovery"
    element 001:11(d) role bus-host text "the host starts a mirroring operation with the group" observe "host DUT: a mirrored write produces one silent-mirroring connection"
    element 001:11(e) role bus-host text "the host arbitrates and selects the leader with ATN asserted" observe "host DUT: SELECTION of the leader ID with ATN"
    element 001:11(f) role bus-host text "the host sends a message naming the leader" observe "host DUT: first MESSAGE OUT carries the leader's member identification"
    element 001:11(g) role bus-host text "the host sends a data block to the leader" observe "host DUT: DATA OUT phase driven by the leader"
    element 001:11(h) role bus-host text "the host sends a target selection message naming a selected participant" observe "host DUT: vendor switch message naming the next member"
    element 001:11(i) role bus-host text "the host sends a data block to the selected participant without selecting it" observe "host DUT: no ARBITRATION or SELECTION between the leader's block and the participant's"
}

claim 001:12 {kind system depends {001:11}} {
    element 001:12 role bus-leader text "the target leader keeps the bus for the whole mirroring operation" observe "leader DUT: no BUS FREE from selection until the release message"
}

claim 001:13 {kind system depends {001:12}} {
    element 001:13 role bus-leader text "the leader holds the bus by keeping BSY asserted" observe "leader DUT: leader's BSY stays asserted across every participant's data phase"
}

claim 001:14 {kind system depends {001:11}} {
    element 001:14 role bus-host text "the host sends a bus release message telling the leader to free the bus" observe "host DUT: final MESSAGE OUT carries the release message, then BSY falls"
}

claim 001:15 {kind system depends {001:11}} {
    element 001:15 role bus-participant text "the selected participant drives at least one phase line during its data phase" observe "participant DUT: phase lines and REQ come from the participant's drive word"
}

claim 001:16 {kind system depends {001:11}} {
    element 001:16 role bus-host text "leader identification and target selection messages carry a vendor code announcing silent mirroring capability" observe "host DUT: vendor-specific EXTENDED MESSAGE code, or the literal bytes per PIXIT"
}

claim 001:17 {kind system depends {001:11}} {
    element 001:17 role bus-host text "both messages carry a group identification and a member identification" observe "host DUT: group and member bytes decoded from each message"
}

claim 001:18 {kind system depends {001:11}} {
    element 001:18 role bus-host text "the target selection message marks the participant that is last" observe "host DUT: last-member indicator only before the final data block"
}

claim 001:19 {kind system depends {001:11}} {
    element 001:19 role bus-target text "every group member returns a status" observe "member DUT: each member reselects the host and sends STATUS"
}

claim 001:20 {kind product depends {}} {
    element 001:20(a) role bus-host text "instructions starting a mirroring operation with a group of targets on one bus" observe "host DUT: the host software drives one silent-mirroring connection per mirrored write"
    element 001:20(b) role bus-host text "instructions arbitrating and selecting the leader with ATN asserted" observe "host DUT: SELECTION of the leader ID with ATN"
    element 001:20(c) role bus-host text "instructions sending a message naming the leader" observe "host DUT: first MESSAGE OUT carries the leader's member identification"
    element 001:20(d) role bus-host text "instructions sending a data block to the leader" observe "host DUT: DATA OUT phase driven by the leader"
    element 001:20(e) role bus-host text "instructions sending a target selection message naming a participant" observe "host DUT: vendor switch message naming the next member"
    element 001:20(f) role bus-host text "instructions sending a data block to that participant without selecting it" observe "host DUT: no ARBITRATION or SELECTION between the two blocks"
}
