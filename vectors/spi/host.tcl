# The host side of a silent write (003 Figure 3, claims 001:1, 4, 6, 7, 8, 11, 14, 16, 17, 18, 20):
# the harness plays the three drives; the host adapter is the device under test.

proc sm-write {b args} {
    set t0 [spi now $b]
    spi silent $b {5 4 3} 16 2 -seed 7 {*}$args
    spi run $b
    return $t0
}

vector sm.host.leader-selection {
    claims {001:1(a) 001:1(b) 001:11(a) 001:11(b) 001:11(d) 001:11(e) 001:20(a) 001:20(b)} role bus-host requires {silent-host}
    summary "A mirrored write is one connection: the host arbitrates and selects only the leader, with ATN"
} {
    set b [sm-bench]
    set t0 [sm-write $b]
    sm-expect $b "ARB,init=7 SEL,target=5,atn=1 MO" "selection of the leader with ATN, MESSAGE OUT next" -since $t0
    set sels 0
    foreach e [spi events $b -since $t0] {
        if {[dict get $e kind] eq "SEL"} {
            incr sels
        }
    }
    check eq $sels 1 -field "selections in the mirrored write"
    spi close $b
}

vector sm.host.leader-message {
    claims {001:1(c) 001:11(f) 001:20(c) 001:6 001:16} role bus-host requires {silent-host}
    summary "The first MESSAGE OUT names the leader: vendor MIRROR message with the leader's group/ID"
} {
    set b [sm-bench]
    set t0 [sm-write $b]
    set m [sm-expect $b "SEL,target=5,atn=1 *!DOUT MO:SM-MIRROR,gid=0 *!DOUT DOUT,by=5" "leader identification before the first block" -since $t0]
    set msg [lindex $m 1]
    if {[pixit spi-dialect standard] eq "standard"} {
        check match "01??e1*" [dict get $msg bytes] -field "leader message bytes" -clause 001:6
    }
    spi close $b
}

vector sm.host.leader-block {
    claims {001:1(d) 001:11(g) 001:20(d)} role bus-host requires {silent-host}
    summary "The leader REQs the first data block right after the leader identification"
} {
    set b [sm-bench]
    set t0 [sm-write $b]
    set m [sm-expect $b "MO:SM-MIRROR,gid=0 *!DOUT DOUT,by=5" "leader's DATA OUT" -since $t0]
    check eq [dict get [lindex $m 1] len] 1024 -field "leader block bytes"
    sm-stored $b {5} 16 2 7
    spi close $b
}

vector sm.host.switch-message {
    claims {001:1(e) 001:11(h) 001:20(e) 001:7 001:17} role bus-host requires {silent-host}
    summary "After the leader's block the host sends MIRROR naming the next participant's group/ID"
} {
    set b [sm-bench]
    set t0 [sm-write $b]
    sm-expect $b "DOUT,by=5 MO:SM-MIRROR,gid=1 DOUT,by=4 MO:SM-MIRROR,gid=2 DOUT,by=3" "switch-role messages in order" -since $t0
    sm-clean $b {sm_unassigned_gid}
    spi close $b
}

vector sm.host.no-nexus {
    claims {001:1(f) 001:11(i) 001:20(f)} role bus-host requires {silent-host}
    summary "Participants get their blocks without ARBITRATION, SELECTION or BUS FREE between blocks"
} {
    set b [sm-bench]
    set t0 [sm-write $b]
    sm-expect $b "DOUT,by=5 *!ARB!SEL!RESEL!FREE DOUT,by=4 *!ARB!SEL!RESEL!FREE DOUT,by=3" "three blocks in one connection" -since $t0
    sm-clean $b {sm_participant_selected}
    sm-stored $b {5 4 3} 16 2 7
    spi close $b
}

vector sm.host.release {
    claims {001:4 001:14} role bus-host requires {silent-host}
    summary "After the last block the host sends the release message and the bus goes free"
} {
    set b [sm-bench]
    set t0 [sm-write $b]
    sm-expect $b "DOUT,by=3 MO:SM-RELEASE FREE" "release message, then BUS FREE" -since $t0
    sm-clean $b {sm_no_release sm_release_no_bus_free}
    spi close $b
}

vector sm.host.vendor-messages {
    claims {001:6 001:16} role bus-host requires {silent-host}
    summary "Leader identification and switch messages are EXTENDED MESSAGEs with a vendor code (or Table 1 bytes per PIXIT)"
} {
    set b [sm-bench]
    set t0 [sm-write $b]
    set literal [expr {[pixit spi-dialect standard] eq "literal"}]
    set n 0
    foreach e [spi events $b -since $t0] {
        if {[dict get $e kind] eq "MO" && [dict exists $e raw]} {
            if {[dict get $e msg] eq "SM-MIRROR"} {
                incr n
            }
            set lit [expr {$literal && [dict get $e msg] ne "SM-EXTENT"}]
            check eq [dict get $e raw] $lit -field "raw form of [dict get $e msg]"
            if {!$lit} {
                check match "01*" [dict get $e bytes] -field "EXTENDED MESSAGE code"
                check true {[scan [string range [dict get $e bytes] 4 5] %x] >= 0x80} -message "vendor code below 0x80"
            }
        }
    }
    check eq $n 3 -field "MIRROR messages (leader identification and two switches)"
    spi close $b
}

vector sm.host.group-ids {
    claims {001:7 001:17} role bus-host requires {silent-host}
    summary "Every MIRROR message carries a group/ID assigned at discovery, high nibble group, low nibble member"
} {
    set b [sm-bench]
    set t0 [sm-write $b]
    foreach gid {0 1 2} id {5 4 3} {
        sm-expect $b "MO:SM-MIRROR,gid=$gid *!DOUT DOUT,by=$id" "group 0 member $gid drives its block" -since $t0
    }
    sm-clean $b {sm_unassigned_gid}
    spi close $b
}

vector sm.host.last-indicator {
    claims {001:8 001:18} role bus-host requires {silent-host}
    summary "Only the MIRROR message before the final block carries the last-participant indicator"
} {
    set b [sm-bench]
    set t0 [sm-write $b]
    sm-expect $b "MO:SM-MIRROR,gid=0,last=0 * MO:SM-MIRROR,gid=1,last=0 * MO:SM-MIRROR,gid=2,last=1 DOUT MO:SM-RELEASE" "last indicator on the final switch" -since $t0
    sm-clean $b {sm_no_last_indicator}
    spi close $b
}

vector sm.host.drive-order {
    claims {001:1(b) 001:1(e)} role bus-host requires {silent-host}
    summary "The drive order can change: select drive 2 as leader, then drive 1, then drive 0"
} {
    set b [sm-bench]
    set t0 [spi now $b]
    spi silent $b {3 4 5} 40 1 -seed 11
    spi run $b
    sm-expect $b "SEL,target=3,atn=1 * DOUT,by=3 MO:SM-MIRROR,gid=1 DOUT,by=4 MO:SM-MIRROR,gid=0,last=1 DOUT,by=5" "reversed order" -since $t0
    sm-stored $b {5 4 3} 40 1 11
    spi close $b
}

# More operations than the host's queue starts with and than its first growth (reference
# host.c: 64, then twice that), so a queue that does not grow shows.
namespace eval ::sm { variable LONG_QUEUE 131 }

vector sm.host.long-queue {
    claims {001:11(a)} role bus-host requires {silent-host}
    summary "A host runs a long queue of conventional writes: each one completes and its block is stored"
} {
    set b [sm-bench]
    set first [spi ops $b]
    for {set i 0} {$i < $::sm::LONG_QUEUE} {incr i} {
        spi write $b [lindex {5 4 3} [expr {$i % 3}]] [expr {100 + $i}] 1 -seed [expr {200 + $i}]
    }
    spi run $b
    check eq [spi ops $b] [expr {$first + $::sm::LONG_QUEUE}] -field "operations queued" -clause 001:11(a)
    for {set i 0} {$i < $::sm::LONG_QUEUE} {incr i} {
        set op [spi op $b [expr {$first + $i}]]
        set id [lindex {5 4 3} [expr {$i % 3}]]
        if {[dict get $op state] ne "ok" || ![spi holds $b $id [expr {100 + $i}] 1 -seed [expr {200 + $i}]]} {
            fail "write $i of the queue to ID $id: [dict get $op state] [dict get $op err], block stored: [spi holds $b $id [expr {100 + $i}] 1 -seed [expr {200 + $i}]]" -clause 001:11(a)
        }
    }
    spi close $b
}
