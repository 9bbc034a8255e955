# Helpers of the spi vectors that check exact values (prefix sm-): seeded extents, fence blocks
# around an extent, and a silent write's events reduced to tokens "KIND[:MSG]/BY" (BY: the
# device that drove REQ; for SELECTION and RESELECTION the target) compared with the sequence
# specification 003 Figures 3 and 4 fix.

# The silent-mirroring messages of the default dialect (reference/spi/README.md): EXTENDED
# MESSAGE (01), length, vendor code, arguments.
namespace eval ::sm {
    variable IDENTIFY_LUN0 c0      ;# IDENTIFY, disconnect privilege, LUN 0 (SPI-5 16.3.7)
    variable IDENTIFY_RESEL 80     ;# IDENTIFY of a reselecting target, LUN 0
    variable COMMAND_COMPLETE 00   ;# SAM-5 / SPI-5 message
    variable GOOD 0                ;# SAM-5 status GOOD
    variable CHECK_CONDITION 2     ;# SAM-5 status CHECK CONDITION
    variable BLOCK 512             ;# the simulated disks' block size (memory LUN default)
    variable DISK_BLOCKS 1024      ;# blocks of a simulated disk (`spi disk` default)
}

# A seeded extent {LBA BLOCKS}: an odd block count of 3..maxodd (no multiple of two blocks,
# and never the 1 or 2 blocks of the other vectors), at a seeded LBA with a block on each side
# left for fence blocks.
proc sm-extent {{maxodd 15}} {
    set blocks [expr {2 * [seeded-int "half the block count less one" 1 [expr {($maxodd - 1) / 2}]] + 1}]
    set lba [seeded-int "first LBA" 1 [expr {$::sm::DISK_BLOCKS - $blocks - 2}]]
    return [list $lba $blocks]
}

# Fence blocks: one conventional WRITE(10) of the block before and the block after the extent
# on each disk, with seed fseed, so a write outside the extent shows.
proc sm-fence {b ids lba blocks fseed} {
    foreach id $ids {
        spi write $b $id [expr {$lba - 1}] 1 -seed $fseed
        spi write $b $id [expr {$lba + $blocks}] 1 -seed $fseed
    }
    spi run $b
}

# The fence blocks are untouched on every disk.
proc sm-fenced {b ids lba blocks fseed clause} {
    foreach id $ids {
        foreach f [list [expr {$lba - 1}] [expr {$lba + $blocks}]] {
            check true {[spi holds $b $id $f 1 -seed $fseed]} \
                -message "disk $id: block $f beside the extent $lba+$blocks was overwritten" -clause $clause
        }
    }
}

# An event as a token: KIND, :MSG for messages, /BY the driver (the target of a selection).
proc sm-token {e} {
    set k [dict get $e kind]
    set by [expr {$k in {SEL RESEL} ? [dict get $e target] : [dict get $e by]}]
    return "$k[expr {[dict exists $e msg] ? ":[dict get $e msg]" : ""}]/$by"
}

# The events since t0 but arbitration (whose winner the next SEL or RESEL names) and the
# BUS FREE that was already there at t0.
proc sm-events-since {b t0} {
    set out {}
    foreach e [spi events $b -since $t0] {
        if {[dict get $e kind] eq "ARB" || ([dict get $e kind] eq "FREE" && ![llength $out])} {
            continue
        }
        lappend out $e
    }
    return $out
}

# The tokens a silent write with this transfer order must produce, Figure 3 then Figure 4:
# the leader selected with ATN takes IDENTIFY, the extent and its identification and its block;
# each switch-role message is driven by the participant that had the block before, the next
# block by the one it names; the release by the last participant; BUS FREE; then each member
# in transfer order reselects: IDENTIFY, STATUS, COMMAND COMPLETE, BUS FREE.
proc sm-write-tokens {order {status 1}} {
    set l [lindex $order 0]
    set t [list SEL/$l {*}[lmap m [sm-opening] {string cat MO:$m/$l}] DOUT/$l]
    set prev $l
    foreach p [lrange $order 1 end] {
        lappend t MO:SM-MIRROR/$prev DOUT/$p
        set prev $p
    }
    lappend t MO:SM-RELEASE/$prev FREE/$prev
    if {$status} {
        foreach p $order {
            lappend t RESEL/$p MI:IDENTIFY/$p STATUS/$p MI:COMMAND-COMPLETE/$p FREE/$p
        }
    }
    return $t
}

# The events of a silent write equal want token by token; a difference fails naming the first
# position that differs and both sequences from there.
proc sm-tokens-are {evs want what clause} {
    set seen [lmap e $evs {sm-token $e}]
    set i 0
    while {$i < [llength $want] && [lindex $seen $i] eq [lindex $want $i]} {
        incr i
    }
    if {$i < [llength $want] || [llength $seen] != [llength $want]} {
        fail "$what: event $i is \"[lrange $seen $i [expr {$i + 5}]]\", expected \"[lrange $want $i [expr {$i + 5}]]\"" \
            -clause $clause
    }
}

# The messages after the leader's selection: IDENTIFY, the extent, the leader identification;
# the literal dialect (PIXIT spi-dialect) opens with the Table 1 bytes instead of IDENTIFY.
proc sm-literal {} { return [expr {[pixit spi-dialect standard] eq "literal"}] }
proc sm-opening {} {
    return [expr {[sm-literal] ? {SM-MIRROR SM-EXTENT} : {IDENTIFY SM-EXTENT SM-MIRROR}}]
}

# A `spi match` pattern of the leader's selection up to its block, the identification naming
# gid with the last indicator last.
proc sm-opening-pattern {leader gid last} {
    set p "SEL,target=$leader,atn=1"
    foreach m [sm-opening] {
        append p " MO:$m" [expr {$m eq "SM-MIRROR" ? ",gid=$gid,last=$last" : ""}]
    }
    return "$p DOUT,by=$leader"
}

# The silent-mirroring MESSAGE OUT bytes of the default dialect (reference/spi/README.md).
proc sm-bytes-mirror {gid last} {
    return [expr {$last ? [format 0103e1%02xff $gid] : [format 0102e1%02x $gid]}]
}
proc sm-bytes-extent {lba blocks status} {
    return [format 0109e300%08x%04x%02x $lba $blocks [expr {$status ? 1 : 0}]]
}
proc sm-bytes-release {} { return 0101e2 }

# Runs one silent write of order at lba for blocks (seed s) on bench b; returns the time before.
proc sm-silent-run {b order lba blocks s args} {
    set t0 [spi now $b]
    spi silent $b $order $lba $blocks -seed $s {*}$args
    spi run $b
    return $t0
}

# Each member of ids returned exactly status want on its reselection (STATUS bytes) and the
# host recorded it for that member's position.
proc sm-statuses-are {b t0 order want clause} {
    set got {}
    foreach e [sm-events-since $b $t0] {
        if {[dict get $e kind] eq "STATUS"} {
            lappend got [dict get $e by] [dict get $e status]
        }
    }
    set expected {}
    foreach id $order w $want {
        lappend expected $id $w
    }
    check eq $got $expected -field "{member status} of each reselection, in order" -clause $clause
}
