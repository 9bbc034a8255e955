# Task management (RFC 7143 sections 11.5, 11.6).

vector core.tmf.lun-reset {
    claims {RFC7143:11.5.1 RFC7143:11.6.1} role target requires {tmf}
    summary "LOGICAL UNIT RESET on the PIXIT LUN completes with response 0 and the request's ITT"
} {
    set c [core-session]
    set out [iscsi send $c tmf function 5 -lun [pixit lun]]
    set r [rx $c [list opcode 0x22 itt [dict get $out itt]] RFC7143:11.6]
    check pdu $r {response 0 F 1} -clause RFC7143:11.6.1
}

vector core.tmf.abort-unknown {
    claims {RFC7143:11.5.1 RFC7143:11.6.1} role target requires {tmf}
    summary "ABORT TASK for a task tag never used answers 'Task does not exist' (1) or 'Function complete' (0)"
} {
    set c [core-session]
    set out [iscsi send $c tmf function 1 rtt 0x7777 refcmdsn [dict get [iscsi state $c] cmdsn] -lun [pixit lun]]
    set r [rx $c [list opcode 0x22 itt [dict get $out itt]] RFC7143:11.6]
    check true {[dict get $r response] in {0 1}} -message "response [dict get $r response] to aborting an unknown task" -clause RFC7143:11.6.1
}

vector core.tmf.abort-running {
    claims {RFC7143:11.5.1 RFC7143:11.6.1} role target requires {tmf}
    summary "ABORT TASK of a write waiting for data completes (0), and the aborted task sends no GOOD status"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes}]
    set itt [core-abort-waiting-write $c]
    set got [silent $c [list opcode 0x21 itt $itt status 0] RFC7143:11.5.1]
    if {$got ne 1} { fail "the aborted write completed with GOOD status" -clause RFC7143:11.5.1 }
}

vector core.tmf.abort-outside-window {
    claims {RFC7143:11.5.1 RFC7143:11.6.1} role target requires {tmf}
    summary "ABORT TASK of a tag never used whose RefCmdSN is below ExpCmdSN (outside the window) answers 'Task does not exist' (1)"
} {
    set c [core-session]
    set n [core-ping $c]
    # 11.5.1 c): a RefCmdSN outside the window and no such task: "Task does not exist"
    set used [expr {([dict get $n expcmdsn] - 1) & 0xffffffff}]
    set out [iscsi send $c tmf function 1 rtt 0x7777 refcmdsn $used -lun [pixit lun]]
    set r [rx $c [list opcode 0x22 itt [dict get $out itt]] RFC7143:11.6]
    check pdu $r {response 1 F 1} -clause RFC7143:11.6.1
}

vector core.tmf.lun-reset-unknown-lun {
    claims {RFC7143:11.5.1 RFC7143:11.6.1} role target requires {tmf}
    summary "LOGICAL UNIT RESET of a LUN the device does not have answers 'LUN does not exist' (2)"
} {
    set c [core-session]
    set out [iscsi send $c tmf function 5 -lun [pixit absent-lun]]
    set r [rx $c [list opcode 0x22 itt [dict get $out itt]] RFC7143:11.6]
    check pdu $r {response 2 F 1} -clause RFC7143:11.6.1
}

vector core.tmf.abort-frees-itt {
    claims {RFC7143:11.5.1 RFC7143:11.2.1.8} role target requires {tmf}
    summary "After ABORT TASK of a write waiting for data completes (0), the task is gone: a new command with its ITT runs (GOOD), no Reject 0x07 (Task in progress)"
} {
    set c [core-session -keys {ImmediateData No InitialR2T Yes}]
    set itt [core-abort-waiting-write $c]
    iscsi send $c scsi itt $itt -lun [pixit lun] -cdb [cdb-tur]
    set p [rx $c [list opcode {in {0x21 0x3f}}] RFC7143:11.4 -what "the answer to a command reusing the aborted task's ITT"]
    if {[dict get $p opcode] == 0x3f} {
        fail "a command reusing the ITT of the aborted task was rejected (reason [format 0x%02x [dict get $p reason]])" -clause RFC7143:11.5.1
    }
    check pdu $p [list itt $itt status 0] -clause RFC7143:11.4
}

vector core.tmf.reassign-erl0 {
    claims {RFC7143:11.5.1 RFC7143:11.6.1 RFC7143:6.2.2} role target requires {tmf}
    summary "TASK REASSIGN in an ErrorRecoveryLevel 0 session is refused: 'Task allegiance reassignment not supported' (4), 'Task management function not supported' (5) or, the task unknown, 'Task does not exist' (1)"
} {
    set c [core-session -keys {ErrorRecoveryLevel 0}]
    set out [iscsi send $c tmf function 8 rtt 0x7777 -lun [pixit lun]]
    set r [rx $c [list opcode 0x22 itt [dict get $out itt]] RFC7143:11.6]
    check true {[dict get $r response] in {1 4 5}} \
        -message "response [dict get $r response] to TASK REASSIGN at ErrorRecoveryLevel 0" -clause RFC7143:11.6.1
}

vector core.tmf.abort-queued {
    claims {RFC7143:11.5.1 RFC7143:4.2.2.1} role target requires {tmf}
    summary "ABORT TASK (immediate) of a command held for a missing lower CmdSN completes (0); the aborted command never runs, the missing one still does when it comes"
} {
    set c [core-session]
    set n [core-ping $c]
    set exp [dict get $n expcmdsn]
    set next [expr {($exp + 1) & 0xffffffff}]
    set held [iscsi send $c scsi -cdb [cdb-tur] -lun [pixit lun] cmdsn $next]
    set out [iscsi send $c tmf I 1 function 1 rtt [dict get $held itt] refcmdsn $next cmdsn $exp -lun [pixit lun]]
    set r [rx $c [list opcode 0x22 itt [dict get $out itt]] RFC7143:11.6]
    check eq [dict get $r response] 0 -field response -clause RFC7143:11.6.1
    set gap [iscsi send $c scsi -cdb [cdb-tur] -lun [pixit lun] cmdsn $exp]
    rx $c [list opcode 0x21 itt [dict get $gap itt]] RFC7143:4.2.2.1 -what "the command of the missing CmdSN $exp"
    set got [silent $c [list opcode 0x21 itt [dict get $held itt]] RFC7143:11.5.1]
    if {$got ne 1} { fail "the aborted command (CmdSN $next) ran" -clause RFC7143:11.5.1 }
}
