# SCSI writes (RFC 7143 sections 11.3, 11.7, 11.8, 13.10, 13.11, 13.13, 13.14): solicited data
# through R2T and Data-Out, immediate and unsolicited data, and what the target writes.

# Writes len bytes at LBA 0 of the PIXIT LUN; returns the result of `iscsi scsi`.
proc core-write-at {c lba data args} {
    set bs [block-size $c]
    set blocks [expr {[string length $data] / $bs}]
    return [core-task $c -cdb [cdb-write10 $lba $blocks] -lun [pixit lun] -out $data -timeout [wait-ms] {*}$args]
}

# A block-aligned length of about n bytes.
proc core-aligned {c n} {
    set bs [block-size $c]
    return [expr {max(1, $n / $bs) * $bs}]
}

vector core.write.r2t-first {
    claims {RFC7143:11.8 RFC7143:11.8.4 RFC7143:11.8.6} role target requires {}
    summary "Without immediate data the first R2T asks from offset 0, R2TSN 0, DDTL in 1..MaxBurstLength, TTT not reserved"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes MaxBurstLength 65536}]
    set len [core-aligned $c 8192]
    set r [core-write-at $c 0 [pattern $len 1]]
    set r2ts [core-pdus-of [dict get $r pdus] 0x31]
    check true {[llength $r2ts] >= 1} -message "no R2T for a write without immediate data" -clause RFC7143:11.8
    set first [lindex $r2ts 0]
    check pdu $first {buffer_offset 0 r2tsn 0 data_segment_length 0} -clause RFC7143:11.8.4
    set mbl [dict get [iscsi state $c] max_burst]
    check true {[dict get $first ddtl] > 0 && [dict get $first ddtl] <= $mbl} \
        -message "DDTL [dict get $first ddtl] outside 1..MaxBurstLength $mbl" -clause RFC7143:11.8.5
    check true {[dict get $first ttt] != 0xffffffff} -message "R2T with the reserved TTT" -clause RFC7143:11.8.3
    core-check-good $r
}

vector core.write.r2t-sequence {
    claims {RFC7143:11.8.4 RFC7143:11.8.6 RFC7143:13.13} role target requires {}
    summary "A write larger than MaxBurstLength gets R2Ts numbered 0,1,2.. covering the buffer contiguously, each DDTL <= MaxBurstLength"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes MaxBurstLength 4096 FirstBurstLength 4096}]
    set mbl [dict get [iscsi state $c] max_burst]
    set len [core-aligned $c [expr {$mbl * 4}]]
    set r [core-write-at $c 0 [pattern $len 2]]
    set expect_sn 0
    set covered 0
    foreach t [core-pdus-of [dict get $r pdus] 0x31] {
        check eq [dict get $t r2tsn] $expect_sn -field r2tsn -clause RFC7143:11.8.6
        check eq [dict get $t buffer_offset] $covered -field buffer_offset -clause RFC7143:11.8.4
        check true {[dict get $t ddtl] > 0 && [dict get $t ddtl] <= $mbl} -message "DDTL [dict get $t ddtl] over MaxBurstLength $mbl" -clause RFC7143:13.13
        incr expect_sn
        incr covered [dict get $t ddtl]
    }
    check eq $covered $len -field "bytes solicited" -clause RFC7143:11.8.4
    core-check-good $r
    check true {$expect_sn >= 4} -message "only $expect_sn R2T(s) for $len bytes at MaxBurstLength $mbl" -clause RFC7143:13.13
}

vector core.write.r2t-statsn {
    claims {RFC7143:11.8.3 RFC7143:4.2.2.2} role target requires {}
    summary "R2T carries the next StatSN without advancing it: the SCSI Response has the same StatSN"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes}]
    set r [core-write-at $c 0 [pattern [core-aligned $c 4096] 3]]
    set t [lindex [core-pdus-of [dict get $r pdus] 0x31] 0]
    if {$t eq ""} { fail "no R2T" -clause RFC7143:11.8 }
    check pdu $r {opcode 0x21 response 0 status 0} -clause RFC7143:11.4
    check eq [dict get $r statsn] [dict get $t statsn] -field statsn -clause RFC7143:11.8.3
}

vector core.write.immediate {
    claims {RFC7143:13.11 RFC7143:11.8.4 RFC7143:11.3.5} role target requires {immediate-data}
    summary "With ImmediateData=Yes the data in the command counts: the first R2T starts after it"
} {
    set c [core-session -keys {ImmediateData Yes InitialR2T Yes FirstBurstLength 65536 MaxRecvDataSegmentLength 8192}]
    set st [iscsi state $c]
    set imm [expr {min([dict get $st peer_mrdsl], [dict get $st first_burst])}]
    set bs [block-size $c]
    set len [expr {(($imm / $bs) + 4) * $bs}]
    set r [core-write-at $c 0 [pattern $len 4]]
    core-check-good $r
    set cmd [lindex [dict get $r pdus] 0]
    check true {[dict get $cmd data_segment_length] > 0} -message "harness sent no immediate data" -clause RFC7143:13.11
    set t [lindex [core-pdus-of [dict get $r pdus] 0x31] 0]
    if {$t eq ""} { fail "no R2T for the rest of the data" -clause RFC7143:11.8 }
    check eq [dict get $t buffer_offset] [dict get $cmd data_segment_length] -field buffer_offset -clause RFC7143:11.8.4
}

vector core.write.unsolicited {
    claims {RFC7143:13.10 RFC7143:13.14 RFC7143:11.7.1} role target requires {unsolicited-data}
    summary "With InitialR2T=No the unsolicited burst (TTT 0xffffffff) is accepted and R2Ts start at FirstBurstLength"
} {
    set c [core-session -keys {ImmediateData No InitialR2T No FirstBurstLength 8192 MaxBurstLength 65536}]
    set st [iscsi state $c]
    if {[dict get [dict get $st keys] InitialR2T] ne "No"} {
        inconc "the target insists on InitialR2T=Yes" -clause RFC7143:13.10
    }
    set fb [dict get $st first_burst]
    set len [core-aligned $c [expr {$fb * 3}]]
    set r [core-write-at $c 0 [pattern $len 5]]
    core-check-good $r
    set t [lindex [core-pdus-of [dict get $r pdus] 0x31] 0]
    if {$t eq ""} { fail "no R2T for the data beyond FirstBurstLength" -clause RFC7143:11.8 }
    check eq [dict get $t buffer_offset] $fb -field buffer_offset -clause RFC7143:13.14
}

vector core.write.readback {
    claims {RFC7143:11.3 RFC7143:11.7} role target requires {}
    summary "Data written through R2T/Data-Out reads back unchanged"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes MaxBurstLength 4096 FirstBurstLength 4096}]
    set len [core-aligned $c 16384]
    set data [pattern $len 7]
    set w [core-write-at $c 8 $data]
    core-check-good $w
    set bs [block-size $c]
    set r [core-task $c -cdb [cdb-read10 8 [expr {$len / $bs}]] -lun [pixit lun] -in $len -timeout [wait-ms]]
    core-check-good $r
    check true {[dict get $r data] eq $data} -message "read back [string length [dict get $r data]] bytes that differ from those written" -clause RFC7143:11.7
}

vector core.write.data-out-checked {
    claims {RFC7143:11.7.4 RFC7143:11.8.3} role target requires {}
    summary "A Data-Out with a TTT the target never issued does not complete the write with GOOD status"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes}]
    set bs [block-size $c]
    set cmd [iscsi send $c scsi W 1 edtl $bs -lun [pixit lun] -cdb [cdb-write10 0 1]]
    set itt [dict get $cmd itt]
    set t [rx $c [list opcode 0x31 itt $itt] RFC7143:11.8]
    set bogus [expr {([dict get $t ttt] + 0x5a5a) & 0xffffffff}]
    if {$bogus == 0xffffffff} { set bogus 1 }
    iscsi send $c data-out itt $itt ttt $bogus datasn 0 buffer_offset 0 F 1 -lun [pixit lun] -data [pattern $bs 6]
    set got [silent $c [list opcode 0x21 itt $itt status 0] RFC7143:11.7.4 -closed-ok 1]
    if {$got ne 1} {
        fail "write completed GOOD with data under an unknown TTT" -clause RFC7143:11.7.4
    }
}

vector core.write.itt-in-use {
    claims {RFC7143:11.17.1 RFC7143:11.2.1.8} role target requires {}
    summary "A command reusing the ITT of a write still waiting for its data is rejected with reason 0x07 (Task in progress); the ITT serves again once that write is done"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes}]
    set bs [block-size $c]
    set data [pattern $bs 71]
    set cmd [iscsi send $c scsi W 1 edtl $bs -lun [pixit lun] -cdb [cdb-write10 0 1]]
    set itt [dict get $cmd itt]
    set t [rx $c [list opcode 0x31 itt $itt] RFC7143:11.8]
    iscsi send $c scsi itt $itt -lun [pixit lun] -cdb [cdb-tur]
    set rej [rx $c {opcode 0x3f} RFC7143:11.17.1 -what "the Reject of a reused ITT"]
    check eq [dict get $rej reason] 0x07 -field reason -clause RFC7143:11.17.1
    iscsi send $c data-out F 1 itt $itt ttt [dict get $t ttt] buffer_offset 0 datasn 0 -lun [pixit lun] -data $data
    check-status [rx $c [list opcode 0x21 itt $itt] RFC7143:11.4 -what "the end of the write"] 0 -clause RFC7143:11.4
    set again [core-task $c -cdb [cdb-tur] -lun [pixit lun] -timeout [wait-ms]]
    core-check-good $again
}
