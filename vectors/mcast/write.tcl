# The group WRITE at the targets (docs/mcast-data-path.md §5; spec Figure 4): solicitation by
# R2T on each target's own connection, group Data-Out matched without a TTT, execution on the
# mapped LUN, one SCSI Response per target.

vector mcast.write.r2t-per-target {
    claims {000:1(d) 000:15(d) 000:16(d) 000:31(d) 000:32(d)} role target requires {mcast-target}
    summary "Each target solicits the group WRITE on its own connection: R2T with the group ITT, the vLUN, its own TTT, R2TSN 0, offset 0, DDTL in 1..GroupBurst, StatSN not advanced"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set w [mc-group-write $g $conns [mc-vlun] 100 [pattern [expr {4 * $bs}] 10]]
    set burst [mc-burst [lindex $conns 0]]
    set ttts {}
    foreach c $conns {
        set r2t [lindex [dict get $w r2ts $c] 0]
        check pdu $r2t [list opcode 0x31 F 1 itt [dict get $w itt] lun [iscsi lun [mc-vlun]] r2tsn 0 buffer_offset 0 \
            data_segment_length 0] -clause 000:1(d)
        check true {[dict get $r2t ttt] != 0xffffffff} -message "R2T with the reserved TTT" -clause RFC7143:11.8.3
        check true {[dict get $r2t ddtl] > 0 && [dict get $r2t ddtl] <= $burst} \
            -message "DDTL [dict get $r2t ddtl] outside 1..GroupBurst $burst" -clause 000:1(d)
        set rsp [dict get $w rsp $c]
        check eq [dict get $rsp statsn] [dict get $r2t statsn] -field "statsn (R2T does not advance it)" -clause RFC7143:11.8.3
        lappend ttts [dict get $r2t ttt]
    }
}

vector mcast.write.burst-plan {
    claims {000:1(d) 000:15(d) 000:16(d) 000:31(d) 000:32(d)} role target requires {mcast-target}
    summary "A WRITE larger than GroupBurst is solicited burst by burst: offsets k x B, R2TSN 0,1,.., the same plan at every target, the data complete"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set burst [mc-burst [lindex $conns 0]]
    set len [expr {3 * $burst + 2 * $bs}]
    set data [pattern $len 11]
    set blocks [expr {$len / $bs}]
    set w [mc-group-write $g $conns [mc-vlun] 200 $data]
    foreach c $conns {
        set k 0
        foreach r [dict get $w r2ts $c] {
            check pdu $r [list r2tsn $k buffer_offset [expr {$k * $burst}]] -clause 000:1(d)
            incr k
        }
        check eq $k 4 -field "R2Ts for [expr {$len}] bytes at GroupBurst $burst" -clause 000:1(d)
        check eq [dict get $w rsp $c expdatasn] 4 -field "expdatasn (R2Ts sent)" -clause RFC7143:11.4.8
        same [mc-read $c 200 $blocks] $data -field "LUN [pixit lun] after a multi-burst group WRITE" -clause 000:1(e)
    }
}

vector mcast.write.executed {
    claims {000:1(e) 000:15(e) 000:16(d) 000:32(e)} role target requires {mcast-target}
    summary "After GOOD status every target's mapped LUN holds the written range, read back by unicast READ"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set data [pattern [expr {8 * $bs}] 12]
    mc-group-write $g $conns [mc-vlun] 300 $data
    foreach c $conns {
        same [mc-read $c 300 8] $data -field "LUN [pixit lun] blocks 300-307" -clause 000:1(e)
    }
}

vector mcast.write.status-per-target {
    claims {000:13(i) 000:28(i) 000:44(i)} role target requires {mcast-target}
    summary "Each target reports the group WRITE on its own connection: SCSI Response with the group ITT, GOOD, its connection's StatSN, nothing on the group"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    mcast seen $g -clear 1
    set w [mc-group-write $g $conns [mc-vlun] 400 [pattern $bs 13]]
    foreach c $conns {
        set rsp [dict get $w rsp $c]
        check pdu $rsp [list opcode 0x21 F 1 itt [dict get $w itt] response 0 status 0 residual 0] -clause 000:13(i)
        check eq [dict get $rsp statsn] [expr {[dict get [iscsi state $c] expstatsn] - 1}] \
            -field "statsn (this connection's numbering)" -clause RFC7143:4.2.2.2
    }
    foreach d [mcast seen $g -wait [quiet-ms]] {
        check true {[dict get $d ours]} -message "a datagram from [dict get $d src] on the group: members never send to it" -clause 000:13(i)
    }
}

vector mcast.write.several {
    claims {000:1(d) 000:1(e) 000:13(i)} role target requires {mcast-target}
    summary "Several group WRITEs under one registration, two of them outstanding at once, each complete at every target"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set a [pattern [expr {2 * $bs}] 14]
    set b [pattern [expr {2 * $bs}] 15]
    # Both commands first, then both data streams: SIMPLE tasks, no order between them (§6).
    set ia [mc-itt]
    set ib [mc-itt]
    mcast send $g [mc-isid] [list [mc-cmd-pdu $ia [mc-vlun] 500 2 $bs] [mc-cmd-pdu $ib [mc-vlun] 510 2 $bs]]
    foreach c $conns {
        rx $c [list opcode 0x31 itt $ia] 000:1(d) -what "R2T of the first of two outstanding WRITEs"
        rx $c [list opcode 0x31 itt $ib] 000:1(d) -what "R2T of the second of two outstanding WRITEs"
    }
    set seg [mc-segment $conns]
    mcast send $g [mc-isid] [concat [mc-data-pdus $ia [mc-vlun] $a 0 [string length $a] $seg] \
        [mc-data-pdus $ib [mc-vlun] $b 0 [string length $b] $seg]]
    foreach c $conns {
        check pdu [rx $c [list opcode 0x21 itt $ia] 000:13(i) -what "status of the first WRITE"] {status 0} -clause 000:13(i)
        check pdu [rx $c [list opcode 0x21 itt $ib] 000:13(i) -what "status of the second WRITE"] {status 0} -clause 000:13(i)
        same [mc-read $c 500 2] $a -field "blocks 500-501" -clause 000:1(e)
        same [mc-read $c 510 2] $b -field "blocks 510-511" -clause 000:1(e)
    }
}

vector mcast.write.dup-reorder {
    claims {000:1(d) 000:1(e)} role target requires {mcast-target erl1}
    summary "Seeded duplication and reordering of group Data-Out at ERL 1: duplicates are ignored (first copy wins), data behind a DataSN gap is asked for again by recovery R2T, and every target ends GOOD with exactly the data"
} {
    set conns [mc-sessions -erl 1]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set data [pattern [expr {16 * $bs}] 16]
    set w [mc-group-write $g $conns [mc-vlun] 600 $data -respond 0 -seg $bs \
        -fault [list -seed [seed] -dup 0.3 -reorder 0.3 -match {opcode 5}]]
    log "group faults: [dict get $w fault]"
    foreach c $conns {
        check pdu [mc-serve-recovery $c [dict get $w itt] [mc-vlun] $data 000:1(d)] {status 0} -clause 000:1(d)
        same [mc-read $c 600 16] $data -field "blocks 600-615 after duplicated/reordered group data" -clause 000:1(e)
    }
}

vector mcast.write.unicast-vlun {
    claims {000:1(b)} role target requires {mcast-target}
    summary "The registering session may address the vLUN by unicast too (§5.5): a unicast WRITE to the vLUN lands on the real LUN"
} {
    set conns [mc-sessions]
    mc-register-all $conns [mc-vlun]
    set c [lindex $conns 0]
    set bs [block-size $c inconc]
    set data [pattern [expr {2 * $bs}] 17]
    set r [iscsi scsi $c -cdb [cdb-write10 700 2] -lun [mc-vlun] -out $data -timeout [wait-ms]]
    check pdu $r {opcode 0x21 status 0} -clause 000:1(b)
    same [mc-read $c 700 2] $data -field "real LUN after a unicast WRITE to the vLUN" -clause 000:1(b)
}

vector mcast.write.write16 {
    claims {000:1(d) 000:1(e)} role target requires {mcast-target}
    summary "A group WRITE(16) (SBC-3: 4-byte transfer length) of an odd number of blocks is solicited for its whole length and lands on the real LUN of every target"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set data [pattern [expr {5 * $bs}] 19]
    set w [mc-group-write $g $conns [mc-vlun] 900 $data -cdb [cdb-write16 900 5]]
    foreach c $conns {
        check pdu [dict get $w rsp $c] {opcode 0x21 status 0} -clause 000:1(d)
        same [mc-read $c 900 5] $data -field "blocks 900-904 after a group WRITE(16)" -clause 000:1(e)
    }
}
