# Termination at the targets (docs/mcast-data-path.md §9; spec Figure 8): the answer, the
# mapping removed before it, and leaving the group only with the last registration on it.

vector mcast.terminate.answer {
    claims {000:14 000:29 000:45} role target requires {mcast-target}
    summary "Each target answers the terminate Text Request with a final Text Response reporting Terminated"
} {
    set conns [mc-sessions]
    mc-register-all $conns [mc-vlun]
    foreach c $conns {
        set r [mc-text $c [mc-keys terminate [mc-vlun]] 000:14]
        check pdu $r {opcode 0x24 F 1 C 0 ttt 0xffffffff} -clause 000:14
        check eq [mc-status $r] Terminated -field "termination outcome" -clause 000:14
    }
}

vector mcast.terminate.unmapped {
    claims {000:3 000:15(f)(ii) 000:18 000:31(e)(ii) 000:34} role target requires {mcast-target counters}
    summary "After terminate a group WRITE to the vLUN gets no R2T, is counted bad-lun (another vLUN keeps the group joined) and leaves the real LUN unchanged"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    set other [expr {[mc-vlun] + 1}]
    mc-register-all $conns [mc-vlun]
    mc-register-all $conns $other
    set bs [block-size [lindex $conns 0] inconc]
    set old [pattern $bs 20]
    mc-group-write $g $conns [mc-vlun] 800 $old
    mc-terminate-all $conns [mc-vlun]
    set before [mc-all-counters $conns]
    set itt [mc-itt]
    mcast send $g [mc-isid] [list [mc-cmd-pdu $itt [mc-vlun] 800 1 $bs]]
    check eq [silent $conns [list opcode 0x31 itt $itt] 000:3] 1 -field "R2T for a terminated vLUN" -clause 000:3
    mc-counted $conns $before bad-lun 1 000:3
    foreach c $conns {
        same [mc-read $c 800 1] $old -field "real LUN after a WRITE to a terminated vLUN" -clause 000:3
    }
    # The registration still in place keeps working: the group was not left.
    set new [pattern $bs 21]
    mc-group-write $g $conns $other 801 $new
    foreach c $conns {
        same [mc-read $c 801 1] $new -field "real LUN through the remaining vLUN" -clause 000:4
    }
}

vector mcast.terminate.unicast-vlun-gone {
    claims {000:3 000:18 000:34} role target requires {mcast-target}
    summary "After terminate a unicast command to the vLUN fails with CHECK CONDITION, ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED"
} {
    set conns [mc-sessions]
    mc-register-all $conns [mc-vlun]
    mc-terminate-all $conns [mc-vlun]
    set c [lindex $conns 0]
    set r [iscsi scsi $c -cdb 00000000000000 -lun [mc-vlun] -timeout [wait-ms]]
    check pdu $r {opcode 0x21 status 2} -clause 000:3
    check eq [format 0x%02x [dict get $r sense key]] 0x05 -field "sense key" -clause 000:3
    check eq [format 0x%02x [dict get $r sense asc]] 0x25 -field "ASC" -clause 000:3
}

vector mcast.terminate.leave-last {
    claims {000:4 000:19 000:35} role target requires {mcast-target igmp-local}
    summary "A target leaves the group only with its last registration on it: memberships drop after the second terminate, not the first"
} {
    set conns [mc-sessions]
    set other [expr {[mc-vlun] + 1}]
    set base [mc-igmp-base [mc-group]]
    mc-register-all $conns [mc-vlun]
    mc-register-all $conns $other
    set joined [mc-igmp-users [mc-group]]
    check eq [expr {$joined - $base}] [llength $conns] -field "memberships after registering" -clause 000:4
    mc-terminate-all $conns [mc-vlun]
    check eq [mc-igmp-users [mc-group]] $joined -field "memberships with one registration left" -clause 000:4
    mc-terminate-all $conns $other
    check eq [mc-igmp-users [mc-group]] $base -field "memberships after the last terminate" -clause 000:4
}

vector mcast.terminate.no-group-traffic {
    claims {000:4 000:19 000:35} role target requires {mcast-target}
    summary "After the last terminate no group PDU is accepted: a group WRITE gets no R2T at any target"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    mc-terminate-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set itt [mc-itt]
    mcast send $g [mc-isid] [list [mc-cmd-pdu $itt [mc-vlun] 900 1 $bs]]
    check eq [silent $conns [list opcode 0x31 itt $itt] 000:4] 1 -field "R2T after leaving the group" -clause 000:4
}

vector mcast.terminate.not-registered {
    claims {000:14} role target requires {mcast-target}
    summary "Terminating a vLUN never registered answers NotRegistered (or Reject) and changes nothing"
} {
    set c [lindex [mc-sessions] 0]
    set r [mc-text $c [mc-keys terminate [expr {[mc-vlun] + 2}]] 000:14]
    check pdu $r {opcode 0x24 F 1} -clause 000:14
    check true {[mc-status $r] in {NotRegistered Reject}} -message "outcome \"[mc-status $r]\" for an unknown vLUN" -clause 000:14
}

vector mcast.terminate.session-loss {
    claims {000:4} role target requires {mcast-target igmp-local}
    summary "A session that logs out drops its registrations: the target leaves the group (§7.4)"
} {
    set conns [mc-sessions]
    set base [mc-igmp-base [mc-group]]
    mc-register-all $conns [mc-vlun]
    foreach c $conns {
        set out [iscsi send $c logout reason_code 0]
        rx $c [list opcode 0x26 itt [dict get $out itt]] RFC7143:11.15 -what "Logout Response"
        iscsi close $c
    }
    set users $base
    for {set i 0} {$i < 20} {incr i} {
        set users [mc-igmp-users [mc-group]]
        if {$users == $base} break
        after 50
    }
    check eq $users $base -field "memberships after every session logged out" -clause 000:4
}
