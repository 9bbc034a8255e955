# Registration at the targets (docs/mcast-data-path.md §4; spec Figure 3): the Text exchange,
# the group join and the vLUN mapping, seen from the harness playing the mirroring initiator.

vector mcast.register.answer {
    claims {000:11 000:26 000:42} role target requires {mcast-target}
    summary "Each target answers its registration Text Request with a final Text Response, TTT 0xffffffff, the request's ITT, outcome Registered"
} {
    set conns [mc-sessions]
    foreach c $conns {
        set keys [mc-keys register [mc-vlun]]
        set r [mc-text $c $keys 000:11]
        set req [lindex [dict get $r pdus] 0]
        check pdu $r [list opcode 0x24 F 1 C 0 ttt 0xffffffff] -clause RFC7143:11.11
        check eq [dict get $r itt] [dict get $req itt] -field "itt (the request's)" -clause RFC7143:11.11
        check eq [mc-status $r] Registered -field "registration outcome" -clause 000:11
        # Every key of the request is answered, in request order (§4.1).
        set asked {}
        foreach {k v} $keys { lappend asked [string trim $k] }
        set answered {}
        foreach {k v} [dict get $r keys] {
            if {$k in $asked} { lappend answered $k }
        }
        check eq $answered $asked -field "answered keys, in order" -clause 000:11
    }
}

vector mcast.register.mapped-at-answer {
    claims {000:10 000:11 000:15(a)(ii) 000:25 000:26 000:31(a)(ii) 000:41 000:42 000:46(a)(ii)} role target requires {mcast-target}
    summary "A group WRITE sent right after the last Text Response is solicited by every target: the join and mapping precede the answer"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    # No pause: the answer promises that the group socket and the mapping are in place (§4.4).
    set bs [block-size [lindex $conns 0] inconc]
    set data [pattern [expr {2 * $bs}] 1]
    set w [mc-group-write $g $conns [mc-vlun] 16 $data]
    foreach c $conns {
        check true {[dict exists $w r2ts $c]} -message "no R2T on $c" -clause 000:10
        same [mc-read $c 16 2] $data -field "real LUN [pixit lun] after the group WRITE" -clause 000:10
    }
}

vector mcast.register.igmp-join {
    claims {000:10 000:15(a)(ii) 000:25 000:41} role target requires {mcast-target igmp-local}
    summary "Registration makes each target join the group: the host's memberships of the group grow by one per target"
} {
    set conns [mc-sessions]
    set before [mc-igmp-base [mc-group]]
    mc-register-all $conns [mc-vlun]
    set after [mc-igmp-users [mc-group]]
    check eq [expr {$after - $before}] [llength $conns] -field "new memberships of [mc-group]" -clause 000:10
}

vector mcast.register.real-lun-mapped {
    claims {000:1(b) 000:15(b) 000:16(b) 000:31(b) 000:32(b) 000:46(b)} role target requires {mcast-target}
    summary "The group WRITE to the vLUN lands on the mapped real LUN of every target and nowhere else in it"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    set bs [block-size [lindex $conns 0] inconc]
    # Known contents around the target range, written by unicast first.
    set fence [pattern [expr {4 * $bs}] 2]
    foreach c $conns {
        set r [iscsi scsi $c -cdb [cdb-write10 40 4] -lun [pixit lun] -out $fence -timeout [wait-ms]]
        if {[dict get $r status] != 0} { inconc "unicast WRITE to LUN [pixit lun] failed" }
    }
    mc-register-all $conns [mc-vlun]
    set data [pattern [expr {2 * $bs}] 3]
    mc-group-write $g $conns [mc-vlun] 41 $data
    set want [string range $fence 0 [expr {$bs - 1}]]$data[string range $fence [expr {3 * $bs}] end]
    foreach c $conns {
        same [mc-read $c 40 4] $want -field "LUN [pixit lun] blocks 40-43" -clause 000:1(b)
    }
}

vector mcast.register.replace {
    claims {000:1(b) 000:11} role target requires {mcast-target}
    summary "Registering the same vLUN again replaces the registration: one answer Registered, writes still land once"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set data [pattern $bs 4]
    set w [mc-group-write $g $conns [mc-vlun] 50 $data]
    foreach c $conns {
        check eq [llength [dict get $w r2ts $c]] 1 -field "R2Ts for a one-burst WRITE" -clause 000:1(d)
    }
    set extra [silent $conns [list opcode 0x21 itt [dict get $w itt]] 000:13(i)]
    check eq $extra 1 -field "second SCSI Response for one group task" -clause 000:13(i)
}

vector mcast.register.bad-address {
    claims {000:1(b) 000:11} role target requires {mcast-target}
    summary "A registration naming a unicast address is refused (BadAddress, or Reject in the literal dialect) and registers nothing"
} {
    set c [lindex [mc-sessions] 0]
    set r [mc-text $c [mc-keys register [mc-vlun] -group 10.1.2.3] 000:11]
    check true {[mc-status $r] in {BadAddress Reject}} -message "outcome \"[mc-status $r]\" for group 10.1.2.3" -clause 000:11
    set t [mc-text $c [mc-keys terminate [mc-vlun] -group 10.1.2.3] 000:14]
    check true {[mc-status $t] ne "Terminated"} -message "a refused registration could be terminated" -clause 000:11
}

vector mcast.register.no-such-lun {
    claims {000:1(b) 000:11} role target requires {mcast-target}
    summary "A LunMap naming a real LUN the target lacks is refused (NoSuchLUN or Reject)"
} {
    set c [lindex [mc-sessions] 0]
    set keys [mcast keys register -group [mc-group] -port [mc-port] -vlun [mc-vlun] -map [pixit absent-lun] \
        -dialect [mc-dialect]]
    set r [mc-text $c $keys 000:11]
    check true {[mc-status $r] in {NoSuchLUN Reject}} -message "outcome \"[mc-status $r]\" for absent LUN [pixit absent-lun]" -clause 000:1(b)
}

vector mcast.register.counters {
    claims {000:1(d)} role target requires {mcast-target counters}
    summary "MirrorCounters=Query answers the §8.1 counter list; an accepted group WRITE raises accepted"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set before [mc-all-counters $conns]
    foreach b $before {
        foreach k {accepted bad-header bad-source bad-opcode bad-lun no-task unsolicited duplicate} {
            check true {[dict exists $b $k]} -message "counter $k missing from the answer" -clause 000:1(d)
        }
    }
    set bs [block-size [lindex $conns 0] inconc]
    mc-group-write $g $conns [mc-vlun] 60 [pattern $bs 5]
    foreach c $conns b $before {
        set a [mc-counters $c]
        check true {[dict get $a accepted] >= [dict get $b accepted] + 2} \
            -message "accepted grew from [dict get $b accepted] to [dict get $a accepted] over a command and its data" -clause 000:1(d)
    }
}
