# Partitions (docs/vsan-link.md §4, §5, §8.4, §9.1): with a quorum, a server cut off from it
# stops serving once its lease is over (NOT READY 04h/0Ch), so it can neither accept a write
# that diverges nor serve a read the others have overwritten; without a quorum both sides go
# on writing, and on reconnecting both detect the split brain, report it and keep their own
# data: nothing is merged silently.

# How long a split brain must stay reported, with the stores untouched, after the link is back.
proc vs-split-hold-ms {} { return 600 }
# Past a lease's length after the cut, how long the vector waits more before it reads through
# the cut-off server: the last renewal was on its way when the link was cut (§4.2: a lease
# lasts LEASE_MS x 0.9 from the request's sending).
proc vs-lease-margin-ms {} { return 100 }

vector vsan.split.cut-off-serves-nothing {
    claims {invariant:split-brain-detected invariant:linearizable}
    role server requires {vsan-pair vsan-link-faults vsan-status}
    summary "A server cut off from every other member serves no read once its lease must have run out (PIXIT vsan-lease-ms), and accepts no write once the others wrote on: NOT READY 04h/0Ch; healed, the view is whole and the stores agree"
    timeout 40
} {
    lassign [vs-coordinator-and-other] c n
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    vs-write $n $b invariant:linearizable
    vs-cut-link $n
    # Its last lease was asked for before the cut: it has run out by now (§4.2).
    after [expr {[pixit vsan-lease-ms] + [vs-lease-margin-ms]}]
    vs-check-unavailable [vs-io read $n $b] "a read through $n, cut off, after its lease ran out" invariant:linearizable
    set r [vs-io-past-unavailable write $c $b [pixit vsan-settle-ms]]
    vs-check-ok $r "write of block $b through $c after $n was cut off" invariant:split-brain-detected
    vs-check-unavailable [vs-io write $n [expr {$b + 1}]] "a write through $n cut off from the quorum" \
        invariant:split-brain-detected
    check eq [dict get [vs-status $n invariant:split-brain-detected] lease] no -field "lease in the status of $n cut off" \
        -clause invariant:split-brain-detected
    device fault $n heal-link
    vs-settle -verdict fail -clause invariant:split-brain-detected
    vs-read-is $n $b [dict get $r value] invariant:linearizable
    if {[pics vsan-store-access]} {
        vs-stores-equal invariant:split-brain-detected
    }
}

vector vsan.split.detected-both-sides {
    claims {invariant:split-brain-detected}
    role server requires {vsan-pair vsan-quorum-off vsan-link-faults vsan-status vsan-store-access vsan-link-relays}
    summary "Without quorum, both servers write while their link is cut; reconnected, each reports the other in split-brain, no copy or resync crosses, and each store keeps its own writes"
    timeout 40
} {
    if {[pixit vsan-quorum] ne "off"} {
        device configure {vsan-quorum off}
    }
    vs-settle
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    vs-cut-link s2
    set w1 [vs-io-past-unavailable write s1 $b [pixit vsan-settle-ms]]
    vs-check-ok $w1 "write of block $b through s1 with the link cut (no quorum needed)" invariant:split-brain-detected
    set w2 [vs-io-past-unavailable write s2 [expr {$b + 1}] [pixit vsan-settle-ms]]
    vs-check-ok $w2 "write of block [expr {$b + 1}] through s2 with the link cut (no quorum needed)" invariant:split-brain-detected
    set marks [dict create]
    foreach r [list [vs-relay s1 s2] [vs-relay s2 s1]] {
        dict set marks $r [vs-mark $r]
    }
    device fault s2 heal-link
    vs-wait-status s1 split-brain [vs-id s2] invariant:split-brain-detected
    vs-wait-status s2 split-brain [vs-id s1] invariant:split-brain-detected
    after [vs-split-hold-ms]
    foreach {m other} {s1 s2 s2 s1} {
        check eq [dict get [vs-status $m] split-brain] [vs-id $other] -field "split-brain in the status of $m" \
            -clause invariant:split-brain-detected
    }
    foreach {m blk want} [list s1 $b [dict get $w1 value] s1 [expr {$b + 1}] 0 s2 $b 0 s2 [expr {$b + 1}] [dict get $w2 value]] {
        check eq [vs-store-values $m $blk] $want -field "block $blk in the store of $m after the split" \
            -clause invariant:split-brain-detected
    }
    dict for {r mark} $marks {
        set copies [vs-entries $r $mark {type WRITE dir fwd}]
        check eq [llength $copies] 0 -field "WRITEs crossing $r after the split was found" -clause invariant:split-brain-detected
    }
}
