# Claims 000:1-46: iSCSI multicast mirroring (seed 000_33a519afbd20e3ec.txt, spec 002).
# One `claim` per claim of the seed, one `element` per limitation, each naming the party it
# constrains. The layout is described in docs/claims.md; the data path it relies on is in
# docs/mcast-data-path.md.
#
# Conventions of this file:
# - "group" is the multicast group named at registration, "virtual LUN" the LUN it maps.
# - An element that constrains two parties is split into parts (i) and (ii), one per party;
#   a vector citing the unsplit id covers both parts.
# - observe: "target DUT" = the harness plays the initiator; "initiator DUT" = the harness
#   emulates N targets and checks every PDU the initiator sends.
# - The seed breaks off inside claim 46; what is there is catalogued and the claim is marked.

claimset 000 {title "iSCSI multicast mirroring" seed 000_33a519afbd20e3ec.txt spec 002_2ece8d84f707aad5.txt}

# --- Method claims 1-15 -------------------------------------------------------------------

claim 000:1 {kind method depends {}} {
    element 000:1(a) role initiator text "sends every target, over TCP/IP, a registration naming a multicast group address and a virtual LUN" observe "initiator DUT: each emulated target decodes the registration Text Request and finds the group and virtual LUN keys"
    element 000:1(b) role target text "on registration, associates its real LUN with the virtual LUN and the group address" observe "target DUT: after registration a group WRITE to the virtual LUN lands on the mapped real LUN, read back by unicast"
    element 000:1(c) role initiator text "issues a SCSI data transfer command addressed to the registered group" observe "initiator DUT: the SCSI Command PDU is captured in a datagram to the group address"
    element 000:1(d) role target text "every group member receives the group command and takes in its data" observe "target DUT: after a group WRITE each target sends R2T on its own connection and accepts the group Data-Out"
    element 000:1(e) role target text "every group member executes the command on its mapped LUN" observe "target DUT: the written range read back by unicast from every target equals the data sent"
}

claim 000:2 {kind method depends {000:1}} {
    element 000:2(f) role initiator text "sends a mirroring termination to every target" observe "initiator DUT: each emulated target receives a terminate Text Request naming group and virtual LUN"
}

claim 000:3 {kind method depends {000:2}} {
    element 000:3 role target text "termination removes the virtual LUN mapping" observe "target DUT: after terminate a group WRITE to the virtual LUN is dropped and counted, the real LUN is unchanged"
}

claim 000:4 {kind method depends {000:2}} {
    element 000:4 role target text "termination takes the target out of the multicast group" observe "target DUT: after terminate no group PDU is accepted; in the namespace topology an IGMP leave follows the last registration on the group"
}

claim 000:5 {kind method depends {000:1}} {
    element 000:5 role initiator text "the group data transfer command is a WRITE" observe "initiator DUT: CDB operation code of the group SCSI Command is a WRITE"
}

claim 000:6 {kind method depends {000:5}} {
    element 000:6 role initiator text "the group WRITE carries the virtual LUN" observe "initiator DUT: LUN field of the group SCSI Command equals the registered virtual LUN"
}

claim 000:7 {kind method depends {000:5}} {
    element 000:7 role initiator text "several group WRITEs are issued under one registration" observe "initiator DUT: more than one group WRITE between one register and one terminate, each completed"
}

claim 000:8 {kind method depends {000:1}} {
    element 000:8 role initiator text "the registration goes to each target's own unicast address" observe "initiator DUT: the registration arrives on the TCP connection to each target's portal, never on the group"
}

claim 000:9 {kind method depends {000:1}} {
    element 000:9 role initiator text "the registration is a standard Text Request" observe "initiator DUT: opcode 0x04, F=1, TTT 0xffffffff, key=value data segment (RFC 7143 section 11.10)"
}

claim 000:10 {kind method depends {000:1}} {
    element 000:10 role target text "on registration the target makes its NIC listen on the group and maps the virtual LUN to its device" observe "target DUT: group datagrams are accepted after registration (IGMP join in the namespace topology) and reach the mapped LUN"
}

claim 000:11 {kind method depends {000:1}} {
    element 000:11 role target text "once the mapping is in place the target answers the initiator" observe "target DUT: Text Response 0x24 F=1 with the registration keys answered, sent after the mapping is usable"
}

claim 000:12 {kind method depends {000:1}} {
    element 000:12 role initiator text "the data transfer command travels by IP multicast" observe "initiator DUT: the SCSI Command leaves once, in one UDP datagram to the group address"
}

claim 000:13 {kind method depends {000:1}} {
    element 000:13(i) role target text "each group member reports the status of the group command" observe "target DUT: one SCSI Response per target on its own connection carrying the group ITT"
    element 000:13(ii) role initiator text "the initiator deals with an error status from any member" observe "initiator DUT: one emulated target answers CHECK CONDITION; the initiator retries it by unicast or reports the failing target"
}

claim 000:14 {kind method depends {000:2}} {
    element 000:14 role target text "each target reports completion of the termination" observe "target DUT: Text Response F=1 to the terminate Text Request"
}

claim 000:15 {kind method depends {}} {
    element 000:15(a)(i) role initiator text "sends every target, at its unicast address, a Text Request registration naming group and virtual LUN" observe "initiator DUT: registration Text Request on each target's TCP connection with group and virtual LUN keys"
    element 000:15(a)(ii) role target text "on registration, listens on the group and maps the virtual LUN to its device" observe "target DUT: group datagrams accepted after registration and routed to the mapped LUN"
    element 000:15(b) role target text "on registration, associates its real LUN with the virtual LUN and the group address" observe "target DUT: a group WRITE to the virtual LUN lands on the mapped real LUN"
    element 000:15(c) role initiator text "issues a WRITE to the group carrying the virtual LUN" observe "initiator DUT: group SCSI Command with a WRITE CDB and the virtual LUN"
    element 000:15(d) role target text "every group member receives the group WRITE and takes in its data" observe "target DUT: R2T per target on its connection, group Data-Out accepted"
    element 000:15(e) role target text "every group member executes the WRITE on its mapped LUN" observe "target DUT: written range read back by unicast from every target"
    element 000:15(f)(i) role initiator text "sends a mirroring termination to every target" observe "initiator DUT: terminate Text Request on each target's connection"
    element 000:15(f)(ii) role target text "termination removes the virtual LUN mapping" observe "target DUT: after terminate a group WRITE to the virtual LUN is dropped and counted"
}

# --- System claims 16-31 ------------------------------------------------------------------

claim 000:16 {kind system depends {} note "the seed's element (d) ends with a doubled full stop"} {
    element 000:16(a) role initiator text "a registration naming group address and virtual LUN, sent to every target over TCP/IP" observe "initiator DUT: registration Text Request decoded at each emulated target"
    element 000:16(b) role target text "a mapping of real LUN to virtual LUN and group, set up on registration" observe "target DUT: group WRITE to the virtual LUN lands on the mapped real LUN"
    element 000:16(c) role initiator text "a data transfer command from the initiator addressed to the group" observe "initiator DUT: SCSI Command captured in a datagram to the group"
    element 000:16(d) role target text "at every group member, a data transfer in answer to the group command" observe "target DUT: R2T per target, group Data-Out accepted, data read back equal"
}

claim 000:17 {kind system depends {000:16} note "lettered (f) although claim 16 ends at (d)"} {
    element 000:17(f) role initiator text "a mirroring termination sent to every target" observe "initiator DUT: terminate Text Request at each emulated target"
}

claim 000:18 {kind system depends {000:17}} {
    element 000:18 role target text "termination removes the virtual LUN mapping" observe "target DUT: after terminate a group WRITE to the virtual LUN is dropped and counted"
}

claim 000:19 {kind system depends {000:17}} {
    element 000:19 role target text "termination takes the target out of the multicast group" observe "target DUT: after terminate no group PDU is accepted; IGMP leave in the namespace topology"
}

claim 000:20 {kind system depends {000:16}} {
    element 000:20 role initiator text "the group data transfer command is a WRITE" observe "initiator DUT: CDB operation code of the group SCSI Command is a WRITE"
}

claim 000:21 {kind system depends {000:20}} {
    element 000:21 role initiator text "the group WRITE carries the virtual LUN" observe "initiator DUT: LUN field of the group SCSI Command equals the virtual LUN"
}

claim 000:22 {kind system depends {000:20}} {
    element 000:22 role initiator text "several group WRITEs under one registration" observe "initiator DUT: more than one group WRITE between register and terminate"
}

claim 000:23 {kind system depends {000:16}} {
    element 000:23 role initiator text "the registration goes to each target's own unicast address" observe "initiator DUT: registration on each target's TCP connection, never on the group"
}

claim 000:24 {kind system depends {000:16}} {
    element 000:24 role initiator text "the registration is a standard Text Request" observe "initiator DUT: opcode 0x04, F=1, key=value data segment"
}

claim 000:25 {kind system depends {000:16}} {
    element 000:25 role target text "on registration the target listens on the group and maps the virtual LUN" observe "target DUT: group datagrams accepted after registration and routed to the mapped LUN"
}

claim 000:26 {kind system depends {000:16}} {
    element 000:26 role target text "once mapped, the target answers the initiator" observe "target DUT: Text Response F=1 answering the registration keys"
}

claim 000:27 {kind system depends {000:16}} {
    element 000:27 role initiator text "the data transfer command travels by IP multicast" observe "initiator DUT: SCSI Command sent once, in a UDP datagram to the group"
}

claim 000:28 {kind system depends {000:16}} {
    element 000:28(i) role target text "each group member reports the status of the group command" observe "target DUT: one SCSI Response per target on its own connection"
    element 000:28(ii) role initiator text "the initiator deals with an error status from any member" observe "initiator DUT: emulated target answers CHECK CONDITION; initiator retries by unicast or reports it"
}

claim 000:29 {kind system depends {000:17}} {
    element 000:29 role target text "each target reports completion of the termination" observe "target DUT: Text Response F=1 to the terminate Text Request"
}

claim 000:30 {kind system depends {000:16}} {
    element 000:30 role initiator text "every command exists as an electronic signal on the network" observe "initiator DUT: each registration, group command and termination is captured on the wire (pcap)"
}

claim 000:31 {kind system depends {} note "the seed spells the end of element (d) as theret"} {
    element 000:31(a)(i) role initiator text "a Text Request registration naming group and virtual LUN, sent to each target's unicast address" observe "initiator DUT: registration Text Request on each target's TCP connection"
    element 000:31(a)(ii) role target text "on registration, the target listens on the group and maps the virtual LUN" observe "target DUT: group datagrams accepted after registration, routed to the mapped LUN"
    element 000:31(b) role target text "a mapping of real LUN to virtual LUN and group, set up on registration" observe "target DUT: group WRITE to the virtual LUN lands on the mapped real LUN"
    element 000:31(c) role initiator text "a WRITE addressed to the group carrying the virtual LUN" observe "initiator DUT: group SCSI Command with a WRITE CDB and the virtual LUN"
    element 000:31(d) role target text "at every group member, the group command received and its data taken in" observe "target DUT: R2T per target, group Data-Out accepted"
    element 000:31(e)(i) role initiator text "a mirroring termination sent to every target" observe "initiator DUT: terminate Text Request on each target's connection"
    element 000:31(e)(ii) role target text "termination removes the virtual LUN mapping" observe "target DUT: after terminate a group WRITE to the virtual LUN is dropped and counted"
}

# --- Means-plus-function claims 32-46 -----------------------------------------------------

claim 000:32 {kind means depends {}} {
    element 000:32(a) role initiator text "means sending every target a registration naming group and virtual LUN over TCP/IP" observe "initiator DUT: registration Text Request decoded at each emulated target"
    element 000:32(b) role target text "means mapping real LUN to virtual LUN and group on registration" observe "target DUT: group WRITE to the virtual LUN lands on the mapped real LUN"
    element 000:32(c) role initiator text "means issuing a data transfer command addressed to the group" observe "initiator DUT: SCSI Command captured in a datagram to the group"
    element 000:32(d) role target text "means at every member receiving the group command and taking in its data" observe "target DUT: R2T per target, group Data-Out accepted"
    element 000:32(e) role target text "means at every member executing the command on its mapped LUN" observe "target DUT: written range read back by unicast from every target"
}

claim 000:33 {kind means depends {000:32}} {
    element 000:33(f) role initiator text "means sending a mirroring termination to every target" observe "initiator DUT: terminate Text Request at each emulated target"
}

claim 000:34 {kind means depends {000:33}} {
    element 000:34 role target text "termination removes the virtual LUN mapping" observe "target DUT: after terminate a group WRITE to the virtual LUN is dropped and counted"
}

claim 000:35 {kind means depends {000:33}} {
    element 000:35 role target text "termination takes the target out of the multicast group" observe "target DUT: after terminate no group PDU is accepted; IGMP leave in the namespace topology"
}

claim 000:36 {kind means depends {000:32}} {
    element 000:36 role initiator text "the group data transfer command is a WRITE" observe "initiator DUT: CDB operation code of the group SCSI Command is a WRITE"
}

claim 000:37 {kind means depends {000:36}} {
    element 000:37 role initiator text "the group WRITE carries the virtual LUN" observe "initiator DUT: LUN field of the group SCSI Command equals the virtual LUN"
}

claim 000:38 {kind means depends {000:36}} {
    element 000:38 role initiator text "several group WRITEs under one registration" observe "initiator DUT: more than one group WRITE between register and terminate"
}

claim 000:39 {kind means depends {000:32}} {
    element 000:39 role initiator text "the registration goes to each target's own unicast address" observe "initiator DUT: registration on each target's TCP connection, never on the group"
}

claim 000:40 {kind means depends {000:32}} {
    element 000:40 role initiator text "the registration is a standard Text Request" observe "initiator DUT: opcode 0x04, F=1, key=value data segment"
}

claim 000:41 {kind means depends {000:32}} {
    element 000:41 role target text "on registration the target listens on the group and maps the virtual LUN" observe "target DUT: group datagrams accepted after registration and routed to the mapped LUN"
}

claim 000:42 {kind means depends {000:32}} {
    element 000:42 role target text "once mapped, the target answers the initiator" observe "target DUT: Text Response F=1 answering the registration keys"
}

claim 000:43 {kind means depends {000:32}} {
    element 000:43 role initiator text "the data transfer command travels by IP multicast" observe "initiator DUT: SCSI Command sent once, in a UDP datagram to the group"
}

claim 000:44 {kind means depends {000:32}} {
    element 000:44(i) role target text "each group member reports the status of the group command" observe "target DUT: one SCSI Response per target on its own connection"
    element 000:44(ii) role initiator text "the initiator deals with an error status from any member" observe "initiator DUT: emulated target answers CHECK CONDITION; initiator retries by unicast or reports it"
}

claim 000:45 {kind means depends {000:33}} {
    element 000:45 role target text "each target reports completion of the termination" observe "target DUT: Text Response F=1 to the terminate Text Request"
}

claim 000:46 {kind means depends {} truncated 1 note "the seed ends inside element (c) after the words: wherein the data transfer; later elements are unknown"} {
    element 000:46(a)(i) role initiator text "means sending a Text Request registration naming group and virtual LUN to each target's unicast address" observe "initiator DUT: registration Text Request on each target's TCP connection"
    element 000:46(a)(ii) role target text "on registration, the target listens on the group and maps the virtual LUN" observe "target DUT: group datagrams accepted after registration, routed to the mapped LUN"
    element 000:46(b) role target text "means mapping real LUN to virtual LUN and group on registration" observe "target DUT: group WRITE to the virtual LUN lands on the mapped real LUN"
    element 000:46(c) role initiator text "means issuing a data transfer command addressed to the group; the rest of the element is cut off in the seed" observe "initiator DUT: SCSI Command captured in a datagram to the group"
}
