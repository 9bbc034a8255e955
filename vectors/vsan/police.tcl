# Policing: write priority per region and the epochs that fence every store (docs/vsan-link.md
# §6; claims 004:7, 004:16(b), 004:17, 004:25-27). A server other than the coordinator asks
# the coordinator with GRANT before it writes; the coordinator takes priority back with REVOKE
# (answered OK, then RELEASE) when another server needs the region; every copy carries its
# grant's epoch and a store refuses an older one (STALE_EPOCH). These vectors write through a
# server that is not the coordinator, so the exchange crosses the link the relays watch.

# How long a client waits for a write whose grant the relay withholds, in ms: far above a
# granted write on loopback (about a millisecond), short for the vector.
proc vs-withheld-grant-ms {} { return 800 }
# Clients and time of the pool contending for one region.
proc vs-contend-clients {} { return 4 }
proc vs-contend-ms {} { return 1200 }

vector vsan.police.no-write-without-grant {
    claims {004:7 004:16(b) 004:26}
    role server requires {vsan-pair vsan-link-relays vsan-store-access}
    summary "While the coordinator's GRANT_OK is withheld, a server's client write does not complete and no store holds it: priority comes before the local write"
} {
    lassign [vs-coordinator-and-other] c n
    set region [lindex [vs-fresh-regions 1] 0]
    set b [vs-first-block $region]
    set r [vs-relay $n $c]
    set mark [vs-mark $r]
    vs-relay-fault $r hold GRANT_OK -dir rev -withhold 1
    set w [vs-io write $n $b -timeout [vs-withheld-grant-ms]]
    set g [vs-entry $r $mark [list type GRANT dir fwd]]
    check true {[dict size $g]} -message "$n wrote without asking the coordinator $c for write priority (no GRANT crossed)" -clause 004:7
    check eq [dict get $g body first] $region -field "first region of the GRANT" -clause 004:16(b)
    check eq [dict get $g body count] 1 -field "regions of the GRANT" -clause 004:16(b)
    check true {[dict size [vs-entry $r $mark {type GRANT_OK fault withheld}]]} \
        -message "the relay withheld no GRANT_OK" -clause 004:7
    check true {[dict get $w status] ne "ok"} \
        -message "the write through $n completed GOOD while its write priority was withheld" -clause 004:7
    foreach m [vs-servers] {
        check eq [vs-store-values $m $b] 0 -field "block $b in the store of $m while the grant is withheld" -clause 004:7
    }
    # Give the grant back: the server may finish the write the client gave up on (§7.1).
    vsan relay replay $r
}

vector vsan.police.grant-before-write {
    claims {004:7 004:17 004:27(a) 004:27(c)}
    role server requires {vsan-pair vsan-link-relays}
    summary "A write through a server that is not the coordinator: GRANT (its region) answered GRANT_OK OK by the coordinator, then the copy carrying that epoch"
} {
    lassign [vs-coordinator-and-other] c n
    set region [lindex [vs-fresh-regions 1] 0]
    set b [expr {[vs-first-block $region] + 3}]
    set r [vs-relay $n $c]
    set mark [vs-mark $r]
    vs-write $n $b 004:7
    set g [vs-entry $r $mark [list type GRANT dir fwd {body first} $region]]
    check true {[dict size $g]} -message "no GRANT of region $region from $n to $c before the write" -clause 004:17
    check eq [dict get $g body count] 1 -field "regions of the GRANT" -clause 004:17
    set ok [vs-await-answer $r $g 004:27(a) "the coordinator's answer to [vs-entry-text $g]"]
    check eq [dict get $ok type] GRANT_OK -field "answer to GRANT" -clause 004:27(a)
    check eq [dict get $ok status] OK -field "status of GRANT_OK" -clause 004:27(a)
    check eq [dict get $ok header sender] [vs-id $c] -field "sender of GRANT_OK" -clause 004:27(a)
    check eq [dict get $ok body first] $region -field "first region granted" -clause 004:27(c)
    check eq [dict get $ok body count] 1 -field "regions granted" -clause 004:27(c)
    set epoch [dict get $ok body epoch]
    check eq [expr {$epoch >> 32}] [dict get $ok header term] -field "term of the epoch (epoch >> 32)" -clause 004:27(c)
    set off [expr {$b * [vs-block-size]}]
    set wr [vs-await-entry $r $mark [list type WRITE dir fwd {body offset} $off] 004:17 "the copy of block $b from $n"]
    check eq [dict get $wr body epoch] $epoch -field "epoch of the copy" -clause 004:27(c)
    check true {[dict get $ok n] < [dict get $wr n]} \
        -message "the copy ([vs-entry-text $wr]) crossed before the grant ([vs-entry-text $ok])" -clause 004:7
}

vector vsan.police.revoke-release {
    claims {004:16(b) 004:25 004:27(b) 004:27(c)}
    role server requires {vsan-pair vsan-link-relays}
    summary "A region held by one server and written through the coordinator: REVOKE, OK from the holder, RELEASE of its epoch, and only then the coordinator's copy with a higher epoch"
} {
    lassign [vs-coordinator-and-other] c n
    set region [lindex [vs-fresh-regions 1] 0]
    set b [vs-first-block $region]
    set to_c [vs-relay $n $c]
    set to_n [vs-relay $c $n]
    set mark_c [vs-mark $to_c]
    vs-write $n $b 004:16(a)
    set held [vs-await-entry $to_c $mark_c [list type GRANT_OK dir rev {body first} $region] 004:17 "the grant of region $region to $n"]
    set e1 [dict get $held body epoch]
    set mark_n [vs-mark $to_n]
    set mark_c [vs-mark $to_c]
    vs-write $c [expr {$b + 1}] 004:16(a)
    set rv [vs-await-entry $to_n $mark_n [list type REVOKE dir fwd {body first} $region] 004:16(b) "REVOKE of region $region from $c to $n"]
    set ok [vs-await-answer $to_n $rv 004:27(b) "the holder's answer to [vs-entry-text $rv]"]
    check eq [dict get $ok type] OK -field "answer to REVOKE" -clause 004:27(b)
    check eq [dict get $ok header sender] [vs-id $n] -field "sender of the answer to REVOKE" -clause 004:27(b)
    set rl [vs-await-entry $to_c $mark_c [list type RELEASE dir fwd {body first} $region] 004:27(c) "RELEASE of region $region from $n"]
    check eq [dict get $rl body epoch] $e1 -field "epoch released" -clause 004:27(c)
    set off [expr {($b + 1) * [vs-block-size]}]
    set wr [vs-await-entry $to_n $mark_n [list type WRITE dir fwd {body offset} $off] 004:16(d) "the copy of block [expr {$b + 1}] from $c"]
    check true {[dict get $rl time] < [dict get $wr time]} \
        -message "the coordinator's copy crossed [expr {([dict get $rl time] - [dict get $wr time]) / 1000.0}] ms before the holder released the region" \
        -clause 004:16(b)
    check true {[dict get $wr body epoch] > $e1} \
        -message "the coordinator's copy carries epoch [dict get $wr body epoch], not above the released [expr {$e1}]" -clause 004:25
}

vector vsan.police.stale-epoch-refused {
    claims {004:26 invariant:no-stale-epoch}
    role server requires {vsan-pair vsan-link-relays vsan-store-access vsan-status}
    summary "A copy held by the relay and replayed after a newer write to its block is answered STALE_EPOCH; both stores keep the newer data; the refusal is counted"
} {
    lassign [vs-coordinator-and-other] c n
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    set r [vs-relay $n $c]
    set refused [vs-counter $c stale-refused]
    vs-relay-fault $r hold WRITE -dir fwd
    set w1 [vs-write $n $b 004:26]
    check true {[dict get [vsan relay info $r] held type] eq "WRITE"} -message "the relay holds no copy of the first write" -clause 004:26
    set w2 [vs-write $c $b 004:26]
    set mark [vs-mark $r]
    vsan relay replay $r
    set rp [vs-await-entry $r $mark {type WRITE dir fwd fault replayed} 004:26 "the replayed copy"]
    set a [vs-await-answer $r $rp 004:26 "the answer to the replayed copy"]
    check eq [dict get $a status] STALE_EPOCH -field "status of the answer to a copy with a stale epoch" -clause invariant:no-stale-epoch
    foreach m [vs-servers] {
        check eq [vs-store-values $m $b] [dict get $w2 value] -field "block $b in the store of $m after the replay" \
            -clause invariant:no-stale-epoch
    }
    check true {[vs-counter $c stale-refused] > $refused} -message "$c did not count the refused copy (stale-refused)" -clause 004:26
}

vector vsan.police.span-two-regions {
    claims {004:16(b) 004:26}
    role server requires {vsan-pair vsan-link-relays}
    summary "A three-block write across a region boundary asks priority for both regions in one GRANT (first r, count 2) and lands whole on every server"
} {
    lassign [vs-coordinator-and-other] c n
    set region [lindex [vs-fresh-regions 2 -contiguous 1] 0]
    set lba [expr {[vs-first-block [expr {$region + 1}]] - 2}]
    set r [vs-relay $n $c]
    set mark [vs-mark $r]
    set s [vs-session $n 004:16(a)]
    set data [pattern [expr {3 * [vs-block-size]}] 1]
    set w [vs-scsi $s -cdb [cdb-write10 $lba 3] -out $data]
    check eq [dict get $w status] 0 -field "status of the write across regions $region and [expr {$region + 1}]" -clause 004:16(a)
    set gs [vs-entries $r $mark {type GRANT dir fwd}]
    check eq [llength $gs] 1 -field "GRANTs for one write across two regions" -clause 004:16(b)
    check eq [dict get [lindex $gs 0] body first] $region -field "first region of the GRANT" -clause 004:16(b)
    check eq [dict get [lindex $gs 0] body count] 2 -field "regions of the GRANT" -clause 004:16(b)
    foreach m [vs-servers] {
        set rd [vs-scsi [vs-session $m 004:16(e)] -cdb [cdb-read10 $lba 3] -in [string length $data]]
        check eq [dict get $rd status] 0 -field "status of the read through $m" -clause 004:16(e)
        same [dict get $rd data] $data -field "blocks $lba-[expr {$lba + 2}] read through $m" -clause 004:26
    }
}

vector vsan.police.contended-region {
    claims {004:20(i) 004:25 004:26 invariant:linearizable}
    role server requires {vsan-pair vsan-store-access}
    summary "Clients writing and reading eight blocks of one region through every server at once: every operation GOOD, the history linearizable, the stores equal"
    timeout 40
} {
    vs-settle
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    vs-pool-start [vs-servers] $b 8 -clients [vs-contend-clients] -write-pct 60
    after [vs-contend-ms]
    set s [vs-pool-stop]
    check true {[dict get $s ops] > 0} -message "the pool made no operation" -clause 004:25
    check eq [dict keys [dict get $s statuses]] ok -field "outcomes of the pool's operations ([dict get $s statuses])" -clause 004:25
    vs-linearizable invariant:linearizable
    vs-stores-equal 004:20(i)
}
