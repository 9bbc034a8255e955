# Boundaries of a silent write and every answer a participant can give (claims 001:1, 001:8,
# 001:9, 001:10; 003 Figures 3, 4 and the retransfer text): a single participant, one block, the
# largest transfer a member takes and one past it, and a CHECK CONDITION from the first, the last
# and the only participant, or no reselection at all. Sizes and places come from the run's seed.
#
# The silent extent counts whole blocks (reference/spi/README.md: blocks(2) of a power-of-two
# block size), so a data phase is never an odd number of bytes and always whole 16-bit words;
# the odd sizes here are odd block counts.

# The largest data phase (in blocks) the bench's third disk (ID 3) takes in these vectors.
proc sm-max-blocks {} { return [seeded-int "largest transfer of disk 3, blocks" 2 9] }

vector sm.bounds.single {
    claims {001:1(a) 001:4 001:8 001:9} role bus-host requires {silent-host}
    summary "A silent write to one participant: its identification carries the last byte, its block, the release, one status"
} {
    set b [sm-bench]
    lassign [sm-extent] lba blocks
    set t0 [sm-silent-run $b {4} $lba $blocks 41]
    set evs [sm-events-since $b $t0]
    sm-tokens-are $evs [sm-write-tokens {4}] "silent write to ID 4 alone" 001:1(a)
    set lead [lindex $evs [expr {1 + [lsearch -exact [sm-opening] SM-MIRROR]}]]
    check eq [dict get $lead gid] 1 -field "group/ID of the identification" -clause 001:8
    check eq [dict get $lead last] 1 -field "last indicator of the only participant" -clause 001:8
    if {![sm-literal]} {
        check eq [dict get $lead bytes] [sm-bytes-mirror 1 1] -field "identification bytes" -clause 001:8
    }
    sm-stored $b {4} $lba $blocks 41
    check eq [dict get [spi op $b -1] pstatus] $::sm::GOOD -field "status the host recorded" -clause 001:9
    spi close $b
}

vector sm.bounds.one-block {
    claims {001:1(d) 001:1(f) 001:9} role bus-target requires {silent-target}
    summary "A one-block silent write at the disks' first and last LBA: each member holds exactly that block"
} {
    set b [sm-bench]
    foreach lba [list 0 [expr {$::sm::DISK_BLOCKS - 1}]] s {43 44} {
        set t0 [sm-silent-run $b {5 4 3} $lba 1 $s]
        sm-tokens-are [sm-events-since $b $t0] [sm-write-tokens {5 4 3}] "one-block write at LBA $lba" 001:1(f)
        sm-stored $b {5 4 3} $lba 1 $s
        check eq [dict get [spi op $b -1] state] ok -field "host's view of the write at LBA $lba" -clause 001:9
    }
    spi close $b
}

vector sm.bounds.largest {
    claims {001:1(d) 001:1(f) 001:9 001:19} role bus-target requires {silent-target}
    summary "A silent write of exactly the largest transfer the last member takes succeeds: every member holds it, all GOOD"
} {
    set max [sm-max-blocks]
    set b [sm-bench -disk [list 3 [list -max-xfer $max]]]
    set lba [seeded-int "first LBA" 1 [expr {$::sm::DISK_BLOCKS - $max - 2}]]
    sm-fence $b {5 4 3} $lba $max 45
    set t0 [sm-silent-run $b {5 4 3} $lba $max 46]
    sm-tokens-are [sm-events-since $b $t0] [sm-write-tokens {5 4 3}] "write of $max blocks" 001:1(f)
    sm-stored $b {5 4 3} $lba $max 46
    sm-fenced $b {5 4 3} $lba $max 45 001:1(f)
    check eq [dict get [spi op $b -1] pstatus] [lrepeat 3 $::sm::GOOD] -field "statuses the host recorded" -clause 001:19
    spi close $b
}

vector sm.bounds.one-past {
    claims {001:9 001:10(a)} role bus-target requires {silent-target}
    summary "One block past the largest transfer of the last member: it stores nothing, the members before it hold their copies, the host does not count the write done, and the bus serves the next command"
} {
    set max [sm-max-blocks]
    set b [sm-bench -disk [list 3 [list -max-xfer $max]]]
    set n [expr {$max + 1}]
    set lba [seeded-int "first LBA" 1 [expr {$::sm::DISK_BLOCKS - $n - 2}]]
    sm-fence $b {5 4 3} $lba $n 47
    set t0 [sm-silent-run $b {5 4 3} $lba $n 48]
    sm-stored $b {5 4} $lba $n 48
    check true {![spi holds $b 3 $lba 1 -seed 48]} -message "disk 3 stored a transfer past its largest" -clause 001:10(a)
    sm-fenced $b {5 4 3} $lba $n 47 001:10(a)
    set op [spi op $b -1]
    check true {[dict get $op state] ne "ok"} -message "the host counts a write refused by ID 3 as done ([dict get $op pstatus])" -clause 001:10(a)
    check true {[lindex [dict get $op pstatus] 2] ne $::sm::GOOD} -message "ID 3 returned GOOD for a transfer it cannot take" -clause 001:9
    spi write $b 3 $lba 1 -seed 49
    spi run $b
    check eq [dict get [spi op $b -1] state] ok -field "a WRITE(10) to ID 3 after the refused transfer" -clause 001:9
    check true {[spi holds $b 3 $lba 1 -seed 49]} -message "disk 3 did not store the WRITE(10) after the refused transfer" -clause 001:9
    spi close $b
}

# ---- answers of a participant (host DUT): CHECK CONDITION from the first, the last, the only
# member; no reselection. The host must record the exact status per member and send the failed
# block again ending with the failed member (retransfer leader-last, the bench's default).

vector sm.answer.first-fails {
    claims {001:9 001:10(a) 001:10(b) 001:8} role bus-host requires {silent-host retransfer}
    summary "The leader answers CHECK CONDITION: the host records 02h for it alone, then repeats the write to the leader alone, identification marked last"
} {
    set b [sm-bench]
    lassign [sm-extent] lba blocks
    spi fail $b 5 1
    set first [spi ops $b]
    set t0 [sm-silent-run $b {5 4 3} $lba $blocks 51]
    check eq [dict get [spi op $b $first] pstatus] [list $::sm::CHECK_CONDITION $::sm::GOOD $::sm::GOOD] \
        -field "statuses the host recorded" -clause 001:10(a)
    check eq [spi ops $b] [expr {$first + 2}] -field "operations after the write (the write and one retransfer)" -clause 001:10(b)
    set retx [spi op $b -1]
    check eq [dict get $retx order] {5} -field "order of the retransfer" -clause 001:10(b)
    check eq [dict get $retx pstatus] $::sm::GOOD -field "status of the retransfer" -clause 001:10(b)
    set m [sm-expect $b "MO:SM-RELEASE FREE * STATUS,status=2 * [sm-opening-pattern 5 0 1] MO:SM-RELEASE FREE" \
        "the leader's block again, the leader alone and last" -since $t0]
    sm-stored $b {5 4 3} $lba $blocks 51
    spi close $b
}

vector sm.answer.last-fails {
    claims {001:9 001:10(a) 001:10(b) 001:8} role bus-host requires {silent-host retransfer}
    summary "The last member answers CHECK CONDITION: the host records 02h for it alone and repeats the whole order, the last member marked last"
} {
    set b [sm-bench]
    lassign [sm-extent] lba blocks
    spi fail $b 3 1
    set first [spi ops $b]
    set t0 [sm-silent-run $b {5 4 3} $lba $blocks 53]
    check eq [dict get [spi op $b $first] pstatus] [list $::sm::GOOD $::sm::GOOD $::sm::CHECK_CONDITION] \
        -field "statuses the host recorded" -clause 001:10(a)
    check eq [spi ops $b] [expr {$first + 2}] -field "operations after the write (the write and one retransfer)" -clause 001:10(b)
    set retx [spi op $b -1]
    check eq [dict get $retx order] {5 4 3} -field "order of the retransfer" -clause 001:10(b)
    check eq [dict get $retx pstatus] [lrepeat 3 $::sm::GOOD] -field "statuses of the retransfer" -clause 001:10(b)
    set evs [sm-events-since $b $t0]
    set sels [lsearch -all -exact [lmap e $evs {dict get $e kind}] SEL]
    check eq [llength $sels] 2 -field "selections (the write and its retransfer)" -clause 001:10(b)
    set split [lindex $sels 1]
    sm-tokens-are [lrange $evs 0 [expr {$split - 1}]] [sm-write-tokens {5 4 3}] "the write" 001:9
    sm-tokens-are [lrange $evs $split end] [sm-write-tokens {5 4 3}] "the retransfer" 001:10(b)
    sm-statuses-are $b $t0 {5 4 3 5 4 3} [list 0 0 $::sm::CHECK_CONDITION 0 0 0] 001:9
    sm-stored $b {5 4 3} $lba $blocks 53
    spi close $b
}

vector sm.answer.only-fails {
    claims {001:9 001:10(a) 001:10(b) 001:8} role bus-host requires {silent-host retransfer}
    summary "The only participant answers CHECK CONDITION: the host repeats its single-member write once, marked last, and records GOOD"
} {
    set b [sm-bench]
    lassign [sm-extent] lba blocks
    spi fail $b 4 1
    set first [spi ops $b]
    set t0 [sm-silent-run $b {4} $lba $blocks 55]
    check eq [dict get [spi op $b $first] pstatus] $::sm::CHECK_CONDITION -field "status the host recorded" -clause 001:10(a)
    check eq [dict get [spi op $b $first] state] failed -field "host's view of the first write" -clause 001:10(a)
    check eq [spi ops $b] [expr {$first + 2}] -field "operations after the write (the write and one retransfer)" -clause 001:10(b)
    check eq [dict get [spi op $b -1] pstatus] $::sm::GOOD -field "status of the retransfer" -clause 001:10(b)
    sm-expect $b "STATUS,status=2 * [sm-opening-pattern 4 1 1] MO:SM-RELEASE FREE * RESEL,target=4 MI STATUS,status=0" \
        "the single member's block again" -since $t0
    sm-stored $b {4} $lba $blocks 55
    spi close $b
}

vector sm.answer.no-reselection {
    claims {001:9 001:10(a)} role bus-host requires {silent-host}
    summary "The last member never reselects: the host waits its deadline (PIXIT spi-wait-ns), records no status for it only, fails the write, and goes on"
} {
    set b [sm-bench -retransfer none -disk {3 {-mutants no-status-reselect}}]
    lassign [sm-extent] lba blocks
    set first [spi ops $b]
    set t0 [sm-silent-run $b {5 4 3} $lba $blocks 57]
    set op [spi op $b $first]
    check eq [dict get $op pstatus] [list $::sm::GOOD $::sm::GOOD none] -field "statuses the host recorded" -clause 001:10(a)
    check eq [dict get $op state] failed -field "host's view of the write" -clause 001:10(a)
    check match "*reselection*" [dict get $op err] -field "host's reason" -clause 001:10(a)
    set last [lindex [sm-events-since $b $t0] end]
    set waited [expr {[spi now $b] - [dict get $last t]}]
    check true {$waited >= [pixit spi-wait-ns 2000000]} \
        -message "the host gave up $waited ns after the last bus event, before its deadline" -clause 001:9
    spi write $b 4 $lba 1 -seed 58
    spi run $b
    check eq [dict get [spi op $b -1] state] ok -field "a WRITE(10) after the missing status" -clause 001:9
    spi close $b
}
