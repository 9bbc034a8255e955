# The registration's Text keys at the targets, answer by answer (docs/mcast-data-path.md §4.2;
# spec Figure 3, 319-323): every key echoed with exactly the value sent, the parameters the member
# then applies (GroupBurst, GroupTasks), and each range of §4.2 at its first value, its last and
# one past either, a failure registering nothing. The keys of §4.2 belong to the default
# dialect, which every member speaks (§4.3: the literal one cannot say these parameters).

# A registration of vLUN v in the default dialect with the parameters of opts (mcast keys options).
proc mc-std-keys {v opts} {
    return [mcast keys register -group [mc-group] -port [mc-port] -vlun $v -map [pixit lun] -dialect standard \
        -burst [pixit mcast-burst] -timeout [mc-data-timeout] -tasks [pixit mcast-tasks] {*}$opts]
}

vector mcast.register.echo-exact {
    claims {000:11 000:26 000:42 000:1(b) 000:15(b) 000:16(b)} role target requires {mcast-target}
    summary "Every registration key is answered with exactly the value sent (seeded GroupBurst, GroupTasks, DataTimeout, NextGSN), in order, then MirrorStatus=Registered; the R2T plan follows the registered GroupBurst"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    set bs [block-size [lindex $conns 0] inconc]
    set most [tcl::mathfunc::min {*}[lmap c $conns {dict get [iscsi state $c] max_burst}]]
    set b [seeded-int burst [expr {2 * $bs}] [expr {min($most, [pixit mcast-burst])}] -step 512 -avoid {4096}]
    set opts [list -burst $b -tasks [seeded-int tasks 2 64] -timeout [seeded-int timeout [mc-data-timeout] 60000] \
        -next-gsn [seeded-int gsn 1 0xffffffff]]
    set keys [mc-std-keys [mc-vlun] $opts]
    log "registration keys: $keys"
    foreach c $conns {
        set r [mc-text $c $keys 000:11]
        check pdu $r {opcode 0x24 F 1 C 0 ttt 0xffffffff} -clause 000:11
        check eq [dict get $r keys] [concat $keys [list X-org.mirrorcert.MirrorStatus Registered]] \
            -field "answer (every key echoed, then MirrorStatus)" -clause 000:11
    }
    set len [expr {$b + [seeded-int tail $bs [expr {$b - $bs}] -step $bs]}]
    set data [pattern $len 60]
    set w [mc-group-write $g $conns [mc-vlun] 1600 $data]
    foreach c $conns {
        check eq [lmap r [dict get $w r2ts $c] {dict get $r ddtl}] [list $b [expr {$len - $b}]] \
            -field "R2T DDTLs at the registered GroupBurst $b" -clause 000:1(b)
        same [mc-read $c 1600 [expr {$len / $bs}]] $data -field "LUN after a WRITE at the registered GroupBurst" -clause 000:1(e)
    }
}

vector mcast.register.param-bounds {
    claims {000:11 000:26 000:42} role target requires {mcast-target}
    summary "GroupBurst, GroupTasks, DataTimeout and VirtualLUN at their first and last legal value are Registered; one past (or not a multiple of 512) is BadParameter, and registers nothing"
} {
    set c [lindex [mc-sessions] 0]
    set most [dict get [iscsi state $c] max_burst]
    set cases [list \
        {-burst 512} Registered  {-burst 511} BadParameter  {-burst 1000} BadParameter \
        [list -burst $most] Registered  [list -burst [expr {$most + 512}]] BadParameter \
        {-tasks 1} Registered  {-tasks 64} Registered  {-tasks 0} BadParameter  {-tasks 65} BadParameter \
        {-timeout 100} Registered  {-timeout 60000} Registered  {-timeout 99} BadParameter  {-timeout 60001} BadParameter \
        {-vlun 255} Registered  {-vlun 256} BadParameter]
    foreach {opts want} $cases {
        set v [mc-vlun]
        if {[dict exists $opts -vlun]} {
            set v [dict get $opts -vlun]
            set opts [dict remove $opts -vlun]
        }
        set r [mc-text $c [mc-std-keys $v $opts] 000:11]
        check eq [mc-key $r X-org.mirrorcert.MirrorStatus] $want -field "MirrorStatus for {$opts} vLUN $v" -clause 000:11
        # An out-of-range vLUN must not have been registered as another (256 as 0).
        set t [mc-text $c [mcast keys terminate -group [mc-group] -port [mc-port] -vlun [expr {$v & 0xff}] -dialect standard] 000:14]
        set gone [expr {$want eq "Registered" ? "Terminated" : "NotRegistered"}]
        check eq [mc-key $t X-org.mirrorcert.MirrorStatus] $gone -field "termination after {$opts} answered $want" -clause 000:11
    }
}

vector mcast.register.failure-values {
    claims {000:11 000:1(b) 000:26 000:42} role target requires {mcast-target}
    summary "Each failure of §4.2 has its own value (LUNInUse, BadMap, BadParameter for a missing key), an unknown key is NotUnderstood without failing the request, and a failed re-registration leaves the earlier one in place"
} {
    set c [lindex [mc-sessions] 0]
    set v [mc-vlun]
    set base [mc-std-keys $v {}]
    check eq [mc-key [mc-text $c $base 000:11] X-org.mirrorcert.MirrorStatus] Registered -field "first registration" -clause 000:11
    # vLUN equal to a real LUN of the session; a LunMap whose virtual part is not VirtualLUN; no LunMap.
    set inuse [mcast keys register -group [mc-group] -port [mc-port] -vlun [pixit lun] -map [pixit lun] -dialect standard]
    set badmap [lreplace $base [expr {[lsearch -exact $base X-org.mirrorcert.LunMap] + 1}] \
        [expr {[lsearch -exact $base X-org.mirrorcert.LunMap] + 1}] [pixit lun]:[expr {$v + 1}]]
    set nomap [lreplace $base [lsearch -exact $base X-org.mirrorcert.LunMap] [expr {[lsearch -exact $base X-org.mirrorcert.LunMap] + 1}]]
    foreach {keys want} [list $inuse LUNInUse $badmap BadMap $nomap BadParameter] {
        set r [mc-text $c $keys 000:11]
        check eq [mc-key $r X-org.mirrorcert.MirrorStatus] $want -field "MirrorStatus for {$keys}" -clause 000:11
    }
    set unknown [concat $base [list X-org.mirrorcert.NoSuchKey 1]]
    set r [mc-text $c $unknown 000:11]
    check eq [mc-key $r X-org.mirrorcert.NoSuchKey] NotUnderstood -field "answer to an unknown key" -clause RFC7143:6.2
    check eq [mc-key $r X-org.mirrorcert.MirrorStatus] Registered -field "MirrorStatus beside an unknown key" -clause 000:11
    # The registration of vLUN v survived every failure: it terminates once, then is gone.
    set t [mcast keys terminate -group [mc-group] -port [mc-port] -vlun $v -dialect standard]
    check eq [mc-key [mc-text $c $t 000:14] X-org.mirrorcert.MirrorStatus] Terminated -field "termination of the surviving registration" -clause 000:11
    check eq [mc-key [mc-text $c $t 000:14] X-org.mirrorcert.MirrorStatus] NotRegistered -field "second termination" -clause 000:14
}

vector mcast.neg.group-tasks-limit {
    claims {000:1(d) 000:15(d) 000:16(d)} role target requires {mcast-target counters}
    summary "GroupTasks n (from the seed) live group tasks are solicited, the n+1th command is dropped and counted bad-command, and once one task completes a new command is taken again"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    set n [seeded-int tasks 1 4]
    # DataTimeout long enough that the live tasks outlast the silence and the counter reads.
    set keys [mc-std-keys [mc-vlun] [list -tasks $n -timeout [expr {min(60000, 2 * [quiet-ms] + [wait-ms])}]]]
    foreach c $conns {
        check eq [mc-key [mc-text $c $keys 000:11] X-org.mirrorcert.MirrorStatus] Registered -field "registration with GroupTasks $n" -clause 000:11
    }
    set bs [block-size [lindex $conns 0] inconc]
    set itts {}
    for {set i 0} {$i < $n} {incr i} {
        set itt [mc-itt]
        lappend itts $itt
        mcast send $g [mc-isid] [list [mc-cmd-pdu $itt [mc-vlun] [expr {1900 + $i}] 1 $bs]]
        foreach c $conns {
            rx $c [list opcode 0x31 itt $itt] 000:1(d) -what "R2T of group task [expr {$i + 1}] of $n"
        }
    }
    set before [mc-all-counters $conns]
    set over [mc-itt]
    mcast send $g [mc-isid] [list [mc-cmd-pdu $over [mc-vlun] 1910 1 $bs]]
    check eq [silent $conns [list itt $over] 000:1(d)] 1 -field "R2T for group task [expr {$n + 1}] beyond GroupTasks $n" -clause 000:1(d)
    mc-counted $conns $before bad-command 1 000:1(d)
    # The first task completes; a new command fits again.
    set data [pattern $bs 61]
    mcast send $g [mc-isid] [mc-data-pdus [lindex $itts 0] [mc-vlun] $data 0 $bs $bs]
    foreach c $conns {
        check pdu [rx $c [list opcode 0x21 itt [lindex $itts 0]] 000:13(i) -what "status of the first task"] {status 0} -clause 000:13(i)
    }
    mc-group-write $g $conns [mc-vlun] 1911 [pattern $bs 62]
}
