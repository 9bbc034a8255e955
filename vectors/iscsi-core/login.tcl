# Login phase (RFC 7143 sections 5, 6, 11.12, 11.13, 13): stages, TSIH, status codes and the
# negotiation rules of each key type.

vector core.login.stages {
    claims {RFC7143:11.13 RFC7143:6.3} role target requires {auth-none}
    summary "A security-then-operational login ends in full feature: T=1, NSG=3, status 0, TSIH set, ISID and ITT echoed"
} {
    set c [core-open-conn]
    set out [iscsi send $c login csg 0 nsg 1 T 1 -text [core-session-keys AuthMethod None]]
    set r [rx $c {opcode 0x23} RFC7143:11.13]
    check pdu $r [list status_class 0 status_detail 0 itt [dict get $out itt] isid [dict get $out isid]] -clause RFC7143:11.13
    check eq [dict get $r csg] 0 -field csg -clause RFC7143:11.13.3
    # A target may stay in the stage (T=0) but never move past the stage asked for (6.3).
    check true {[dict get $r T] == 0 || [dict get $r nsg] == 1} -message "T=1 with NSG [dict get $r nsg], asked 1" -clause RFC7143:6.3
    set out [iscsi send $c login csg 1 nsg 3 T 1]
    set r [rx $c {opcode 0x23} RFC7143:11.13]
    check pdu $r {status_class 0 T 1 csg 1 nsg 3 version_active 0} -clause RFC7143:11.13
    check true {[dict get $r tsih] != 0} -message "the final Login Response carries TSIH 0" -clause RFC7143:11.13.3
}

vector core.login.statsn {
    claims {RFC7143:11.13.4 RFC7143:4.2.2.2} role target requires {}
    summary "Each Login Response advances StatSN by one, and full-feature responses continue the sequence"
} {
    set c [core-session]
    set logins [core-pdus-of [iscsi history $c] 0x23]
    check true {[llength $logins] >= 2} -message "expected at least two Login Responses, saw [llength $logins]" -clause RFC7143:11.13.4
    set prev [dict get [lindex $logins 0] statsn]
    foreach r [lrange $logins 1 end] {
        check eq [dict get $r statsn] [expr {($prev + 1) & 0xffffffff}] -field statsn -clause RFC7143:11.13.4
        set prev [dict get $r statsn]
    }
    set n [core-ping $c]
    check eq [dict get $n statsn] [expr {($prev + 1) & 0xffffffff}] -field statsn -clause RFC7143:4.2.2.2
}

vector core.login.unknown-target {
    claims {RFC7143:11.13.5} role target requires {auth-none}
    summary "A TargetName the device does not have is refused with status 0x0203 (Not found)"
} {
    set c [core-open-conn]
    set keys [list InitiatorName [pixit initiator-iqn] TargetName [pixit target-iqn].no-such-target \
              SessionType Normal AuthMethod None]
    iscsi send $c login csg 0 nsg 1 T 1 -text $keys
    set r [rx $c {opcode 0x23} RFC7143:11.13.5]
    check pdu $r {status_class 2 status_detail 3} -clause RFC7143:11.13.5
}

vector core.login.missing-initiator-name {
    claims {RFC7143:13.5 RFC7143:11.13.5} role target requires {auth-none}
    summary "A first Login Request without InitiatorName is refused with status 0x0207 (Missing parameter)"
} {
    set c [core-open-conn]
    iscsi send $c login csg 0 nsg 1 T 1 -text [list TargetName [pixit target-iqn] SessionType Normal AuthMethod None]
    set r [rx $c {opcode 0x23} RFC7143:11.13.5]
    check pdu $r {status_class 2 status_detail 7} -clause RFC7143:13.5
}

vector core.login.unsupported-version {
    claims {RFC7143:11.12.4 RFC7143:11.13.5} role target requires {auth-none}
    summary "A Login Request whose Version-min is above every version the target speaks is refused (0x0205)"
} {
    set c [core-open-conn]
    iscsi send $c login csg 0 nsg 1 T 1 version_max 0x7f version_min 0x7f -text [core-session-keys AuthMethod None]
    set r [rx $c {opcode 0x23} RFC7143:11.13.5]
    check pdu $r {status_class 2 status_detail 5} -clause RFC7143:11.13.5
}

vector core.login.min-rule {
    claims {RFC7143:6.2.2 RFC7143:13.13 RFC7143:13.14} role target requires {}
    summary "Numerical Minimum keys: the answer never exceeds the offer (MaxBurstLength, FirstBurstLength)"
} {
    set c [core-session -keys {MaxBurstLength 4096 FirstBurstLength 2048 ImmediateData Yes}]
    set k [dict get [iscsi state $c] keys]
    foreach {key offer} {MaxBurstLength 4096 FirstBurstLength 2048} {
        if {![dict exists $k $key]} {
            fail "$key was offered and not answered" -clause RFC7143:6.2
        }
        check true {[dict get $k $key] <= $offer && [dict get $k $key] >= 512} \
            -message "$key answered [dict get $k $key] for an offer of $offer (Minimum, at least 512)" -clause RFC7143:6.2.2
    }
}

vector core.login.max-rule {
    claims {RFC7143:6.2.2 RFC7143:13.15} role target requires {}
    summary "Numerical Maximum key DefaultTime2Wait: offering the largest legal value yields that value"
} {
    set c [core-session -keys {DefaultTime2Wait 3600}]
    set k [dict get [iscsi state $c] keys]
    if {![dict exists $k DefaultTime2Wait]} {
        fail "DefaultTime2Wait was offered and not answered" -clause RFC7143:6.2
    }
    check eq [dict get $k DefaultTime2Wait] 3600 -field DefaultTime2Wait -clause RFC7143:6.2.2
}

vector core.login.and-rule {
    claims {RFC7143:6.2.2 RFC7143:13.11} role target requires {}
    summary "Boolean AND key ImmediateData: an offer of No is answered No"
} {
    set c [core-session -keys {ImmediateData No}]
    set k [dict get [iscsi state $c] keys]
    check eq [expr {[dict exists $k ImmediateData] ? [dict get $k ImmediateData] : "(not answered)"}] No \
        -field ImmediateData -clause RFC7143:6.2.2
}

vector core.login.or-rule {
    claims {RFC7143:6.2.2 RFC7143:13.10} role target requires {}
    summary "Boolean OR key InitialR2T: an offer of Yes is answered Yes"
} {
    set c [core-session -keys {InitialR2T Yes}]
    set k [dict get [iscsi state $c] keys]
    check eq [expr {[dict exists $k InitialR2T] ? [dict get $k InitialR2T] : "(not answered)"}] Yes \
        -field InitialR2T -clause RFC7143:6.2.2
}

vector core.login.out-of-range {
    claims {RFC7143:6.2 RFC7143:13.13} role target requires {auth-none}
    summary "A numerical offer below the key's range (MaxBurstLength=100) is answered Reject"
} {
    set c [core-open-conn]
    iscsi send $c login csg 1 nsg 3 T 1 -text [core-session-keys MaxBurstLength 100]
    set r [rx $c {opcode 0x23} RFC7143:6.2]
    set k [dict get $r text]
    # The target may also end the login as an initiator error; what it must not do is accept 100.
    if {[dict get $r status_class] == 2} {
        return
    }
    check eq [expr {[dict exists $k MaxBurstLength] ? [dict get $k MaxBurstLength] : "(not answered)"}] Reject \
        -field MaxBurstLength -clause RFC7143:6.2
}

vector core.login.not-understood {
    claims {RFC7143:6.2} role target requires {}
    summary "An unknown private key offered during login is answered NotUnderstood"
} {
    set c [core-session -keys {X-org.mirrorcert.unknown-key Yes}]
    set k [dict get [iscsi state $c] keys]
    check eq [expr {[dict exists $k X-org.mirrorcert.unknown-key] ? [dict get $k X-org.mirrorcert.unknown-key] : "(not answered)"}] \
        NotUnderstood -field X-org.mirrorcert.unknown-key -clause RFC7143:6.2
}

vector core.login.declarative {
    claims {RFC7143:6.2 RFC7143:13.12} role target requires {}
    summary "MaxRecvDataSegmentLength is declarative: the target's own declaration, if any, is in 512..2^24-1 and it honours ours"
} {
    set c [core-session -keys {MaxRecvDataSegmentLength 4096}]
    set k [dict get [iscsi state $c] keys]
    if {[dict exists $k MaxRecvDataSegmentLength]} {
        set v [dict get $k MaxRecvDataSegmentLength]
        check true {[string is entier -strict $v] && $v >= 512 && $v <= 16777215} \
            -message "target declared MaxRecvDataSegmentLength=$v" -clause RFC7143:13.12
    }
    # Reading 32 KiB forces Data-In PDUs no longer than our declared 4096 bytes.
    set bs [block-size $c]
    set blocks [expr {max(1, 32768 / $bs)}]
    set r [core-task $c -cdb [cdb-read10 0 $blocks] -lun [pixit lun] -in [expr {$blocks * $bs}] -timeout [wait-ms]]
    foreach d [core-pdus-of [dict get $r pdus] 0x25] {
        check true {[dict get $d data_segment_length] <= 4096} \
            -message "Data-In of [dict get $d data_segment_length] bytes exceeds our MaxRecvDataSegmentLength 4096" -clause RFC7143:13.12
    }
}

vector core.login.renegotiation {
    claims {RFC7143:6 RFC7143:11.13.5} role target requires {auth-none}
    summary "Offering the same key twice in one login is refused as an initiator error"
} {
    set c [core-open-conn]
    set keys [core-session-keys MaxBurstLength 65536]
    iscsi send $c login csg 1 nsg 3 T 0 -text $keys
    set r [rx $c {opcode 0x23} RFC7143:11.13]
    check pdu $r {status_class 0 T 0} -clause RFC7143:11.13
    iscsi send $c login csg 1 nsg 3 T 1 -text {MaxBurstLength 65536}
    set r [rx $c {opcode 0x23} RFC7143:6.3]
    check eq [dict get $r status_class] 2 -field status_class -clause RFC7143:6
}

vector core.login.tsih-zero-first {
    claims {RFC7143:11.12.6 RFC7143:11.13.3} role target requires {}
    summary "A new session: TSIH is 0 in the Login Responses before the last and set only in the final one"
} {
    set c [core-session]
    set rs [core-pdus-of [iscsi history $c] 0x23]
    set last [lindex $rs end]
    check true {[dict get $last tsih] != 0} -message "final Login Response TSIH is 0" -clause RFC7143:11.13.3
    foreach r [lrange $rs 0 end-1] {
        check true {[dict get $r tsih] == 0 || [dict get $r tsih] == [dict get $last tsih]} \
            -message "TSIH changed during the login" -clause RFC7143:11.13.3
    }
}

vector core.login.discovery {
    claims {RFC7143:13.3 RFC7143:13.21 RFC7143:4.3} role target requires {}
    summary "A Discovery session answers SendTargets=All with the PIXIT target and an address"
} {
    set c [core-open-conn]
    if {[catch {iscsi login $c -keys [list InitiatorName [pixit initiator-iqn] SessionType Discovery] {*}[core-chap-args] -timeout [wait-ms]} got]} {
        fail "discovery login failed: $got" -clause RFC7143:4.3
    }
    set r [core-tx $c {SendTargets All} -timeout [wait-ms]]
    check pdu $r {opcode 0x24 F 1} -clause RFC7143:11.11
    set names {}
    set addrs {}
    foreach {k v} [dict get $r keys] {
        if {$k eq "TargetName"} { lappend names $v }
        if {$k eq "TargetAddress"} { lappend addrs $v }
    }
    check true {[pixit target-iqn] in $names} -message "SendTargets names $names, not [pixit target-iqn]" -clause RFC7143:13.3
    check true {[llength $addrs] >= 1} -message "no TargetAddress in the SendTargets answer" -clause RFC7143:13.3
}

vector core.login.chap {
    claims {RFC7143:12.1.3} role target requires {chap}
    summary "CHAP (MD5) authentication with the PIXIT credentials reaches full feature"
} {
    set c [core-open-conn]
    if {[catch {iscsi login $c -keys [core-session-keys] -chap [list [pixit chap-user] [pixit chap-secret]] -timeout [wait-ms]} got]} {
        fail "CHAP login failed: $got" -clause RFC7143:12.1.3
    }
    check true {[dict get [iscsi state $c] full_feature]} -message "not in full feature after CHAP" -clause RFC7143:12.1.3
}

vector core.login.chap-wrong-secret {
    claims {RFC7143:12.1.3 RFC7143:11.13.5} role target requires {chap}
    summary "CHAP with a wrong secret is refused with status 0x0201 (Authentication failure)"
} {
    set c [core-open-conn]
    set rc [catch {iscsi login $c -keys [core-session-keys] -chap [list [pixit chap-user] "[pixit chap-secret]-wrong"] -timeout [wait-ms]} got opts]
    if {!$rc} {
        fail "login with a wrong CHAP secret succeeded" -clause RFC7143:12.1.3
    }
    set code [dict get $opts -errorcode]
    if {[lrange $code 0 1] ne {MIRRORCERT LOGIN}} {
        fail "login with a wrong secret ended without a Login Response: $got" -clause RFC7143:11.13.5
    }
    check eq [lindex $code 2] 2 -field status_class -clause RFC7143:11.13.5
    check eq [lindex $code 3] 1 -field status_detail -clause RFC7143:11.13.5
}

vector core.login.backward-transition {
    claims {RFC7143:6.3 RFC7143:11.13.5} role target requires {auth-none}
    summary "A Login Request asking to transit from the operational stage back to security (T=1, CSG=1, NSG=0) is refused as an initiator error"
} {
    set c [core-open-conn]
    iscsi send $c login csg 1 nsg 0 T 1 -text [core-session-keys]
    set r [rx $c {opcode 0x23} RFC7143:6.3]
    check eq [dict get $r status_class] 2 -field status_class -clause RFC7143:6.3
}

vector core.login.reserved-stage {
    claims {RFC7143:11.12.3 RFC7143:11.13.5} role target requires {auth-none}
    summary "A Login Request naming the reserved stage 2 as NSG is refused as an initiator error"
} {
    set c [core-open-conn]
    iscsi send $c login csg 0 nsg 2 T 1 -text [core-session-keys AuthMethod None]
    set r [rx $c {opcode 0x23} RFC7143:11.12.3]
    check eq [dict get $r status_class] 2 -field status_class -clause RFC7143:11.12.3
}

vector core.login.tsih-unique {
    claims {RFC7143:11.13.3 RFC7143:4.4} role target requires {}
    summary "Two sessions of one initiator (ISIDs differ) live together under different TSIHs, each answering on its own connection"
} {
    set a [core-session]
    set b [core-session]
    set ta [dict get [iscsi state $a] tsih]
    set tb [dict get [iscsi state $b] tsih]
    check true {$ta != $tb} -message "two live sessions share TSIH $ta" -clause RFC7143:11.13.3
    core-ping $a
    core-ping $b
}

vector core.login.session-reinstatement {
    claims {RFC7143:6.3.5} role target requires {}
    summary "A login with TSIH 0 and the ISID and InitiatorName of a live session reinstates it: the old session's connection is closed, the new one works"
} {
    set old [core-session]
    core-ping $old
    set isid [dict get [iscsi state $old] isid]
    set new [core-session -isid $isid -clause RFC7143:6.3.5]
    # 6.3.5: the target terminates the old session; its connection ends (a PDU first is allowed)
    set until [expr {[clock milliseconds] + [wait-ms]}]
    set why ""
    while {$why eq ""} {
        set left [expr {max(1, $until - [clock milliseconds])}]
        if {[catch {iscsi recv $old -timeout $left} got opts]} {
            set why [::mc::device_reason $opts]
            if {$why eq ""} { return -options $opts $got }
        } elseif {[clock milliseconds] >= $until} {
            set why "still sending ([dict get $got opcode_name])"
        }
    }
    check eq $why closed -field "the old session's connection" -clause RFC7143:6.3.5
    core-ping $new
}

vector core.login.connection-reinstatement {
    claims {RFC7143:6.3.4 RFC7143:11.12.6} role target requires {auth-none}
    summary "A login naming a live session's ISID, TSIH and CID on a new connection is accepted with that TSIH: the old connection is closed, the session goes on over the new one"
} {
    set old [core-session]
    core-ping $old
    set st [iscsi state $old]
    set new [core-open-conn]
    iscsi send $new login csg 1 nsg 3 T 1 isid [dict get $st isid] tsih [dict get $st tsih] cid [dict get $st cid] \
        cmdsn [dict get $st cmdsn] expstatsn [dict get $st expstatsn] \
        -text [list InitiatorName [pixit initiator-iqn] TargetName [pixit target-iqn]]
    set r [rx $new {opcode 0x23} RFC7143:11.13 -what "the Login Response"]
    check pdu $r [list status_class 0 status_detail 0 T 1 tsih [dict get $st tsih]] -clause RFC7143:6.3.4
    set got [silent $old {opcode 0x20} RFC7143:6.3.4 -closed-ok 1]
    check true {[dict get [iscsi state $old] closed]} -message "the old connection of CID [dict get $st cid] is still open" -clause RFC7143:6.3.4
    # the session's window goes on (4.2.2.1): the next CmdSN is the Login Response's ExpCmdSN
    set out [iscsi send $new nop-out cmdsn [dict get $r expcmdsn]]
    rx $new [list opcode 0x20 itt [dict get $out itt]] RFC7143:6.3.4 -what "a ping over the reinstated connection"
}

vector core.login.request-continue {
    claims {RFC7143:11.12.2 RFC7143:11.13 RFC7143:6.1} role target requires {auth-none}
    summary "A first Login Request split in two PDUs (C=1 with T=0, then C=0) gets an empty Login Response of status 0 for the first piece, and the login goes on to full feature phase"
} {
    set c [core-open-conn]
    set data {}
    foreach {k v} [core-session-keys SessionType Normal AuthMethod None] { append data "$k=$v\0" }
    set half [expr {[string length $data] / 2 + 1}]
    iscsi send $c login csg 0 nsg 0 T 0 C 1 -data [string range $data 0 $half-1]
    set r1 [rx $c {opcode 0x23} RFC7143:11.13 -what "the answer to the first piece (C=1)"]
    check pdu $r1 {status_class 0 status_detail 0 T 0 C 0 data_segment_length 0} -clause RFC7143:11.12.2
    iscsi send $c login csg 0 nsg 1 T 1 C 0 -data [string range $data $half end]
    set r2 [rx $c {opcode 0x23} RFC7143:11.13 -what "the answer to the last piece"]
    check pdu $r2 {status_class 0 status_detail 0} -clause RFC7143:11.13.5
    check true {![dict get [iscsi state $c] closed]} -message "the connection closed during a login split in two PDUs" -clause RFC7143:11.12.2
}
