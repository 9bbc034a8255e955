# Text Request/Response in full feature phase (RFC 7143 sections 6.1, 11.10, 11.11, 13.3).

# count unknown private keys: their NotUnderstood answers are long enough to need continuation.
proc core-many-unknown-keys {count} {
    set keys {}
    for {set i 0} {$i < $count} {incr i} {
        lappend keys [format X-org.mirrorcert.filler-key-%03d $i] Yes
    }
    return $keys
}

vector core.text.final {
    claims {RFC7143:11.11.1 RFC7143:11.11.4} role target requires {text-after-login}
    summary "A one-PDU Text exchange ends with a Text Response carrying F=1, TTT 0xffffffff and the request's ITT"
} {
    set c [core-session]
    set out [iscsi send $c text F 1 -text {X-org.mirrorcert.probe Yes}]
    set r [rx $c [list opcode 0x24 itt [dict get $out itt]] RFC7143:11.11]
    check pdu $r {F 1 C 0} -clause RFC7143:11.11.1
    check eq [dict get $r ttt] 0xffffffff -field ttt -clause RFC7143:11.11.4
}

vector core.text.not-understood {
    claims {RFC7143:6.2 RFC7143:11.10} role target requires {text-after-login}
    summary "An unknown key in a Text Request is answered NotUnderstood"
} {
    set c [core-session]
    set r [core-tx $c {X-org.mirrorcert.nonsense 42} -timeout [wait-ms]]
    check pdu $r {opcode 0x24 F 1} -clause RFC7143:11.11
    set k [dict get $r keys]
    check eq [expr {[dict exists $k X-org.mirrorcert.nonsense] ? [dict get $k X-org.mirrorcert.nonsense] : "(not answered)"}] \
        NotUnderstood -field X-org.mirrorcert.nonsense -clause RFC7143:6.2
}

vector core.text.sendtargets {
    claims {RFC7143:13.3} role target requires {text-after-login}
    summary "SendTargets in a normal session names the session's target"
} {
    set c [core-session]
    # In a normal session SendTargets names a target (All belongs to discovery sessions, 13.3).
    set r [core-tx $c [list SendTargets [pixit target-iqn]] -timeout [wait-ms]]
    check pdu $r {opcode 0x24 F 1} -clause RFC7143:11.11
    set names {}
    foreach {k v} [dict get $r keys] {
        if {$k eq "TargetName"} { lappend names $v }
    }
    check true {[pixit target-iqn] in $names} -message "SendTargets answered {[dict get $r keys]}" -clause RFC7143:13.3
}

vector core.text.continue-ttt {
    claims {RFC7143:11.11.4 RFC7143:11.10.4 RFC7143:6.1} role target requires {text-after-login}
    summary "A Text Response longer than our MaxRecvDataSegmentLength is continued: F=0 PDUs carry a TTT other than 0xffffffff, the last has F=1"
} {
    set c [core-session -keys {MaxRecvDataSegmentLength 512}]
    set r [core-tx $c [core-many-unknown-keys 40] -timeout [wait-ms]]
    set rsps [core-pdus-of [dict get $r pdus] 0x24]
    check true {[llength $rsps] >= 2} -message "an answer of 40 keys came in [llength $rsps] PDU(s) under a 512-byte limit" -clause RFC7143:6.1
    foreach p [lrange $rsps 0 end-1] {
        check eq [dict get $p F] 0 -field F -clause RFC7143:11.11.1
        check true {[dict get $p ttt] != 0xffffffff} -message "a continued Text Response (F=0) carries TTT 0xffffffff" -clause RFC7143:11.11.4
        check true {[dict get $p data_segment_length] <= 512} -message "Text Response of [dict get $p data_segment_length] bytes over our limit" -clause RFC7143:13.12
        # 11.11.2: a piece that ends inside a key=value pair (not on its NUL) is not complete: C=1
        if {[string index [dict get $p data] end] ne "\0"} {
            check eq [dict get $p C] 1 -field "C of a Text Response cut inside a key=value pair" -clause RFC7143:11.11.2
        }
    }
    check pdu [lindex $rsps end] {F 1 ttt 0xffffffff} -clause RFC7143:11.11.4
    set answered [dict get $r keys]
    set count {}
    foreach {k v} $answered { dict incr count $k }
    dict for {k n} $count {
        check eq $n 1 -field "answers to $k" -clause RFC7143:6.2
    }
    foreach {k v} [core-many-unknown-keys 40] {
        if {![dict exists $answered $k]} {
            fail "$k was not answered across the continued response" -clause RFC7143:6.2
        }
    }
}

vector core.text.initiator-continue {
    claims {RFC7143:11.10.2 RFC7143:11.11.1} role target requires {text-after-login}
    summary "A key list sent in two PDUs (C=1 then C=0) is answered after the last one, as one list"
} {
    set c [core-session]
    set data {}
    foreach {k v} [core-many-unknown-keys 4] { append data "$k=$v\0" }
    set half [expr {[string length $data] / 2 + 3}]
    set first [iscsi send $c text F 0 C 1 -data [string range $data 0 $half-1]]
    set itt [dict get $first itt]
    set r1 [rx $c [list opcode 0x24 itt $itt] RFC7143:11.11]
    # The target acknowledges a C=1 PDU with an empty F=0 response and a TTT to continue with.
    check pdu $r1 {F 0 data_segment_length 0} -clause RFC7143:11.10.2
    iscsi send $c text F 1 C 0 itt $itt ttt [dict get $r1 ttt] -data [string range $data $half end]
    set r2 [rx $c [list opcode 0x24 itt $itt] RFC7143:11.11]
    check pdu $r2 {F 1} -clause RFC7143:11.11.1
    foreach {k v} [core-many-unknown-keys 4] {
        if {![dict exists [dict get $r2 text] $k]} {
            fail "$k, sent across two PDUs, was not answered" -clause RFC7143:11.10.2
        }
    }
}

vector core.text.statsn {
    claims {RFC7143:11.11 RFC7143:4.2.2.2} role target requires {text-after-login}
    summary "Text Responses carry the next StatSN and acknowledge the request's CmdSN"
} {
    set c [core-session]
    set before [iscsi state $c]
    set out [iscsi send $c text F 1 -text {X-org.mirrorcert.probe Yes}]
    set r [rx $c [list opcode 0x24 itt [dict get $out itt]] RFC7143:11.11]
    check eq [dict get $r statsn] [dict get $before expstatsn] -field statsn -clause RFC7143:4.2.2.2
    check eq [dict get $r expcmdsn] [expr {([dict get $out cmdsn] + 1) & 0xffffffff}] -field expcmdsn -clause RFC7143:4.2.2.1
}

vector core.text.mrdsl-in-ffp {
    claims {RFC7143:13.12 RFC7143:6.1 RFC7143:11.11.2} role target requires {text-after-login}
    summary "MaxRecvDataSegmentLength declared in a Text Request after login (512, its least value) is answered with the target's own and bounds the Text Responses that follow"
} {
    set c [core-session -keys {MaxRecvDataSegmentLength 8192}]
    set r [core-tx $c {MaxRecvDataSegmentLength 512} -timeout [wait-ms]]
    set k [dict get $r keys]
    check true {[dict exists $k MaxRecvDataSegmentLength] && [string is integer -strict [dict get $k MaxRecvDataSegmentLength]]} \
        -message "MaxRecvDataSegmentLength=512 answered {$k}, not the target's own value" -clause RFC7143:13.12
    set r [core-tx $c [core-many-unknown-keys 40] -timeout [wait-ms]]
    set rsps [core-pdus-of [dict get $r pdus] 0x24]
    check true {[llength $rsps] >= 2} -message "an answer of 40 keys came in [llength $rsps] PDU(s) under a 512-byte limit declared in full feature phase" -clause RFC7143:13.12
    foreach p $rsps {
        check true {[dict get $p data_segment_length] <= 512} -message "Text Response of [dict get $p data_segment_length] bytes over the 512 declared in full feature phase" -clause RFC7143:13.12
    }
}
