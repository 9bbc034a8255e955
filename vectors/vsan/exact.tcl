# Exact values of the mirrored volume (claims 004:1, 004:9, 004:16, 004:17, 004:26): a write of
# a length that is no multiple of the region size, across a region boundary, reads back exactly
# those bytes on exactly that LBA range through every server and lies byte for byte in every
# store; the volume's first and last LBA take multi-block writes and one past the end is refused
# with the exact sense, changing nothing; a write across two regions whose write priority two
# different servers hold lands whole. Lengths, offsets and servers come from the run's seed
# (seeded-int), so `--seed` replays a run exactly.

namespace eval ::vs {
    # SPC-4 sense of an LBA out of range: ILLEGAL REQUEST (5), ASC 21h (33), ASCQ 00h.
    variable RANGE_SENSE {5 33 0}
}

# A seeded odd block count of 3..max that is not a multiple of the region's blocks.
proc vs-odd-count {max what} {
    set n [expr {2 * [seeded-int "$what, half less one" 1 [expr {($max - 1) / 2}]] + 1}]
    return [expr {$n % [vs-region-blocks] ? $n : $n - 2}]
}

# The blocks just outside lba..lba+count-1 that are on the volume: {FROM TO}.
proc vs-fence-range {lba count} {
    return [list [expr {$lba > 0 ? $lba - 1 : 0}] [expr {min($lba + $count, [vs-blocks] - 1)}]]
}

# vs-exact-write M LBA DATA CLAUSE ?-status S?: a WRITE(10) of DATA at LBA through M whose
# status must be S (0, GOOD, by default); then, through every server and in every store (PICS
# vsan-store-access), exactly DATA on LBA.. (GOOD) or what was there before (refused), and the
# blocks on either side as they were before the write. Returns the write's result.
proc vs-exact-write {m lba data clause args} {
    set o [::mc::wait_opts vs-exact-write $args {-status 0}]
    set bs [vs-block-size]
    set count [expr {[string length $data] / $bs}]
    set on [expr {min($count, [vs-blocks] - $lba)}]
    lassign [vs-fence-range $lba $on] from to
    set all [expr {$to - $from + 1}]
    set was [expr {$on > 0 ? [vs-read-bytes [lindex [vs-servers] 0] $from $all $clause] : ""}]
    set r [vs-scsi [vs-session $m $clause] -cdb [cdb-write10 $lba $count] -out $data]
    check eq [dict get $r status] [dict get $o -status] -field "status of $count blocks at $lba through $m" -clause $clause
    if {$on <= 0} {
        return $r
    }
    set want $was
    if {[dict get $r status] == 0} {
        set at [expr {($lba - $from) * $bs}]
        set want [string replace $was $at [expr {$at + $count * $bs - 1}] $data]
    }
    foreach s [vs-servers] {
        same [vs-read-bytes $s $from $all $clause] $want -field "blocks $from-$to read through $s after the write through $m" -clause $clause
        if {[pics vsan-store-access]} {
            same [vs-store-bytes $s $from $all] $want -field "blocks $from-$to in the store of $s" -clause $clause
        }
    }
    return $r
}

vector vsan.exact.span {
    claims {004:1(a) 004:1(b) 004:1(d) 004:1(e) 004:9(c) 004:9(d)}
    role server requires {vsan-pair}
    summary "A write of a seeded odd block count (no multiple of a region) across a region boundary through a seeded server: exactly those bytes on exactly that LBA range through every server and in every store"
} {
    vs-settle
    set rb [vs-region-blocks]
    set region [lindex [vs-fresh-regions 2 -contiguous 1] 0]
    set count [vs-odd-count [expr {2 * $rb - 3}] "blocks of the write"]
    set before [seeded-int "blocks before the boundary" 1 [expr {$count - 1}]]
    set lba [expr {[vs-first-block [expr {$region + 1}]] - $before}]
    set servers [vs-servers]
    set m [lindex $servers [seeded-int "server written through" 0 [expr {[llength $servers] - 1}]]]
    set data [pattern [expr {$count * [vs-block-size]}] 1]
    vs-exact-write $m $lba $data 004:1(e)
}

vector vsan.exact.edges {
    claims {004:9(b) 004:9(c) 004:9(d)}
    role server requires {vsan-pair}
    summary "Seeded multi-block writes at LBA 0 and ending at the last LBA (across into the partial last region) read back exactly; one block past, and a write running one past the end, are refused 05h/21h/00h and change nothing"
} {
    vs-settle
    set last [expr {[vs-blocks] - 1}]
    set c0 [vs-odd-count 15 "blocks at LBA 0"]
    set d0 [pattern [expr {$c0 * [vs-block-size]}] 1]
    vs-exact-write s2 0 $d0 004:9(c)
    # from the last whole region into the partial one (PIXIT vsan-size), ending on the last LBA
    set tail [expr {[vs-blocks] % [vs-region-blocks]}]
    set c1 [expr {$tail + 2 * [seeded-int "blocks before the last region, half" 1 7]}]
    set lba1 [expr {$last - $c1 + 1}]
    vs-exact-write s1 $lba1 [pattern [expr {$c1 * [vs-block-size]}] 2] 004:9(d)
    foreach {lba n} [list [expr {$last + 1}] 1 [expr {$lba1 + 1}] $c1] {
        foreach m [vs-servers] {
            set r [vs-exact-write $m $lba [pattern [expr {$n * [vs-block-size]}] 3] 004:9(b) -status 2]
            set sense [list [dict get $r sense key] [dict get $r sense asc] [dict get $r sense ascq]]
            check eq $sense $::vs::RANGE_SENSE -field "sense {key ASC ASCQ} of $n blocks at $lba through $m" -clause 004:9(b)
        }
    }
}

vector vsan.exact.two-holders {
    claims {004:16(b) 004:17 004:25 004:26}
    role server requires {vsan-pair vsan-link-relays}
    summary "Two regions, one held by each server; a write across both through the other server asks priority for the region it lacks, one back across both through the coordinator takes it back (REVOKE): each lands whole, exactly"
} {
    lassign [vs-coordinator-and-other] c n
    set region [lindex [vs-fresh-regions 2 -contiguous 1] 0]
    set next [expr {$region + 1}]
    vs-write $n [vs-first-block $region] 004:16(a)
    vs-write $c [vs-first-block $next] 004:16(a)
    set count [vs-odd-count 15 "blocks of each write"]
    set lba [expr {[vs-first-block $next] - $count / 2}]
    set to_c [vs-relay $n $c]
    set to_n [vs-relay $c $n]
    foreach {m relay kind r data} [list $n $to_c GRANT $next [pattern [expr {$count * [vs-block-size]}] 1] \
                                      $c $to_n REVOKE $region [pattern [expr {$count * [vs-block-size]}] 2]] {
        set mark [vs-mark $relay]
        vs-exact-write $m $lba $data 004:26
        set hit 0
        foreach e [vs-entries $relay $mark [list type $kind dir fwd]] {
            set first [dict get $e body first]
            incr hit [expr {$first <= $r && $r < $first + [dict get $e body count]}]
        }
        check true {$hit > 0} -message "$m wrote across regions $region and $next without a $kind of region $r" -clause 004:17
    }
}
