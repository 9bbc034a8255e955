# Recovery at the targets (docs/mcast-data-path.md §7; spec Figures 5, 6, 7): group data lost
# on purpose (PDUs left out, or dropped by a seeded fault plan), and what each target does
# when its DataTimeout runs out at ErrorRecoveryLevel 1 and 0; lost group commands and ABORT
# TASK fencing.

# Waits for a SCSI Response of itt on c, long enough for the registered DataTimeout to run out.
proc mc-rx-after-timeout {c itt clause what} {
    return [rx $c [list opcode 0x21 itt $itt] $clause -what $what -ms [expr {[wait-ms] + 4 * [mc-registered-timeout]}]]
}

vector mcast.recovery.fig7-recovery-r2t {
    claims {000:1(d) 000:13(i) 000:28(i) 000:44(i)} role target requires {mcast-target erl1}
    summary "Figure 7 at ERL 1: a target missing group data asks for exactly the missing range by recovery R2T on its connection; unicast Data-Out with that TTT completes the WRITE"
} {
    set conns [mc-sessions -erl 1]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set seg $bs
    set data [pattern [expr {4 * $bs}] 40]
    # DataSN 1 (bytes bs..2bs-1) never reaches the group.
    set w [mc-group-write $g $conns [mc-vlun] 1300 $data -skip {1} -respond 0 -seg $bs]
    set itt [dict get $w itt]
    foreach c $conns {
        set r [rx $c [list opcode 0x31 itt $itt r2tsn 1] 000:13(i) -what "recovery R2T" -ms [expr {[wait-ms] + 4 * [mc-registered-timeout]}]]
        # DataSN 2 and 3 followed a gap, so rule 7 of §8 dropped them too: the whole rest is missing.
        check pdu $r [list buffer_offset $bs ddtl [expr {3 * $bs}] lun [iscsi lun [mc-vlun]]] -clause 000:1(d)
        check true {[dict get $r ttt] != 0xffffffff} -message "recovery R2T with the reserved TTT" -clause RFC7143:11.8.3
        # Spec 703: the retransmission goes by unicast to the target that asked.
        iscsi send $c data-out F 1 itt $itt ttt [dict get $r ttt] datasn 0 buffer_offset $bs -lun [mc-vlun] \
            -data [string range $data $bs end]
        set rsp [rx $c [list opcode 0x21 itt $itt] 000:13(i) -what "SCSI Response after recovery"]
        check pdu $rsp {response 0 status 0} -clause 000:13(i)
        same [mc-read $c 1300 4] $data -field "LUN after selective retransmission" -clause 000:1(e)
    }
}

vector mcast.recovery.fig6-check-condition {
    claims {000:13(i) 000:28(i) 000:44(i)} role target requires {mcast-target}
    summary "Figure 6 at ERL 0: a target missing group data ends the task with CHECK CONDITION, ABORTED COMMAND 0x4b/0x06, residual, U; it writes nothing; a unicast retry succeeds"
} {
    set conns [mc-sessions -erl 0]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set data [pattern [expr {4 * $bs}] 41]
    set old {}
    foreach c $conns { lappend old [mc-read $c 1400 4] }
    set w [mc-group-write $g $conns [mc-vlun] 1400 $data -skip {2} -respond 0 -seg $bs]
    set itt [dict get $w itt]
    foreach c $conns o $old {
        set rsp [mc-rx-after-timeout $c $itt 000:13(i) "SCSI Response for a task missing data"]
        check pdu $rsp {response 0 status 2 U 1} -clause 000:13(i)
        # DataSN 2 missing, DataSN 3 out of order and dropped (rule 7 of §8): two blocks never received.
        check eq [dict get $rsp residual] [expr {2 * $bs}] -field "residual (bytes never received)" -clause 000:13(i)
        check eq [format 0x%02x [dict get $rsp sense key]] 0x0b -field "sense key" -clause 000:13(i)
        check eq [format 0x%02x%02x [dict get $rsp sense asc] [dict get $rsp sense ascq]] 0x4b06 -field "ASC/ASCQ" -clause 000:13(i)
        same [mc-read $c 1400 4] $o -field "LUN after an incomplete group task (all or nothing)" -clause 000:13(i)
        # Spec 603: the initiator retries by unicast on that target's session.
        set r [iscsi scsi $c -cdb [cdb-write10 1400 4] -lun [mc-vlun] -out $data -timeout [wait-ms]]
        check pdu $r {opcode 0x21 status 0} -clause 000:13(i)
        same [mc-read $c 1400 4] $data -field "LUN after the unicast retry" -clause 000:13(i)
    }
}

vector mcast.recovery.fig5-group-resend {
    claims {000:1(d) 000:13(i)} role target requires {mcast-target}
    summary "Figure 5: the data datagram is lost for every target; every target reports failure, and the WRITE resent to the group as a new task (new ITT, new GSN) completes everywhere"
} {
    set conns [mc-sessions -erl 0]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set data [pattern [expr {2 * $bs}] 42]
    mcast fault $g -seed [seed] -once drop -match {opcode 5}
    set w [mc-group-write $g $conns [mc-vlun] 1500 $data -respond 0]
    set f [mcast fault $g -off]
    check eq [dict get $f dropped] 1 -field "group Data-Out datagrams dropped by the fault plan" -clause 000:13(i)
    foreach c $conns {
        set rsp [mc-rx-after-timeout $c [dict get $w itt] 000:13(i) "failure report of a task whose data was lost"]
        check true {[dict get $rsp status] != 0} -message "GOOD status for data never received" -clause 000:13(i)
    }
    set again [mc-group-write $g $conns [mc-vlun] 1500 $data]
    check true {[dict get $again itt] != [dict get $w itt]} -message "resend reused the ITT" -clause 000:13(i)
    foreach c $conns {
        same [mc-read $c 1500 2] $data -field "LUN after the group resend" -clause 000:1(e)
    }
}

vector mcast.recovery.lost-command-fence {
    claims {000:1(d) 000:13(i)} role target requires {mcast-target counters}
    summary "A lost group command: ABORT TASK for the group tag answers Function complete and fences it; the late command is dropped (no-task), a unicast retry succeeds"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set itt [mc-itt]
    set before [mc-all-counters $conns]
    foreach c $conns {
        set out [iscsi send $c tmf I 1 function 1 rtt $itt refcmdsn 0 -lun [mc-vlun]]
        set r [rx $c [list opcode 0x22 itt [dict get $out itt]] RFC7143:11.6 -what "Task Management Response"]
        check eq [dict get $r response] 0 -field "response (Function complete for a group tag not held)" -clause 000:13(i)
    }
    mcast send $g [mc-isid] [list [mc-cmd-pdu $itt [mc-vlun] 1600 1 $bs]]
    check eq [silent $conns [list itt $itt] 000:13(i)] 1 -field "R2T for a fenced group tag" -clause 000:13(i)
    mc-counted $conns $before no-task 1 000:13(i)
    set data [pattern $bs 43]
    foreach c $conns {
        set r [iscsi scsi $c -cdb [cdb-write10 1600 1] -lun [mc-vlun] -out $data -timeout [wait-ms]]
        check pdu $r {opcode 0x21 status 0} -clause 000:13(i)
    }
}

vector mcast.recovery.seeded-loss {
    claims {000:1(d) 000:1(e) 000:13(i)} role target requires {mcast-target erl1}
    summary "Seeded loss of group Data-Out at ERL 1: every lost range is asked for again by recovery R2T, served by unicast, and the data ends complete at every target"
} {
    set conns [mc-sessions -erl 1]
    set g [mc-open-group]
    mc-register-all $conns [mc-vlun]
    set bs [block-size [lindex $conns 0] inconc]
    set data [pattern [expr {16 * $bs}] 44]
    # One PDU per datagram so losses hit single blocks.
    set w [mc-group-write $g $conns [mc-vlun] 1700 $data -respond 0 -seg $bs -fault [list -seed [seed] -drop 0.25 -match {opcode 5}]]
    set itt [dict get $w itt]
    foreach c $conns {
        check pdu [mc-serve-recovery $c $itt [mc-vlun] $data 000:13(i)] {status 0} -clause 000:13(i)
        same [mc-read $c 1700 16] $data -field "LUN after recovery of seeded losses" -clause 000:1(e)
    }
}
