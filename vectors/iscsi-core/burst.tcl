# R2T and the bursts of a write judged value by value (RFC 7143 sections 11.8, 13.10, 13.11,
# 13.13, 13.14, 11.4.5): seeded MaxBurstLength and FirstBurstLength that are multiples of no block
# or segment length, writes of exactly FirstBurstLength, one block more, and lengths no burst
# divides, with ImmediateData and InitialR2T both ways.

# Writes blocks of pattern tag at lba through `iscsi scsi` (immediate and unsolicited data as the
# connection negotiated) and returns {result data}.
proc core-burst-write {c lba blocks tag} {
    set bs [block-size $c]
    set data [pattern [expr {$blocks * $bs}] $tag]
    set r [core-task $c -cdb [cdb-write10 $lba $blocks] -lun [pixit lun] -out $data -timeout [wait-ms]]
    return [list $r $data]
}

# The bytes of a len-byte write the initiator sends unsolicited on connection c: immediate data
# up to FirstBurstLength and the target's MaxRecvDataSegmentLength, and with InitialR2T=No
# Data-Out up to FirstBurstLength (13.10, 13.11, 13.14).
proc core-burst-unsolicited {c len} {
    set n [core-negotiated $c]
    set k [dict get [iscsi state $c] keys]
    set first [expr {min($len, [dict get $n first_burst])}]
    set imm 0
    if {[dict exists $k ImmediateData] && [dict get $k ImmediateData] eq "Yes"} {
        set imm [expr {min($first, [dict get $n mrdsl_out])}]
    }
    if {[dict exists $k InitialR2T] && [dict get $k InitialR2T] eq "No"} {
        return $first
    }
    return $imm
}

# Reads back blocks at lba and compares them with data.
proc core-burst-readback {c lba data clause} {
    set bs [block-size $c]
    set r [core-task $c -cdb [cdb-read10 $lba [expr {[string length $data] / $bs}]] -lun [pixit lun] -in [string length $data] -timeout [wait-ms]]
    core-check-good $r $clause
    same [dict get $r data] $data -field "data read back" -clause $clause
}

# One write judged whole: R2Ts against the unsolicited part, status, StatSN, no residual, data.
proc core-burst-judge {c lba blocks tag} {
    set statsn [dict get [iscsi state $c] expstatsn]
    lassign [core-burst-write $c $lba $blocks $tag] r data
    set len [string length $data]
    set unsol [core-burst-unsolicited $c $len]
    set mbl [dict get [core-negotiated $c] max_burst]
    log "$len bytes, $unsol unsolicited, MaxBurstLength $mbl"
    set r2ts [core-check-r2ts $r $len $mbl $unsol]
    core-check-end $r 0 none 0 $statsn 0
    core-burst-readback $c $lba $data RFC7143:11.7
    return $r2ts
}

vector core.r2t.exact {
    claims {RFC7143:11.8.4 RFC7143:11.8.5 RFC7143:11.8.6 RFC7143:13.13} role target requires {}
    summary "Without unsolicited data, a write of a seeded length no seeded MaxBurstLength divides: R2TSN 0,1,2.., every byte asked once, none past EDTL, each DDTL <= MaxBurstLength"
} {
    set mbl [seeded-int mbl 513 4000 -avoid [list 512 4]]
    set c [core-session -keys [list ImmediateData No InitialR2T Yes MaxBurstLength $mbl FirstBurstLength 512]]
    set bs [block-size $c]
    set mbl [dict get [core-negotiated $c] max_burst]
    set blocks [expr {(2 * $mbl) / $bs + [seeded-int blocks 1 4]}]
    if {($blocks * $bs) % $mbl == 0} { incr blocks }
    set r2ts [core-burst-judge $c 0 $blocks 41]
    check true {[llength $r2ts] >= ($blocks * $bs + $mbl - 1) / $mbl} \
        -message "[llength $r2ts] R2T(s) for [expr {$blocks * $bs}] bytes at MaxBurstLength $mbl" -clause RFC7143:13.13
}

vector core.burst.immediate {
    claims {RFC7143:13.11 RFC7143:13.14 RFC7143:11.8.4} role target requires {immediate-data}
    summary "ImmediateData=Yes, InitialR2T=Yes, a seeded FirstBurstLength that is no whole number of blocks: R2Ts ask for exactly what follows the immediate data; a write within it gets no R2T"
} {
    set fbl [seeded-int fbl 513 3000 -avoid [list 512 4]]
    set c [core-session -keys [list ImmediateData Yes InitialR2T Yes FirstBurstLength $fbl MaxBurstLength 65536]]
    set bs [block-size $c]
    set fbl [dict get [core-negotiated $c] first_burst]
    set imm [core-burst-unsolicited $c [expr {64 * $bs}]]
    set over [expr {$imm / $bs + [seeded-int over 1 4]}]
    core-burst-judge $c 0 $over 42
    set within [expr {$imm / $bs}]
    if {$within > 0} {
        set r2ts [core-burst-judge $c 16 $within 43]
        check eq [llength $r2ts] 0 -field "R2Ts for $within block(s) within the $imm bytes of immediate data" -clause RFC7143:13.11
    }
}

vector core.burst.unsolicited {
    claims {RFC7143:13.10 RFC7143:13.14 RFC7143:11.8.4} role target requires {unsolicited-data}
    summary "InitialR2T=No with ImmediateData No and Yes: a seeded FirstBurstLength off the block grid gets R2Ts from it exactly; a write of exactly FirstBurstLength gets none, one block more one R2T of one block"
} {
    foreach imm {No Yes} {
        set fbl [seeded-int "fbl $imm" 513 3000 -avoid [list 512 4]]
        set c [core-session -keys [list ImmediateData $imm InitialR2T No FirstBurstLength $fbl MaxBurstLength 65536]]
        if {[dict get [dict get [iscsi state $c] keys] InitialR2T] ne "No"} {
            inconc "the target insists on InitialR2T=Yes" -clause RFC7143:13.10
        }
        set bs [block-size $c]
        set fbl [dict get [core-negotiated $c] first_burst]
        core-burst-judge $c 0 [expr {$fbl / $bs + [seeded-int "blocks past FirstBurstLength $imm" 1 4]}] 44
        iscsi close $c
        # FirstBurstLength on the block grid: exactly it, then one block more.
        set k [seeded-int "k $imm" 1 6]
        set c [core-session -keys [list ImmediateData $imm InitialR2T No FirstBurstLength [expr {$k * $bs}] MaxBurstLength 65536]]
        block-size $c
        set fbl [dict get [core-negotiated $c] first_burst]
        check eq $fbl [expr {$k * $bs}] -field FirstBurstLength -clause RFC7143:13.14
        set r2ts [core-burst-judge $c 0 $k 45]
        check eq [llength $r2ts] 0 -field "R2Ts for a write of exactly FirstBurstLength ($fbl), ImmediateData=$imm" -clause RFC7143:13.14
        set r2ts [core-burst-judge $c 0 [expr {$k + 1}] 46]
        check eq [llength $r2ts] 1 -field "R2Ts for FirstBurstLength + 1 block, ImmediateData=$imm" -clause RFC7143:11.8.4
        check pdu [lindex $r2ts 0] [list buffer_offset $fbl ddtl $bs] -clause RFC7143:11.8.4
        iscsi close $c
    }
}

vector core.write.residual-under {
    claims {RFC7143:11.4.5 RFC7143:11.4.5.1} role target requires {}
    summary "WRITE of a seeded number of blocks with EDTL a seeded number of bytes larger (not whole blocks): GOOD, U=1, Residual Count = EDTL minus the CDB's bytes"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes}]
    set bs [block-size $c]
    set blocks [seeded-int blocks 1 6]
    set extra [seeded-int extra 1 [expr {$bs - 1}]]
    set edtl [expr {$blocks * $bs + $extra}]
    set statsn [dict get [iscsi state $c] expstatsn]
    set data [pattern $edtl 47]
    set r [core-task $c -cdb [cdb-write10 0 $blocks] -lun [pixit lun] -out $data -timeout [wait-ms]]
    core-check-end $r 0 U $extra $statsn 0
    core-burst-readback $c 0 [string range $data 0 [expr {$blocks * $bs - 1}]] RFC7143:11.4.5
}

vector core.write.residual-over {
    claims {RFC7143:11.4.5 RFC7143:11.4.5.1} role target requires {}
    summary "WRITE whose EDTL is a seeded number of bytes short of the CDB's: O=1 and Residual Count = the CDB's bytes minus EDTL, whatever the status"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes}]
    set bs [block-size $c]
    set blocks [seeded-int blocks 2 6]
    set edtl [expr {($blocks - 1) * $bs + [seeded-int edtl 0 [expr {$bs - 1}]]}]
    set r [core-task $c -cdb [cdb-write10 0 $blocks] -lun [pixit lun] -out [pattern $edtl 48] -timeout [wait-ms]]
    if {![dict exists $r status]} {
        fail "the task ended with [dict get $r opcode_name], not a status" -clause RFC7143:11.4
    }
    check pdu $r [list O 1 U 0 residual [expr {$blocks * $bs - $edtl}]] -clause RFC7143:11.4.5.1
}
