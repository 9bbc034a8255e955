# The mirroring initiator beyond one burst and against every answer the emulated targets can give
# (docs/mcast-data-path.md §4, §5.2-§5.5, §7; spec Figures 3-7): writes of several GroupBursts
# with a partial last one (sizes from the seed), a registration answered JoinFailed, a target
# soliciting outside the burst plan, and the recovery of Figures 5 and 7 for lost group data.

# GroupBurst B of the registration of the PIXIT vLUN, as the first emulated target holds it.
proc mi-burst {} {
    foreach r [dict get [lindex [dict get [mcast emulate info] targets] 0] registrations] {
        if {[dict get $r vlun] == [mc-vlun]} {
            return [dict get $r burst]
        }
    }
    fail "the first emulated target holds no registration of vLUN [mc-vlun]" -clause 000:1(a)
}

# Blocks of each emulated LUN for the writes of several bursts: three of the largest GroupBurst
# (262144, the literal dialect's default, §4.3) and a partial one, in 512-byte blocks, past LBA 1024.
proc mi-bursts-blocks {} { return 4096 }

# A length of two or three GroupBursts b and a partial last one, from the seed (blocks of 512,
# the emulated targets' block size; no 4 KiB multiple).
proc mi-odd-length {b} {
    return [expr {[seeded-int bursts 2 3] * $b + [seeded-int tail 512 [expr {$b - 512}] -step 512 -avoid {4096}]}]
}

# The group task of the last group SCSI Command the first target saw: its ITT.
proc mi-last-itt {log s} {
    set cmds [mi-group-cmds $log $s]
    if {![llength $cmds]} {
        fail "no SCSI Command reached the group" -clause 000:1(c)
    }
    return [dict get [lindex $cmds end] itt]
}

# The R2Ts target name sent for task itt, in order.
proc mi-r2ts {log name itt} {
    set out {}
    foreach r [mi-tcp-out $log $name 0x31] {
        if {[dict get $r itt] == $itt} { lappend out $r }
    }
    return $out
}

# Checks that R2T r of target name was answered by unicast Data-Out (§5.5, section 11.7) with
# its TTT: offsets from its buffer_offset on, DataSN from 0, F on the last, exactly ddtl bytes.
proc mi-check-unicast-answer {log name r clause} {
    set outs {}
    foreach p [mi-tcp-in $log $name 5] {
        if {[dict get $p ttt] == [dict get $r ttt] && [dict get $p itt] == [dict get $r itt]} { lappend outs $p }
    }
    set what "R2T (TTT [format 0x%x [dict get $r ttt]], offset [dict get $r buffer_offset], [dict get $r ddtl] bytes) of $name"
    check true {[llength $outs] > 0} -message "no unicast Data-Out answered the $what" -clause $clause
    set off [dict get $r buffer_offset]
    set end [expr {$off + [dict get $r ddtl]}]
    set sn 0
    foreach p $outs {
        check pdu $p [list datasn $sn buffer_offset $off lun_number [mc-vlun] F [expr {$off + [dict get $p data_segment_length] >= $end}]] \
            -clause $clause
        incr off [dict get $p data_segment_length]
        incr sn
    }
    check eq $off $end -field "end of the unicast data answering the $what" -clause $clause
}

vector mcast.init.multi-burst {
    claims {000:1(c) 000:12 000:15(c) 000:16(c) 000:31(c) 000:32(c)} role initiator requires {mcast-initiator}
    summary "A WRITE of several GroupBursts and a partial last one (seeded): one group command with that EDTL; each burst to the group after every member's R2T for it, DataSN from 0 per burst, offsets contiguous, F on each burst's last PDU only, ending at EDTL"
} {
    set s [mi-start -blocks [mi-bursts-blocks]]
    mi-register $s
    set b [mi-burst]
    set len [mi-odd-length $b]
    log "EDTL $len bytes, GroupBurst $b"
    set data [pattern $len 70]
    mi-write-ok $s 200 $data 000:1(c)
    set log [mi-log]
    set cmds [mi-group-cmds $log $s]
    check eq [llength $cmds] 1 -field "group SCSI Commands for one WRITE" -clause 000:12
    set itt [dict get [lindex $cmds 0] itt]
    check pdu [lindex $cmds 0] [list edtl $len] -clause 000:1(c)
    set names [mi-names $s]
    # When each burst was asked for by the last member to ask.
    set asked {}
    foreach name $names {
        foreach r [mi-r2ts $log $name $itt] {
            set k [expr {[dict get $r buffer_offset] / $b}]
            if {![dict exists $asked $k] || [dict get $r time] > [dict get $asked $k]} { dict set asked $k [dict get $r time] }
        }
    }
    set k 0
    set off 0
    set sn 0
    foreach p [mi-group-pdus $log [lindex $names 0] 5] {
        if {[dict get $p itt] != $itt} continue
        set hi [expr {min(($k + 1) * $b, $len)}]
        set n [dict get $p data_segment_length]
        check true {$n > 0 && $off + $n <= $hi} -message "group Data-Out at offset $off of $n bytes crosses the end $hi of burst $k" -clause 000:1(c)
        check pdu $p [list ttt 0xffffffff lun_number [mc-vlun] datasn $sn buffer_offset $off F [expr {$off + $n == $hi}]] -clause 000:1(c)
        check true {[dict exists $asked $k] && [dict get $p time] >= [dict get $asked $k]} \
            -message "burst $k went to the group before every member's R2T for it" -clause 000:1(c)
        incr off $n
        if {$off == $hi} {
            incr k
            set sn 0
        } else {
            incr sn
        }
    }
    check eq $off $len -field "bytes sent to the group" -clause 000:1(c)
    check eq $k [expr {($len + $b - 1) / $b}] -field "bursts sent to the group" -clause 000:1(c)
    # §3, §6: every datagram whole and checked, GSN +1 per datagram across the bursts.
    set gsn {}
    foreach d [mi-dgrams $log [lindex $names 0]] {
        check pdu $d {magic 0x4d47 version 1 crc_ok 1 lengths_ok 1} -clause 000:12
        if {$gsn ne ""} {
            check eq [dict get $d gsn] [expr {($gsn + 1) & 0xffffffff}] -field "gsn (+1 per datagram)" -clause 000:12
        }
        set gsn [dict get $d gsn]
    }
    foreach name $names {
        check eq [llength [mi-tcp-in $log $name 5]] 0 -field "unicast Data-Outs to $name (nothing was lost)" -clause 000:12
        same [mcast emulate read $name [pixit lun] 200 [expr {$len / 512}]] $data -field "LUN [pixit lun] of $name" -clause 000:1(c)
    }
}

vector mcast.init.register-join-failed {
    claims {000:1(a) 000:15(a)(i) 000:31(a)(i)} role initiator requires {mcast-initiator}
    summary "A target answering its registration JoinFailed is not a member: the result names it, the WRITE completes at the others, and it gets nothing for the vLUN (no command, abort or data)"
} {
    set bad t1
    set s [mi-start -script [list $bad {register fail}]]
    set r [mi-cmd $s [mi-register-line] 000:1(a)]
    check match *$bad* [lindex $r 1] -field "registration result (names the target that could not join)" -clause 000:1(a)
    set data [pattern 2048 71]
    mi-write-ok $s 300 $data 000:1(a)
    set log [mi-log]
    foreach name [mi-names $s] {
        if {$name ne $bad} {
            same [mcast emulate read $name [pixit lun] 300 4] $data -field "LUN of member $name" -clause 000:1(a)
            continue
        }
        foreach op {1 2 5} {
            foreach p [mi-tcp-in $log $name $op] {
                if {$op == 2 || [dict get $p lun_number] == [mc-vlun]} {
                    fail "$name, which answered JoinFailed, got [dict get $p opcode_name] over TCP" -clause 000:1(a)
                }
            }
        }
        check true {[mcast emulate read $name [pixit lun] 300 4] ne $data} -message "the WRITE reached $name, which is no member" -clause 000:1(a)
    }
}

vector mcast.init.r2t-outside-plan {
    claims {000:1(c) 000:12 000:13(ii)} role initiator requires {mcast-initiator}
    summary "A target soliciting in smaller bursts than registered (a subset of each burst, seeded) gets every one of its R2Ts answered by unicast Data-Out with that TTT and exactly that range; the others get the group bursts; every LUN holds the data"
} {
    set odd t1
    # The emulated targets register the default burst; t1 solicits in sub-bursts of it.
    set s [mi-start -blocks [mi-bursts-blocks]]
    mi-register $s
    set b [mi-burst]
    set sub [seeded-int sub 512 [expr {$b - 512}] -step 512]
    mcast emulate script $odd [list r2t-burst $sub]
    set len [expr {$b + [seeded-int tail 512 [expr {$b - 512}] -step 512 -avoid [list $sub]]}]
    log "EDTL $len bytes, GroupBurst $b, $odd solicits $sub bytes at a time"
    set data [pattern $len 72]
    mi-write-ok $s 400 $data 000:1(c)
    set log [mi-log]
    set itt [mi-last-itt $log $s]
    set r2ts [mi-r2ts $log $odd $itt]
    check eq [llength $r2ts] [expr {($len + $sub - 1) / $sub}] -field "R2Ts of $odd (its sub-bursts, each answered before the next)" -clause 000:1(c)
    foreach r $r2ts {
        mi-check-unicast-answer $log $odd $r 000:1(c)
    }
    foreach name [mi-names $s] {
        if {$name ne $odd} {
            check eq [llength [mi-tcp-in $log $name 5]] 0 -field "unicast Data-Outs to $name, which followed the plan" -clause 000:1(c)
        }
        same [mcast emulate read $name [pixit lun] 400 [expr {$len / 512}]] $data -field "LUN of $name" -clause 000:1(c)
    }
}

vector mcast.init.fig5-data-lost {
    claims {000:13(ii) 000:28(ii) 000:44(ii)} role initiator requires {mcast-initiator}
    summary "Figure 5 for lost data at ERL 0: every member misses group data and reports 0x4b/0x06; the initiator resends the WRITE to the group as a new task (new ITT, new GSN), no unicast retry, and it completes"
} {
    set script {}
    foreach name [lrange {t0 t1 t2 t3 t4 t5 t6 t7} 0 [expr {[pixit mcast-members] - 1}]] {
        lappend script $name {drop-data 1}
    }
    set s [mi-start -erl 0 -recovery fig5 -script $script]
    mi-register $s
    set data [pattern 4096 73]
    mi-write-ok $s 500 $data 000:13(ii)
    set log [mi-log]
    set cmds [mi-group-cmds $log $s]
    check eq [llength $cmds] 2 -field "group commands (first try and the group resend)" -clause 000:13(ii)
    lassign $cmds a b
    check true {[dict get $a itt] != [dict get $b itt]} -message "the resend reused the ITT" -clause 000:13(ii)
    check true {[dict get $a gsn] != [dict get $b gsn]} -message "the resend reused the GSN" -clause 000:13(ii)
    foreach name [mi-names $s] {
        set failed 0
        foreach r [mi-tcp-out $log $name 0x21] {
            if {[dict get $r itt] == [dict get $a itt] && [dict get $r status] == 2} { set failed 1 }
        }
        check eq $failed 1 -field "CHECK CONDITION of $name for the first try (precondition)" -clause 000:13(ii)
        check eq [llength [mi-tcp-in $log $name 1]] 0 -field "unicast commands to $name (Figure 5 resends to the group)" -clause 000:13(ii)
        same [mcast emulate read $name [pixit lun] 500 8] $data -field "LUN of $name after the group resend" -clause 000:13(ii)
    }
}

vector mcast.init.fig7-multi-burst {
    claims {000:13(ii) 000:28(ii) 000:44(ii) 000:1(c)} role initiator requires {mcast-initiator}
    summary "Figure 7 at ERL 1 in a WRITE of several bursts: each recovery R2T of the member that lost data is answered by unicast with its TTT and exactly its range, the later bursts still go to the group, no whole-command retry"
} {
    set bad t0
    set s [mi-start -erl 1 -recovery fig7 -blocks [mi-bursts-blocks] -script [list $bad {drop-data 1}]]
    mi-register $s
    set b [mi-burst]
    set len [mi-odd-length $b]
    log "EDTL $len bytes, GroupBurst $b"
    set data [pattern $len 74]
    mi-write-ok $s 600 $data 000:13(ii)
    set log [mi-log]
    set itt [mi-last-itt $log $s]
    # The first R2T at each k x B is the plan's; every other one asks again for lost data.
    set plan {}
    set recovery {}
    foreach r [mi-r2ts $log $bad $itt] {
        set off [dict get $r buffer_offset]
        if {$off % $b == 0 && $off ni $plan} {
            lappend plan $off
        } else {
            lappend recovery $r
        }
    }
    check true {[llength $recovery] >= 1} -message "$bad sent no recovery R2T (precondition)" -clause 000:13(ii)
    foreach r $recovery {
        mi-check-unicast-answer $log $bad $r 000:13(ii)
    }
    check eq [llength [mi-tcp-in $log $bad 1]] 0 -field "whole-command retries to $bad (ERL 1 asks only for the range)" -clause 000:13(ii)
    set bursts {}
    foreach p [mi-group-pdus $log $bad 5] {
        if {[dict get $p itt] == $itt} { lappend bursts [expr {[dict get $p buffer_offset] / $b}] }
    }
    set want {}
    for {set k 0} {$k * $b < $len} {incr k} { lappend want $k }
    check eq [lsort -integer -unique $bursts] $want -field "bursts of the task sent to the group" -clause 000:1(c)
    foreach name [mi-names $s] {
        same [mcast emulate read $name [pixit lun] 600 [expr {$len / 512}]] $data -field "LUN of $name" -clause 000:13(ii)
    }
}
