# Reads that survive a failure (docs/vsan-link.md §7.2, §7.3, §9.1; claims 004:4-6, 004:14,
# 004:15, 004:19): acknowledged blocks read back equal, GOOD, through a server whose store
# failed (served from a peer's copy) and, once the view has moved on, through the server left
# when the first one goes offline. While a server cannot serve it says so with NOT READY
# 04h/0Ch, never with other data or another error.

# Blocks each vector writes before the failure.
proc vs-failover-blocks {} { return 6 }

# Writes the vector's blocks through m (every other block of a fresh region, so the unwritten
# ones between read as zeros); returns {BLOCK VALUE ...}.
proc vs-write-blocks {m clause} {
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    set out {}
    for {set i 0} {$i < [vs-failover-blocks]} {incr i} {
        set blk [expr {$b + 2 * $i}]
        dict set out $blk [dict get [vs-write $m $blk $clause] value]
    }
    dict set out [expr {$b + 1}] 0
    return $out
}

# Every block of written reads back its value through m, GOOD (after failover: past
# unavailable answers, each with the exact sense of §9.1, within PIXIT vsan-settle-ms).
proc vs-read-back {m written clause} {
    dict for {blk v} $written {
        set r [vs-io-past-unavailable read $m $blk [pixit vsan-settle-ms]]
        vs-check-ok $r "read of block $blk through $m" $clause
        check eq [dict get $r value] $v -field "value of block $blk read through $m" -clause $clause
    }
}

vector vsan.failover.first-store {
    claims {004:4(a) 004:4(b) 004:6 invariant:reads-survive-store-failure}
    role server requires {vsan-pair vsan-store-faults}
    summary "After the first server's store fails (reads and writes), every block written through it reads back equal and GOOD through it, at once: served from the mirror"
} {
    vs-settle
    set written [vs-write-blocks s1 004:4(a)]
    vs-fail-store s1 both
    dict for {blk v} $written {
        set r [vs-io read s1 $blk]
        vs-check-ok $r "read of block $blk through s1 with its store failed" invariant:reads-survive-store-failure
        check eq [dict get $r value] $v -field "value of block $blk read through s1 with its store failed" -clause 004:4(b)
    }
    if {[pics vsan-status]} {
        set st [vs-status s1]
        check eq [dict get $st store] failed -field "store in the status of s1" -clause 004:6
        check true {[dict get $st failover-reads] > 0} -message "s1 counts no read served from a peer (failover-reads)" -clause 004:4(b)
    }
}

vector vsan.failover.first-offline {
    claims {004:4(a) 004:4(b) 004:5}
    role server requires {vsan-pair vsan-member-restart}
    summary "After kill -9 of the first server every block written through it reads back equal through the second; until the view moves on, reads answer only NOT READY 04h/0Ch"
    timeout 40
} {
    vs-settle
    set written [vs-write-blocks s1 004:4(a)]
    device kill s1
    set first [lindex [dict keys $written] 0]
    set until [expr {[clock milliseconds] + [pixit vsan-settle-ms]}]
    while 1 {
        set r [vs-io read s2 $first]
        if {[dict get $r status] eq "ok" || [clock milliseconds] >= $until} break
        if {[dict get $r status] ni {timeout closed}} {
            vs-check-unavailable $r "a read through s2 while s1 is away" 004:5
        }
        after 50
    }
    vs-read-back s2 $written 004:4(b)
}

vector vsan.failover.second-store {
    claims {004:14(a) 004:14(b) 004:19(a) 004:19(b)}
    role server requires {vsan-pair vsan-store-faults}
    summary "After the second server's store fails, blocks written through it read back equal and GOOD through it and through the first server"
} {
    vs-settle
    set written [vs-write-blocks s2 004:14(a)]
    vs-fail-store s2 both
    dict for {blk v} $written {
        foreach {m clause} {s2 004:14(b) s1 004:19(b)} {
            set r [vs-io read $m $blk]
            vs-check-ok $r "read of block $blk through $m with the store of s2 failed" $clause
            check eq [dict get $r value] $v -field "value of block $blk read through $m" -clause $clause
        }
    }
}

vector vsan.failover.read-from-first {
    claims {004:15}
    role server requires {vsan-pair vsan-store-faults vsan-link-relays}
    summary "With the second server's store failed, its read of a block is served by the first server: READ of that offset from s2 to s1, READ_OK OK with the bytes"
} {
    vs-settle
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    set w [vs-write s2 $b 004:15]
    vs-fail-store s2 both
    set r [vs-relay s2 s1]
    set mark [vs-mark $r]
    vs-read-is s2 $b [dict get $w value] 004:15
    set off [expr {$b * [vs-block-size]}]
    set rq [vs-await-entry $r $mark [list type READ dir fwd] 004:15 "a READ from s2 to s1"]
    check true {[dict get $rq body offset] <= $off && $off < [dict get $rq body offset] + [dict get $rq body length]} \
        -message "the READ from s2 ([dict get $rq body offset] +[dict get $rq body length]) does not cover block $b" -clause 004:15
    set a [vs-await-answer $r $rq 004:15 "the answer of s1 to [vs-entry-text $rq]"]
    check eq [dict get $a type] READ_OK -field "answer to READ" -clause 004:15
    check eq [dict get $a status] OK -field "status of READ_OK" -clause 004:15
    check eq [dict get $a data_len] [dict get $rq body length] -field "bytes of READ_OK" -clause 004:15
}
