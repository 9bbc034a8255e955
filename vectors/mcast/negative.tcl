# The acceptance rule (docs/mcast-data-path.md §8): one vector per rule. A bad datagram is
# dropped, counted under its reason, and makes no target talk to anyone; the session stays
# usable for the group WRITE that follows.

# Sends one bad group WRITE command (mcast send options in opts, PDU overrides in fields) and
# checks that no target answers it, the counter grew by one, and a good WRITE still works.
proc mc-negative {counter clause opts {fields {}} {vlun {}}} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    if {$vlun eq ""} { set vlun [mc-vlun] }
    set before [mc-all-counters $conns]
    set itt [mc-itt]
    mcast send $g [mc-isid] [list [mc-cmd-pdu $itt $vlun 1000 1 $bs {*}$fields]] {*}$opts
    check eq [silent $conns [list itt $itt] $clause] 1 -field "answer to a datagram breaking §8 ($counter)" -clause $clause
    mc-counted $conns $before $counter 1 $clause
    set data [pattern $bs 30]
    mc-group-write $g $conns [mc-vlun] 1001 $data
    return [list $conns $g]
}

vector mcast.neg.bad-crc {
    claims {000:1(d)} role target requires {mcast-target counters}
    summary "A group datagram with a wrong CRC32C is dropped silently and counted bad-header"
} {
    mc-negative bad-header 000:1(d) {-crc bad}
}

vector mcast.neg.bad-magic {
    claims {000:1(d)} role target requires {mcast-target counters}
    summary "A group datagram with another magic number is dropped and counted bad-header"
} {
    mc-negative bad-header 000:1(d) {-magic 0x4d48}
}

vector mcast.neg.bad-version {
    claims {000:1(d)} role target requires {mcast-target counters}
    summary "A group datagram of version 2 is dropped and counted bad-header"
} {
    mc-negative bad-header 000:1(d) {-version 2}
}

vector mcast.neg.bad-length {
    claims {000:1(d)} role target requires {mcast-target counters}
    summary "payload_length disagreeing with the datagram, or pdu_count with the PDUs, is bad-header"
} {
    lassign [mc-negative bad-header 000:1(d) {-payload-length 4096}] conns g
    set before [mc-all-counters $conns]
    set bs [block-size [lindex $conns 0] inconc]
    set itt [mc-itt]
    mcast send $g [mc-isid] [list [mc-cmd-pdu $itt [mc-vlun] 1000 1 $bs]] -pdu-count 2
    mcast send $g [mc-isid] [list [mc-cmd-pdu [mc-itt] [mc-vlun] 1000 1 $bs]] -trailing 8
    check eq [silent $conns [list itt $itt] 000:1(d)] 1 -field "answer to pdu_count 2 over one PDU" -clause 000:1(d)
    mc-counted $conns $before bad-header 2 000:1(d)
}

vector mcast.neg.bad-source {
    claims {000:1(d) 000:10 000:15(a)(ii)} role target requires {mcast-target counters}
    summary "Security: a group WRITE from an address no registered session has is dropped and counted bad-source; nobody answers it"
} {
    mc-negative bad-source 000:10 [list -from [pixit mcast-foreign-addr]]
}

vector mcast.neg.bad-isid {
    claims {000:1(d) 000:10} role target requires {mcast-target counters}
    summary "Security: a group WRITE from the right host but another ISID names no session: bad-source"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set before [mc-all-counters $conns]
    set itt [mc-itt]
    mcast send [mc-open-group] [expr {[mc-isid] ^ 0x1}] [list [mc-cmd-pdu $itt [mc-vlun] 1000 1 $bs]]
    check eq [silent $conns [list itt $itt] 000:10] 1 -field "answer to a foreign ISID" -clause 000:10
    mc-counted $conns $before bad-source 1 000:10
}

vector mcast.neg.bad-opcode {
    claims {000:1(d)} role target requires {mcast-target counters}
    summary "Only SCSI Command and Data-Out travel on the group: a NOP-Out, Text or Logout there is dropped, counted bad-opcode, unanswered"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set before [mc-all-counters $conns]
    set itt [mc-itt]
    mcast send $g [mc-isid] [list [list nop-out I 1 F 1 itt $itt ttt 0xffffffff cmdsn 0 -lun [mc-vlun]]]
    mcast send $g [mc-isid] [list [list text F 1 itt [expr {$itt + 1}] ttt 0xffffffff -text {SendTargets All}]]
    mcast send $g [mc-isid] [list [list logout I 1 F 1 itt [expr {$itt + 2}] reason_code 0]]
    check eq [silent $conns [list itt $itt] 000:1(d)] 1 -field "answer to a NOP-Out sent to the group" -clause 000:1(d)
    # The quiet time has passed for every datagram sent before it: an answer would be here by now.
    check eq [silent $conns [list itt [expr {$itt + 1}]] 000:1(d) -ms 0] 1 -field "answer to a Text Request sent to the group" -clause 000:1(d)
    foreach c $conns {
        check true {![dict get [iscsi state $c] closed]} -message "the session ended after a Logout Request sent to the group" -clause 000:1(d)
    }
    mc-counted $conns $before bad-opcode 3 000:1(d)
}

vector mcast.neg.unknown-vlun {
    claims {000:1(b) 000:1(d)} role target requires {mcast-target counters}
    summary "A group WRITE to a vLUN nobody registered is dropped and counted bad-lun"
} {
    mc-negative bad-lun 000:1(b) {} {} [expr {[mc-vlun] + 3}]
}

vector mcast.neg.bad-command {
    claims {000:1(d)} role target requires {mcast-target counters}
    summary "A group command that is not an immediate WRITE (I=0, or R=1 READ) is dropped and counted bad-command"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set before [mc-all-counters $conns]
    set a [mc-itt]
    set b [mc-itt]
    mcast send $g [mc-isid] [list [mc-cmd-pdu $a [mc-vlun] 1000 1 $bs I 0]]
    mcast send $g [mc-isid] [list [mc-cmd-pdu $b [mc-vlun] 1000 1 $bs W 0 R 1 -cdb [cdb-read10 1000 1]]]
    check eq [silent $conns [list itt $a] 000:1(d)] 1 -field "answer to a non-immediate group command" -clause 000:1(d)
    # The quiet time has passed for both datagrams: an answer to the second would be here by now.
    check eq [silent $conns [list itt $b] 000:1(d) -ms 0] 1 -field "answer to a group READ" -clause 000:1(d)
    mc-counted $conns $before bad-command 2 000:1(d)
}

vector mcast.neg.no-task {
    claims {000:1(d)} role target requires {mcast-target counters}
    summary "A group Data-Out for a task that does not exist is dropped and counted no-task; nothing is written"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set old [mc-read [lindex $conns 0] 1100 1]
    set before [mc-all-counters $conns]
    set itt [mc-itt]
    mcast send $g [mc-isid] [mc-data-pdus $itt [mc-vlun] [pattern $bs 31] 0 $bs $bs]
    check eq [silent $conns [list itt $itt] 000:1(d)] 1 -field "answer to Data-Out of no task" -clause 000:1(d)
    mc-counted $conns $before no-task 1 000:1(d)
    same [mc-read [lindex $conns 0] 1100 1] $old -field "LUN after a Data-Out of no task" -clause 000:1(d)
}

vector mcast.neg.unsolicited {
    claims {000:1(d)} role target requires {mcast-target counters}
    summary "Group data beyond the solicited burst is dropped and counted unsolicited; the task still completes with the right data"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set burst [mc-burst [lindex $conns 0]]
    set len [expr {2 * $burst}]
    set data [pattern $len 32]
    set itt [mc-itt]
    mcast send $g [mc-isid] [list [mc-cmd-pdu $itt [mc-vlun] 1200 [expr {$len / $bs}] $bs]]
    foreach c $conns {
        rx $c [list opcode 0x31 itt $itt buffer_offset 0] 000:1(d) -what "first R2T"
    }
    set before [mc-all-counters $conns]
    # The second burst before anyone asked for it (MaxOutstandingR2T 1 by default).
    mcast send $g [mc-isid] [lrange [mc-data-pdus $itt [mc-vlun] $data $burst $burst [mc-segment $conns]] 0 0]
    mc-counted $conns $before unsolicited 1 000:1(d)
    set seg [mc-segment $conns]
    mc-send-each $g [mc-data-pdus $itt [mc-vlun] $data 0 $burst $seg]
    foreach c $conns {
        rx $c [list opcode 0x31 itt $itt buffer_offset $burst] 000:1(d) -what "second R2T"
    }
    mc-send-each $g [mc-data-pdus $itt [mc-vlun] $data $burst $burst $seg]
    foreach c $conns {
        check pdu [rx $c [list opcode 0x21 itt $itt] 000:13(i) -what "SCSI Response"] {status 0} -clause 000:1(d)
        same [mc-read $c 1200 [expr {$len / $bs}]] $data -field "LUN after an unsolicited burst was dropped" -clause 000:1(d)
    }
}
