# SCSI reads through Data-In (RFC 7143 sections 11.4, 11.7): DataSN, offsets, status, residuals.

proc core-read-blocks {c lba blocks args} {
    set bs [block-size $c]
    return [core-task $c -cdb [cdb-read10 $lba $blocks] -lun [pixit lun] -in [expr {$blocks * $bs}] -timeout [wait-ms] {*}$args]
}

vector core.read.datasn {
    claims {RFC7143:11.7.5 RFC7143:11.7.6} role target requires {}
    summary "A read spanning several Data-In PDUs numbers them 0,1,2.. with contiguous BufferOffsets; only the last has F"
} {
    set c [core-session -keys {MaxRecvDataSegmentLength 4096}]
    set bs [block-size $c]
    set blocks [expr {max(4, 32768 / $bs)}]
    set r [core-read-blocks $c 0 $blocks]
    core-check-good $r
    set ins [core-pdus-of [dict get $r pdus] 0x25]
    check true {[llength $ins] >= 2} -message "[expr {$blocks * $bs}] bytes came in [llength $ins] Data-In under a 4096-byte limit" -clause RFC7143:13.12
    set sn 0
    set off 0
    foreach d $ins {
        check eq [dict get $d datasn] $sn -field datasn -clause RFC7143:11.7.5
        check eq [dict get $d buffer_offset] $off -field buffer_offset -clause RFC7143:11.7.6
        incr sn
        incr off [dict get $d data_segment_length]
        check eq [dict get $d F] [expr {$off == $blocks * $bs}] -field F -clause RFC7143:11.7.1
    }
    check eq $off [expr {$blocks * $bs}] -field "bytes delivered" -clause RFC7143:11.7.6
}

vector core.read.status {
    claims {RFC7143:11.7.1 RFC7143:11.4 RFC7143:4.2.2.2} role target requires {}
    summary "A read ends with status: S=1 on the last Data-In or a SCSI Response, carrying the next StatSN"
} {
    set c [core-session]
    block-size $c
    set before [dict get [iscsi state $c] expstatsn]
    set r [core-read-blocks $c 0 1]
    if {[dict get $r opcode] == 0x25} {
        check pdu $r {S 1 F 1 status 0} -clause RFC7143:11.7.1
    } else {
        check pdu $r {opcode 0x21 response 0 status 0} -clause RFC7143:11.4
        foreach d [core-pdus-of [dict get $r pdus] 0x25] {
            check eq [dict get $d S] 0 -field S -clause RFC7143:11.7.1
        }
    }
    check eq [dict get $r statsn] $before -field statsn -clause RFC7143:4.2.2.2
}

vector core.read.underflow {
    claims {RFC7143:11.4.5 RFC7143:11.7.1} role target requires {}
    summary "EDTL larger than the data read: U=1 and Residual Count = EDTL minus data"
} {
    set c [core-session]
    set bs [block-size $c]
    set r [core-task $c -cdb [cdb-read10 0 1] -lun [pixit lun] -in [expr {2 * $bs}] -timeout [wait-ms]]
    core-check-good $r
    check pdu $r [list U 1 O 0 residual $bs] -clause RFC7143:11.4.5
}

vector core.read.overflow {
    claims {RFC7143:11.4.5 RFC7143:11.7.1} role target requires {}
    summary "EDTL smaller than the data the CDB asks for: O=1, Residual Count = the excess, and no more than EDTL sent"
} {
    set c [core-session]
    set bs [block-size $c]
    set r [core-task $c -cdb [cdb-read10 0 2] -lun [pixit lun] -in $bs -edtl $bs -timeout [wait-ms]]
    core-check-good $r
    check pdu $r [list O 1 U 0 residual $bs] -clause RFC7143:11.4.5
    set sent 0
    foreach d [core-pdus-of [dict get $r pdus] 0x25] { incr sent [dict get $d data_segment_length] }
    check true {$sent <= $bs} -message "$sent bytes of Data-In for EDTL $bs" -clause RFC7143:11.7.6
}

vector core.read.itt-lun {
    claims {RFC7143:11.7.4 RFC7143:11.4} role target requires {}
    summary "Every Data-In and the response of a read carry the command's ITT"
} {
    set c [core-session -keys {MaxRecvDataSegmentLength 4096}]
    set bs [block-size $c]
    set r [core-read-blocks $c 0 [expr {max(2, 16384 / $bs)}]]
    set itt [dict get [lindex [dict get $r pdus] 0] itt]
    foreach d [dict get $r pdus] {
        if {[dict get $d dir] eq "in"} {
            check eq [dict get $d itt] $itt -field itt -clause RFC7143:11.7.4
        }
    }
}
