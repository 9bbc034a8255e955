# The mirroring initiator's group WRITE (docs/mcast-data-path.md §3, §5, §6; spec Figure 4):
# the command once to the group, data only after every member's R2T, group Data-Out without
# TTT, acknowledgement on TCP; checked at the harness's emulated targets.

# Registers, writes blocks of a pattern at lba; returns {log .. data .. itt ..}.
proc mi-write-once {s lba blocks tag} {
    mi-register $s
    set data [pattern [expr {$blocks * 512}] $tag]
    mi-write-ok $s $lba $data 000:1(c)
    set log [mi-log]
    set cmds [mi-group-cmds $log $s]
    if {![llength $cmds]} {
        fail "no SCSI Command reached the group" -clause 000:1(c)
    }
    return [dict create log $log data $data itt [dict get [lindex $cmds end] itt]]
}

vector mcast.init.group-command {
    claims {000:1(c) 000:5 000:6 000:12 000:15(c) 000:16(c) 000:20 000:21 000:27 000:31(c) 000:32(c) 000:36 000:37 000:43 000:46(c)} role initiator requires {mcast-initiator}
    summary "The WRITE goes once, in one datagram to the group address and port: SCSI Command I=1 F=1 W=1 R=0 SIMPLE, LUN = vLUN, WRITE CDB with the LBA and EDTL, no data, CmdSN 0; never on TCP"
} {
    set s [mi-start]
    set w [mi-write-once $s 20 4 1]
    set log [dict get $w log]
    set first [lindex [mi-names $s] 0]
    set cmds [mi-group-cmds $log $s]
    check eq [llength $cmds] 1 -field "group SCSI Commands for one WRITE" -clause 000:12
    set p [lindex $cmds 0]
    check pdu $p [list opcode 0x01 I 1 F 1 W 1 R 0 attr 1 total_ahs_length 0 data_segment_length 0 \
        lun_number [mc-vlun] edtl 2048 cmdsn 0 expstatsn 0] -clause 000:6
    check true {[string range [dict get $p cdb] 0 1] in {2a 8a}} -message "CDB [dict get $p cdb] is not WRITE(10)/WRITE(16)" -clause 000:5
    if {[string range [dict get $p cdb] 0 1] eq "2a"} {
        check eq [string range [dict get $p cdb] 4 11] [format %08x 20] -field "CDB LBA" -clause 000:5
        check eq [string range [dict get $p cdb] 14 17] [format %04x 4] -field "CDB transfer length" -clause 000:5
    }
    check eq [dict get $p dst] "[mc-group]:[mc-port]" -field "datagram destination" -clause 000:12
    check true {[dict get $p itt] != 0xffffffff} -message "group ITT 0xffffffff" -clause 000:1(c)
    foreach name [mi-names $s] {
        check eq [llength [mi-group-pdus $log $name 1]] 1 -field "group SCSI Commands seen by $name" -clause 000:1(c)
        foreach q [mi-tcp-in $log $name 1] {
            check true {[dict get $q itt] != [dict get $p itt]} -message "the group WRITE also went to $name over TCP" -clause 000:12
        }
    }
}

vector mcast.init.group-header {
    claims {000:12 000:27 000:43} role initiator requires {mcast-initiator}
    summary "Every group datagram has magic MG, version 1, the sessions' ISID, a correct CRC32C, lengths matching whole PDUs, GSN +1 per datagram, and fits one UDP datagram"
} {
    set s [mi-start]
    set w [mi-write-once $s 30 40 2]
    set log [dict get $w log]
    set first [lindex [mi-names $s] 0]
    set isid [mi-isid $log $first]
    foreach name [mi-names $s] {
        check eq [mi-isid $log $name] $isid -field "ISID of the session with $name (one ISID for the group, §2)" -clause 000:12
    }
    set gsn {}
    foreach d [mi-dgrams $log $first] {
        check pdu $d [list magic 0x4d47 version 1 isid $isid crc_ok 1 lengths_ok 1] -clause 000:12
        check true {[dict get $d length] <= 65507} -message "datagram of [dict get $d length] bytes" -clause 000:12
        if {$gsn ne ""} {
            check eq [dict get $d gsn] [expr {($gsn + 1) & 0xffffffff}] -field "gsn (+1 per datagram)" -clause 000:12
        }
        set gsn [dict get $d gsn]
    }
}

vector mcast.init.data-after-every-r2t {
    claims {000:1(c) 000:12 000:16(c)} role initiator requires {mcast-initiator}
    summary "Group data of a burst leaves only after every member's R2T for it, even when one member solicits late"
} {
    set late t[expr {[pixit mcast-members] - 1}]
    set s [mi-start -script [list $late {r2t-delay-ms 100}]]
    set w [mi-write-once $s 40 8 3]
    set log [dict get $w log]
    set itt [dict get $w itt]
    set r2t_at {}
    foreach name [mi-names $s] {
        foreach r [mi-tcp-out $log $name 0x31] {
            if {[dict get $r itt] == $itt && [dict get $r buffer_offset] == 0} {
                lappend r2t_at [dict get $r time]
            }
        }
    }
    check eq [llength $r2t_at] [llength [mi-names $s]] -field "first R2Ts of the group task" -clause 000:1(c)
    set last_r2t [tcl::mathfunc::max {*}$r2t_at]
    foreach p [mi-group-pdus $log [lindex [mi-names $s] 0] 5] {
        if {[dict get $p itt] == $itt} {
            check true {[dict get $p time] >= $last_r2t} \
                -message "group Data-Out at offset [dict get $p buffer_offset] before the last member's R2T" -clause 000:1(c)
        }
    }
}

vector mcast.init.data-out {
    claims {000:1(c) 000:12 000:15(c)} role initiator requires {mcast-initiator}
    summary "Group Data-Out: opcode 5, the group ITT, TTT 0xffffffff, LUN = vLUN, ExpStatSN 0, DataSN from 0 per burst, offsets in order, F on the burst's last; every target ends with the data"
} {
    set s [mi-start]
    set w [mi-write-once $s 50 16 4]
    set log [dict get $w log]
    set itt [dict get $w itt]
    set next 0
    set sn 0
    set pdus [mi-group-pdus $log [lindex [mi-names $s] 0] 5]
    check true {[llength $pdus] > 0} -message "no group Data-Out" -clause 000:1(c)
    foreach p $pdus {
        check pdu $p [list itt $itt ttt 0xffffffff lun_number [mc-vlun] expstatsn 0 datasn $sn buffer_offset $next] -clause 000:1(c)
        incr next [dict get $p data_segment_length]
        set sn [expr {[dict get $p F] ? 0 : $sn + 1}]
    }
    check eq $next [string length [dict get $w data]] -field "bytes sent to the group" -clause 000:1(c)
    check eq [dict get [lindex $pdus end] F] 1 -field "F of the last Data-Out" -clause 000:1(c)
    foreach name [mi-names $s] {
        same [mcast emulate read $name [pixit lun] 50 16] [dict get $w data] -field "LUN [pixit lun] of $name" -clause 000:1(c)
        foreach q [mi-tcp-in $log $name 5] {
            check true {[dict get $q itt] != $itt} -message "group data also went to $name over TCP without a recovery R2T" -clause 000:12
        }
    }
}

vector mcast.init.several-writes {
    claims {000:7 000:22 000:38} role initiator requires {mcast-initiator}
    summary "Several WRITEs under one registration: each its own group command with a fresh ITT, each completed at every target, one registration and one termination"
} {
    set s [mi-start]
    mi-register $s
    set a [pattern 1024 5]
    set b [pattern 1536 6]
    mi-write-ok $s 60 $a 000:7
    mi-write-ok $s 70 $b 000:7
    mi-ok $s "terminate [mc-group] [mc-vlun]" 000:2(f)
    set log [mi-log]
    set cmds [mi-group-cmds $log $s]
    check eq [llength $cmds] 2 -field "group commands between register and terminate" -clause 000:7
    check true {[dict get [lindex $cmds 0] itt] != [dict get [lindex $cmds 1] itt]} -message "two group WRITEs with one ITT" -clause 000:7
    foreach name [mi-names $s] {
        check eq [llength [mi-mirror-requests $log $name register]] 1 -field "registrations at $name" -clause 000:7
        same [mcast emulate read $name [pixit lun] 60 2] $a -field "first WRITE at $name" -clause 000:7
        same [mcast emulate read $name [pixit lun] 70 3] $b -field "second WRITE at $name" -clause 000:7
    }
}

vector mcast.init.status-acknowledged {
    claims {000:13(ii) 000:28(ii) 000:44(ii)} role initiator requires {mcast-initiator}
    summary "The initiator takes every member's SCSI Response on TCP and acknowledges its StatSN with ExpStatSN on its next PDU on that connection"
} {
    set s [mi-start]
    set w [mi-write-once $s 80 2 7]
    mi-ok $s "terminate [mc-group] [mc-vlun]" 000:2(f)
    set log [mi-log]
    foreach name [mi-names $s] {
        set rsp {}
        foreach r [mi-tcp-out $log $name 0x21] {
            if {[dict get $r itt] == [dict get $w itt]} { set rsp $r }
        }
        check true {$rsp ne ""} -message "$name sent no SCSI Response" -clause 000:13(ii)
        set term [lindex [mi-mirror-requests $log $name terminate] 0]
        check true {$term ne ""} -message "no termination at $name" -clause 000:2(f)
        check true {[dict get $term expstatsn] >= [dict get $rsp statsn] + 1} \
            -message "ExpStatSN [dict get $term expstatsn] does not acknowledge StatSN [dict get $rsp statsn] at $name" -clause RFC7143:11.10
    }
}

vector mcast.init.on-the-wire {
    claims {000:30} role initiator requires {mcast-initiator}
    summary "Registration, group command and termination exist as signals on the network: the capture, read back by tshark, holds the Text Requests and the group datagrams"
} {
    if {[auto_execok tshark] eq ""} {
        inconc "tshark is not installed"
    }
    close [file tempfile f mcast-wire.pcap]
    capture open $f
    set s [mi-start]
    mi-register $s
    mi-write-ok $s 90 [pattern 512 8] 000:1(c)
    mi-ok $s "terminate [mc-group] [mc-vlun]" 000:2(f)
    mi-log
    capture close
    set n [llength [mi-names $s]]
    # The emulated targets listen on ephemeral ports: tell the dissector they carry iSCSI.
    set decode {}
    foreach t [dict get $s targets] {
        lappend decode -d tcp.port==[lindex [split [dict get $t portal] :] end],iscsi
    }
    set texts [exec tshark -r $f {*}$decode -Y {iscsi.opcode == 0x04} -T fields -e ip.dst 2>/dev/null]
    set udp [exec tshark -r $f -Y "udp && ip.dst == [mc-group]" -T fields -e frame.number 2>/dev/null]
    file delete $f
    check true {[llength $texts] >= 2 * $n} -message "[llength $texts] Text Requests decoded by tshark, expected at least [expr {2 * $n}]" -clause 000:30
    check true {[llength $udp] >= 2} -message "[llength $udp] datagrams to the group decoded by tshark" -clause 000:30
}

# The partial block of the console's hex write: 300 bytes, the console fills the block with zeros.
# The longest iSCSI name (RFC 7143 4.2.7.1: 223 bytes of UTF-8).
namespace eval ::mi { variable HEX_BYTES 300; variable NAME_MAX 223 }

# An iqn-type name of exactly n bytes.
proc mi-iqn-of-length {n} {
    set head iqn.2026-12.org.example:
    return $head[string repeat a [expr {$n - [string length $head]}]]
}

vector mcast.init.console-commands {
    claims {000:1(a) 000:1(c) 000:7} role initiator requires {mcast-initiator}
    summary "The console's own forms: timeouts with both values, a write of a partial block given in hex, each copy read back by target and LUN, logout reaching every target, a target named by the longest iSCSI name and one byte past it"
} {
    set s [mi-start]
    set data_ms [mc-data-timeout]
    set cmd_ms [expr {4 * $data_ms}]
    check eq [mi-ok $s "timeout $data_ms $cmd_ms" 000:7] "timeout data=$data_ms cmd=$cmd_ms" -field "answer to timeout with both values" -clause 000:7
    mi-register $s
    set data [pattern $::mi::HEX_BYTES 9]
    binary scan $data H* hex
    mi-ok $s "write [mc-vlun] 110 $hex" 000:1(c)
    mi-write-ok $s 111 $data 000:1(c)
    set block [string range [string cat $data [string repeat \0 512]] 0 511]
    foreach name [mi-names $s] {
        same [mcast emulate read $name [pixit lun] 110 1] $block -field "block 110 at $name after the hex write" -clause 000:1(c)
        set crcs {}
        foreach lba {110 111 112} {
            set r [mi-ok $s "read $name [pixit lun] $lba 1" 000:1(c)]
            check match "read $name lun=[pixit lun] lba=$lba blocks=1 crc32c=*" $r -field "answer to read of LBA $lba at $name" -clause 000:1(c)
            lappend crcs [lindex [split $r =] end]
        }
        check eq [lindex $crcs 0] [lindex $crcs 1] -field "CRC32C of block 110 (hex write) against block 111 (file write) at $name" -clause 000:1(c)
        check true {[lindex $crcs 0] ne [lindex $crcs 2]} -message "block 110 reads like the untouched block 112 at $name" -clause 000:1(c)
    }
    mi-ok $s "terminate [mc-group] [mc-vlun]" 000:2(f)
    mi-ok $s logout 000:7
    set log [mi-log]
    foreach name [mi-names $s] {
        check true {[llength [mi-tcp-in $log $name 6]] >= 1} -message "$name got no Logout Request after logout" -clause 000:7
    }
    set longest [mi-iqn-of-length $::mi::NAME_MAX]
    check eq [mi-ok $s "target add longest 127.0.0.1:3260 $longest" RFC7143:4.2.7.1] "target longest 127.0.0.1:3260 $longest" \
        -field "answer to target add with a $::mi::NAME_MAX-byte name" -clause RFC7143:4.2.7.1
    set r [mi-cmd $s "target add past 127.0.0.1:3260 [mi-iqn-of-length [expr {$::mi::NAME_MAX + 1}]]" RFC7143:4.2.7.1]
    check eq [lindex $r 0] error -field "answer to target add with a [expr {$::mi::NAME_MAX + 1}]-byte name ([join $r])" -clause RFC7143:4.2.7.1
}
