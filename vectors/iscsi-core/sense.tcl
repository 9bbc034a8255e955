# Every status a command can end in, with its exact sense triple (RFC 7143 sections 11.4.2,
# 11.4.7; SBC-3 and SPC-4 name the triples): the first and last LBA and one past, a transfer
# length of 0, an opcode and a CDB field the LU does not support.

vector core.sense.lba-bounds {
    claims {RFC7143:11.4.2 RFC7143:11.4.7 RFC7143:11.4.8} role target requires {}
    summary "READ at LBA 0 and at the last LBA end GOOD; at last+1, and 2 blocks from the last, CHECK CONDITION 5/21/00 (LBA OUT OF RANGE) with no Data-In"
} {
    set mrdsl 8192
    set c [core-session -keys [list MaxRecvDataSegmentLength $mrdsl]]
    set bs [block-size $c]
    set last [last-lba $c]
    foreach {lba blocks} [list 0 1 $last 1] {
        set statsn [dict get [iscsi state $c] expstatsn]
        set r [core-task $c -cdb [cdb-read10 $lba $blocks] -lun [pixit lun] -in [expr {$blocks * $bs}] -timeout [wait-ms]]
        set ins [core-check-datain $r [expr {$blocks * $bs}] $mrdsl [dict get [core-negotiated $c] max_burst] 0]
        core-check-end $r 0 none 0 $statsn [llength $ins]
    }
    foreach {lba blocks} [list [expr {$last + 1}] 1 $last 2] {
        set statsn [dict get [iscsi state $c] expstatsn]
        set r [core-task $c -cdb [cdb-read10 $lba $blocks] -lun [pixit lun] -in [expr {$blocks * $bs}] -timeout [wait-ms]]
        check eq [llength [core-pdus-of [dict get $r pdus] 0x25]] 0 -field "Data-In of a READ at LBA $lba, $blocks block(s)" -clause RFC7143:11.4.7
        check-status $r $::mc::STATUS_CHECK_CONDITION [sense-lba-out-of-range] -clause RFC7143:11.4.7
        check eq [dict get $r statsn] $statsn -field statsn -clause RFC7143:4.2.2.2
        check eq [dict get $r expdatasn] 0 -field ExpDataSN -clause RFC7143:11.4.8
    }
}

vector core.sense.write-past-end {
    claims {RFC7143:11.4.2 RFC7143:11.4.7} role target requires {}
    summary "WRITE of one block at the last LBA ends GOOD; at last+1 CHECK CONDITION 5/21/00 (LBA OUT OF RANGE), and the last block keeps its data"
} {
    set c [core-session]
    set bs [block-size $c]
    set last [last-lba $c]
    set data [pattern $bs 31]
    core-check-good [core-task $c -cdb [cdb-write10 $last 1] -lun [pixit lun] -out $data -timeout [wait-ms]]
    set r [core-task $c -cdb [cdb-write10 [expr {$last + 1}] 1] -lun [pixit lun] -out [pattern $bs 32] -timeout [wait-ms]]
    check-status $r $::mc::STATUS_CHECK_CONDITION [sense-lba-out-of-range] -clause RFC7143:11.4.7
    set back [core-task $c -cdb [cdb-read10 $last 1] -lun [pixit lun] -in $bs -timeout [wait-ms]]
    core-check-good $back
    same [dict get $back data] $data -field "the last block" -clause RFC7143:11.4.2
}

vector core.sense.zero-length {
    claims {RFC7143:11.4.2 RFC7143:11.4.5 RFC7143:11.8} role target requires {}
    summary "READ(10) and WRITE(10) of 0 blocks with EDTL 0 end GOOD with no Data-In, no R2T and no residual"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes}]
    block-size $c
    foreach cdb [list [cdb-read10 0 0] [cdb-write10 0 0]] {
        set statsn [dict get [iscsi state $c] expstatsn]
        set r [core-task $c -cdb $cdb -lun [pixit lun] -timeout [wait-ms]]
        check eq [llength [core-pdus-of [dict get $r pdus] 0x25]] 0 -field "Data-In of CDB $cdb" -clause RFC7143:11.7
        check eq [llength [core-pdus-of [dict get $r pdus] 0x31]] 0 -field "R2T of CDB $cdb" -clause RFC7143:11.8
        core-check-end $r 0 none 0 $statsn 0
    }
}

vector core.sense.invalid-opcode {
    claims {RFC7143:11.4.2 RFC7143:11.4.7} role target requires {}
    summary "A CDB with an opcode the LU does not implement ends CHECK CONDITION 5/20/00 (INVALID COMMAND OPERATION CODE)"
} {
    set c [core-session]
    block-size $c
    # Opcode 0xff is vendor specific (SPC-4 4.3.4): no LU implements it as a standard command.
    set r [core-task $c -cdb ff000000000000000000 -lun [pixit lun] -timeout [wait-ms]]
    check-status $r $::mc::STATUS_CHECK_CONDITION [sense-invalid-opcode] -clause RFC7143:11.4.7
}

vector core.sense.invalid-cdb-field {
    claims {RFC7143:11.4.2 RFC7143:11.4.7} role target requires {}
    summary "INQUIRY with EVPD 0 and a non-zero PAGE CODE ends CHECK CONDITION 5/24/00 (INVALID FIELD IN CDB), SPC-4 6.6.1"
} {
    set c [core-session]
    block-size $c
    set r [core-task $c -cdb [cdb-inquiry 0 0x80 96] -lun [pixit lun] -in 96 -timeout [wait-ms]]
    check-status $r $::mc::STATUS_CHECK_CONDITION [sense-invalid-field-in-cdb] -clause RFC7143:11.4.7
}
