# The target side (claims 001:2, 3, 5, 9, 12, 13, 15, 19; 003 Figures 3, 4, 6): the harness plays
# the host; the drives are the devices under test.

vector sm.leader.holds-bus {
    claims {001:2 001:12} role bus-leader requires {silent-target}
    summary "The leader keeps the bus: no BUS FREE from its selection to the release message"
} {
    set b [sm-bench]
    set t0 [spi now $b]
    spi silent $b {5 4 3} 8 1 -seed 3
    spi run $b
    sm-expect $b "SEL,target=5,atn=1 *!FREE MO:SM-RELEASE FREE" "one connection from selection to release" -since $t0
    sm-clean $b {sm_bus_free_in_op req_without_bsy}
    spi close $b
}

vector sm.leader.bsy {
    claims {001:3 001:13} role bus-leader requires {silent-target}
    summary "The leader's own drive word holds BSY through every participant's data phase"
} {
    set b [sm-bench]
    spi silent $b {5 4 3} 8 1 -seed 3
    spi run $b
    sm-clean $b {sm_bsy_not_leader sm_bus_free_in_op req_without_bsy}
    spi close $b
}

vector sm.participant.phase-lines {
    claims {001:5 001:15} role bus-participant requires {silent-target}
    summary "A participant drives the phase lines and REQ of its data phase; the leader only BSY"
} {
    set b [sm-bench]
    set t0 [spi now $b]
    spi silent $b {5 4 3} 8 1 -seed 3
    spi run $b
    sm-expect $b "DOUT,by=4 * DOUT,by=3" "participants REQ their own blocks" -since $t0
    sm-clean $b {req_without_phase_lines sm_phase_driver two_drivers}
    spi close $b
}

vector sm.member.status {
    claims {001:9 001:19} role bus-target requires {silent-target}
    summary "After the release each member reselects the host in transfer order and returns GOOD"
} {
    set b [sm-bench]
    set t0 [spi now $b]
    # transfer order against arbitration priority, so reselecting by priority shows
    spi silent $b {3 4 5} 8 1 -seed 5
    spi run $b
    sm-expect $b "MO:SM-RELEASE FREE * RESEL,target=3 * STATUS,status=0 * RESEL,target=4 * STATUS,status=0 * RESEL,target=5 * STATUS,status=0" "status from each member in order" -since $t0
    sm-clean $b {sm_status_missing sm_status_order}
    check eq [dict get [spi op $b -1] state] ok -field "host's view of the write"
    spi close $b
}

vector sm.member.group-filter {
    claims {001:7 001:17 001:11(c)} role bus-target requires {silent-target}
    summary "A drive of another group with the same member ID stays silent when that member is named"
} {
    set b [sm-bench -ids {5 4 3} -gids {0x00 0x01 0x11}]
    set t0 [spi now $b]
    spi silent $b {5 4} 8 1 -seed 9
    spi run $b
    sm-clean $b {two_drivers sm_phase_driver}
    sm-stored $b {5 4} 8 1 9
    check true {![spi holds $b 3 8 1 -seed 9]} -message "the group 1 drive stored group 0's block"
    spi close $b
}

vector sm.system.bus {
    claims {001:11(a) 001:11(b)} role bus-target requires {silent-target}
    summary "A whole run (negotiation, discovery, conventional and silent writes) obeys the SPI wire rules"
} {
    set b [sm-bench]
    spi write $b 5 60 1 -seed 21
    spi silent $b {5 4 3} 61 1 -seed 22
    spi run $b
    check eq [spi count $b violations] 0 -field "checker violations (parity, phases, drivers, silent rules)"
    check true {[spi holds $b 5 60 1 -seed 21]} -message "conventional write not stored"
    sm-stored $b {5 4 3} 61 1 22
    spi close $b
}
