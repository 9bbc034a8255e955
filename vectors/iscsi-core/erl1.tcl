# ErrorRecoveryLevel 1 (RFC 7143 sections 6.7, 7.8, 11.7.2, 11.16): Data-In lost on the way
# (dropped by the harness's seeded fault plan) asked for again with Data/R2T SNACK, a lost SCSI
# Response with Status SNACK, DataACK and what a SNACK for acknowledged data gets, and a
# Data-Out whose data digest is wrong.

# A session at ErrorRecoveryLevel 1 with the keys given; a target that claims ERL 1 (PICS erl1)
# and does not select it fails.
proc core-erl1-session {args} {
    set c [core-session -keys [list ErrorRecoveryLevel 1 {*}$args]]
    set k [dict get [iscsi state $c] keys]
    set erl [expr {[dict exists $k ErrorRecoveryLevel] ? [dict get $k ErrorRecoveryLevel] : 0}]
    check eq $erl 1 -field ErrorRecoveryLevel -clause RFC7143:13.20
    return $c
}

# Every Data-In of task itt on c as it arrived, dropped ones included, in DataSN order.
proc core-erl1-datain-sent {c itt} {
    set out {}
    foreach p [iscsi history $c] {
        if {[dict get $p dir] eq "in" && [dict get $p opcode] == 0x25 && [dict get $p itt] == $itt} {
            lappend out $p
        }
    }
    return [lsort -integer -command {apply {{a b} {expr {[dict get $a datasn] - [dict get $b datasn]}}}} $out]
}

# A read of blocks filled with pattern tag whose Data-In number k (0-based, never the last) the
# harness drops; the status is not acknowledged (the SNACK that follows carries its StatSN as
# ExpStatSN, 6.7). Returns {result data sent-datain}.
proc core-erl1-lossy-read {c blocks tag k} {
    set data [core-datain-fill $c 0 $blocks $tag]
    iscsi fault $c -once drop -dir in -match [list opcode 0x25 datasn $k]
    set r [core-datain-read $c 0 $blocks]
    check eq [dict get [iscsi fault $c] dropped] 1 -field "Data-In dropped by the harness" -clause RFC7143:11.7.5
    set itt [dict get [lindex [dict get $r pdus] 0] itt]
    return [list $r $data [core-erl1-datain-sent $c $itt]]
}

# The fields a Data-In sent again must repeat (11.16.1: the same DataSN, offset, data, flags).
proc core-erl1-same-datain {seen orig data} {
    set sn [dict get $orig datasn]
    foreach f {datasn buffer_offset data_segment_length F S} {
        check eq [dict get $seen $f] [dict get $orig $f] -field "$f of Data-In $sn sent again" -clause RFC7143:11.16.1
    }
    if {[dict get $orig S]} {
        check pdu $seen [list statsn [dict get $orig statsn] status [dict get $orig status] residual [dict get $orig residual]] -clause RFC7143:11.16.1
    }
    set off [dict get $orig buffer_offset]
    same [dict get $seen data] [string range $data $off [expr {$off + [dict get $orig data_segment_length] - 1}]] \
        -field "data of Data-In $sn sent again" -clause RFC7143:11.16.1
}

# A read through a session of seeded MaxRecvDataSegmentLength (off the 4-byte and block grid)
# of a seeded block count, whose Data-In of a seeded DataSN k (never the last) the harness drops;
# returns {c r data sent k itt st mrdsl} for `dict with` (TAG: the pattern of the data).
proc core-erl1-lost-datain {tag} {
    set mrdsl [seeded-int mrdsl 513 1500 -avoid [list 512 4]]
    set c [core-erl1-session MaxRecvDataSegmentLength $mrdsl]
    set bs [block-size $c]
    set blocks [seeded-int blocks 4 12]
    set min [expr {($blocks * $bs + $mrdsl - 1) / $mrdsl}]
    set k [seeded-int k 0 [expr {$min - 2}]]
    lassign [core-erl1-lossy-read $c $blocks $tag $k] r data sent
    set itt [dict get [lindex [dict get $r pdus] 0] itt]
    set st [dict get $r statsn]
    return [dict create c $c r $r data $data sent $sent k $k itt $itt st $st mrdsl $mrdsl]
}

vector core.snack.data-one {
    claims {RFC7143:11.16.1 RFC7143:6.7 RFC7143:11.7.5} role target requires {erl1 snack}
    summary "A Data-In (seeded DataSN) lost on the way is sent again, alone and unchanged, for a Data/R2T SNACK with BegRun = its DataSN and RunLength 1; StatSN does not advance"
} {
    set lost [core-erl1-lost-datain 51]
    dict with lost {}
    log "MaxRecvDataSegmentLength $mrdsl, [llength $sent] Data-In, DataSN $k dropped"
    iscsi send $c snack snack_type $::core::SNACK_DATA_R2T itt $itt begrun $k runlength 1 expstatsn $st -lun [pixit lun]
    set d [rx $c [list opcode 0x25 itt $itt] RFC7143:11.16.1 -what "Data-In $k sent again"]
    core-erl1-same-datain $d [lindex $sent $k] $data
    set more [silent $c [list opcode 0x25 itt $itt] RFC7143:11.16.1]
    if {$more ne 1} { fail "a Data-In beyond RunLength 1 came: DataSN [dict get $more datasn]" -clause RFC7143:11.16.1 }
    check eq [dict get [core-ping $c] statsn] [expr {($st + 1) & 0xffffffff}] -field "StatSN after the SNACK" -clause RFC7143:4.2.2.2
}

vector core.snack.data-to-end {
    claims {RFC7143:11.16.1 RFC7143:6.7} role target requires {erl1 snack}
    summary "A Data/R2T SNACK with BegRun = a lost DataSN (seeded) and RunLength 0 brings that Data-In and every one after it, unchanged, the status-carrying one with its StatSN"
} {
    set lost [core-erl1-lost-datain 52]
    dict with lost {}
    iscsi send $c snack snack_type $::core::SNACK_DATA_R2T itt $itt begrun $k runlength 0 expstatsn $st -lun [pixit lun]
    foreach orig [lrange $sent $k end] {
        set d [rx $c [list opcode 0x25 itt $itt] RFC7143:11.16.1 -what "Data-In [dict get $orig datasn] sent again"]
        core-erl1-same-datain $d $orig $data
    }
    set more [silent $c [list opcode 0x25 itt $itt] RFC7143:11.16.1]
    if {$more ne 1} { fail "a Data-In past the last came: DataSN [dict get $more datasn]" -clause RFC7143:11.16.1 }
}

vector core.snack.status {
    claims {RFC7143:11.16.1 RFC7143:6.7 RFC7143:4.2.2.2} role target requires {erl1 snack}
    summary "A SCSI Response lost on the way is sent again, with its StatSN and ITT, for a Status SNACK (BegRun its StatSN, RunLength 1); the next response takes the next StatSN"
} {
    set c [core-erl1-session]
    block-size $c
    set st [dict get [iscsi state $c] expstatsn]
    iscsi fault $c -once drop -dir in -match {opcode 0x21}
    set out [iscsi send $c scsi -cdb [cdb-tur] -lun [pixit lun]]
    set itt [dict get $out itt]
    silent $c [list opcode 0x21 itt $itt] RFC7143:11.4
    check eq [dict get [iscsi fault $c] dropped] 1 -field "SCSI Responses dropped by the harness" -clause RFC7143:11.4
    iscsi send $c snack snack_type $::core::SNACK_STATUS itt 0xffffffff begrun $st runlength 1 expstatsn $st
    set r [rx $c [list opcode 0x21 itt $itt] RFC7143:11.16.1 -what "the SCSI Response sent again"]
    check pdu $r [list statsn $st response 0 status 0] -clause RFC7143:11.16.1
    check eq [dict get [core-ping $c] statsn] [expr {($st + 1) & 0xffffffff}] -field "StatSN after the Status SNACK" -clause RFC7143:4.2.2.2
}

vector core.snack.data-ack {
    claims {RFC7143:11.7.2 RFC7143:11.16.1 RFC7143:11.16.3} role target requires {erl1 snack}
    summary "A Data-In with A=1 carries a TTT; after a DataACK for it, a Data SNACK for the acknowledged DataSN and one past the last are each rejected with reason 0x04"
} {
    set mrdsl [seeded-int mrdsl 513 1000 -avoid [list 512 4]]
    set mbl [seeded-int mbl [expr {$mrdsl + 1}] 2500 -avoid [list 512 $mrdsl]]
    set c [core-erl1-session MaxRecvDataSegmentLength $mrdsl MaxBurstLength $mbl FirstBurstLength 512]
    set bs [block-size $c]
    set mbl [dict get [core-negotiated $c] max_burst]
    set blocks [expr {(3 * $mbl) / $bs + [seeded-int blocks 1 3]}]
    core-datain-fill $c 0 $blocks 53
    set r [core-datain-read $c 0 $blocks]
    set ins [core-check-datain $r [expr {$blocks * $bs}] $mrdsl $mbl 1]
    set itt [dict get [lindex [dict get $r pdus] 0] itt]
    set st [dict get $r statsn]
    set acks {}
    foreach d $ins {
        if {[dict get $d A]} {
            check true {[dict get $d ttt] != 0xffffffff} -message "Data-In [dict get $d datasn] with A=1 carries TTT 0xffffffff" -clause RFC7143:11.7.4
            check eq [dict get $d lun] [iscsi lun [pixit lun]] -field "LUN of Data-In [dict get $d datasn] with A=1" -clause RFC7143:11.7.4
            lappend acks $d
        }
    }
    if {![llength $acks]} {
        inconc "no Data-In of [llength $ins] asked for a DataACK (A=1); nothing to acknowledge" -clause RFC7143:11.7.2
    }
    set a [lindex $acks 0]
    set next [expr {[dict get $a datasn] + 1}]
    iscsi send $c snack snack_type $::core::SNACK_DATA_ACK itt 0xffffffff ttt [dict get $a ttt] begrun $next runlength 0 expstatsn $st -lun [pixit lun]
    set quiet [silent $c {opcode 0x3f} RFC7143:11.16.3]
    if {$quiet ne 1} { fail "the DataACK was rejected (reason [dict get $quiet reason])" -clause RFC7143:11.16.3 }
    foreach {beg why} [list [expr {$next - 1}] "an acknowledged DataSN" [llength $ins] "a DataSN never sent"] {
        set out [iscsi send $c snack snack_type $::core::SNACK_DATA_R2T itt $itt begrun $beg runlength 1 expstatsn $st -lun [pixit lun]]
        set rej [rx $c {opcode 0x3f} RFC7143:11.16.1 -what "Reject of a SNACK for $why ($beg)"]
        check pdu $rej [list reason $::core::REJECT_PROTOCOL_ERROR] -clause RFC7143:11.16.1
        check eq [dict get $rej rejected begrun] $beg -field "BegRun of the rejected SNACK" -clause RFC7143:11.17.1
    }
}

vector core.digest.data-out-recovery {
    claims {RFC7143:7.8 RFC7143:11.17.1 RFC7143:6.7} role target requires {erl1 digests}
    summary "A Data-Out (seeded, not the last) with a wrong data digest is rejected with reason 0x02 and asked for again by a recovery R2T (or the task ends 0B/47/05); the write then reads back"
} {
    set c [core-erl1-session HeaderDigest CRC32C DataDigest CRC32C ImmediateData No InitialR2T Yes MaxBurstLength 65536]
    set bs [block-size $c]
    set seg [seeded-int seg 257 [expr {min(2 * $bs - 1, [dict get [core-negotiated $c] mrdsl_out])}] -avoid [list 4 $bs]]
    set blocks [seeded-int blocks 3 6]
    set len [expr {$blocks * $bs}]
    set data [pattern $len 54]
    set cmd [iscsi send $c scsi W 1 edtl $len -lun [pixit lun] -cdb [cdb-write10 0 $blocks]]
    set itt [dict get $cmd itt]
    set t [rx $c [list opcode 0x31 itt $itt] RFC7143:11.8]
    check pdu $t [list buffer_offset 0 ddtl $len] -clause RFC7143:11.8.4
    set n [expr {($len + $seg - 1) / $seg}]
    set bad [seeded-int bad 0 [expr {$n - 2}]]
    log "Data-Out segments of $seg bytes, $n PDUs, DataSN $bad corrupted"
    core-send-burst $c $itt [dict get $t ttt] 0 $len $data $seg $bad
    set rej [rx $c {opcode 0x3f} RFC7143:7.8 -what "Reject of the Data-Out with the wrong digest"]
    check pdu $rej [list reason $::core::REJECT_DATA_DIGEST] -clause RFC7143:11.17.1
    check eq [dict get $rej rejected datasn] $bad -field "DataSN of the rejected Data-Out" -clause RFC7143:11.17.1
    set next [rx $c [list itt $itt] RFC7143:7.8 -what "a recovery R2T or the task's end"]
    if {[dict get $next opcode] == 0x21} {
        # The other answer 7.8 allows: the task ends with PROTOCOL SERVICE CRC ERROR.
        check-status $next $::mc::STATUS_CHECK_CONDITION {0x0b 0x47 0x05} -clause RFC7143:7.8
        return
    }
    check pdu $next {opcode 0x31} -clause RFC7143:7.8
    set lo [expr {$bad * $seg}]
    set hi [expr {min($lo + $seg, $len)}]
    set off [dict get $next buffer_offset]
    set ddtl [dict get $next ddtl]
    check true {$off <= $lo && $off + $ddtl >= $hi && $off + $ddtl <= $len} \
        -message "recovery R2T asks bytes $off..[expr {$off + $ddtl}], not covering the lost $lo..$hi within $len" -clause RFC7143:6.7
    check eq [dict get $next r2tsn] 1 -field "R2TSN of the recovery R2T" -clause RFC7143:11.8.6
    core-send-burst $c $itt [dict get $next ttt] $off $ddtl $data $seg
    set resp [rx $c [list opcode 0x21 itt $itt] RFC7143:11.4]
    check-status $resp 0 -clause RFC7143:6.7
    set back [core-datain-read $c 0 $blocks]
    core-check-good $back
    same [dict get $back data] $data -field "data read back" -clause RFC7143:6.7
}

vector core.digest.header-discard {
    claims {RFC7143:7.8 RFC7143:13.1} role target requires {digests}
    summary "An immediate NOP-Out with a wrong header digest is discarded (no NOP-In answers it) or the connection is closed; an open connection then answers a ping"
} {
    set c [core-session -keys {HeaderDigest CRC32C DataDigest CRC32C}]
    core-ping $c
    set out [iscsi send $c nop-out I 1 -digest-corrupt header]
    set got [silent $c [list opcode 0x20 itt [dict get $out itt]] RFC7143:7.8 -closed-ok 1]
    if {$got ne 1} { fail "the NOP-Out with a wrong header digest was answered" -clause RFC7143:7.8 }
    if {![dict get [iscsi state $c] closed]} {
        core-ping $c
    }
}

vector core.snack.r2t {
    claims {RFC7143:11.16.1 RFC7143:6.7 RFC7143:11.8.6} role target requires {erl1 snack}
    summary "An R2T lost on the way is sent again, unchanged (R2TSN, TTT, offset, DDTL), for a Data/R2T SNACK with BegRun = its R2TSN and RunLength 1; the write then completes GOOD"
} {
    set c [core-erl1-session ImmediateData No InitialR2T Yes]
    set bs [block-size $c]
    set blocks [seeded-int blocks 1 8]
    set len [expr {$blocks * $bs}]
    set data [pattern $len 55]
    iscsi fault $c -once drop -dir in -match {opcode 0x31}
    set cmd [iscsi send $c scsi W 1 edtl $len -lun [pixit lun] -cdb [cdb-write10 0 $blocks]]
    set itt [dict get $cmd itt]
    silent $c [list itt $itt] RFC7143:11.8
    check eq [dict get [iscsi fault $c] dropped] 1 -field "R2Ts dropped by the harness" -clause RFC7143:11.8
    set lost {}
    foreach p [iscsi history $c] {
        if {[dict get $p dir] eq "in" && [dict get $p opcode] == 0x31 && [dict get $p itt] == $itt} { set lost $p }
    }
    iscsi send $c snack snack_type $::core::SNACK_DATA_R2T itt $itt begrun [dict get $lost r2tsn] runlength 1 -lun [pixit lun]
    set t [rx $c [list opcode 0x31 itt $itt] RFC7143:11.16.1 -what "the R2T sent again"]
    foreach f {r2tsn ttt buffer_offset ddtl} {
        check eq [dict get $t $f] [dict get $lost $f] -field "$f of the R2T sent again" -clause RFC7143:11.16.1
    }
    set seg [dict get [core-negotiated $c] mrdsl_out]
    set p $t
    while {[dict get $p opcode] == 0x31} {
        core-send-burst $c $itt [dict get $p ttt] [dict get $p buffer_offset] [dict get $p ddtl] $data $seg
        set p [rx $c [list itt $itt] RFC7143:11.4 -what "the end of the write"]
    }
    check-status $p 0 -clause RFC7143:11.4
    set back [core-datain-read $c 0 $blocks]
    core-check-good $back
    same [dict get $back data] $data -field "data read back" -clause RFC7143:6.7
    # 11.17.1: a SNACK the target served is not also rejected
    set rejects [core-pdus-of [iscsi history $c] 0x3f]
    check eq [llength $rejects] 0 -field "Rejects besides the R2T sent again" -clause RFC7143:11.16.1
}

vector core.snack.rdata {
    claims {RFC7143:11.16.1 RFC7143:11.16.3 RFC7143:11.4} role target requires {erl1 snack}
    summary "An R-Data SNACK (BegRun 0, RunLength 0, a seeded SNACK Tag) for a finished read brings all its data again and then a SCSI Response carrying that SNACK Tag as its last response"
} {
    set mrdsl [seeded-int mrdsl 513 1500 -avoid [list 512 4]]
    set c [core-erl1-session MaxRecvDataSegmentLength $mrdsl]
    set bs [block-size $c]
    set blocks [seeded-int blocks 2 8]
    set data [core-datain-fill $c 0 $blocks 56]
    set r [core-datain-read $c 0 $blocks]
    core-check-good $r
    set itt [dict get [lindex [dict get $r pdus] 0] itt]
    set st [dict get $r statsn]
    set tag [seeded-int tag 1 0x7fffffff]
    iscsi send $c snack snack_type $::core::SNACK_RDATA itt $itt ttt $tag begrun 0 runlength 0 expstatsn $st -lun [pixit lun]
    set got {}
    while {1} {
        set p [rx $c [list itt $itt] RFC7143:11.16.3 -what "the data and the SCSI Response an R-Data SNACK asks for"]
        if {[dict get $p opcode] != 0x25} { break }
        check eq [dict get $p S] 0 -field "S bit of a Data-In sent for an R-Data SNACK (the status belongs in a SCSI Response with the SNACK Tag)" -clause RFC7143:11.16.3
        append got [dict get $p data]
        check eq [dict get $p buffer_offset] [expr {[string length $got] - [dict get $p data_segment_length]}] -field "BufferOffset of Data-In [dict get $p datasn] sent again" -clause RFC7143:11.7.6
    }
    check pdu $p [list opcode 0x21 snack_tag $tag] -clause RFC7143:11.16.3
    check-status $p 0 -clause RFC7143:11.4
    same $got $data -field "data sent again" -clause RFC7143:11.16.3
}

vector core.snack.status-run {
    claims {RFC7143:11.16.1 RFC7143:6.7} role target requires {erl1 snack}
    summary "Of three unacknowledged SCSI Responses, a Status SNACK with RunLength 0 sends again all from BegRun on (the second and third), one with RunLength 1 only BegRun's"
} {
    set c [core-erl1-session]
    block-size $c
    set st [dict get [iscsi state $c] expstatsn]
    set itts {}
    for {set i 0} {$i < 3} {incr i} {
        # ExpStatSN stays st: none of the three responses is acknowledged (4.2.2.2)
        lappend itts [dict get [iscsi send $c scsi -cdb [cdb-tur] -lun [pixit lun] expstatsn $st] itt]
    }
    foreach itt $itts {
        rx $c [list opcode 0x21 itt $itt] RFC7143:11.4
    }
    set sn1 [expr {($st + 1) & 0xffffffff}]
    set sn2 [expr {($st + 2) & 0xffffffff}]
    iscsi send $c snack snack_type $::core::SNACK_STATUS itt 0xffffffff begrun $sn1 runlength 0 expstatsn $st
    rx $c [list opcode 0x21 statsn $sn1 itt [lindex $itts 1]] RFC7143:11.16.1 -what "StatSN $sn1 sent again (RunLength 0)"
    rx $c [list opcode 0x21 statsn $sn2 itt [lindex $itts 2]] RFC7143:11.16.1 -what "StatSN $sn2 sent again (RunLength 0)"
    iscsi send $c snack snack_type $::core::SNACK_STATUS itt 0xffffffff begrun $st runlength 1 expstatsn $st
    rx $c [list opcode 0x21 statsn $st itt [lindex $itts 0]] RFC7143:11.16.1 -what "StatSN $st sent again (RunLength 1)"
    set more [silent $c {opcode 0x21} RFC7143:11.16.1]
    if {$more ne 1} {
        fail "a Status SNACK with RunLength 1 also sent StatSN [dict get $more statsn] again" -clause RFC7143:11.16.1
    }
    check eq [llength [core-pdus-of [iscsi history $c] 0x3f]] 0 -field "Rejects of the Status SNACKs" -clause RFC7143:11.16.1
}

vector core.snack.status-once {
    claims {RFC7143:11.16.1 RFC7143:4.2.2.2 RFC7143:11.18} role target requires {erl1 snack}
    summary "Two ping replies unacknowledged, the first acknowledged twice by NOP-Outs that ask no reply (ITT 0xffffffff): a Status SNACK from the second then sends it again once, and nothing else"
} {
    set c [core-erl1-session]
    set st [dict get [iscsi state $c] expstatsn]
    set sn1 [expr {($st + 1) & 0xffffffff}]
    set a [iscsi send $c nop-out expstatsn $st]
    rx $c [list opcode 0x20 itt [dict get $a itt] statsn $st] RFC7143:11.19
    set b [iscsi send $c nop-out expstatsn $st]
    rx $c [list opcode 0x20 itt [dict get $b itt] statsn $sn1] RFC7143:11.19
    # 11.18: ITT 0xffffffff with I=1 asks no reply; each carries ExpStatSN sn1 (4.2.2.2)
    for {set i 0} {$i < 2} {incr i} {
        iscsi send $c nop-out I 1 itt 0xffffffff ttt 0xffffffff expstatsn $sn1
    }
    iscsi send $c snack snack_type $::core::SNACK_STATUS itt 0xffffffff begrun $sn1 runlength 0 expstatsn $sn1
    rx $c [list opcode 0x20 itt [dict get $b itt] statsn $sn1] RFC7143:11.16.1 -what "the ping reply StatSN $sn1 sent again"
    set more [silent $c {opcode {in {0x20 0x21 0x3f}}} RFC7143:11.16.1]
    if {$more ne 1} {
        fail "after StatSN $sn1 sent again came a [dict get $more opcode_name] (StatSN [dict get $more statsn])" -clause RFC7143:11.16.1
    }
    core-ping $c
}

vector core.snack.data-ack-two-tasks {
    claims {RFC7143:11.7.4 RFC7143:11.16.1 RFC7143:11.16.3} role target requires {erl1 snack}
    summary "Two reads, statuses unacknowledged: their A=1 Data-Ins carry different TTTs (a DataACK names its Data-In by TTT and LUN only); a DataACK for the second leaves the first's data to a Data SNACK"
} {
    set mrdsl [seeded-int mrdsl 513 1000 -avoid [list 512 4]]
    set mbl [seeded-int mbl [expr {$mrdsl + 1}] 2500 -avoid [list 512 $mrdsl]]
    set c [core-erl1-session MaxRecvDataSegmentLength $mrdsl MaxBurstLength $mbl FirstBurstLength 512]
    set bs [block-size $c]
    set mbl [dict get [core-negotiated $c] max_burst]
    set blocks [expr {(2 * $mbl) / $bs + 1}]
    set len [expr {$blocks * $bs}]
    core-datain-fill $c 0 $blocks 73
    set st [dict get [iscsi state $c] expstatsn]
    set firsts {}
    set itts {}
    for {set i 0} {$i < 2} {incr i} {
        # ExpStatSN stays st: neither read's status is acknowledged (4.2.2.2)
        set cmd [iscsi send $c scsi R 1 edtl $len -cdb [cdb-read10 0 $blocks] -lun [pixit lun] expstatsn $st]
        set itt [dict get $cmd itt]
        lappend itts $itt
        set a {}
        foreach p [core-task-pdus $c $itt] {
            if {$a eq "" && [dict get $p opcode] == 0x25 && [dict get $p A]} { set a $p }
        }
        if {$a eq ""} {
            inconc "the read of $len bytes at MaxBurstLength $mbl asked no DataACK (no A=1 Data-In)" -clause RFC7143:11.7.2
        }
        lappend firsts $a
    }
    lassign $firsts a1 a2
    check true {[dict get $a1 ttt] != [dict get $a2 ttt]} \
        -message "A=1 Data-Ins of two unacknowledged reads share TTT [format 0x%08x [dict get $a1 ttt]]" -clause RFC7143:11.7.4
    iscsi send $c snack snack_type $::core::SNACK_DATA_ACK itt 0xffffffff ttt [dict get $a2 ttt] \
        begrun [expr {[dict get $a2 datasn] + 1}] runlength 0 expstatsn $st -lun [pixit lun]
    iscsi send $c snack snack_type $::core::SNACK_DATA_R2T itt [lindex $itts 0] begrun 0 runlength 1 expstatsn $st -lun [pixit lun]
    set d [rx $c [list opcode {in {0x25 0x3f}}] RFC7143:11.16.1 -what "DataSN 0 of the first read sent again"]
    if {[dict get $d opcode] == 0x3f} {
        fail "a Data SNACK for the first read was rejected (reason [dict get $d reason]) after a DataACK for the second" -clause RFC7143:11.16.3
    }
    check pdu $d [list itt [lindex $itts 0] datasn 0] -clause RFC7143:11.16.1
}
