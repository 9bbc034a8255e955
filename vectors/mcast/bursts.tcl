# The exact values of a group WRITE at the targets (docs/mcast-data-path.md §5.2, §5.4, §7; spec
# Figure 4, 403-415, Figures 6 and 7): every R2T and every status checked field by field against
# the one value its clause fixes, at lengths chosen from the seed so that no block, burst or
# segment size divides them (a wrong residual or an unclipped last burst shows), and at the
# boundaries of one burst (first, last, one past). Every range lies in the first 2048 blocks, the
# smallest LUN a profile offers (the emulated targets' 1 MiB).

# The R2Ts member c sent for the group WRITE w of edtl bytes, against the plan of §5.2 for
# GroupBurst b: R2T k has R2TSN k, offset k x b, DDTL min(b, edtl - k x b), the group ITT, the
# vLUN and a TTT of the member's own.
proc mc-check-plan {c w edtl b} {
    set r2ts [dict get $w r2ts $c]
    check eq [llength $r2ts] [expr {($edtl + $b - 1) / $b}] -field "R2Ts for $edtl bytes at GroupBurst $b" -clause 000:1(d)
    set k 0
    foreach r $r2ts {
        set off [expr {$k * $b}]
        check pdu $r [list opcode 0x31 F 1 itt [dict get $w itt] lun [iscsi lun [mc-vlun]] r2tsn $k buffer_offset $off \
            ddtl [expr {min($b, $edtl - $off)}] data_segment_length 0] -clause 000:1(d)
        check true {[dict get $r ttt] != 0xffffffff} -message "R2T $k with the reserved TTT" -clause RFC7143:11.8.3
        incr k
    }
}

# Member c's status of the complete group WRITE w (§5.4): GOOD, no residual, ExpDataSN the number
# of R2Ts it sent, the StatSN its R2Ts carried (they do not advance it) and the next of this
# connection, ExpCmdSN not moved by the group task (it is immediate, §6).
proc mc-check-good-status {c w} {
    set rsp [dict get $w rsp $c]
    set r2ts [dict get $w r2ts $c]
    check pdu $rsp [list opcode 0x21 F 1 itt [dict get $w itt] response 0 status 0 O 0 U 0 o 0 u 0 residual 0 \
        expdatasn [llength $r2ts]] -clause 000:13(i)
    check eq [dict get $rsp statsn] [expr {[dict get [iscsi state $c] expstatsn] - 1}] \
        -field "statsn (this connection's numbering)" -clause RFC7143:4.2.2.2
    foreach r $r2ts {
        check eq [dict get $r statsn] [dict get $rsp statsn] -field "statsn of R2T [dict get $r r2tsn] (not advanced)" \
            -clause RFC7143:11.8.3
    }
    check eq [dict get $rsp expcmdsn] [dict get [iscsi state $c] cmdsn] -field "expcmdsn (the group task is immediate)" \
        -clause 000:13(i)
}

# A segment size (multiple of 4, of no block size, so of no power-of-two burst) and a length of
# several bursts with a partial last one, neither dividing the other, from the vector's seed.
proc mc-odd-sizes {conns bs b} {
    set seg [seeded-int segment 1028 [mc-segment $conns] -step 4 -avoid [list $bs]]
    set nb [seeded-int bursts 2 3]
    set tail [seeded-int tail $bs [expr {$b - $bs}] -step $bs -avoid [list $seg]]
    return [list $seg [expr {$nb * $b + $tail}]]
}

vector mcast.write.partial-last-burst {
    claims {000:1(d) 000:1(e) 000:13(i) 000:15(d) 000:15(e) 000:16(d) 000:31(d) 000:32(d) 000:32(e)} role target requires {mcast-target}
    summary "A WRITE of several GroupBursts and a partial last one (sizes from the seed): R2T k at k x B with DDTL min(B, EDTL - k x B) exactly, GOOD with ExpDataSN the R2T count and no residual, the data complete"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set b [mc-burst [lindex $conns 0]]
    lassign [mc-odd-sizes $conns $bs $b] seg len
    log "EDTL $len bytes, GroupBurst $b, segment $seg"
    set data [pattern $len 50]
    set w [mc-group-write $g $conns [mc-vlun] 0 $data -seg $seg]
    foreach c $conns {
        mc-check-plan $c $w $len $b
        mc-check-good-status $c $w
        same [mc-read $c 0 [expr {$len / $bs}]] $data -field "LUN [pixit lun] after a WRITE with a partial last burst" -clause 000:1(e)
    }
}

vector mcast.write.burst-boundaries {
    claims {000:1(d) 000:1(e) 000:13(i) 000:16(d)} role target requires {mcast-target}
    summary "One block, exactly one GroupBurst and one block past it: one R2T of EDTL, one R2T of B, then two R2Ts (B and one block); each GOOD with ExpDataSN the R2T count"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set b [mc-burst [lindex $conns 0]]
    set lba 512
    foreach {what len tag} [list "one block" $bs 51 "one GroupBurst" $b 52 "one block past a GroupBurst" [expr {$b + $bs}] 53] {
        log "$what: $len bytes at LBA $lba"
        set data [pattern $len $tag]
        set w [mc-group-write $g $conns [mc-vlun] $lba $data]
        foreach c $conns {
            mc-check-plan $c $w $len $b
            mc-check-good-status $c $w
            same [mc-read $c $lba [expr {$len / $bs}]] $data -field "LUN [pixit lun] after a WRITE of $what" -clause 000:1(e)
        }
        incr lba [expr {$len / $bs}]
    }
}

vector mcast.recovery.fig6-residual-multi-burst {
    claims {000:13(i) 000:28(i) 000:44(i)} role target requires {mcast-target}
    summary "Figure 6 at ERL 0 with data lost in the first of several bursts: the residual is EDTL less the bytes received (the bursts never solicited included), U set, ExpDataSN 1, nothing written"
} {
    set conns [mc-sessions -erl 0]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set b [mc-burst [lindex $conns 0]]
    set len [expr {2 * $b + [seeded-int tail $bs [expr {$b - $bs}] -step $bs]}]
    # Block `lost` of the first burst never reaches the group; those after it are out of order
    # and dropped (rule 7 of §8), so exactly lost x bs bytes arrive.
    set lost [seeded-int lost 1 [expr {$b / $bs - 1}]]
    log "EDTL $len bytes, GroupBurst $b, first burst's block $lost lost"
    set old {}
    foreach c $conns { lappend old [mc-read $c 800 [expr {$len / $bs}]] }
    set w [mc-group-write $g $conns [mc-vlun] 800 [pattern $len 54] -skip [list $lost] -respond 0 -seg $bs]
    foreach c $conns o $old {
        set rsp [rx $c [list opcode 0x21 itt [dict get $w itt]] 000:13(i) -what "SCSI Response for a task missing data" \
            -ms [expr {[wait-ms] + 4 * [mc-registered-timeout]}]]
        check pdu $rsp [list response 0 status 2 U 1 O 0 residual [expr {$len - $lost * $bs}] expdatasn 1] -clause 000:13(i)
        check eq [format 0x%02x%02x%02x [dict get $rsp sense key] [dict get $rsp sense asc] [dict get $rsp sense ascq]] 0x0b4b06 \
            -field "sense key/ASC/ASCQ" -clause 000:13(i)
        same [mc-read $c 800 [expr {$len / $bs}]] $o -field "LUN after an incomplete multi-burst task (all or nothing)" -clause 000:13(i)
    }
}

vector mcast.recovery.fig7-last-burst {
    claims {000:1(d) 000:13(i) 000:28(i) 000:44(i)} role target requires {mcast-target erl1}
    summary "Figure 7 at ERL 1 with data lost in the partial last burst: the recovery R2T asks from the first missing byte to EDTL exactly (not to the burst's end), R2TSN after the plan's; unicast data completes it with ExpDataSN counting it"
} {
    set conns [mc-sessions -erl 1]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set b [mc-burst [lindex $conns 0]]
    set tail [seeded-int tail [expr {2 * $bs}] [expr {$b - $bs}] -step $bs]
    set len [expr {2 * $b + $tail}]
    set lost [seeded-int lost 1 [expr {$tail / $bs - 1}]]
    log "EDTL $len bytes, GroupBurst $b, last burst's block $lost lost"
    set data [pattern $len 55]
    set w [mc-group-write $g $conns [mc-vlun] 1200 $data -skip [list $lost] -skip-burst 2 -respond 0 -seg $bs]
    set itt [dict get $w itt]
    set from [expr {2 * $b + $lost * $bs}]
    foreach c $conns {
        set r [rx $c [list opcode 0x31 itt $itt r2tsn 3] 000:13(i) -what "recovery R2T" -ms [expr {[wait-ms] + 4 * [mc-registered-timeout]}]]
        check pdu $r [list F 1 lun [iscsi lun [mc-vlun]] buffer_offset $from ddtl [expr {$len - $from}]] -clause 000:1(d)
        check true {[dict get $r ttt] != 0xffffffff} -message "recovery R2T with the reserved TTT" -clause RFC7143:11.8.3
        iscsi send $c data-out F 1 itt $itt ttt [dict get $r ttt] datasn 0 buffer_offset $from -lun [mc-vlun] \
            -data [string range $data $from end]
        set rsp [rx $c [list opcode 0x21 itt $itt] 000:13(i) -what "SCSI Response after recovery"]
        check pdu $rsp {response 0 status 0 U 0 residual 0 expdatasn 4} -clause 000:13(i)
        same [mc-read $c 1200 [expr {$len / $bs}]] $data -field "LUN after recovery of the last burst" -clause 000:1(e)
    }
}

vector mcast.dialect.literal-default-burst {
    claims {000:1(b) 000:1(d) 000:11 000:16(d)} role target requires {mcast-target literal-dialect}
    summary "A literal registration, which cannot name GroupBurst, solicits by the default min(262144, MaxBurstLength) exactly: R2T DDTLs of a WRITE one burst and a seeded partial burst long"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    foreach c $conns {
        set r [mc-text $c [mcast keys register -group [mc-group] -map [list [pixit lun] [mc-vlun]] -dialect literal] 000:11]
        check eq [mc-status $r] Registered -field "literal registration outcome" -clause 000:11
    }
    set bs [block-size [lindex $conns 0] inconc]
    # §4.3: the default every member of the plan shares (the sessions negotiated alike).
    set b [expr {min(262144, [dict get [iscsi state [lindex $conns 0]] max_burst])}]
    set len [expr {$b + [seeded-int tail $bs [expr {$b - $bs}] -step $bs -avoid {4096}]}]
    log "EDTL $len bytes, default GroupBurst $b"
    set data [pattern $len 56]
    set w [mc-group-write $g $conns [mc-vlun] 1024 $data]
    foreach c $conns {
        mc-check-plan $c $w $len [expr {min(262144, [dict get [iscsi state $c] max_burst])}]
        mc-check-good-status $c $w
        same [mc-read $c 1024 [expr {$len / $bs}]] $data -field "LUN after a WRITE at the literal default burst" -clause 000:1(e)
    }
}
