# What a replay writes (replay_lib.tcl): the report beside the run's certificate (replay.txt: the
# rewrites, the rule, the first divergence and all of them, the two exchanges side by side, the
# shrink) and the replay as a readable vector of the iscsi-core suite (vector.tcl), which
# `mirrorcert replay --emit-vector FILE` copies out. Prefix replay-.

namespace eval ::replay {
    # Our choice: write data up to this many bytes goes into an emitted vector as hex; a larger
    # write is emitted as zeros of its length, with a comment.
    variable emit_hex_max 65536
    # Width of the captured column of the side-by-side ladder.
    variable col 64
}

proc replay-divergence-line {d} {
    return "[dict get $d name], [dict get $d where]: [dict get $d field] captured [dict get $d captured], live [dict get $d live]"
}

proc replay-answer-line {p} {
    set parts [list [format "%-16s" [dict get $p opcode_name]]]
    foreach k {status response reason F S U O residual status_class data_segment_length buffer_offset ddtl} {
        if {[dict exists $p $k]} {
            lappend parts "$k [dict get $p $k]"
        }
    }
    if {[dict exists $p sense key]} {
        lappend parts [format "sense %x/%02x/%02x" [dict get $p sense key] [dict get $p sense asc] [dict get $p sense ascq]]
    }
    return [join $parts " "]
}

proc replay-rewrites {plan r} {
    set out {}
    set keys [dict get $plan login keys]
    lappend out "login: ours, offering the captured operational keys ([join [dict keys $keys] {, }]);\
InitiatorName and TargetName from PIXIT (initiator-iqn [pixit initiator-iqn], target-iqn [pixit target-iqn]);\
authentication as the device's PICS and PIXIT say"
    lappend out "ISID and TSIH: the live session's"
    dict for {from to} [dict get $plan luns] {
        lappend out "LUN $from -> $to (PIXIT lun)"
    }
    lappend out "CmdSN and ExpStatSN: numbered by the live session, commands one at a time in the capture's order"
    foreach pair [dict get $r results] {
        lassign $pair i live
        set cmd [lindex [dict get $plan commands] $i]
        set itt [dict get $cmd pdu itt]
        if {[dict get $live live_itt] ne ""} {
            lappend out [format "%s: ITT 0x%08x -> 0x%08x" [replay-name $cmd] $itt [dict get $live live_itt]]
        }
        set ndo [llength [dict get $cmd dataouts]]
        if {$ndo} {
            set live_do [llength [lmap p [dict get $live answers] {expr {[dict get $p opcode] == 0x31 ? 1 : [continue]}}]]
            lappend out "[replay-name $cmd]: its data in Data-Outs that follow the live R2Ts ($ndo Data-Outs captured, $live_do R2Ts live)"
        }
    }
    set cap [dict get $plan capture]
    if {[dict get $cap header_digest] || [dict get $cap data_digest]} {
        lappend out "digests: computed afresh for the live session"
    }
    foreach s [dict get $plan skipped] {
        lappend out "not replayed: $s"
    }
    if {[dict get $plan unsolicited]} {
        lappend out "[dict get $plan unsolicited] target PDUs of the capture answer no command (pings, events): not compared"
    }
    return $out
}

proc replay-ladder {plan r} {
    set lines {}
    set col $::replay::col
    foreach pair [dict get $r results] {
        lassign $pair i live
        set cmd [lindex [dict get $plan commands] $i]
        lappend lines "[expr {$i + 1}]. -> [replay-name $cmd]"
        set cap [dict get $cmd answers]
        set got [dict get $live answers]
        for {set k 0} {$k < max([llength $cap], [llength $got])} {incr k} {
            set a [expr {$k < [llength $cap] ? "[dict get [lindex $cap $k] frame] <- [replay-answer-line [lindex $cap $k]]" : ""}]
            set b [expr {$k < [llength $got] ? "<- [replay-answer-line [lindex $got $k]]" : ""}]
            set mark [expr {$a ne "" && $b ne "" && [replay-fields [lindex $cap $k]] eq [replay-fields [lindex $got $k]] ? " " : "*"}]
            lappend lines [format "   %s %-*s | %s" $mark $col [string range $a 0 [expr {$col - 1}]] $b]
        }
        if {[dict get $live end] ne "ok"} {
            lappend lines [format "   * %-*s | %s" $col "" "[dict get $live end]: [dict get $live why]"]
        }
    }
    return $lines
}

proc replay-write-report {plan r shrunk opts} {
    set cap [dict get $plan capture]
    set divs [dict get $r divergences]
    set L {}
    lappend L "replay of [dict get $plan file] flow [dict get $plan flow] (initiator [dict get $cap initiator],\
target [dict get $cap target]) against device [dict get $opts device]"
    lappend L "[llength [dict get $plan commands]] commands replayed after the login"
    lappend L "" "rewrites:"
    foreach w [replay-rewrites $plan $r] {
        lappend L "  - $w"
    }
    lappend L "" "rule: $::replay::rule" ""
    if {[llength $divs]} {
        lappend L "first divergence: [replay-divergence-line [lindex $divs 0]]" "" "divergences ([llength $divs]):"
        foreach d $divs {
            lappend L "  - [replay-divergence-line $d]"
        }
    } else {
        lappend L "no divergence: every answer agrees with the capture under the rule"
    }
    lappend L "" [format "side by side (* where they differ):  %-*s | %s" [expr {$::replay::col - 33}] captured live]
    lappend L {*}[replay-ladder $plan $r]
    if {[dict size $shrunk]} {
        set frames [lmap i [dict get $shrunk picked] {dict get [lindex [dict get $plan commands] $i] frame}]
        lappend L "" "shrink: [dict get $shrunk from] commands to [llength [dict get $shrunk picked]] in\
[dict get $shrunk tries] replays (bound [dict get $opts tries]), still showing: [join [dict get $shrunk signature] {, }]" \
            "  commands kept: the captured frames [join $frames {, }]"
    }
    set fh [open [keep replay.txt] w]
    puts $fh [join $L \n]
    close $fh
    set picked [expr {[dict size $shrunk] ? [dict get $shrunk picked] : [lsearch -all [dict get $plan commands] *]}]
    set results [expr {[dict size $shrunk] ? [dict get $shrunk results] : [dict get $r results]}]
    set fh [open [keep vector.tcl] w]
    puts -nonewline $fh [replay-vector-text $plan $picked $results $divs $shrunk $opts]
    close $fh
}

# The expected answer of a command in the emitted vector: the captured one, or the live one
# (--expect live).
proc replay-expected {cmd live opts} {
    set answers [expr {[dict get $opts expect] eq "live" ? [dict get $live answers] : [dict get $cmd answers]}]
    return [expr {[llength $answers] ? [lindex $answers end] : {}}]
}

proc replay-vector-text {plan picked results divs shrunk opts} {
    set flow [dict get $plan flow]
    set base [file rootname [file tail [dict get $plan file]]]
    regsub -all {[^A-Za-z0-9_-]} $base - base
    set first [expr {[llength $divs] ? [replay-divergence-line [lindex $divs 0]] : "no divergence"}]
    set T {}
    lappend T "# Replayed from [file tail [dict get $plan file]] flow $flow by `mirrorcert replay`[expr {[dict size $shrunk] ?\
" (shrunk from [dict get $shrunk from] commands to [llength $picked] in [dict get $shrunk tries] replays)" : ""}]."
    lappend T "# The checks expect the [expr {[dict get $opts expect] eq "live" ? "answers of the device it was replayed against" : "captured answers"}];\
first divergence: $first"
    lappend T "# Cite the clause the answer breaks in claims (RFC7143:11 names only the PDU formats) and say it in summary."
    lappend T "vector replay.$base-flow$flow {"
    lappend T "    claims {RFC7143:11} role target requires {}"
    lappend T "    summary [list "Replay of $base flow $flow: $first"]"
    lappend T "} {"
    set keys [dict get $plan login keys]
    lappend T "    set c \[core-session -keys [list $keys]\]"
    set live_of [dict create]
    foreach pair $results {
        dict set live_of [lindex $pair 0] [lindex $pair 1]
    }
    foreach i $picked {
        set cmd [lindex [dict get $plan commands] $i]
        set p [dict get $cmd pdu]
        set live [expr {[dict exists $live_of $i] ? [dict get $live_of $i] : [dict create answers {}]}]
        lappend T "    # captured frame [dict get $cmd frame]: [replay-name $cmd]"
        switch -- [dict get $cmd kind] {
            scsi {
                set n [replay-lun-number [dict get $p lun]]
                set lun [expr {[dict exists $plan luns $n] ? "\[pixit lun\]" : $n}]
                set args "-cdb [dict get $p cdb] -lun $lun -edtl [dict get $p edtl]"
                if {[dict get $p W]} {
                    set out [replay-out-bytes $cmd]
                    if {[string length $out] <= $::replay::emit_hex_max} {
                        append args " -out \[binary decode hex [binary encode hex $out]\]"
                    } else {
                        append args " -out \[binary format x[string length $out]\]"
                        lappend T "    # its [string length $out] bytes of data are emitted as zeros"
                    }
                }
                if {[dict get $p R]} {
                    append args " -in [dict get $p edtl]"
                }
                lappend T "    set r \[core-task \$c $args\]"
            }
            nop { lappend T "    set r \[core-ping \$c -data [list [dict get $p data]]\]" }
            text { lappend T "    set r \[core-tx \$c [list [dict get $p text]]\]" }
            tmf {
                set n [replay-lun-number [dict get $p lun]]
                set lun [expr {[dict exists $plan luns $n] ? "\[iscsi lun \[pixit lun\]\]" : [dict get $p lun]}]
                lappend T "    set out \[iscsi send \$c tmf function [dict get $p function] lun $lun\]"
                lappend T "    set r \[rx \$c \[list opcode 0x22 itt \[dict get \$out itt\]\] RFC7143:11.6\]"
            }
            logout {
                lappend T "    set out \[iscsi send \$c logout reason_code [dict get $p reason_code]\]"
                lappend T "    set r \[rx \$c \[list opcode 0x26 itt \[dict get \$out itt\]\] RFC7143:11.15\]"
            }
        }
        set want [replay-expected $cmd $live $opts]
        if {![dict size $want]} {
            continue
        }
        set fields [dict create opcode [format 0x%02x [dict get $want opcode]]]
        foreach k {status response reason} {
            if {[dict exists $want $k]} {
                dict set fields $k [dict get $want $k]
            }
        }
        foreach d $divs {
            set k [dict get $d field]
            if {[dict get $d command] == $i && [dict exists $want $k] && $k ni {count end opcode data text sense ahs}} {
                dict set fields $k [dict get $want $k]
            }
        }
        lappend T "    check pdu \$r [list $fields]"
    }
    lappend T "}"
    return [join $T \n]\n
}
