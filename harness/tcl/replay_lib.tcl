# The replay of a captured iSCSI flow against a live device, run as the body of a vector (so it
# has the runner's watchdog, device lifecycle, verdicts, ladder diagram and reports), with the
# iscsi-core helpers (core-session, core-task) and the check library. Prefix replay-.
#
# The session is kept consistent with the live device, not with the capture: the login is ours,
# with the captured operational keys and the PIXIT names; ISID, TSIH, CmdSN, ExpStatSN and ITTs
# are the live session's; a write's data goes in Data-Outs that follow the live R2Ts and the
# live negotiation (`iscsi scsi`); digests are computed afresh. Commands are replayed one at a
# time, in the capture's order, each waiting for its answer. Every rewrite is listed.

namespace eval ::replay {
    # Fields that always differ between two sessions, ignored when answers are compared.
    variable ignored {itt ttt statsn expcmdsn maxcmdsn cmdsn expstatsn tsih isid time frame dir opcode_name}
    # The rule as the report prints it.
    variable rule "ignored in every comparison: ITT and TTT (tags of each session), StatSN, ExpCmdSN,\
MaxCmdSN, CmdSN, ExpStatSN (numbered by each session), TSIH and ISID (each session's), and the\
data of a Data-In (the live store does not hold the captured one's blocks: its length and offset\
are compared) and its LUN unless A is 1 (reserved, 11.7.4); a SCSI Response's sense is compared\
by key, ASC and ASCQ; a captured LUN is compared as the live\
session numbers it; a Reject is compared by its reason and the opcode of the PDU it quotes; the login's keys are\
compared as declared over all its responses, leaving out names, addresses, the portal group tag\
and authentication (the login is ours)"
    # Login keys the replay does not take from the capture: names are PIXIT's, authentication is
    # the device's own (PICS auth-none, PIXIT chap-user), SessionType follows the flow's.
    variable login_own {InitiatorName TargetName InitiatorAlias AuthMethod CHAP_A CHAP_I CHAP_C CHAP_N CHAP_R SessionType}
    # Our choice: the largest write buffer a replayed command assembles from captured data (a
    # larger EDTL is sent with what the capture holds and zeros, up to this).
    variable out_max [expr {64 * 1024 * 1024}]
}

# The flow as commands: each initiator request with the data it sent and the target PDUs that
# answered it (by ITT), in capture order; the login's keys and responses; what is not replayed.
proc replay-plan {file flow} {
    set s [iscsi capture $file $flow]
    if {![dict get $s iscsi]} {
        error "flow $flow of $file is not an iSCSI connection: [join [dict get $s notes] {; }]"
    }
    set cmds {}
    set by_itt [dict create]
    set login [dict create keys {} responses {} discovery 0 frames {}]
    set skipped {}
    set unsolicited 0
    foreach p [dict get $s pdus] {
        set op [dict get $p opcode]
        set itt [dict get $p itt]
        if {[dict get $p dir] eq "out"} {
            switch -- $op {
                3 {
                    foreach {k v} [dict get $p text] {
                        if {$k eq "SessionType" && $v eq "Discovery"} {
                            dict set login discovery 1
                        }
                        if {$k ni $::replay::login_own} {
                            dict set login keys $k $v
                        }
                    }
                    dict lappend login frames [dict get $p frame]
                }
                5 {
                    if {[dict exists $by_itt $itt]} {
                        set i [dict get $by_itt $itt]
                        set cmd [lindex $cmds $i]
                        dict lappend cmd dataouts $p
                        lset cmds $i $cmd
                    } else {
                        lappend skipped "frame [dict get $p frame]: a Data-Out for ITT [format 0x%08x $itt], whose command the capture does not hold"
                    }
                }
                0 - 1 - 2 - 4 - 6 {
                    if {$op == 0 && $itt == 0xffffffff} {
                        lappend skipped "frame [dict get $p frame]: a NOP-Out answering the target's ping (the live target pings on its own)"
                        continue
                    }
                    dict set by_itt $itt [llength $cmds]
                    lappend cmds [dict create kind [replay-kind $p] pdu $p dataouts {} answers {} frame [dict get $p frame]]
                }
                default {
                    lappend skipped "frame [dict get $p frame]: [dict get $p opcode_name] not replayed"
                }
            }
        } else {
            set key $itt
            if {$op == 0x3f && [dict exists $p rejected itt]} {
                set key [dict get $p rejected itt]
            }
            if {$op == 0x23} {
                dict lappend login responses $p
            } elseif {[dict exists $by_itt $key]} {
                set i [dict get $by_itt $key]
                set cmd [lindex $cmds $i]
                dict lappend cmd answers $p
                lset cmds $i $cmd
            } else {
                incr unsolicited
            }
        }
    }
    # A write whose data the capture does not hold whole (a lost segment, a snap length) sends
    # zeros where it lacks them.
    foreach cmd $cmds {
        set p [dict get $cmd pdu]
        if {[dict get $cmd kind] eq "scsi" && [dict get $p W]} {
            set held [string length [dict get $p data]]
            foreach d [dict get $cmd dataouts] {
                incr held [string length [dict get $d data]]
            }
            if {$held < [dict get $p edtl]} {
                lappend skipped "[replay-name $cmd]: $held of its [dict get $p edtl] bytes of data are in the capture; the rest is sent as zeros"
            }
        }
    }
    # LUNs are the site's: the LUN the capture's SCSI commands address most is PIXIT's lun here;
    # others keep their numbers.
    set uses [dict create]
    foreach cmd $cmds {
        if {[dict get $cmd kind] eq "scsi"} {
            dict incr uses [replay-lun-number [dict get $cmd pdu lun]]
        }
    }
    set luns [dict create]
    if {[dict size $uses]} {
        set top [lindex [lsort -stride 2 -index 1 -integer -decreasing $uses] 0]
        dict set luns $top [pixit lun]
    }
    return [dict create file $file flow $flow capture $s login $login commands $cmds skipped $skipped \
                unsolicited $unsolicited luns $luns]
}

# The LUN number of an 8-byte LUN field (SAM-5 peripheral or flat space addressing, one level).
proc replay-lun-number {field} {
    return [expr {($field >> 48) & 0x3fff}]
}

# The live LUN of a captured LUN number.
proc replay-lun {plan n} {
    return [expr {[dict exists $plan luns $n] ? [dict get $plan luns $n] : $n}]
}

proc replay-kind {p} {
    switch -- [dict get $p opcode] {
        0 { return nop }
        1 { return scsi }
        2 { return tmf }
        4 { return text }
        6 { return logout }
    }
}

# A command's one-line name: "SCSI Command 0x2a (frame 12)".
proc replay-name {cmd} {
    set p [dict get $cmd pdu]
    set n [dict get $p opcode_name]
    if {[dict get $cmd kind] eq "scsi"} {
        append n " 0x[string range [dict get $p cdb] 0 1]"
    }
    return "$n (frame [dict get $cmd frame])"
}

# The bytes a write sent: immediate data at offset 0, each Data-Out's at its offset.
proc replay-out-bytes {cmd} {
    set p [dict get $cmd pdu]
    set edtl [dict get $p edtl]
    set have 0
    set parts [list [list 0 [dict get $p data]]]
    foreach d [dict get $cmd dataouts] {
        lappend parts [list [dict get $d buffer_offset] [dict get $d data]]
    }
    foreach pr $parts {
        lassign $pr off bytes
        set have [expr {max($have, $off + [string length $bytes])}]
    }
    set len [expr {min(max($edtl, $have), $::replay::out_max)}]
    set buf [binary format x$len]
    foreach pr $parts {
        lassign $pr off bytes
        if {$off < $len} {
            set bytes [string range $bytes 0 [expr {$len - $off - 1}]]
            set buf [string replace $buf $off [expr {$off + [string length $bytes] - 1}] $bytes]
        }
    }
    return $buf
}

# Logs in as the captured session did (its operational keys, PIXIT's names); returns the
# connection and the final Login Response.
proc replay-login {plan} {
    set login [dict get $plan login]
    set keys [dict get $login keys]
    if {[dict get $login discovery]} {
        set c [core-open-conn]
        set r [iscsi login $c -keys [list InitiatorName [pixit initiator-iqn] SessionType Discovery {*}$keys] \
                   {*}[core-chap-args] -timeout [wait-ms]]
    } else {
        set c [core-session -keys $keys]
        set r {}
    }
    set h [iscsi history $c]
    set rsps [lmap p $h {expr {[dict get $p dir] eq "in" && [dict get $p opcode] == 0x23 ? $p : [continue]}}]
    return [list $c $rsps]
}

# Sends one command on c and gathers the target's answers; {answers LIST end ok|timeout|closed|refused
# why TEXT}.
proc replay-send {plan c cmd itts} {
    set p [dict get $cmd pdu]
    set ms [wait-ms]
    set r {}
    set answers {}
    switch -- [dict get $cmd kind] {
        scsi {
            set lun [replay-lun $plan [replay-lun-number [dict get $p lun]]]
            # Unsolicited data when the captured initiator sent any (Data-Out with TTT 0xffffffff).
            set unsolicited 0
            foreach d [dict get $cmd dataouts] {
                set unsolicited [expr {$unsolicited || [dict get $d ttt] == 0xffffffff}]
            }
            set args [list -cdb [dict get $p cdb] -lun $lun -edtl [dict get $p edtl] -timeout $ms \
                          -immediate [expr {[dict get $p data_segment_length] > 0}] -unsolicited $unsolicited]
            if {[dict get $p W]} {
                lappend args -out [replay-out-bytes $cmd]
            }
            if {[dict get $p R]} {
                lappend args -in [dict get $p edtl]
            }
            set rc [catch {iscsi scsi $c {*}$args} r opts]
            if {!$rc} {
                set answers [lmap x [dict get $r pdus] {expr {[dict get $x dir] eq "in" ? $x : [continue]}}]
            }
        }
        text {
            set rc [catch {iscsi text $c [dict get $p text] -timeout $ms} r opts]
            if {!$rc} {
                set answers [lmap x [dict get $r pdus] {expr {[dict get $x dir] eq "in" ? $x : [continue]}}]
            }
        }
        default {
            set fields {}
            switch -- [dict get $cmd kind] {
                nop { set fields [list ttt 0xffffffff -data [dict get $p data]] }
                tmf {
                    set rtt [dict get $p rtt]
                    if {[dict exists $itts $rtt]} {
                        set rtt [dict get $itts $rtt]
                    }
                    set lun [iscsi lun [replay-lun $plan [replay-lun-number [dict get $p lun]]]]
                    set fields [list function [dict get $p function] lun $lun rtt $rtt]
                }
                logout { set fields [list reason_code [dict get $p reason_code]] }
            }
            if {[dict get $p I]} {
                lappend fields I 1
            }
            set rc [catch {
                set out [iscsi send $c [dict get $p opcode] {*}$fields]
                set r [iscsi expect $c [list itt [dict get $out itt]] -timeout $ms]
            } msg opts]
            if {!$rc} {
                set answers [list $r]
            } else {
                set r $msg
            }
        }
    }
    if {$rc} {
        set code [dict get $opts -errorcode]
        set end [expr {[lindex $code 1] eq "TIMEOUT" ? "timeout" : [lindex $code 1] eq "CLOSED" ? "closed" : "refused"}]
        return [dict create answers $answers end $end why $r live_itt {}]
    }
    set live_itt [expr {[llength $answers] ? [dict get [lindex $answers 0] itt] : {}}]
    return [dict create answers $answers end ok why {} live_itt $live_itt]
}

# The fields of a PDU that a comparison looks at.
proc replay-fields {p} {
    set out {}
    set op [dict get $p opcode]
    dict for {k v} $p {
        if {$k in $::replay::ignored || $k in {rejected frame data_digest_bad}} {
            continue
        }
        if {$k eq "data" && $op == 0x25} {
            continue
        }
        if {$k eq "data" && ($op == 0x3f || $op == 0x21)} {
            continue
        }
        # A Data-In's LUN field is reserved unless it asks for an acknowledgement (11.7.4).
        if {$k eq "lun" && $op == 0x25 && ![dict get $p A]} {
            continue
        }
        if {$k eq "sense" && [dict exists $v key]} {
            set v [format "key 0x%x ASC 0x%02x ASCQ 0x%02x" [dict get $v key] [dict get $v asc] [dict get $v ascq]]
        }
        dict set out $k $v
    }
    if {$op == 0x3f && [dict exists $p rejected opcode]} {
        dict set out rejected_opcode [dict get $p rejected opcode]
    }
    return $out
}

proc replay-show {v} {
    if {[string length $v] > 48 || ![string is print $v]} {
        return "[string length $v] bytes"
    }
    return $v
}

# The divergences of a command: the captured answers against the live ones, position by
# position; each {command I name N frame F field K captured V live W}.
proc replay-compare {plan i cmd live} {
    set out {}
    set cap [dict get $cmd answers]
    set got [dict get $live answers]
    set name [replay-name $cmd]
    set n [expr {min([llength $cap], [llength $got])}]
    for {set k 0} {$k < $n} {incr k} {
        set a [replay-fields [lindex $cap $k]]
        set b [replay-fields [lindex $got $k]]
        if {[dict exists $a lun]} {
            # The captured LUN as the live session numbers it (replay-plan's mapping).
            set n [replay-lun-number [dict get $a lun]]
            if {[dict exists $plan luns $n]} {
                dict set a lun [iscsi lun [dict get $plan luns $n]]
            }
        }
        set where "answer [expr {$k + 1}] ([dict get [lindex $cap $k] opcode_name], frame [dict get [lindex $cap $k] frame])"
        if {[dict get $a opcode] != [dict get $b opcode]} {
            lappend out [dict create command $i name $name where $where field opcode \
                             captured [dict get [lindex $cap $k] opcode_name] live [dict get [lindex $got $k] opcode_name]]
            break
        }
        set these {}
        foreach key [lsort -unique [concat [dict keys $a] [dict keys $b]]] {
            set x [expr {[dict exists $a $key] ? [dict get $a $key] : "(absent)"}]
            set y [expr {[dict exists $b $key] ? [dict get $b $key] : "(absent)"}]
            if {$x ne $y} {
                lappend these [dict create command $i name $name where $where field $key \
                                   captured [replay-show $x] live [replay-show $y]]
            }
        }
        # The flags byte differs whenever a named bit of it does: said once, by the bit.
        if {[llength $these] > 1} {
            set these [lmap d $these {expr {[dict get $d field] eq "flags" ? [continue] : $d}}]
        }
        lappend out {*}$these
    }
    if {[llength $cap] != [llength $got] && [dict get $live end] eq "ok"} {
        lappend out [dict create command $i name $name where answers field count \
                         captured [llength $cap] live [llength $got]]
    }
    if {[dict get $live end] ne "ok"} {
        lappend out [dict create command $i name $name where answers field end \
                         captured [expr {[llength $cap] ? "answered" : "no answer"}] \
                         live "[dict get $live end]: [dict get $live why]"]
    }
    return $out
}

# A divergence's signature, which a shrunk replay must still show: the command, the field and
# the live value (the captured value may be the same in every subsequence).
proc replay-signature {d} {
    set name [regsub { \(frame [0-9]+\)$} [dict get $d name] ""]
    set live [dict get $d live]
    if {[dict get $d field] eq "end"} {
        set live [lindex [split $live :] 0]
    }
    return [list $name [dict get $d field] $live]
}

# The keys of a login's responses, a later value of a key replacing an earlier one.
proc replay-login-keys {rsps} {
    set keys [dict create]
    foreach p $rsps {
        if {[dict exists $p text]} {
            set keys [dict merge $keys [dict get $p text]]
        }
    }
    return $keys
}

# Replays the commands of plan whose indexes are in picked, on a new session; returns
# {divergences LIST results LIST login LIST}.
proc replay-once {plan picked} {
    lassign [replay-login $plan] c login_rsps
    set divs {}
    set results {}
    set itts [dict create]
    set cmds [dict get $plan commands]
    set cap_login [dict get $plan login responses]
    if {[llength $cap_login] && [llength $login_rsps]} {
        set a [lindex $cap_login end]
        set b [lindex $login_rsps end]
        foreach key {status_class status_detail version_active} {
            if {[dict get $a $key] != [dict get $b $key]} {
                lappend divs [dict create command -1 name Login where "final Login Response" field $key \
                                  captured [dict get $a $key] live [dict get $b $key]]
            }
        }
        # The keys the target declared over the whole login (a key answered in an earlier
        # response need not be repeated in the last).
        set ka [replay-login-keys $cap_login]
        set kb [replay-login-keys $login_rsps]
        foreach key [lsort -unique [concat [dict keys $ka] [dict keys $kb]]] {
            # The site's names and addresses, and the authentication, which is ours.
            if {$key in {TargetAlias TargetPortalGroupTag TargetAddress} || $key in $::replay::login_own} {
                continue
            }
            set x [expr {[dict exists $ka $key] ? [dict get $ka $key] : "(absent)"}]
            set y [expr {[dict exists $kb $key] ? [dict get $kb $key] : "(absent)"}]
            if {$x ne $y} {
                lappend divs [dict create command -1 name Login where "Login Responses" field "key $key" \
                                  captured $x live $y]
            }
        }
    }
    foreach i $picked {
        set cmd [lindex $cmds $i]
        set live [replay-send $plan $c $cmd $itts]
        if {[dict get $live live_itt] ne ""} {
            dict set itts [dict get $cmd pdu itt] [dict get $live live_itt]
        }
        lappend results [list $i $live]
        lappend divs {*}[replay-compare $plan $i $cmd $live]
        if {[dict get $live end] eq "closed"} {
            break
        }
    }
    catch {iscsi close $c}
    return [dict create divergences $divs results $results login $login_rsps]
}

# ddmin (Zeller and Hildebrandt) over the command indexes: the smallest subsequence whose replay
# still shows signature, within at most tries replays. Returns {picked LIST tries N}.
proc replay-shrink {plan picked signature tries} {
    set used 0
    set n 2
    while {[llength $picked] >= 2 && $used < $tries} {
        set size [expr {int(ceil([llength $picked] / double($n)))}]
        set parts {}
        for {set k 0} {$k < [llength $picked]} {incr k $size} {
            lappend parts [lrange $picked $k [expr {$k + $size - 1}]]
        }
        set reduced 0
        foreach cand [concat $parts [lmap p $parts {
            set rest {}
            foreach x $picked {
                if {$x ni $p} { lappend rest $x }
            }
            set rest
        }]] {
            if {![llength $cand] || [llength $cand] == [llength $picked] || $used >= $tries} {
                continue
            }
            incr used
            set r [replay-once $plan $cand]
            if {$signature in [lmap d [dict get $r divergences] {replay-signature $d}]} {
                set picked $cand
                set n [expr {max($n - 1, 2)}]
                set reduced 1
                break
            }
        }
        if {!$reduced} {
            if {$n >= [llength $picked]} {
                break
            }
            set n [expr {min($n * 2, [llength $picked])}]
        }
    }
    return [dict create picked $picked tries $used]
}

# The vector's body: replay, compare, shrink when asked, write the report and the vector.
proc replay-run {file flow opts} {
    set plan [replay-plan $file $flow]
    set all [lsearch -all [dict get $plan commands] *]
    set r [replay-once $plan $all]
    set divs [dict get $r divergences]
    set shrunk {}
    if {[dict get $opts shrink] && [llength $divs]} {
        set sig [replay-signature [lindex $divs 0]]
        set shrunk [replay-shrink $plan $all $sig [dict get $opts tries]]
        dict set shrunk signature $sig
        dict set shrunk from [llength $all]
        set r2 [replay-once $plan [dict get $shrunk picked]]
        dict set shrunk divergences [dict get $r2 divergences]
        dict set shrunk results [dict get $r2 results]
    }
    replay-write-report $plan $r $shrunk $opts
    foreach d $divs {
        log "divergence: [replay-divergence-line $d]"
    }
    if {[llength $divs]} {
        fail "[llength $divs] [expr {[llength $divs] == 1 ? "divergence" : "divergences"}] from the capture; the first: [replay-divergence-line [lindex $divs 0]]" \
            -clause RFC7143:11
    }
}
