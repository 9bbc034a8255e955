# Data-In judged value by value (RFC 7143 sections 11.7, 11.4.5, 13.12, 13.13): lengths chosen from
# the run's seed so that none is a multiple of a block, a segment or a burst, and the boundaries
# of MaxRecvDataSegmentLength (exactly, one byte less, one byte more).

vector core.datain.exact {
    claims {RFC7143:11.7.1 RFC7143:11.7.5 RFC7143:11.7.6 RFC7143:13.12 RFC7143:11.4.5 RFC7143:4.2.2.2} role target requires {}
    summary "A read of a seeded length under a seeded MaxRecvDataSegmentLength that divides neither: every Data-In's DataSN, offset and limit, F/S on the last only, no residual, the expected StatSN"
} {
    set mrdsl [seeded-int mrdsl 513 2047 -avoid [list 512 4]]
    set c [core-session -keys [list MaxRecvDataSegmentLength $mrdsl]]
    set bs [block-size $c]
    set blocks [seeded-int blocks 3 24]
    if {($blocks * $bs) % $mrdsl == 0} { incr blocks }
    set data [core-datain-fill $c 0 $blocks 21]
    set n [core-negotiated $c]
    set statsn [dict get [iscsi state $c] expstatsn]
    set edtl [expr {$blocks * $bs}]
    log "MaxRecvDataSegmentLength $mrdsl, $blocks blocks ($edtl bytes)"
    set r [core-datain-read $c 0 $blocks]
    set ins [core-check-datain $r $edtl $mrdsl [dict get $n max_burst] 0]
    check true {[llength $ins] >= ($edtl + $mrdsl - 1) / $mrdsl} -message "[llength $ins] Data-In for $edtl bytes under $mrdsl" -clause RFC7143:13.12
    core-check-end $r 0 none 0 $statsn [llength $ins]
    same [dict get $r data] $data -field "data read" -clause RFC7143:11.7.6
}

vector core.datain.mrdsl-boundary {
    claims {RFC7143:13.12 RFC7143:11.7.6} role target requires {}
    summary "A read of T bytes (T seeded, whole blocks) under MaxRecvDataSegmentLength T-1, T and T+1: no Data-In over the limit, at least two under T-1, offsets and DataSN exact"
} {
    set c0 [core-session]
    set bs [block-size $c0]
    set k [seeded-int k 2 16]
    set t [expr {$k * $bs}]
    iscsi close $c0
    log "T = $t bytes ($k blocks)"
    foreach mrdsl [list [expr {$t - 1}] $t [expr {$t + 1}]] {
        set c [core-session -keys [list MaxRecvDataSegmentLength $mrdsl]]
        block-size $c
        set statsn [dict get [iscsi state $c] expstatsn]
        set r [core-datain-read $c 0 $k]
        set ins [core-check-datain $r $t $mrdsl [dict get [core-negotiated $c] max_burst] 0]
        if {$mrdsl < $t} {
            check true {[llength $ins] >= 2} -message "$t bytes in one Data-In under MaxRecvDataSegmentLength $mrdsl" -clause RFC7143:13.12
        }
        core-check-end $r 0 none 0 $statsn [llength $ins]
        iscsi close $c
    }
}

vector core.datain.burst-sequences {
    claims {RFC7143:13.13 RFC7143:11.7.1 RFC7143:11.7.5} role target requires {}
    summary "A read longer than a seeded MaxBurstLength (a multiple of neither block nor segment): every sequence ends with F=1 within MaxBurstLength, DataSN runs on across sequences"
} {
    set mrdsl [seeded-int mrdsl 600 1400 -avoid [list 512 4]]
    set mbl [seeded-int mbl [expr {$mrdsl + 1}] 4000 -avoid [list 512 $mrdsl]]
    set c [core-session -keys [list MaxRecvDataSegmentLength $mrdsl MaxBurstLength $mbl FirstBurstLength 512]]
    set bs [block-size $c]
    set n [core-negotiated $c]
    set mbl [dict get $n max_burst]
    set blocks [expr {(3 * $mbl) / $bs + [seeded-int blocks 1 4]}]
    set edtl [expr {$blocks * $bs}]
    log "MaxRecvDataSegmentLength $mrdsl, MaxBurstLength $mbl, $edtl bytes"
    set statsn [dict get [iscsi state $c] expstatsn]
    set r [core-datain-read $c 0 $blocks]
    set ins [core-check-datain $r $edtl $mrdsl $mbl 0]
    set seqs 0
    foreach d $ins { incr seqs [dict get $d F] }
    check true {$seqs >= ($edtl + $mbl - 1) / $mbl} -message "$seqs sequence(s) for $edtl bytes at MaxBurstLength $mbl" -clause RFC7143:13.13
    core-check-end $r 0 none 0 $statsn [llength $ins]
}

vector core.datain.underflow-unaligned {
    claims {RFC7143:11.4.5 RFC7143:11.7.6} role target requires {}
    summary "EDTL a seeded number of bytes (not whole blocks) above the data read: exactly the blocks come, U=1, Residual Count = EDTL minus them"
} {
    set mrdsl [seeded-int mrdsl 513 4095 -avoid [list 512]]
    set c [core-session -keys [list MaxRecvDataSegmentLength $mrdsl]]
    set bs [block-size $c]
    set blocks [seeded-int blocks 1 8]
    set extra [seeded-int extra 1 [expr {$bs - 1}]]
    set edtl [expr {$blocks * $bs + $extra}]
    log "MaxRecvDataSegmentLength $mrdsl, READ(10) of $blocks blocks, EDTL $edtl"
    set statsn [dict get [iscsi state $c] expstatsn]
    set r [core-datain-read $c 0 $blocks $edtl]
    set n [core-negotiated $c]
    set ins [core-check-datain $r $edtl $mrdsl [dict get $n max_burst] 0 -bytes [expr {$blocks * $bs}]]
    core-check-end $r 0 U $extra $statsn [llength $ins]
}

vector core.datain.overflow-unaligned {
    claims {RFC7143:11.4.5 RFC7143:11.7.6} role target requires {}
    summary "EDTL a seeded number of bytes (not whole blocks) below what the CDB reads: exactly EDTL bytes come, O=1, Residual Count = the excess"
} {
    set mrdsl [seeded-int mrdsl 513 4095 -avoid [list 512]]
    set c [core-session -keys [list MaxRecvDataSegmentLength $mrdsl]]
    set bs [block-size $c]
    set blocks [seeded-int blocks 2 8]
    set edtl [expr {($blocks - 1) * $bs + [seeded-int edtl 1 [expr {$bs - 1}]]}]
    log "MaxRecvDataSegmentLength $mrdsl, READ(10) of $blocks blocks, EDTL $edtl"
    set statsn [dict get [iscsi state $c] expstatsn]
    set r [core-datain-read $c 0 $blocks $edtl]
    set n [core-negotiated $c]
    set ins [core-check-datain $r $edtl $mrdsl [dict get $n max_burst] 0]
    core-check-end $r 0 O [expr {$blocks * $bs - $edtl}] $statsn [llength $ins]
}
