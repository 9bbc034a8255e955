# `mirrorcert replay CAPTURE`: a capture taken anywhere (tcpdump, Wireshark), its flows and the
# iSCSI exchanges of one, read through `iscsi capture` (harness/core/pcap_reader.c puts the TCP
# streams together, harness/iscsi/capture_split.c frames the PDUs). With --device, the
# initiator's side of a flow is replayed against the device (replay_run.tcl).

proc ::mc::replay_usage {} {
    return "usage: mirrorcert replay CAPTURE \[--flow N\] \[--device PROFILE \[--pixit FILE\] \[--report DIR\]\
\[--junit FILE\] \[--mutant NAME\] \[--shrink \[--tries N\]\] \[--emit-vector FILE \[--expect capture|live\]\]\]"
}

proc ::mc::parse_replay_options {args} {
    set o [dict create capture {} flow {} device {} pixit {} report {} junit {} mutant {} shrink 0 tries 200 \
               emit {} expect capture]
    while {[llength $args]} {
        set args [lassign $args opt]
        switch -- $opt {
            --shrink { dict set o shrink 1 }
            --flow - --device - --pixit - --report - --junit - --mutant - --tries - --emit-vector - --expect {
                if {![llength $args]} {
                    usage_error "$opt needs a value ([replay_usage])"
                }
                set args [lassign $args value]
                set key [expr {$opt eq "--emit-vector" ? "emit" : [string range $opt 2 end]}]
                dict set o $key $value
            }
            default {
                if {[string match -* $opt] || [dict get $o capture] ne ""} {
                    usage_error "replay: unexpected \"$opt\" ([replay_usage])"
                }
                dict set o capture $opt
            }
        }
    }
    if {[dict get $o capture] eq ""} {
        usage_error "replay: which capture? ([replay_usage])"
    }
    foreach k {flow tries} {
        set v [dict get $o $k]
        if {$v ne "" && (![string is integer -strict $v] || $v < 1)} {
            usage_error "--$k must be a positive integer, not \"$v\""
        }
    }
    if {[dict get $o expect] ni {capture live}} {
        usage_error "--expect takes capture or live, not \"[dict get $o expect]\""
    }
    if {[dict get $o device] eq "" && ([dict get $o shrink] || [dict get $o emit] ne "")} {
        usage_error "--shrink and --emit-vector replay the flow: they need --device"
    }
    return $o
}

# The capture's flows as a dict (`iscsi capture`); a capture that cannot be read is an
# environment error (exit 2) naming the file and frame.
proc ::mc::replay_read {file {flow {}}} {
    if {![file readable $file]} {
        usage_error "cannot read the capture $file"
    }
    if {[catch {iscsi capture $file {*}$flow} got]} {
        usage_error $got
    }
    return $got
}

# One line of a PDU: the fields that tell an exchange apart.
proc ::mc::replay_pdu_line {p} {
    set parts {}
    foreach k {cdb edtl status response status_class status_detail reason data_segment_length buffer_offset
               r2tsn datasn cmdsn statsn} {
        if {![dict exists $p $k]} {
            continue
        }
        set v [dict get $p $k]
        if {$k eq "cdb"} {
            set v [string range $v 0 1]
            set k "cdb\[0\]"
        } elseif {$k eq "data_segment_length" && $v == 0} {
            continue
        }
        lappend parts "$k $v"
    }
    return [format "%6s  %-2s  %-22s itt 0x%08x  %s" [dict get $p frame] \
                [expr {[dict get $p dir] eq "out" ? "->" : "<-"}] [dict get $p opcode_name] \
                [dict get $p itt] [join $parts {  }]]
}

proc ::mc::replay_list {o} {
    set file [dict get $o capture]
    set cap [replay_read $file]
    set flows [dict get $cap flows]
    puts [format "%s: %s, %d frames, %d flows, %d frames without TCP or UDP" $file [dict get $cap link] \
              [dict get $cap frames] [llength $flows] [dict get $cap skipped]]
    if {[dict get $cap warning] ne ""} {
        puts "  warning: [dict get $cap warning]"
    }
    if {[dict get $cap fragments]} {
        puts "  warning: [dict get $cap fragments] IP fragments skipped (not reassembled), the first in frame [dict get $cap first_fragment]"
    }
    set want [dict get $o flow]
    foreach f $flows {
        set id [dict get $f id]
        if {$want ne "" && $id != $want} {
            continue
        }
        set line [format "flow %d  %s  %s -> %s  %d frames  %d/%d bytes" $id [dict get $f proto] \
                      [dict get $f client] [dict get $f server] [dict get $f frames] \
                      [dict get $f from_client bytes] [dict get $f from_server bytes]]
        set notes [dict get $f notes]
        if {[dict exists $f split]} {
            set s [dict get $f split]
            if {[dict get $s iscsi]} {
                append line [format "  iSCSI: initiator %s, %d PDUs (%d from it), login %s, digests %s" \
                                 [dict get $s initiator] [dict get $s pdu_count] [dict get $s pdu_count_out] \
                                 [expr {[dict get $s login_seen] ? "seen" : "not in the capture"}] \
                                 [replay_digests $s]]
            } else {
                append line "  not iSCSI"
            }
            lappend notes {*}[dict get $s notes]
        }
        puts $line
        foreach note $notes {
            puts "    note: $note"
        }
        if {$want ne "" && [dict exists $f split] && [dict get $f split iscsi]} {
            puts [format "%6s  %-2s  %-22s %s" frame "" PDU "fields"]
            foreach p [dict get [replay_read $file $id] pdus] {
                puts [replay_pdu_line $p]
            }
        }
    }
    if {$want ne "" && $want > [llength $flows]} {
        usage_error "$file has [llength $flows] flows; there is no flow $want"
    }
    return 0
}

proc ::mc::replay_digests {s} {
    set d {}
    if {[dict get $s header_digest]} { lappend d header }
    if {[dict get $s data_digest]} { lappend d data }
    return [expr {[llength $d] ? [join $d +] : "none"}]
}

proc ::mc::replay_command {args} {
    set o [parse_replay_options {*}$args]
    if {[dict get $o device] eq ""} {
        return [replay_list $o]
    }
    return [replay_device $o]
}
