# Header and data digests (RFC 7143 sections 13.1, 11.17.1, 7.8): CRC32C negotiated and checked.

vector core.digest.negotiated {
    claims {RFC7143:13.1 RFC7143:12.1} role target requires {digests}
    summary "HeaderDigest/DataDigest CRC32C offered first are selected, and PDUs with digests flow both ways"
} {
    set c [core-session -keys {HeaderDigest CRC32C,None DataDigest CRC32C,None}]
    set k [dict get [iscsi state $c] keys]
    check eq [dict get $k HeaderDigest] CRC32C -field HeaderDigest -clause RFC7143:13.1
    check eq [dict get $k DataDigest] CRC32C -field DataDigest -clause RFC7143:13.1
    set n [core-ping $c -data [pattern 64 8]]
    check eq [dict exists $n digest_error] 0 -field digest_error -clause RFC7143:13.1
}

vector core.digest.none-selected {
    claims {RFC7143:13.1 RFC7143:6.2.1} role target requires {}
    summary "Offering only None selects None"
} {
    set c [core-session -keys {HeaderDigest None DataDigest None}]
    set k [dict get [iscsi state $c] keys]
    check eq [dict get $k HeaderDigest] None -field HeaderDigest -clause RFC7143:6.2.1
    check eq [dict get $k DataDigest] None -field DataDigest -clause RFC7143:6.2.1
}

vector core.digest.data-corrupt {
    claims {RFC7143:11.17.1 RFC7143:7.8} role target requires {digests}
    summary "A NOP-Out whose data digest is wrong is answered by Reject reason 0x02 quoting its header"
} {
    set c [core-session -keys {HeaderDigest CRC32C DataDigest CRC32C}]
    set out [iscsi send $c nop-out I 1 -data [pattern 64 9] -digest-corrupt data]
    set r [rx $c {opcode 0x3f} RFC7143:11.17.1]
    check pdu $r {reason 0x02} -clause RFC7143:11.17.1
    check eq [dict get $r itt] 0xffffffff -field itt -clause RFC7143:11.17
    if {![dict exists $r rejected]} { fail "Reject carries no header" -clause RFC7143:11.17.1 }
    check eq [dict get $r rejected itt] [dict get $out itt] -field "rejected itt" -clause RFC7143:11.17.1
    # The connection survives a data digest error (7.8).
    core-ping $c
}
