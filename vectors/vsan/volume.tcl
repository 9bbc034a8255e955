# One shared volume (docs/vsan-link.md §9.1; claims 004:8, 004:9): every server's portal exposes
# the same logical unit (LUN, size, block size, vendor, product, unit serial number, NAA
# designator), so a client's I/O driver sees one device, a shared node, whichever server it
# reaches; its edges are the same through every server: the first and the last block are
# mirrored like any other, one past the end is refused without anything crossing the link.

namespace eval ::vs {
    # SPC-4: ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE.
    variable SENSE_ILLEGAL_REQUEST 5
    variable ASC_LBA_OUT_OF_RANGE 0x21
    # INQUIRY standard data (SPC-4 6.6.2): vendor at 8 (8 bytes), product at 16 (16 bytes);
    # VPD pages 80h (unit serial number) and 83h (device identification); allocation lengths.
    variable INQUIRY_LEN 96
    variable VPD_LEN 252
    variable VPD_SERIAL 0x80
    variable VPD_IDENTIFICATION 0x83
    # READ CAPACITY(16) data (SBC-3 5.16.2): last LBA (8 bytes), block length (4 bytes).
    variable READCAP16_LEN 32
}

# What server m says about its logical unit: {vendor .. product .. serial .. ids .. last .. block ..}.
proc vs-identity {m clause} {
    set s [vs-session $m $clause]
    set out {}
    set r [vs-scsi $s -cdb [cdb-inquiry 0 0 $::vs::INQUIRY_LEN] -in $::vs::INQUIRY_LEN]
    check eq [dict get $r status] 0 -field "status of INQUIRY through $m" -clause $clause
    dict set out vendor [string trim [string range [dict get $r data] 8 15]]
    dict set out product [string trim [string range [dict get $r data] 16 31]]
    foreach {key page} [list serial $::vs::VPD_SERIAL ids $::vs::VPD_IDENTIFICATION] {
        set r [vs-scsi $s -cdb [cdb-inquiry 1 $page $::vs::VPD_LEN] -in $::vs::VPD_LEN]
        check eq [dict get $r status] 0 -field "status of INQUIRY VPD page [format %02xh $page] through $m" -clause $clause
        binary scan [dict get $r data] x2Su len
        dict set out $key [binary encode hex [string range [dict get $r data] 4 [expr {3 + $len}]]]
    }
    set r [vs-scsi $s -cdb [cdb-readcap16] -in $::vs::READCAP16_LEN]
    check eq [dict get $r status] 0 -field "status of READ CAPACITY(16) through $m" -clause $clause
    binary scan [dict get $r data] WuIu last block
    dict set out last $last
    dict set out block $block
    return $out
}

vector vsan.volume.one-device {
    claims {004:8 004:9(a)}
    role server requires {vsan-pair}
    summary "Every server exposes the same logical unit: vendor, product, unit serial number (VPD 80h), designators (VPD 83h), last LBA and block size agree; the size is PIXIT vsan-size"
} {
    vs-settle
    set servers [vs-servers]
    set first [vs-identity [lindex $servers 0] 004:9(a)]
    check true {[dict get $first serial] ne "" && [dict get $first ids] ne ""} \
        -message "[lindex $servers 0] reports no unit serial number or designator" -clause 004:8
    check eq [dict get $first block] [vs-block-size] -field "block size" -clause 004:9(a)
    check eq [dict get $first last] [expr {[vs-blocks] - 1}] -field "last LBA" -clause 004:9(a)
    foreach m [lrange $servers 1 end] {
        set id [vs-identity $m 004:9(a)]
        foreach key {vendor product serial ids last block} {
            check eq [dict get $id $key] [dict get $first $key] -field "$key through $m against [lindex $servers 0]" -clause 004:8
        }
    }
}

vector vsan.volume.edges {
    claims {004:9(b) 004:9(c) 004:9(d)}
    role server requires {vsan-pair}
    summary "The first and the last block of the volume (in its partial last region) written through one server read back through every server"
} {
    vs-settle
    set last [expr {[vs-blocks] - 1}]
    foreach {blk m} [list 0 s2 $last s1] {
        set v [dict get [vs-write $m $blk 004:9(b)] value]
        foreach r [vs-servers] {
            vs-read-is $r $blk $v [expr {$r eq $m ? "004:9(c)" : "004:9(d)"}]
        }
    }
}

vector vsan.volume.past-end {
    claims {004:9(b)}
    role server requires {vsan-pair}
    summary "One past the last block, and a write running over the end, are refused ILLEGAL REQUEST 21h through every server; the last block keeps its data"
} {
    vs-settle
    set last [expr {[vs-blocks] - 1}]
    set v [dict get [vs-write s1 $last 004:9(b)] value]
    foreach m [vs-servers] {
        foreach kind {read write} {
            set r [vs-io $kind $m [expr {$last + 1}]]
            check eq [dict get $r status] range -field "status of a $kind one past the end through $m (sense [vs-sense-text $r])" -clause 004:9(b)
        }
        set s [vs-session $m 004:9(b)]
        set r [vs-scsi $s -cdb [cdb-write10 $last 2] -out [pattern [expr {2 * [vs-block-size]}] 2]]
        check eq [dict get $r status] 2 -field "status of a write over the end through $m" -clause 004:9(b)
        check eq [dict get $r sense key] $::vs::SENSE_ILLEGAL_REQUEST -field "sense key of a write over the end" -clause 004:9(b)
        check eq [dict get $r sense asc] $::vs::ASC_LBA_OUT_OF_RANGE -field "ASC of a write over the end" -clause 004:9(b)
    }
    foreach m [vs-servers] {
        vs-read-is $m $last $v 004:9(b)
    }
}
