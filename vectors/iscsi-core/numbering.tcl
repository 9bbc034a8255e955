# Command and status numbering (RFC 7143 section 4.2.2): the CmdSN window, ExpCmdSN/MaxCmdSN,
# StatSN continuity.

vector core.cmdsn.outside-window {
    claims {RFC7143:4.2.2.1} role target requires {}
    summary "A non-immediate command with CmdSN beyond MaxCmdSN is silently ignored; the window then works on"
} {
    set c [core-session]
    core-ping $c
    set st [iscsi state $c]
    set bad [expr {([dict get $st maxcmdsn] + 1) & 0xffffffff}]
    set out [iscsi send $c nop-out cmdsn $bad]
    set got [silent $c [list opcode 0x20 itt [dict get $out itt]] RFC7143:4.2.2.1]
    if {$got ne 1} {
        fail "NOP-Out with CmdSN $bad (MaxCmdSN [dict get $st maxcmdsn]) was answered" -clause RFC7143:4.2.2.1
    }
    set n [core-ping $c]
    check eq [dict get $n expcmdsn] [expr {([dict get $st cmdsn] + 1) & 0xffffffff}] -field expcmdsn -clause RFC7143:4.2.2.1
}

vector core.cmdsn.stale {
    claims {RFC7143:4.2.2.1} role target requires {}
    summary "A non-immediate command whose CmdSN is below ExpCmdSN (already used) is ignored"
} {
    set c [core-session]
    set first [core-ping $c]
    set used [expr {([dict get $first expcmdsn] - 1) & 0xffffffff}]
    set out [iscsi send $c nop-out cmdsn $used]
    set got [silent $c [list opcode 0x20 itt [dict get $out itt]] RFC7143:4.2.2.1]
    if {$got ne 1} {
        fail "NOP-Out reusing CmdSN $used was answered" -clause RFC7143:4.2.2.1
    }
}

vector core.cmdsn.maxcmdsn-advances {
    claims {RFC7143:4.2.2.1} role target requires {}
    summary "MaxCmdSN moves forward as commands complete: after 2x the window of commands it is past its login value"
} {
    set c [core-session]
    set n0 [core-ping $c]
    set window [expr {([dict get $n0 maxcmdsn] - [dict get $n0 expcmdsn] + 1) & 0xffffffff}]
    check true {$window >= 1 && $window < 0x80000000} -message "window MaxCmdSN-ExpCmdSN+1 = $window" -clause RFC7143:4.2.2.1
    set count [expr {min(2 * $window + 1, 300)}]
    for {set i 0} {$i < $count} {incr i} {
        set n [core-ping $c]
    }
    check true {[dict get $n maxcmdsn] != [dict get $n0 maxcmdsn]} \
        -message "MaxCmdSN stayed [dict get $n0 maxcmdsn] over $count commands" -clause RFC7143:4.2.2.1
    check eq [dict get $n expcmdsn] [expr {([dict get [iscsi state $c] cmdsn]) & 0xffffffff}] -field expcmdsn -clause RFC7143:4.2.2.1
}

vector core.cmdsn.immediate {
    claims {RFC7143:4.2.2.1 RFC7143:3.2.2.1} role target requires {}
    summary "An immediate command does not advance ExpCmdSN"
} {
    set c [core-session]
    set n0 [core-ping $c]
    set out [iscsi send $c nop-out I 1]
    set n [rx $c [list opcode 0x20 itt [dict get $out itt]] RFC7143:11.19]
    check eq [dict get $n expcmdsn] [dict get $n0 expcmdsn] -field expcmdsn -clause RFC7143:4.2.2.1
}

vector core.statsn.continuity {
    claims {RFC7143:4.2.2.2} role target requires {}
    summary "StatSN increases by exactly one per status-carrying response"
} {
    set c [core-session]
    set prev [dict get [core-ping $c] statsn]
    for {set i 0} {$i < 8} {incr i} {
        set s [dict get [core-ping $c] statsn]
        check eq $s [expr {($prev + 1) & 0xffffffff}] -field statsn -clause RFC7143:4.2.2.2
        set prev $s
    }
}

vector core.statsn.expstatsn-ack {
    claims {RFC7143:4.2.2.2} role target requires {}
    summary "StatSN of a response equals the ExpStatSN we would send next (no gap after login or scsi)"
} {
    set c [core-session]
    set exp [dict get [iscsi state $c] expstatsn]
    set r [core-task $c -cdb [cdb-tur] -lun [pixit lun] -timeout [wait-ms]]
    check eq [dict get $r statsn] $exp -field statsn -clause RFC7143:4.2.2.2
    set n [core-ping $c]
    check eq [dict get $n statsn] [expr {($exp + 1) & 0xffffffff}] -field statsn -clause RFC7143:4.2.2.2
}

vector core.cmdsn.duplicate {
    claims {RFC7143:4.2.2.1} role target requires {}
    summary "A command delivered twice (injected duplicate, same CmdSN) is executed once and the session goes on"
} {
    set c [core-session]
    iscsi fault $c -once dup -match {opcode 0}
    set out [iscsi send $c nop-out]
    set f [iscsi fault $c]
    check eq [dict get $f duplicated] 1 -field "duplicated PDUs" -clause RFC7143:4.2.2.1
    rx $c [list opcode 0x20 itt [dict get $out itt]] RFC7143:11.19
    set got [silent $c [list opcode 0x20 itt [dict get $out itt]] RFC7143:4.2.2.1]
    if {$got ne 1} {
        fail "the duplicate of CmdSN [dict get $out cmdsn] was executed again" -clause RFC7143:4.2.2.1
    }
    core-ping $c
}

# Sends NOP-Out pings with CmdSN from+1 .. to, then from (the command the window waits for), and
# waits for every answer: all of them lie inside the window the device advertised.
proc core-fill-window {c from to} {
    set itts {}
    for {set sn [expr {($from + 1) & 0xffffffff}]} {$sn != (($to + 1) & 0xffffffff)} {set sn [expr {($sn + 1) & 0xffffffff}]} {
        lappend itts [dict get [iscsi send $c nop-out cmdsn $sn] itt]
    }
    lappend itts [dict get [iscsi send $c nop-out cmdsn $from] itt]
    foreach itt $itts {
        rx $c [list opcode 0x20 itt $itt] RFC7143:4.2.2.1 \
            -what "a ping with CmdSN inside the window ExpCmdSN $from .. MaxCmdSN $to"
    }
}

vector core.cmdsn.window-out-of-order {
    claims {RFC7143:4.2.2.1 RFC7143:3.2.2.1} role target requires {}
    summary "Every CmdSN of the advertised window is accepted when the first arrives last, twice over: all pings are answered and ExpCmdSN ends past MaxCmdSN"
} {
    # Our bound on the window this vector fills (pings per round), so it ends in seconds.
    set window_max 1024
    set c [core-session]
    set n [core-ping $c]
    for {set round 0} {$round < 2} {incr round} {
        set exp [dict get $n expcmdsn]
        set max [dict get $n maxcmdsn]
        set window [expr {($max - $exp + 1) & 0xffffffff}]
        check true {$window >= 1 && $window <= $window_max} -message "window MaxCmdSN-ExpCmdSN+1 = $window" -clause RFC7143:4.2.2.1
        core-fill-window $c $exp $max
        foreach p [lreverse [iscsi history $c]] {
            if {[dict get $p dir] eq "in" && [dict get $p opcode] == 0x20} { set n $p; break }
        }
        check eq [dict get $n expcmdsn] [expr {($max + 1) & 0xffffffff}] -field expcmdsn -clause RFC7143:4.2.2.1
    }
}

vector core.cmdsn.ordered-delivery {
    claims {RFC7143:3.2.2.1 RFC7143:4.2.2.1} role target requires {immediate-data}
    summary "Two ORDERED WRITEs of one block to one LBA, held for a missing lower CmdSN and sent in reverse, run in CmdSN order once it comes: the block reads back as the higher CmdSN's data"
} {
    set c [core-session -keys {ImmediateData Yes InitialR2T Yes}]
    set bs [block-size $c]
    check true {[dict get [iscsi state $c] first_burst] >= $bs && [dict get [iscsi state $c] peer_mrdsl] >= $bs} \
        -message "one block ($bs) does not fit as immediate data" -clause RFC7143:13.11
    set n [core-ping $c]
    set exp [dict get $n expcmdsn]
    set low [pattern $bs 74]
    set high [pattern $bs 75]
    set itts {}
    # ATTR 2 (ORDERED, 11.3.1): the device keeps the order iSCSI delivers them in
    foreach {k data} [list 2 $high 1 $low] {
        set out [iscsi send $c scsi W 1 F 1 attr 2 edtl $bs -cdb [cdb-write10 0 1] -lun [pixit lun] \
            cmdsn [expr {($exp + $k) & 0xffffffff}] -data $data]
        lappend itts [dict get $out itt]
    }
    set gap [iscsi send $c nop-out cmdsn $exp]
    rx $c [list opcode 0x20 itt [dict get $gap itt]] RFC7143:4.2.2.1
    foreach itt $itts {
        check-status [rx $c [list opcode 0x21 itt $itt] RFC7143:11.4] 0 -clause RFC7143:11.4
    }
    set out [iscsi send $c scsi R 1 edtl $bs -cdb [cdb-read10 0 1] -lun [pixit lun] cmdsn [expr {($exp + 3) & 0xffffffff}]]
    set back [core-task-pdus $c [dict get $out itt]]
    set got {}
    foreach p $back {
        if {[dict get $p opcode] == 0x25} { append got [dict get $p data] }
    }
    same $got $high -field "the block after CmdSN [expr {($exp + 1) & 0xffffffff}] then [expr {($exp + 2) & 0xffffffff}]" -clause RFC7143:3.2.2.1
}
