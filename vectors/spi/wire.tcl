# The bus under the silent writes (SPI-5, and 003's conventional commands around them): the SCSI
# IDs a bus has (0..15 wide, each taken once), a conventional READ(10) returning what a silent
# write stored at each speed of PIXIT spi-speed's choice (u320 wide DT, fast20 narrow, async),
# and a READ(10) past the last block answered CHECK CONDITION.

vector sm.wire.ids {
    claims {001:11(a)} role bus-target requires {silent-target}
    summary "A wide bus has SCSI IDs 0..15: ID 15 attaches, ID 16 and an ID already taken (the host's own) are refused"
} {
    set b [spi new -speed u320]
    spi host $b -id 7
    check true {[catch {spi disk $b 7} msg]} -message "a disk attached at the host's own SCSI ID 7" -clause 001:11(a)
    check match "*already taken*" $msg -field "reason for refusing ID 7" -clause 001:11(a)
    check true {![catch {spi disk $b 15} msg]} -message "a disk at ID 15, the last of a wide bus, was refused: $msg" -clause 001:11(a)
    check true {[catch {spi disk $b 16}]} -message "a disk attached at SCSI ID 16" -clause 001:11(a)
    spi close $b
}

# A bench at SPEED: a silent write of an odd number of blocks to {3 4 5} (transfer order against
# priority), then each member's copy read back with READ(10).
proc sm-wire-readback {speed} {
    set b [spi new -speed $speed]
    spi host $b -id 7 -retransfer none -wait-ns [pixit spi-wait-ns 2000000]
    foreach id {5 4 3} gid {0 1 2} {
        spi disk $b $id
        spi discover $b $id $gid -last [expr {$id == 3}]
    }
    spi run $b
    lassign [sm-extent] lba blocks
    spi silent $b {3 4 5} $lba $blocks -seed 71
    spi run $b
    check eq [dict get [spi op $b -1] pstatus] [lrepeat 3 $::sm::GOOD] -field "statuses at $speed" -clause 001:9
    foreach id {5 4 3} {
        spi read $b $id $lba $blocks -seed 71
        spi run $b
        set op [spi op $b -1]
        check eq [list [dict get $op state] [dict get $op status] [dict get $op read]] [list ok $::sm::GOOD 1] \
            -field "READ(10) of ID $id's copy ($blocks blocks at LBA $lba, $speed): state, status, data as written" -clause 001:1(f)
    }
    return $b
}

vector sm.wire.readback {
    claims {001:1(d) 001:1(f) 001:9} role bus-target requires {silent-target}
    summary "At every bus speed (wide DT, narrow synchronous, asynchronous) each member's copy reads back byte for byte"
} {
    foreach speed {u320 fast20 async} {
        spi close [sm-wire-readback $speed]
    }
}

vector sm.wire.read-past-end {
    claims {001:9} role bus-target requires {silent-target}
    summary "A READ(10) one block past the end ends in CHECK CONDITION with no data; the READ(10) of the last block after it returns GOOD and the block"
} {
    set b [sm-bench]
    set last [expr {$::sm::DISK_BLOCKS - 1}]
    spi write $b 4 $last 1 -seed 73
    spi read $b 4 $::sm::DISK_BLOCKS 1 -seed 73
    spi run $b
    set op [spi op $b -1]
    check eq [list [dict get $op status] [dict get $op read]] [list $::sm::CHECK_CONDITION 0] \
        -field "READ(10) one block past the end: status, data" -clause 001:9
    spi read $b 4 $last 1 -seed 73
    spi run $b
    set op [spi op $b -1]
    check eq [list [dict get $op status] [dict get $op read]] [list $::sm::GOOD 1] \
        -field "READ(10) of the last block after the refused one: status, data" -clause 001:9
    spi close $b
}
