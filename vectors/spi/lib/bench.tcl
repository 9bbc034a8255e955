# Helpers of the spi suite (prefix sm-). PIXIT: spi-speed (u320, fast20, async), spi-dialect (standard or
# literal: the Table 1 bytes), spi-wait-ns (the host's wait limit in simulated ns), spi-capture
# (a VCD file of a real bus to check offline), spi-mutant (set by the spi-sim profile from
# --mutant: the named side's device is that mutant).

# The mutant for one side ("host" or "target"), or {}.
proc sm-mutant {side} {
    set name [pixit spi-mutant {}]
    if {$name eq {}} {
        return {}
    }
    foreach m [spi mutants] {
        if {[dict get $m name] eq $name} {
            return [expr {[dict get $m side] eq $side ? $name : {}}]
        }
    }
    error "unknown mutant \"$name\""
}

# The Table 1 bench: host at ID 7; drives 0, 1, 2 at SCSI IDs 5, 4, 3 with group/IDs 00, 01,
# 02, negotiated and discovered (the last one with the last-drive byte). Options:
# -ids, -gids, -retransfer, -standard {ID ..} (disks that do not claim silent mirroring),
# -disk {ID {OPTION VALUE ..} ..} (more `spi disk` options for one disk: -max-xfer, -mutants),
# -host-mutants, -target-mutants (the mutants of a side; default: PIXIT spi-mutant's), -dialect
# (standard or literal; default: PIXIT spi-dialect).
proc sm-bench {args} {
    set o [dict merge [list -ids {5 4 3} -gids {0 1 2} -retransfer leader-last -standard {} -disk {} \
                     -host-mutants [sm-mutant host] -target-mutants [sm-mutant target] \
                     -dialect [pixit spi-dialect standard]] $args]
    set raw [expr {[dict get $o -dialect] eq "literal"}]
    set b [spi new -speed [pixit spi-speed u320] -target-mutants [dict get $o -target-mutants]]
    spi host $b -raw $raw -mutants [dict get $o -host-mutants] -retransfer [dict get $o -retransfer] \
        -wait-ns [pixit spi-wait-ns 2000000]
    set ids [dict get $o -ids]
    foreach id $ids {
        set more [expr {[dict exists $o -disk $id] ? [dict get $o -disk $id] : {}}]
        spi disk $b $id -capable [expr {$id ni [dict get $o -standard]}] {*}$more
    }
    foreach id $ids gid [dict get $o -gids] {
        spi discover $b $id $gid -last [expr {$id == [lindex $ids end]}]
    }
    spi run $b
    return $b
}

# A pattern (see `spi match`) that must occur; returns the matched events.
proc sm-expect {b pattern what args} {
    set m [spi match $b $pattern {*}$args]
    check true {[llength $m] > 0} -message "$what: no event sequence matches \"$pattern\""
    return $m
}

# Checker rules that must not have fired.
proc sm-clean {b rules} {
    foreach r $rules {
        check eq [spi count $b $r] 0 -field "checker $r"
    }
}

# Every listed disk stores the silent write's blocks.
proc sm-stored {b ids lba blocks seed} {
    foreach id $ids {
        check true {[spi holds $b $id $lba $blocks -seed $seed]} -message "disk $id does not hold the mirrored blocks"
    }
}
