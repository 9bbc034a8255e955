# Malformed and unexpected input (RFC 7143 sections 11.17, 7, 11.4.7): the target rejects what
# it must, keeps serving, and reports SCSI errors with well-formed sense data.

vector core.neg.unknown-opcode {
    claims {RFC7143:11.17.1 RFC7143:11.2.1.2} role target requires {}
    summary "An unknown initiator opcode is answered by Reject reason 0x05 (command not supported) quoting the header"
} {
    set c [core-session]
    set out [iscsi send $c 0x0f I 1]
    set r [rx $c {opcode 0x3f} RFC7143:11.17.1]
    check pdu $r {reason 0x05} -clause RFC7143:11.17.1
    check eq [dict get $r data_segment_length] 48 -field data_segment_length -clause RFC7143:11.17.1
    check eq [dict get $r rejected opcode] 0x0f -field "rejected opcode" -clause RFC7143:11.17.1
    core-ping $c
}

# A NOP-Out ping whose data segment is extra bytes over the target's MaxRecvDataSegmentLength
# (13.12) must not be processed normally: a Reject (protocol error or invalid PDU field) or, as at
# ErrorRecoveryLevel 0 a protocol error allows (7.1), the connection closed.
proc core-oversized-ping {extra} {
    set c [core-session]
    set limit [dict get [iscsi state $c] peer_mrdsl]
    set out [iscsi send $c nop-out -data [pattern [expr {$limit + $extra}] 10]]
    if {[catch {iscsi recv $c -timeout [wait-ms]} r opts]} {
        set why [lindex [dict get $opts -errorcode] 1]
        if {$why eq "BADPDU"} {
            fail "the target answered an oversized PDU with a PDU the harness cannot accept: $r" -clause RFC7143:13.12
        }
        # Dropping the connection is a legal answer to a protocol error at ErrorRecoveryLevel 0.
        check eq $why CLOSED -field "answer to an oversized PDU" -clause RFC7143:7.1
        return
    }
    if {[dict get $r opcode] == 0x20} {
        fail "an oversized NOP-Out ([expr {$limit + $extra}] bytes, limit $limit) was answered as a normal ping" -clause RFC7143:13.12
    }
    check pdu $r {opcode 0x3f} -clause RFC7143:11.17.1
    check true {[dict get $r reason] in {4 9}} -message "Reject reason [dict get $r reason], expected protocol error or invalid PDU field" -clause RFC7143:11.17.1
}

vector core.neg.dsl-over-limit {
    claims {RFC7143:13.12 RFC7143:11.17.1} role target requires {}
    summary "A PDU whose data segment exceeds the target's MaxRecvDataSegmentLength by 512 bytes is not processed normally"
} {
    core-oversized-ping 512
}

vector core.neg.dsl-one-over {
    claims {RFC7143:13.12 RFC7143:11.17.1} role target requires {}
    summary "A PDU whose data segment exceeds the target's MaxRecvDataSegmentLength by one byte is not processed normally"
} {
    core-oversized-ping 1
}

vector core.neg.dsl-at-limit {
    claims {RFC7143:13.12 RFC7143:11.19} role target requires {}
    summary "A NOP-Out ping whose data segment is exactly the target's MaxRecvDataSegmentLength is answered by a NOP-In returning that data"
} {
    # Our own limit the largest 13.12 allows (2**24-1), so the echo fits whatever the target's.
    set c [core-session -keys {MaxRecvDataSegmentLength 16777215}]
    set limit [dict get [iscsi state $c] peer_mrdsl]
    set data [pattern $limit 11]
    set n [core-ping $c -data $data]
    same [dict get $n data] $data -field "ping data returned" -clause RFC7143:11.19
}

vector core.neg.truncated-header {
    claims {RFC7143:11.2 RFC7143:7.1} role target requires {}
    summary "Half a BHS followed by a closed connection leaves the target serving new sessions"
} {
    set c [core-open-conn]
    iscsi sendraw $c [binary format H* 4387000000000000000000000000000000000000]
    iscsi close $c
    set c2 [core-session]
    core-ping $c2
}

vector core.neg.garbage-before-login {
    claims {RFC7143:11.12 RFC7143:7.1} role target requires {}
    summary "A non-Login PDU as the first PDU of a connection is refused (no full-feature answer), and the target keeps serving"
} {
    set c [core-open-conn]
    iscsi send $c nop-out
    if {![catch {iscsi recv $c -timeout [wait-ms]} r]} {
        if {[dict get $r opcode] == 0x20} {
            fail "NOP-Out before login was answered with a NOP-In" -clause RFC7143:11.12
        }
    }
    set c2 [core-session]
    core-ping $c2
}

vector core.neg.unknown-lun {
    claims {RFC7143:11.4.7 RFC7143:11.4.2} role target requires {}
    summary "A command to a LUN the target lacks ends CHECK CONDITION, ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED"
} {
    set c [core-session]
    set r [core-task $c -cdb [cdb-tur] -lun [pixit absent-lun] -timeout [wait-ms]]
    check pdu $r {opcode 0x21} -clause RFC7143:11.4.2
    check-status $r $::mc::STATUS_CHECK_CONDITION [sense-lun-not-supported] -clause RFC7143:11.4.7
}

vector core.neg.sense-length {
    claims {RFC7143:11.4.7.2} role target requires {}
    summary "SenseLength counts exactly the sense bytes that follow it (LBA out of range)"
} {
    set c [core-session]
    block-size $c
    set r [core-task $c -cdb [cdb-read10 0xfffffff0 1] -lun [pixit lun] -in 4096 -timeout [wait-ms]]
    check pdu $r {opcode 0x21 status 0x02} -clause RFC7143:11.4.2
    set dsl [dict get $r data_segment_length]
    check eq [dict get $r sense length] [expr {$dsl - 2}] -field SenseLength -clause RFC7143:11.4.7.2
    check-status $r $::mc::STATUS_CHECK_CONDITION [sense-lba-out-of-range] -clause RFC7143:11.4.7
}

