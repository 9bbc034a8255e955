# The checker against the faults it exists for: every mutant of the simulated devices (`spi
# mutants`: one switch per claim element, each naming the checker rule it breaks) plays its side
# of a silent write, and that rule must fire; the same run on the conformant devices is clean.
# The bus and the devices are the harness's own, so this holds on every profile that runs the
# spi suite: it proves the judge the other vectors rely on when they find a device clean.

# The group-filter bench (001:7): group 0 members 0 and 1 at IDs 5 and 4, and at ID 0, the
# lowest the two-drivers rule scans, the member 1 of group 1, which must stay silent when group
# 0's member 1 is named. The writes go to group 0.
proc sm-checker-groups {} { return {-ids {5 4 0} -gids {0x00 0x01 0x11} order {5 4}} }

# A bench with the mutants HOST and TARGET (lists of names) and the bench options SETUP (and
# `order`, the transfer order, by default against arbitration priority), two silent writes (a
# status still missing shows at the second), in the standard dialect (the literal one draws
# warnings, raw bytes reading as IDENTIFY, on every run); returns the bus.
proc sm-checker-run {host target {setup {}}} {
    set order {3 4 5}
    if {[dict exists $setup order]} {
        set order [dict get $setup order]
        dict unset setup order
    }
    set b [sm-bench -retransfer none -dialect standard -host-mutants $host -target-mutants $target {*}$setup]
    spi silent $b $order 20 1 -seed 61
    spi silent $b $order 30 1 -seed 62
    spi run $b
    return $b
}

vector sm.checker.rules {
    claims {001:1 001:2 001:3 001:4 001:5 001:7 001:8 001:9 001:11 001:12 001:13 001:14 001:15 001:17 001:18 001:19 001:20}
    role bus-target requires {silent-target}
    summary "Each device mutant trips the checker rule made for it; the same runs on the conformant devices have no finding"
} {
    set rules [lmap c [spi checks] {dict get $c name}]
    foreach m [spi mutants] {
        set name [dict get $m name]
        set rule [dict get $m rule]
        check true {$rule in $rules} -message "mutant $name names checker rule \"$rule\", not in spi checks"
        set setup [expr {$name eq "ignore-group" ? [sm-checker-groups] : {}}]
        if {[dict get $m side] eq "host"} {
            set b [sm-checker-run [list $name] {} $setup]
        } else {
            set b [sm-checker-run {} [list $name] $setup]
        }
        set n [spi count $b $rule]
        check true {$n > 0} -message "mutant $name ([dict get $m breaks]): checker rule $rule did not fire"
        set named [lmap f [spi findings $b] {expr {[dict get $f name] eq $rule ? $f : [continue]}}]
        check eq [llength $named] $n -field "findings named $rule under mutant $name"
        if {$name eq "status-order"} { # out of order, yet every member's status arrives
            check eq [dict get [spi op $b -1] pstatus] [lrepeat 3 $::sm::GOOD] -field "statuses the host recorded under $name" -clause 001:9
        }
        if {$name eq "ignore-group"} {
            check match "* driven by IDs 0 and 4" [dict get [lindex $named 0] text] -field "the two drivers named" -clause 001:7
        }
        spi close $b
    }
    foreach setup [list {} [sm-checker-groups]] {
        set b [sm-checker-run {} {} $setup]
        check eq [spi findings $b] {} -field "findings of the conformant devices (bench $setup)"
        spi close $b
    }
}

vector sm.checker.priority {
    claims {001:9 001:19} role bus-target requires {silent-target}
    summary "Members that reselect at once (mutant status-order) arbitrate by SCSI priority: ID 0 wins over ID 8 of a wide bus, one reselection at a time, both statuses arrive"
} {
    set b [sm-bench -ids {8 0} -gids {0 1} -retransfer none -dialect standard -host-mutants {} -target-mutants {status-order}]
    set t0 [sm-silent-run $b {8 0} 20 1 81]
    set resel [lmap e [sm-events-since $b $t0] {expr {[dict get $e kind] eq "RESEL" ? [dict get $e target] : [continue]}}]
    check eq $resel {0 8} -field "reselecting targets in order (SPI priority 7..0, 15..8)" -clause 001:9
    check eq [spi count $b two_drivers] 0 -field "checker two_drivers" -clause 001:9
    check eq [dict get [spi op $b -1] pstatus] [lrepeat 2 $::sm::GOOD] -field "statuses the host recorded" -clause 001:19
    spi close $b
}
