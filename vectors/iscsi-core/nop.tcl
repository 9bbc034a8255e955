# NOP-Out / NOP-In (RFC 7143 sections 11.18, 11.19).

vector core.nop.ping {
    claims {RFC7143:11.19 RFC7143:11.19.2 RFC7143:11.18} role target requires {}
    summary "A NOP-Out ping (ITT set, TTT 0xffffffff) is answered by a NOP-In with the same ITT and TTT 0xffffffff"
} {
    set c [core-session]
    set out [iscsi send $c nop-out ttt 0xffffffff]
    set n [rx $c [list opcode 0x20 itt [dict get $out itt]] RFC7143:11.19]
    check pdu $n {F 1 ttt 0xffffffff} -clause RFC7143:11.19.2
    check eq [dict get $n lun] 0 -field lun -clause RFC7143:11.19.3
}

vector core.nop.data-echo {
    claims {RFC7143:11.18.6 RFC7143:11.19.5} role target requires {}
    summary "Ping data in a NOP-Out comes back unchanged in the NOP-In"
} {
    set c [core-session]
    set data [pattern 300 7]
    set n [core-ping $c -data $data]
    check eq [dict get $n data_segment_length] 300 -field data_segment_length -clause RFC7143:11.19.5
    check true {[dict get $n data] eq $data} -message "NOP-In ping data differs from what was sent" -clause RFC7143:11.19.5
}

vector core.nop.immediate-ping {
    claims {RFC7143:11.18 RFC7143:11.19} role target requires {}
    summary "An immediate NOP-Out ping is answered too, and the next non-immediate command still uses the current CmdSN"
} {
    set c [core-session]
    set out [iscsi send $c nop-out I 1]
    rx $c [list opcode 0x20 itt [dict get $out itt]] RFC7143:11.19
    set n [core-ping $c]
    check eq [dict get $n expcmdsn] [dict get [iscsi state $c] cmdsn] -field expcmdsn -clause RFC7143:4.2.2.1
}
