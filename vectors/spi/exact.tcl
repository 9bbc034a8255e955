# Exact values of one silent write (003 Figures 3 and 4): the sequence of phases and who drives
# each, every byte of every message, each participant's copy byte for byte within its extent and
# nothing beside it, and the exact status each member returns by reselection. Extents are drawn
# from the run's seed (seeded-int), so `--seed` replays a run exactly.

vector sm.exact.sequence {
    claims {001:1(b) 001:1(d) 001:1(f) 001:5 001:15 001:11(g) 001:11(i)} role bus-participant requires {silent-target}
    summary "A silent write is exactly Figure 3 then Figure 4: each phase driven by the member it belongs to, the switch message by the member before, nothing else"
} {
    set b [sm-bench]
    lassign [sm-extent] lba blocks
    set order {5 4 3}
    set t0 [sm-silent-run $b $order $lba $blocks 31]
    sm-tokens-are [sm-events-since $b $t0] [sm-write-tokens $order] "silent write of $blocks blocks at $lba" 001:5
    sm-clean $b {req_without_phase_lines sm_phase_driver two_drivers sm_bsy_not_leader sm_bus_free_in_op}
    spi close $b
}

vector sm.exact.messages {
    claims {001:1(c) 001:1(e) 001:6 001:7 001:8 001:4 001:16 001:17 001:18 001:14} role bus-host requires {silent-host}
    summary "Every MESSAGE OUT of a silent write carries exactly its bytes: IDENTIFY, the extent (LUN, LBA, blocks, status flag), each MIRROR's group/ID and last byte, the release"
} {
    set b [sm-bench]
    lassign [sm-extent] lba blocks
    set order {5 4 3}
    set t0 [sm-silent-run $b $order $lba $blocks 33]
    set mos [lmap e [sm-events-since $b $t0] {expr {[dict get $e kind] eq "MO" ? $e : [continue]}}]
    check eq [llength $mos] [expr {[llength [sm-opening]] + 3}] -field "MESSAGE OUT phases (IDENTIFY, extent, three MIRROR, release)" -clause 001:1(e)
    if {[sm-literal]} {
        lassign $mos lead ext sw1 sw2 rel
    } else {
        lassign $mos ident ext lead sw1 sw2 rel
    }
    check eq [dict get $ext lba] $lba -field "extent LBA" -clause 001:1(c)
    check eq [dict get $ext blocks] $blocks -field "extent blocks" -clause 001:1(c)
    check eq [dict get $ext flags] 1 -field "extent flags (status after this operation)" -clause 001:1(c)
    foreach m [list $lead $sw1 $sw2] gid {0 1 2} last {0 0 1} {
        check eq [dict get $m gid] $gid -field "group/ID of MIRROR [dict get $m bytes]" -clause 001:7
        check eq [dict get $m last] $last -field "last indicator of MIRROR for group/ID $gid" -clause 001:8
    }
    if {![sm-literal]} {
        check eq [dict get $ident bytes] $::sm::IDENTIFY_LUN0 -field "IDENTIFY after selection" -clause 001:1(c)
        check eq [dict get $ext bytes] [sm-bytes-extent $lba $blocks 1] -field "extent message bytes" -clause 001:1(c)
        foreach m [list $lead $sw1 $sw2] gid {0 1 2} last {0 0 1} {
            check eq [dict get $m bytes] [sm-bytes-mirror $gid $last] -field "MIRROR bytes for group/ID $gid" -clause 001:6
        }
        check eq [dict get $rel bytes] [sm-bytes-release] -field "release message bytes" -clause 001:4
    }
    check eq [dict get $rel msg] SM-RELEASE -field "the last message" -clause 001:4
    spi close $b
}

vector sm.exact.copies {
    claims {001:1(d) 001:1(f) 001:9 001:11(g) 001:11(i) 001:19} role bus-target requires {silent-target}
    summary "Each participant's copy is the host's block byte for byte, on its extent only: the blocks on either side keep their data"
} {
    set b [sm-bench]
    lassign [sm-extent] lba blocks
    set order {5 4 3}
    sm-fence $b $order $lba $blocks 35
    set t0 [sm-silent-run $b $order $lba $blocks 37]
    set douts [lmap e [sm-events-since $b $t0] {expr {[dict get $e kind] eq "DOUT" ? $e : [continue]}}]
    check eq [llength $douts] [llength $order] -field "DATA OUT phases" -clause 001:1(f)
    set hash [dict get [lindex $douts 0] hash]
    foreach e $douts id $order {
        check eq [dict get $e by] $id -field "driver of a DATA OUT" -clause 001:1(f)
        check eq [dict get $e len] [expr {$blocks * $::sm::BLOCK}] -field "bytes of the DATA OUT of ID $id" -clause 001:1(d)
        check eq [dict get $e hash] $hash -field "FNV-1a of the block ID $id took, against the leader's" -clause 001:1(f)
    }
    sm-stored $b $order $lba $blocks 37
    sm-fenced $b $order $lba $blocks 35 001:1(f)
    check eq [dict get [spi op $b -1] state] ok -field "host's view of the write" -clause 001:9
    spi close $b
}

vector sm.exact.status {
    claims {001:9 001:19} role bus-target requires {silent-target}
    summary "After the release each member, in transfer order, reselects the host once: IDENTIFY 80h, STATUS 00h, COMMAND COMPLETE, BUS FREE; the host records GOOD for each"
} {
    set b [sm-bench]
    lassign [sm-extent] lba blocks
    # transfer order against arbitration priority, and not its reverse either
    set order {4 3 5}
    set t0 [sm-silent-run $b $order $lba $blocks 39]
    set evs [sm-events-since $b $t0]
    set i [lsearch -exact [lmap e $evs {dict get $e kind}] RESEL]
    check true {$i >= 0} -message "no member reselected the host" -clause 001:9
    set resel [lrange $evs $i end]
    set want {}
    foreach p $order {
        lappend want RESEL/$p MI:IDENTIFY/$p STATUS/$p MI:COMMAND-COMPLETE/$p FREE/$p
    }
    sm-tokens-are $resel $want "status reselections" 001:9
    foreach {r ident st cc free} $resel p $order {
        check eq [dict get $r init] 7 -field "initiator reselected by ID $p" -clause 001:9
        check eq [dict get $ident bytes] $::sm::IDENTIFY_RESEL -field "IDENTIFY of ID $p" -clause 001:9
        check eq [dict get $st bytes] [format %02x $::sm::GOOD] -field "status byte of ID $p" -clause 001:9
        check eq [dict get $cc bytes] $::sm::COMMAND_COMPLETE -field "message after the status of ID $p" -clause 001:9
    }
    set op [spi op $b -1]
    check eq [dict get $op pstatus] [lrepeat 3 $::sm::GOOD] -field "statuses the host recorded" -clause 001:19
    check eq [dict get $op state] ok -field "host's view of the write" -clause 001:19
    spi close $b
}

# The smallest disk whose last LBA, 66051 (010203h), has a different non-zero value in each of
# the three low bytes of the extent's LBA field.
namespace eval ::sm { variable WIDE_LBA_BLOCKS 66052 }

vector sm.exact.three-byte-lba {
    claims {001:1(c) 001:1(d) 001:9} role bus-host requires {silent-host}
    summary "A one-block silent write at the last LBA of a disk past 65536 blocks: the extent carries the LBA's every byte, the block lands there"
} {
    set b [sm-bench -disk [list 4 [list -blocks $::sm::WIDE_LBA_BLOCKS]]]
    set lba [expr {$::sm::WIDE_LBA_BLOCKS - 1}]
    set t0 [sm-silent-run $b {4} $lba 1 75]
    set ext [lmap e [sm-events-since $b $t0] {expr {[dict get $e kind] eq "MO" && [dict get $e msg] eq "SM-EXTENT" ? $e : [continue]}}]
    check eq [llength $ext] 1 -field "extent messages" -clause 001:1(c)
    check eq [dict get [lindex $ext 0] bytes] [sm-bytes-extent $lba 1 1] -field "extent message bytes for LBA $lba" -clause 001:1(c)
    sm-stored $b {4} $lba 1 75
    check eq [dict get [spi op $b -1] pstatus] $::sm::GOOD -field "status the host recorded" -clause 001:9
    spi close $b
}

vector sm.exact.literal {
    claims {001:6 001:16 001:7 001:8 001:9} role bus-host requires {silent-host}
    summary "The literal Table 1 dialect, whatever PIXIT spi-dialect says: discovery and a silent write complete, every member stores its copy"
} {
    set b [sm-bench -dialect literal]
    lassign [sm-extent] lba blocks
    set t0 [sm-silent-run $b {5 4 3} $lba $blocks 77]
    set mirrors [lmap e [sm-events-since $b $t0] {expr {[dict get $e kind] eq "MO" && [dict get $e msg] eq "SM-MIRROR" ? $e : [continue]}}]
    check eq [lmap m $mirrors {list [dict get $m raw] [dict get $m gid] [dict get $m last]}] {{1 0 0} {1 1 0} {1 2 1}} \
        -field "MIRROR messages (raw, group/ID, last)" -clause 001:6
    sm-stored $b {5 4 3} $lba $blocks 77
    check eq [dict get [spi op $b -1] pstatus] [lrepeat 3 $::sm::GOOD] -field "statuses the host recorded" -clause 001:9
    spi close $b
}
