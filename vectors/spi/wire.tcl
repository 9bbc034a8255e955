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

# The lines of a VCD recording (`spi record -bits 1`): a list of {TIME {NAME VALUE ..}}, one per
# timestamp, each with every line's value after that timestamp's changes.
proc sm-vcd-states {file} {
    set ch [open $file]
    set names {}
    set cur {}
    set out {}
    set t {}
    while {[gets $ch line] >= 0} {
        if {[regexp {^\$var wire 1 (\S+) (\S+) \$end} $line -> id name]} {
            dict set names $id $name
        } elseif {[string index $line 0] eq "#"} {
            if {$t ne ""} { lappend out [list $t $cur] }
            set t [string range $line 1 end]
        } elseif {[regexp {^([01])(\S+)$} $line -> v id] && [dict exists $names $id]} {
            dict set cur [dict get $names $id] $v
        }
    }
    close $ch
    if {$t ne ""} { lappend out [list $t $cur] }
    return $out
}

vector sm.wire.parity {
    claims {001:11(a)} role bus-target requires {silent-target}
    summary "On an asynchronous narrow bus every byte of a silent write (messages, command, data, status) carries odd parity on DB(P) when its REQ or ACK is asserted"
} {
    set file [keep parity-bus.vcd]
    set b [spi new -speed async]
    spi record $b $file -bits 1
    spi host $b -id 7 -retransfer none -wait-ns [pixit spi-wait-ns 2000000]
    foreach id {5 4 3} gid {0 1 2} {
        spi disk $b $id
        spi discover $b $id $gid -last [expr {$id == 3}]
    }
    spi silent $b {5 4 3} 40 1 -seed 79
    spi run $b
    spi close $b
    set prev {}
    set bytes 0
    set bad {}
    foreach st [sm-vcd-states $file] {
        lassign $st t v
        # the byte is valid when the side that drives it asserts its strobe: REQ for a target
        # (I/O asserted), ACK for the initiator
        set strobe [expr {[dict get $v IO] ? "REQ" : "ACK"}]
        if {$prev ne "" && [dict get $v BSY] && ![dict get $v SEL] && [dict get $v $strobe] && ![dict get $prev $strobe]} {
            set ones [dict get $v DBP]
            foreach i {0 1 2 3 4 5 6 7} { incr ones [dict get $v DB$i] }
            incr bytes
            if {$ones % 2 == 0 && [llength $bad] < 3} { lappend bad "t=$t" }
        }
        set prev $v
    }
    check true {$bytes > 0} -message "no information transfer in the recording" -clause 001:11(a)
    check eq $bad {} -field "bytes with even parity (SPI: DB(P) makes it odd), first three" -clause 001:11(a)
}
