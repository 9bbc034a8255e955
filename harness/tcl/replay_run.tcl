# `mirrorcert replay CAPTURE --device PROFILE`: the replay of one captured flow runs as one vector
# of a suite made for it (replay_lib.tcl is its body's library, beside the iscsi-core helpers), so
# it has what every run has: the device started by its profile, PIXIT, the watchdog, verdicts,
# the certificate with the live exchange's ladder, traffic.pcap and JUnit. The vector keeps
# replay.txt (rewrites, rule, divergences side by side, the shrink) and vector.tcl (the emitted
# vector) in the report folder.

namespace eval ::mc {
    # The replay vector's time limit (s): our choice, room for a shrink of --tries replays of a
    # few hundred commands; the watchdog still ends a hung device's replay at it.
    variable replay_timeout_s 1800
}

# The flow to replay: --flow, or the capture's only iSCSI flow.
proc ::mc::replay_pick_flow {o} {
    set file [dict get $o capture]
    if {[dict get $o flow] ne ""} {
        return [dict get $o flow]
    }
    set cap [replay_read $file]
    set found {}
    foreach f [dict get $cap flows] {
        if {[dict exists $f split] && [dict get $f split iscsi]} {
            lappend found [dict get $f id]
        }
    }
    if {![llength $found]} {
        usage_error "$file holds no iSCSI flow (`mirrorcert replay $file` lists its flows)"
    }
    if {[llength $found] > 1} {
        usage_error "$file holds [llength $found] iSCSI flows ([join $found {, }]): name one with --flow (`mirrorcert replay $file` lists them)"
    }
    return [lindex $found 0]
}

proc ::mc::replay_device {o} {
    variable replay_timeout_s
    set file [file normalize [dict get $o capture]]
    set flow [replay_pick_flow $o]
    set s [replay_read $file $flow]
    if {![dict get $s iscsi]} {
        usage_error "flow $flow of $file is not an iSCSI connection: [join [dict get $s notes] {; }]"
    }
    set dev [dict get $o device]
    if {[profile_kind $dev] ne "iscsi"} {
        usage_error "replay needs an iSCSI target device; $dev is of kind [profile_kind $dev]"
    }
    set emit [dict get $o emit]
    if {$emit ne "" && ![file isdirectory [file dirname [file normalize $emit]]]} {
        usage_error "--emit-vector $emit: its folder does not exist"
    }
    set core [load_suite iscsi-core]
    set id replay.flow$flow
    set body [list replay-run $file $flow [dict create shrink [dict get $o shrink] tries [dict get $o tries] \
                                               expect [dict get $o expect] device $dev]]
    set meta [dict create claims {RFC7143:11} role target requires {} timeout $replay_timeout_s \
        summary "Replay of [file tail $file] flow $flow: every answer of the device agrees with the captured one"]
    # The vector as a file of its own, loaded and checked like any vector file.
    set tmp [make_workdir]
    set vfile [file join $tmp replay.tcl]
    set fh [open $vfile w]
    puts $fh "# The replay of $file flow $flow (mirrorcert replay).\n[list vector $id $meta $body]"
    close $fh
    try {
        set vectors [load_vector_file $vfile]
    } on error {msg opts} {
        file delete -force $tmp
        return -options $opts $msg
    }
    set suite [dict create name replay version 1 certify 0 pics iscsi-core device $dev \
        summary "The initiator's side of a captured flow replayed, the answers compared with the capture" \
        helpers [concat [dict get $core helpers] [list [file join $::mc::home harness tcl replay_lib.tcl] \
                                                      [file join $::mc::home harness tcl replay_emit.tcl]]] \
        vectors $vectors]
    set report [dict get $o report]
    if {$report eq ""} {
        set report [file join $::mc::home reports out replay]
    }
    set ro [dict create suite replay filter * role {} device $dev pixit [dict get $o pixit] pics {} seed 1 \
                shard {} junit [dict get $o junit] tap 0 report $report mutant [dict get $o mutant]]
    if {[dict get $o mutant] ne ""} {
        check_mutant $dev [dict get $o mutant]
    }
    catalogue_load
    output_setup 0 1
    try {
        set status [run_suite $suite $vectors $ro 0]
    } finally {
        file delete -force $tmp
    }
    set txt [file join $report $id-replay.txt]
    if {![file exists $txt]} {
        # The vector ended before it wrote its report: its verdict (above) says why.
        return $status
    }
    set fh [open $txt r]
    set lines [split [read $fh] \n]
    close $fh
    foreach line $lines {
        if {[string match "first divergence:*" $line] || [string match "no divergence*" $line] ||
            [string match "shrink:*" $line]} {
            puts $line
        }
    }
    puts "replay: $txt"
    if {$emit ne ""} {
        file copy -force [file join $report $id-vector.tcl] $emit
        puts "vector: $emit"
    }
    return $status
}
