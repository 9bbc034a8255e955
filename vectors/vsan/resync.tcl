# Dirty regions and resync (docs/vsan-link.md §8.1-§8.3), and the invariant every replicated
# store keeps: no acknowledged write is lost after any single failure. A server that was away
# (killed, or cut off) comes back, is resynced with what it missed and nothing more, and the
# stores end byte-identical; clients writing and reading through the failure record a history
# that stays linearizable.

# Regions written while a server is away in the resync vectors, and blocks in each.
proc vs-away-regions {} { return 3 }
proc vs-away-blocks {} { return 2 }
# How long a region stays in a server's activity log after its last write (the reference keeps
# it a second, then saves the log without it): the bounded-resync vector waits this long before
# the failure, so the returning server's log adds no region the counters do not show.
proc vs-activity-settle-ms {} { return 1200 }

# Writes vs-away-blocks blocks in each of regions through m (past the moments the view is
# changing, within PIXIT vsan-settle-ms); returns {BLOCK VALUE ...}.
proc vs-write-regions {m regions clause} {
    set out {}
    foreach region $regions {
        for {set i 0} {$i < [vs-away-blocks]} {incr i} {
            set blk [expr {[vs-first-block $region] + 7 * $i}]
            set r [vs-io-past-unavailable write $m $blk [pixit vsan-settle-ms]]
            vs-check-ok $r "write of block $blk through $m while a server is away" $clause
            dict set out $blk [dict get $r value]
        }
    }
    return $out
}

vector vsan.resync.identical {
    claims {invariant:identical-after-resync}
    role server requires {vsan-pair vsan-member-restart vsan-store-access}
    summary "Writes in three regions while the second server is killed; once it is back and the view settled, the store files are byte-identical and hold every write"
    timeout 40
} {
    lassign [vs-coordinator-and-other] c n
    set regions [vs-fresh-regions [vs-away-regions]]
    device kill $n
    set written [vs-write-regions $c $regions invariant:identical-after-resync]
    device start $n
    vs-settle -verdict fail -clause invariant:identical-after-resync
    vs-stores-equal invariant:identical-after-resync
    dict for {blk v} $written {
        check eq [vs-store-values $n $blk] $v -field "block $blk in the store of $n" -clause invariant:identical-after-resync
    }
}

vector vsan.resync.dirty-only {
    claims {invariant:resync-bounded}
    role server requires {vsan-pair vsan-member-restart vsan-status}
    summary "The regions written while a server is away are dirty for it, and its resync sends at most those regions (bytes counted by the coordinator), and at least one"
    timeout 40
} {
    lassign [vs-coordinator-and-other] c n
    set regions [vs-fresh-regions [vs-away-regions]]
    after [vs-activity-settle-ms]
    device kill $n
    vs-write-regions $c $regions invariant:resync-bounded
    set dirty [vs-counter $c dirty-[vs-id $n]]
    check true {$dirty >= [llength $regions]} \
        -message "$c counts $dirty regions dirty for $n after writes to [llength $regions] regions" -clause invariant:resync-bounded
    set before [vs-counter $c resync-bytes]
    device start $n
    vs-settle -verdict fail -clause invariant:resync-bounded
    set sent [expr {[vs-counter $c resync-bytes] - $before}]
    log "resync: $sent bytes for $dirty dirty regions of [vs-region-size] bytes"
    check true {$sent <= $dirty * [vs-region-size]} \
        -message "the resync sent $sent bytes, above $dirty dirty regions x [vs-region-size] bytes" -clause invariant:resync-bounded
    check true {$sent >= [vs-block-size]} -message "the resync sent nothing for $dirty dirty regions" -clause invariant:resync-bounded
}

vector vsan.resync.dirty-only-after-restart {
    claims {invariant:resync-bounded}
    role server requires {vsan-pair vsan-member-restart vsan-status}
    summary "A region written just before the whole device restarts is no longer dirty once the view settled and a second passed: the server's next resync sends only the regions written while it was away"
    timeout 40
} {
    lassign [vs-coordinator-and-other] c n
    lassign [vs-fresh-regions 2] before_restart while_away
    vs-write $n [vs-first-block $before_restart] invariant:resync-bounded
    device restart
    lassign [vs-coordinator-and-other] c n
    after [vs-activity-settle-ms]
    device kill $n
    vs-write-regions $c [list $while_away] invariant:resync-bounded
    set dirty [vs-counter $c dirty-[vs-id $n]]
    set before [vs-counter $c resync-bytes]
    device start $n
    vs-settle -verdict fail -clause invariant:resync-bounded
    set sent [expr {[vs-counter $c resync-bytes] - $before}]
    log "resync: $sent bytes for $dirty dirty regions of [vs-region-size] bytes"
    check true {$sent <= $dirty * [vs-region-size]} \
        -message "the resync sent $sent bytes, above $dirty dirty regions x [vs-region-size] bytes (region $before_restart, written before the restart, was sent again)" \
        -clause invariant:resync-bounded
}

# --- no acknowledged write lost ------------------------------------------------------------------

# Clients and blocks of the pool running through a failure; how long it runs before the failure,
# through it, and after the view settled again; its per-operation timeout (short, so stopping
# the pool does not wait long for an operation a failure stalled).
proc vs-durable-clients {} { return 4 }
proc vs-durable-blocks {} { return 16 }
proc vs-durable-before-ms {} { return 400 }
proc vs-durable-during-ms {} { return 1000 }
proc vs-durable-after-ms {} { return 300 }
proc vs-durable-io-ms {} { return 2000 }

# A pool of clients through every server over fresh blocks; fault (a script) after a while,
# recover (a script) after another; once the view settled again, every block read back through
# every server, GOOD; the whole history linearizable and the stores equal.
proc vs-durable {fault recover} {
    set clause invariant:no-acknowledged-write-lost
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    vs-pool-start [vs-servers] $b [vs-durable-blocks] -clients [vs-durable-clients] -write-pct 70 \
        -timeout [vs-durable-io-ms]
    after [vs-durable-before-ms]
    uplevel 1 $fault
    after [vs-durable-during-ms]
    uplevel 1 $recover
    vs-settle -verdict fail -clause $clause
    after [vs-durable-after-ms]
    vs-pool-stop
    foreach m [vs-servers] {
        for {set i 0} {$i < [vs-durable-blocks]} {incr i} {
            vs-check-ok [vs-io read $m [expr {$b + $i}]] "read back of block [expr {$b + $i}] through $m" $clause
        }
    }
    vs-linearizable $clause
    if {[pics vsan-store-access]} {
        vs-stores-equal invariant:identical-after-resync -from $b -count [vs-durable-blocks]
    }
}

vector vsan.durable.kill-coordinator {
    claims {invariant:no-acknowledged-write-lost invariant:linearizable}
    role server requires {vsan-pair vsan-member-restart vsan-status}
    summary "kill -9 of the coordinator under a client load through both servers, then its return: no acknowledged write lost, the history linearizable"
    timeout 45
} {
    set c [vs-settle]
    vs-durable [list device kill $c] [list device start $c]
}

vector vsan.durable.kill-member {
    claims {invariant:no-acknowledged-write-lost invariant:linearizable}
    role server requires {vsan-pair vsan-member-restart}
    summary "kill -9 of the server that is not the coordinator under load, then its return: no acknowledged write lost, the history linearizable"
    timeout 45
} {
    lassign [vs-coordinator-and-other] c n
    vs-durable [list device kill $n] [list device start $n]
}

vector vsan.durable.kill-witness {
    claims {invariant:no-acknowledged-write-lost}
    role server requires {vsan-pair vsan-member-restart}
    summary "kill -9 of the witness under load, then its return: no acknowledged write lost"
    timeout 45
} {
    vs-settle
    if {"w" ni [device members]} {
        inconc "the device has no witness (member w)"
    }
    vs-durable {device kill w} {device start w}
}

vector vsan.durable.store-failure {
    claims {invariant:no-acknowledged-write-lost invariant:reads-survive-store-failure}
    role server requires {vsan-pair vsan-store-faults}
    summary "The first server's store fails under load, then heals: no acknowledged write lost"
    timeout 45
} {
    vs-settle
    vs-durable {vs-fail-store s1 both} {device fault s1 heal-store}
}

vector vsan.durable.link-cut {
    claims {invariant:no-acknowledged-write-lost invariant:linearizable}
    role server requires {vsan-pair vsan-link-faults}
    summary "The link between the two servers is cut under load, then healed: no acknowledged write lost, the history linearizable"
    timeout 45
} {
    lassign [vs-coordinator-and-other] c n
    vs-durable [list vs-cut-link $n $c] [list device fault $n heal-link $c]
}
