# Logout (RFC 7143 sections 11.14, 11.15).

vector core.logout.session {
    claims {RFC7143:11.14 RFC7143:11.15.1} role target requires {}
    summary "Logout (close the session) is answered by a Logout Response, response 0, same ITT; the target then closes"
} {
    set c [core-session]
    set r [core-logout $c]
    check pdu $r {response 0 F 1} -clause RFC7143:11.15.1
    if {[catch {iscsi recv $c -timeout [wait-ms]} got opts]} {
        check eq [lindex [dict get $opts -errorcode] 1] CLOSED -field "connection after logout" -clause RFC7143:11.14
    } else {
        fail "the target sent [dict get $got opcode_name] after the Logout Response" -clause RFC7143:11.15
    }
}

vector core.logout.statsn {
    claims {RFC7143:11.15 RFC7143:4.2.2.2} role target requires {}
    summary "The Logout Response carries the next StatSN and acknowledges the logout's CmdSN"
} {
    set c [core-session]
    set exp [dict get [iscsi state $c] expstatsn]
    set out [iscsi send $c logout reason_code 0]
    set r [rx $c [list opcode 0x26 itt [dict get $out itt]] RFC7143:11.15]
    check eq [dict get $r statsn] $exp -field statsn -clause RFC7143:4.2.2.2
    check eq [dict get $r expcmdsn] [expr {([dict get $out cmdsn] + 1) & 0xffffffff}] -field expcmdsn -clause RFC7143:11.15
}
