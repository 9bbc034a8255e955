# The mirroring initiator's error handling (docs/mcast-data-path.md §7; spec Figures 5, 6, 7):
# emulated targets fail on purpose and the vector checks the retry the initiator chose.

# Unicast SCSI Commands (I=0, a WRITE) name received for vLUN v.
proc mi-unicast-writes {log name v} {
    set out {}
    foreach p [mi-tcp-in $log $name 1] {
        if {[dict get $p lun_number] == $v && [string range [dict get $p cdb] 0 1] in {2a 8a}} {
            lappend out $p
        }
    }
    return $out
}

vector mcast.init.check-condition-retry {
    claims {000:13(ii) 000:28(ii) 000:44(ii)} role initiator requires {mcast-initiator}
    summary "One member answers CHECK CONDITION: the initiator retries that member alone by unicast WRITE on its session (Figure 6) and the write completes; the others get no retry"
} {
    set bad t1
    set s [mi-start -script [list $bad {check 1}]]
    mi-register $s
    set data [pattern 2048 20]
    set r [mi-write $s 100 $data 000:13(ii)]
    set log [mi-log]
    foreach name [mi-names $s] {
        set u [mi-unicast-writes $log $name [mc-vlun]]
        if {$name eq $bad} {
            check true {[llength $u] >= 1} -message "no unicast retry to $name after its CHECK CONDITION" -clause 000:13(ii)
            check pdu [lindex $u 0] {I 0 W 1 edtl 2048} -clause 000:13(ii)
        } else {
            check eq [llength $u] 0 -field "unicast retries to $name, which answered GOOD" -clause 000:13(ii)
        }
        same [mcast emulate read $name [pixit lun] 100 4] $data -field "LUN of $name after the retry" -clause 000:13(ii)
    }
    check eq [lindex $r 0] ok -field "write result after a successful retry" -clause 000:13(ii)
}

vector mcast.init.failure-named {
    claims {000:13(ii) 000:28(ii) 000:44(ii)} role initiator requires {mcast-initiator}
    summary "A member failing every retry makes the write fail with that member named (spec: uniquely identifies the failed target)"
} {
    set bad t1
    set s [mi-start -script [list $bad [list check 100 check-unicast 100]]]
    mi-register $s
    set r [mi-write $s 110 [pattern 512 21] 000:13(ii)]
    check eq [lindex $r 0] error -field "write result with a member failing for good" -clause 000:13(ii)
    check match *$bad* [lindex $r 1] -field "failure report (names the failed target)" -clause 000:13(ii)
    set others [lsearch -all -inline -not -exact [mi-names $s] $bad]
    foreach name $others {
        check true {[string first $name [lindex $r 1]] < 0} -message "the report also names $name, which succeeded" -clause 000:13(ii)
    }
}

vector mcast.init.fig6-timeout {
    claims {000:13(ii) 000:28(ii) 000:44(ii)} role initiator requires {mcast-initiator}
    summary "Figure 6 at ERL 0: a member that lost group data reports CHECK CONDITION 0x4b/0x06; the initiator retries it by unicast and the write completes"
} {
    set bad t0
    set s [mi-start -erl 0 -recovery fig6 -script [list $bad {drop-data 1}]]
    mi-register $s
    set data [pattern 4096 22]
    mi-write-ok $s 120 $data 000:13(ii)
    set log [mi-log]
    set sense {}
    foreach r [mi-tcp-out $log $bad 0x21] {
        if {[dict get $r status] == 2} { set sense [dict get $r sense] }
    }
    check true {$sense ne ""} -message "$bad never reported the lost data (precondition)" -clause 000:13(ii)
    check true {[llength [mi-unicast-writes $log $bad [mc-vlun]]] >= 1} -message "no unicast retry to $bad" -clause 000:13(ii)
    same [mcast emulate read $bad [pixit lun] 120 8] $data -field "LUN of $bad after the retry" -clause 000:13(ii)
}

vector mcast.init.fig7-selective {
    claims {000:13(ii) 000:28(ii) 000:44(ii)} role initiator requires {mcast-initiator}
    summary "Figure 7 at ERL 1: a recovery R2T is answered by unicast Data-Out to that member only, with its TTT, DataSN 0, exactly the range asked; no whole-command retry"
} {
    set bad t1
    set s [mi-start -erl 1 -recovery fig7 -script [list $bad {drop-data 1}]]
    mi-register $s
    set data [pattern 4096 23]
    mi-write-ok $s 130 $data 000:13(ii)
    set log [mi-log]
    set rec {}
    foreach r [mi-tcp-out $log $bad 0x31] {
        if {[dict get $r r2tsn] > 0} { lappend rec $r }
    }
    check true {[llength $rec] >= 1} -message "$bad sent no recovery R2T (precondition: ERL 1 negotiated?)" -clause 000:13(ii)
    set r2t [lindex $rec 0]
    set outs {}
    foreach p [mi-tcp-in $log $bad 5] {
        if {[dict get $p ttt] == [dict get $r2t ttt]} { lappend outs $p }
    }
    check true {[llength $outs] >= 1} -message "no unicast Data-Out with the recovery R2T's TTT" -clause 000:13(ii)
    check pdu [lindex $outs 0] [list itt [dict get $r2t itt] datasn 0 buffer_offset [dict get $r2t buffer_offset]] -clause 000:13(ii)
    set sent 0
    foreach p $outs { incr sent [dict get $p data_segment_length] }
    check eq $sent [dict get $r2t ddtl] -field "bytes sent for the recovery R2T" -clause 000:13(ii)
    check eq [llength [mi-unicast-writes $log $bad [mc-vlun]]] 0 -field "whole-command retries (ERL 1 asks only for the range)" -clause 000:13(ii)
    foreach name [mi-names $s] {
        if {$name eq $bad} continue
        foreach p [mi-tcp-in $log $name 5] {
            fail "unicast Data-Out to $name, which asked for nothing" -clause 000:13(ii)
        }
    }
    same [mcast emulate read $bad [pixit lun] 130 8] $data -field "LUN of $bad after selective retransmission" -clause 000:13(ii)
}

vector mcast.init.fig5-group-resend {
    claims {000:13(ii) 000:28(ii) 000:44(ii)} role initiator requires {mcast-initiator}
    summary "Figure 5: every member reports failure; the initiator resends the WRITE to the group as a new group task (new ITT, new GSN) and it completes"
} {
    set script {}
    foreach name [lrange {t0 t1 t2 t3 t4 t5 t6 t7} 0 [expr {[pixit mcast-members] - 1}]] {
        lappend script $name {check 1}
    }
    set s [mi-start -recovery fig5 -script $script]
    mi-register $s
    set data [pattern 1024 24]
    mi-write-ok $s 140 $data 000:13(ii)
    set log [mi-log]
    set cmds [mi-group-cmds $log $s]
    check eq [llength $cmds] 2 -field "group commands (first try and the group resend)" -clause 000:13(ii)
    lassign $cmds a b
    check true {[dict get $a itt] != [dict get $b itt]} -message "the resend reused the ITT" -clause 000:13(ii)
    check true {[dict get $a gsn] != [dict get $b gsn]} -message "the resend reused the GSN" -clause 000:13(ii)
    foreach name [mi-names $s] {
        same [mcast emulate read $name [pixit lun] 140 2] $data -field "LUN of $name after the group resend" -clause 000:13(ii)
    }
}

vector mcast.init.lost-command {
    claims {000:13(ii)} role initiator requires {mcast-initiator}
    summary "A member that never saw the group command sends no R2T: the initiator aborts the group tag there (ABORT TASK, RTT = group ITT) and retries it by unicast"
} {
    set bad t2
    set s [mi-start -script [list $bad {ignore 1}]]
    mi-register $s
    set data [pattern 1024 25]
    mi-write-ok $s 150 $data 000:13(ii)
    set log [mi-log]
    set itt [dict get [lindex [mi-group-cmds $log $s] 0] itt]
    set aborts {}
    foreach p [mi-tcp-in $log $bad 2] {
        if {[dict get $p function] == 1 && [dict get $p rtt] == $itt} { lappend aborts $p }
    }
    check true {[llength $aborts] >= 1} -message "no ABORT TASK for group tag [format 0x%x $itt] at $bad" -clause 000:13(ii)
    check true {[llength [mi-unicast-writes $log $bad [mc-vlun]]] >= 1} -message "no unicast retry to $bad" -clause 000:13(ii)
    same [mcast emulate read $bad [pixit lun] 150 2] $data -field "LUN of $bad after the retry" -clause 000:13(ii)
}
