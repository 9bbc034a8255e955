# A device that floods unsolicited NOP-In PDUs (tests/harness/flood.sh): what the harness keeps
# of them stays bounded.

vector selftest-flood.unread {
    claims {RFC7143:11.19} role target timeout 20
    summary "Waiting for a PDU the device never sends while it floods others: the PDUs left unread reach their bound, verdict error naming it"
} {
    set c [iscsi connect [pixit portal]]
    defer [list iscsi close $c]
    iscsi expect $c {opcode 0x3f} -timeout 15000
}

vector selftest-flood.history {
    claims {RFC7143:11.19} role target timeout 20
    summary "Reading every PDU of the flood for two seconds: the history keeps its first and last PDUs, drops and counts the middle"
} {
    set c [iscsi connect [pixit portal]]
    defer [list iscsi close $c]
    set end [expr {[clock milliseconds] + 2000}]
    set n 0
    while {[clock milliseconds] < $end} {
        iscsi recv $c
        incr n
    }
    set st [iscsi state $c]
    set kept [llength [iscsi history $c]]
    log "read $n PDUs; history keeps $kept, dropped [dict get $st history_dropped] ([dict get $st history_dropped_bytes] bytes) of [dict get $st history_pdus]"
    check true {$n > 2048} -message "the flood gave more PDUs than the history keeps ($n)"
    check eq $kept 2048 -field "history entries kept"
    check eq [dict get $st history_dropped] [expr {$n - 2048}] -field "history PDUs dropped"
    check eq [dict get $st history_dropped_bytes] [expr {($n - 2048) * 48}] -field "history bytes dropped"
}
