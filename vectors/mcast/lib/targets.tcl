# Helpers of the mcast vectors (prefix mc-) where the DUT is the group of targets and the harness
# plays the mirroring initiator (docs/mcast-data-path.md §11): sessions with one ISID,
# registration in the PIXIT dialect, the group WRITE of §5 driven step by step, counters of
# §8.1. Waits, CDBs, block size, patterns and byte comparison are the check library's
# (conformance/checks). Addresses, names, LUNs, group and dialect come from PIXIT only. What a
# vector opens (sessions, group sockets) is closed when it ends (defer).

# Portals of the targets as {host port} pairs: PIXIT targets, else the single PIXIT portal.
proc mc-portals {} {
    set l [pixit targets]
    if {![llength $l]} {
        set l [list [pixit portal]]
    }
    set out {}
    foreach p $l {
        if {![regexp {^(.+):([0-9]+)$} $p -> host port]} {
            return -code error -errorcode {MC PIXIT targets} "PIXIT targets must be HOST:PORT items, not \"$p\""
        }
        lappend out [list $host $port]
    }
    return $out
}

# The iSCSI name of target i: PIXIT target-iqns, else target-iqn for every target.
proc mc-iqn {i} {
    set l [pixit target-iqns {}]
    return [expr {$i < [llength $l] ? [lindex $l $i] : [pixit target-iqn]}]
}

proc mc-group {} { return [pixit mcast-group] }
proc mc-port {} { return [pixit mcast-port] }
proc mc-vlun {} { return [pixit mcast-vlun] }
proc mc-dialect {} { return [pixit text-dialect] }
# DataTimeout the harness registers (ms): short, so recovery vectors finish quickly.
proc mc-data-timeout {} { return [pixit mcast-data-timeout] }

# The ISID of all this vector's sessions (§2): type 10b "random" (RFC 7143 11.12.5), from the seed.
proc mc-isid {} {
    return [expr {0x800000000000 | ([seed] & 0xffffffffff)}]
}

# Group ITTs: a range the harness's unicast tags (counted from 1) never reach (§6).
proc mc-itt {} {
    return [expr {0x40000000 + [incr ::mc_itt_next]}]
}

# Logs in to every target with the vector's ISID, offering ErrorRecoveryLevel -erl N; returns the
# connections. A refused session, or a level below N, is a precondition that failed (inconc):
# the iscsi-core suite judges logins.
proc mc-sessions {args} {
    set o [dict merge {-erl 0} $args]
    set conns {}
    set i 0
    foreach hp [mc-portals] {
        lassign $hp host port
        if {[catch {iscsi connect $host $port -timeout [wait-ms]} c]} {
            inconc "cannot connect to target $i at $host:$port: $c"
        }
        set keys [list InitiatorName [pixit initiator-iqn] TargetName [mc-iqn $i] SessionType Normal \
            ImmediateData No InitialR2T Yes ErrorRecoveryLevel [dict get $o -erl]]
        if {[catch {iscsi login $c -isid [mc-isid] -keys $keys -timeout [wait-ms]} got]} {
            inconc "login to target $i ([mc-iqn $i]) failed: $got"
        }
        if {[mc-erl $c] < [dict get $o -erl]} {
            inconc "ErrorRecoveryLevel [dict get $o -erl] was not negotiated with target $i ([mc-iqn $i])"
        }
        defer [list catch [list iscsi close $c]]
        lappend conns $c
        incr i
    }
    return $conns
}

# The negotiated ErrorRecoveryLevel of a session (0 when not negotiated).
proc mc-erl {c} {
    set k [dict get [iscsi state $c] keys]
    return [expr {[dict exists $k ErrorRecoveryLevel] ? [dict get $k ErrorRecoveryLevel] : 0}]
}

# Registration/termination keys for vLUN v in the PIXIT dialect (or -dialect D).
proc mc-keys {what v args} {
    set o [dict merge [list -dialect [mc-dialect] -group [mc-group]] $args]
    set extra {}
    if {$what eq "register"} {
        set extra [list -burst [pixit mcast-burst] -timeout [mc-data-timeout] -tasks [pixit mcast-tasks]]
    }
    return [mcast keys $what -group [dict get $o -group] -port [mc-port] -vlun $v \
        -map [pixit lun] -dialect [dict get $o -dialect] {*}$extra]
}

# Sends a Text Request with keys on c; a silent or closed target fails under clause.
proc mc-text {c keys clause} {
    return [await $clause "Text Response to {$keys}" [list iscsi text $c $keys -timeout [wait-ms]]]
}

# The value of key in a Text Response's keys, or "" when absent.
proc mc-key {r key} {
    set k [dict get $r keys]
    foreach {name value} $k {
        if {$name eq $key} { return $value }
    }
    return ""
}

# The outcome of a registration or termination answer, in either dialect: Registered,
# Terminated, a failure value, Reject, NotUnderstood, or "" when the answer says nothing.
proc mc-status {r} {
    set s [mc-key $r X-org.mirrorcert.MirrorStatus]
    if {$s ne ""} {
        return $s
    }
    foreach {name value} [dict get $r keys] {
        if {$value in {Reject NotUnderstood Irrelevant}} {
            return $value
        }
    }
    set cmd [string trim [mc-key $r Command][mc-key $r command]]
    return [dict get {register Registered terminate Terminated} $cmd]
}

# Registers vLUN v on every connection; each must answer Registered (000:11).
proc mc-register-all {conns v args} {
    set out {}
    foreach c $conns {
        set r [mc-text $c [mc-keys register $v {*}$args] 000:11]
        check pdu $r {opcode 0x24 F 1 C 0 ttt 0xffffffff} -clause 000:11
        check eq [mc-status $r] Registered -field "registration outcome" -clause 000:11
        lappend out $r
    }
    return $out
}

proc mc-terminate-all {conns v args} {
    set out {}
    foreach c $conns {
        set r [mc-text $c [mc-keys terminate $v {*}$args] 000:14]
        check pdu $r {opcode 0x24 F 1 C 0 ttt 0xffffffff} -clause 000:14
        check eq [mc-status $r] Terminated -field "termination outcome" -clause 000:14
        lappend out $r
    }
    return $out
}

# The harness's sender and receiver on the PIXIT group.
proc mc-open-group {} {
    set g [mcast group open [mc-group] [mc-port] -if [pixit mcast-if] -ttl [pixit mcast-ttl]]
    defer [list catch [list mcast group close $g]]
    return $g
}

# What real LUN [pixit lun] of c holds at lba..lba+blocks (unicast READ(10)).
proc mc-read {c lba blocks} {
    set bs [block-size $c inconc]
    set r [iscsi scsi $c -cdb [cdb-read10 $lba $blocks] -lun [pixit lun] -in [expr {$blocks * $bs}] -timeout [wait-ms]]
    if {[dict get $r status] != 0} {
        fail "unicast READ of LUN [pixit lun] failed with status [dict get $r status]" -clause 000:1(e)
    }
    return [dict get $r data]
}

# The group SCSI Command of §5.1 as a PDU spec for `mcast send`; fields may be overridden.
proc mc-cmd-pdu {itt v lba blocks bs args} {
    return [list scsi I 1 F 1 W 1 R 0 attr 1 itt $itt edtl [expr {$blocks * $bs}] cmdsn 0 expstatsn 0 \
        -lun $v -cdb [cdb-write10 $lba $blocks] {*}$args]
}

# Group Data-Out PDUs (§5.3) for data[off, off+len), segments of seg bytes, DataSN from 0.
proc mc-data-pdus {itt v data off len seg} {
    set out {}
    set sn 0
    for {set o $off} {$o < $off + $len} {incr o $seg} {
        set n [expr {min($seg, $off + $len - $o)}]
        set last [expr {$o + $n >= $off + $len}]
        lappend out [list data-out F $last itt $itt ttt 0xffffffff expstatsn 0 datasn $sn buffer_offset $o \
            -lun $v -data [string range $data $o [expr {$o + $n - 1}]]]
        incr sn
    }
    return $out
}

# Largest data segment every member accepts, bounded by a loopback-sized datagram (§3).
proc mc-segment {conns} {
    set seg [pixit mcast-segment]
    foreach c $conns {
        set seg [expr {min($seg, [dict get [iscsi state $c] peer_mrdsl])}]
    }
    return $seg
}

# Drives one group WRITE of data at lba of vLUN v to every connection (§5): the command in
# one datagram, then for each burst every member's R2T, then the burst's Data-Out to the group,
# then each member's SCSI Response. Options: -itt T, -skip {DATASN ...} (group Data-Out PDUs of
# burst -skip-burst K, the first by default, left out to make data go missing; the bursts after
# it are not sent, they are the recovery's business), -status 0 (check GOOD; "" to not check),
# -respond 1 (wait for responses), -seg BYTES (group Data-Out size), -fault {mcast fault options}
# (a fault plan on the data datagrams), -cdb HEX (the command's CDB, for one other than the
# WRITE(10) of lba and data). Returns {itt T r2ts {c {pdus}} rsp {c pdu} gsn {..}}.
proc mc-group-write {g conns v lba data args} {
    set o [dict merge [list -itt [mc-itt] -skip {} -skip-burst 0 -status 0 -respond 1 -seg {} -fault {} -cdb {}] $args]
    set itt [dict get $o -itt]
    set bs [block-size [lindex $conns 0] inconc]
    set blocks [expr {[string length $data] / $bs}]
    set edtl [string length $data]
    set res [dict create itt $itt r2ts {} rsp {} gsn {}]
    set cdb [expr {[dict get $o -cdb] ne "" ? [list -cdb [dict get $o -cdb]] : {}}]
    set s [mcast send $g [mc-isid] [list [mc-cmd-pdu $itt $v $lba $blocks $bs {*}$cdb]]]
    dict lappend res gsn [dict get $s gsn]
    set seg [expr {[dict get $o -seg] ne "" ? [dict get $o -seg] : [mc-segment $conns]}]
    if {[llength [dict get $o -fault]]} {
        mcast fault $g {*}[dict get $o -fault]
    }
    set off 0
    set k 0
    while {$off < $edtl} {
        set ddtl {}
        foreach c $conns {
            set r [rx $c [list opcode 0x31 itt $itt buffer_offset $off] 000:1(d) -what "R2T for offset $off"]
            dict set res r2ts $c [concat [expr {[dict exists $res r2ts $c] ? [dict get $res r2ts $c] : {}}] [list $r]]
            if {$ddtl eq ""} {
                set ddtl [dict get $r ddtl]
            } else {
                check eq [dict get $r ddtl] $ddtl -field "ddtl (burst plan, §5.2)" -clause 000:1(d)
            }
        }
        if {$ddtl <= 0} {
            fail "R2T with DDTL 0" -clause RFC7143:11.8.5
        }
        foreach p [mc-data-pdus $itt $v $data $off $ddtl $seg] {
            if {$k == [dict get $o -skip-burst] && [lindex $p [expr {[lsearch -exact $p datasn] + 1}]] in [dict get $o -skip]} {
                continue
            }
            set s [mcast send $g [mc-isid] [list $p]]
            dict lappend res gsn [dict get $s gsn]
        }
        incr off $ddtl
        if {[llength [dict get $o -skip]] && $k == [dict get $o -skip-burst]} {
            break   ;# data went missing on purpose: what follows is the recovery's business
        }
        incr k
    }
    if {[llength [dict get $o -fault]]} {
        dict set res fault [mcast fault $g -off]
    }
    if {[dict get $o -respond]} {
        foreach c $conns {
            set r [rx $c [list opcode 0x21 itt $itt] 000:13(i) -what "SCSI Response"]
            dict set res rsp $c $r
            if {[dict get $o -status] ne ""} {
                check pdu $r [list response 0 status [dict get $o -status]] -clause 000:13(i)
            }
        }
    }
    return $res
}

# The §8.1 counters of c's registrations as a dict (PICS counters).
proc mc-counters {c} {
    set r [mc-text $c [mcast keys counters] 000:1(d)]
    set v [mc-key $r X-org.mirrorcert.MirrorCounters]
    if {$v eq "" || $v eq "NotUnderstood"} {
        fail "MirrorCounters query answered \"$v\"" -clause 000:1(d)
    }
    set d {}
    foreach item [split $v ,] {
        lassign [split $item :] k n
        dict set d $k $n
    }
    return $d
}

# How often a counter still short of its count is read again, in milliseconds.
set ::mc_counter_poll_ms 20

# Checks that counter name of every connection grew by exactly n since before (a list of dicts).
# A datagram travels apart from the Text exchange that reads the counters, so a count still
# short is read again until the quiet time has passed; one beyond n fails at once.
proc mc-counted {conns before name n clause} {
    set until [expr {[clock milliseconds] + [quiet-ms]}]
    foreach c $conns b $before {
        set was [expr {[dict exists $b $name] ? [dict get $b $name] : 0}]
        while 1 {
            set a [mc-counters $c]
            set now [expr {[dict exists $a $name] ? [dict get $a $name] : 0}]
            if {$now - $was >= $n || [clock milliseconds] >= $until} {
                break
            }
            after $::mc_counter_poll_ms
        }
        check eq [expr {$now - $was}] $n -field "counter $name" -clause $clause
    }
}

proc mc-all-counters {conns} {
    set l {}
    foreach c $conns { lappend l [mc-counters $c] }
    return $l
}

# Memberships of the group on this host (/proc/net/igmp): how many sockets joined it.
proc mc-igmp-users {group} {
    set f [open /proc/net/igmp r]
    set text [read $f]
    close $f
    lassign [split $group .] a b c d
    set hex [format %02X%02X%02X%02X $d $c $b $a]
    set users 0
    foreach line [split $text \n] {
        if {[regexp "^\\s+$hex\\s+(\\d+)" $line -> n]} {
            incr users $n
        }
    }
    return $users
}

# Sends each PDU spec of pdus in a datagram of its own (bursts larger than one datagram).
proc mc-send-each {g pdus} {
    foreach p $pdus {
        mcast send $g [mc-isid] [list $p]
    }
}

# Serves c's recovery R2Ts for task itt by unicast Data-Out from data (§7.1) until its SCSI
# Response arrives; returns that response. Fails after 32 rounds.
proc mc-serve-recovery {c itt v data clause} {
    for {set round 0} {$round < 32} {incr round} {
        set p [rx $c [list itt $itt] $clause -what "recovery R2T or status" -ms [expr {[wait-ms] + 4 * [mc-registered-timeout]}]]
        if {[dict get $p opcode] == 0x21} {
            return $p
        }
        if {[dict get $p opcode] == 0x31} {
            set off [dict get $p buffer_offset]
            set n [dict get $p ddtl]
            iscsi send $c data-out F 1 itt $itt ttt [dict get $p ttt] datasn 0 buffer_offset $off -lun $v \
                -data [string range $data $off [expr {$off + $n - 1}]]
        }
    }
    fail "no status after 32 recovery rounds" -clause $clause
}

# The burst size B of the registration on c (§5.2): PIXIT mcast-burst in the standard dialect;
# the literal dialect cannot say it, so min(262144, the session's MaxBurstLength) (§4.3).
proc mc-burst {c} {
    if {[mc-dialect] eq "literal"} {
        return [expr {min(262144, [dict get [iscsi state $c] max_burst])}]
    }
    return [pixit mcast-burst]
}

# DataTimeout of the registrations (ms): PIXIT in the standard dialect, 2000 in the literal one.
proc mc-registered-timeout {} {
    return [expr {[mc-dialect] eq "literal" ? 2000 : [mc-data-timeout]}]
}

# The group's memberships once the previous vector's sessions, closed as it ended, have been
# dropped by the targets (they leave asynchronously): polls up to the quiet time for none.
proc mc-igmp-base {group} {
    set users [mc-igmp-users $group]
    for {set waited 0} {$users > 0 && $waited < [quiet-ms]} {incr waited 50} {
        after 50
        set users [mc-igmp-users $group]
    }
    return $users
}
