# Helpers of the mcast vectors (prefix mi-) where the DUT is the mirroring initiator: the harness
# emulates PIXIT mcast-members targets (`mcast emulate`), drives the initiator's console with
# Expect (PIXIT initiator-command, prompt initiator-prompt, one "ok ..."/"error ..." line per
# command), then checks every PDU the emulated targets received. The console and the emulated
# targets are stopped when the vector ends (defer).

# How long a console gets to leave after quit and EOF before it is terminated, and how often
# its process is looked at meanwhile.
set ::mi_console_grace_ms 1000
set ::mi_console_poll_ms 50

# Starts the emulated targets (each scripted by -script {NAME {key value ..} ..}) and the console,
# adds every target and logs in. Options: -erl N (most the targets accept), -recovery figN,
# -blocks N (blocks of each emulated LUN; the emulator's default when empty).
# Returns {sid ID targets {dict ..}}.
proc mi-start {args} {
    set o [dict merge {-erl 1 -recovery {} -script {} -blocks {}} $args]
    set cmd [pixit initiator-command]
    if {![llength $cmd]} {
        return -code error -errorcode {MC PIXIT initiator-command} "PIXIT initiator-command is empty: no initiator DUT to drive"
    }
    set size [expr {[dict get $o -blocks] eq "" ? {} : [list -blocks [dict get $o -blocks]]}]
    set ts [mcast emulate start -n [pixit mcast-members] -addrs [pixit mcast-emulated-addrs] \
        -luns [list 0 [pixit lun]] -erl [dict get $o -erl] {*}$size]
    defer {mcast emulate stop}
    foreach {name s} [dict get $o -script] {
        mcast emulate script $name $s
    }
    if {[catch {spawn -noecho {*}$cmd} pid] || $pid == 0} {
        return -code error "cannot start the initiator console: $cmd"
    }
    set sid $spawn_id
    defer [list mi-close-console $sid]
    expect -i $sid -timeout [expr {[wait-ms] / 1000 + 1}] -exact [pixit initiator-prompt] {} timeout {
        fail "the initiator console printed no prompt" -clause 000:1(a)
    } eof {
        fail "the initiator console exited at start" -clause 000:1(a)
    }
    set s [dict create sid $sid targets $ts]
    if {[dict get $o -recovery] ne ""} {
        mi-ok $s "recovery [dict get $o -recovery]" 000:13(ii)
    }
    foreach t $ts {
        mi-ok $s "target add [dict get $t name] [dict get $t portal] [dict get $t iqn]" 000:1(a)
    }
    mi-ok $s login 000:1(a)
    return $s
}

# Ends a console: quit, then EOF; one still running after the grace time is terminated. Never a
# blocking wait.
proc mi-close-console {sid} {
    set pid [exp_pid -i $sid]
    catch {exp_send -i $sid "quit\r"}
    catch {close -i $sid}
    set until [expr {[clock milliseconds] + $::mi_console_grace_ms}]
    while {[process-state $pid] ni {"" Z X} && [clock milliseconds] < $until} {
        catch {wait -nowait -i $sid}
        after $::mi_console_poll_ms
    }
    if {[process-state $pid] ni {"" Z X}} {
        catch {sys kill $pid TERM}
    }
    catch {wait -nowait -i $sid}
}

# Sends one console command; returns {ok|error TEXT}. A console that does not answer within
# ms, or exits, fails under clause.
proc mi-cmd {s line clause {ms {}}} {
    if {$ms eq ""} {
        set ms [expr {4 * [wait-ms] + 8 * [pixit mcast-data-timeout]}]
    }
    set sid [dict get $s sid]
    exp_send -i $sid "$line\r"
    set res {}
    expect -i $sid -timeout [expr {($ms + 999) / 1000}] -re {(?:^|\n)(ok|error)( [^\r\n]*)?\r?\n} {
        set res [list $expect_out(1,string) [string trim $expect_out(2,string)]]
    } timeout {
        fail "the initiator console did not answer \"$line\" within $ms ms" -clause $clause
    } eof {
        fail "the initiator console exited on \"$line\"" -clause $clause
    }
    expect -i $sid -timeout [expr {($ms + 999) / 1000}] -exact [pixit initiator-prompt] {} timeout {} eof {}
    log "console: $line -> $res"
    return $res
}

# A command that must answer ok.
proc mi-ok {s line clause {ms {}}} {
    set r [mi-cmd $s $line $clause $ms]
    if {[lindex $r 0] ne "ok"} {
        fail "console \"$line\" answered: [join $r]" -clause $clause
    }
    return [lindex $r 1]
}

# The register command for the PIXIT group, port, vLUN, LUN and dialect.
proc mi-register-line {} {
    set line "register [mc-group] [mc-vlun] [pixit lun] --port [mc-port]"
    if {[mc-dialect] eq "literal"} {
        append line " --dialect literal"
    }
    return $line
}

# Hex of data, for the console's write command.
proc mi-hex {data} {
    binary scan $data H* h
    return $h
}

# Everything the emulated targets recorded so far.
proc mi-log {} { return [mcast emulate log] }

# PDUs that target name received over TCP (from the initiator), optionally only opcode op.
proc mi-tcp-in {log name {op {}}} {
    set out {}
    foreach r $log {
        if {[dict get $r target] ne $name || [dict get $r via] ne "tcp" || [dict get $r dir] ne "in"} continue
        if {![dict exists $r pdu]} continue
        set p [dict get $r pdu]
        if {$op eq "" || [dict get $p opcode] == $op} {
            lappend out [dict merge $p [dict create dst [dict get $r dst] src [dict get $r src]]]
        }
    }
    return $out
}

# PDUs target name sent over TCP, optionally only opcode op.
proc mi-tcp-out {log name {op {}}} {
    set out {}
    foreach r $log {
        if {[dict get $r target] ne $name || [dict get $r via] ne "tcp" || [dict get $r dir] ne "out"} continue
        set p [dict get $r pdu]
        if {$op eq "" || [dict get $p opcode] == $op} {
            lappend out $p
        }
    }
    return $out
}

# Group datagrams target name received (dicts of `mcast decode` plus time and dst).
proc mi-dgrams {log name} {
    set out {}
    foreach r $log {
        if {[dict get $r target] eq $name && [dict get $r via] eq "group"} {
            lappend out [dict merge [dict get $r dgram] [dict create dst [dict get $r dst] time [dict get $r time]]]
        }
    }
    return $out
}

# Group PDUs (each with the datagram's gsn, time and dst added) of opcode op seen by target name.
proc mi-group-pdus {log name op} {
    set out {}
    foreach d [mi-dgrams $log $name] {
        foreach p [dict get $d pdus] {
            if {[dict get $p opcode] == $op} {
                lappend out [dict merge $p [dict create gsn [dict get $d gsn] time [dict get $d time] dst [dict get $d dst]]]
            }
        }
    }
    return $out
}

# The value of key in a text key list (flat), "" when absent; spaces around names ignored.
proc mi-tkey {kv key} {
    foreach {k v} $kv {
        if {[string trim $k] eq $key} { return [string trim $v] }
    }
    return ""
}

# Registration keys of a Text Request in either dialect, as {command C group G vlun V map M}.
proc mi-mirror-keys {p} {
    set kv [dict get $p text]
    if {[mc-dialect] eq "literal"} {
        set cmd [mi-tkey $kv Command]
        if {$cmd eq ""} { set cmd [mi-tkey $kv command] }
        set map [mi-tkey $kv lun_map]
        set v [mi-tkey $kv virtual_lun]
        if {$v eq "" && [regexp {([0-9]+)\)?$} $map -> last]} { set v $last }
        return [dict create command $cmd group [mi-tkey $kv multicast_group_ip] vlun $v map $map]
    }
    return [dict create command [mi-tkey $kv X-org.mirrorcert.MirrorCommand] group [mi-tkey $kv X-org.mirrorcert.MulticastGroup] \
        vlun [mi-tkey $kv X-org.mirrorcert.VirtualLUN] map [mi-tkey $kv X-org.mirrorcert.LunMap]]
}

# The mirror Text Requests (register or terminate) target name received.
proc mi-mirror-requests {log name what} {
    set out {}
    foreach p [mi-tcp-in $log $name 4] {
        if {[dict get [mi-mirror-keys $p] command] eq $what} {
            lappend out $p
        }
    }
    return $out
}

# Registers, checks the console said ok, returns the log.
proc mi-register {s} {
    mi-ok $s [mi-register-line] 000:1(a)
    return [mi-log]
}

# The group SCSI Commands (one per datagram copy) seen by the first target.
proc mi-group-cmds {log s} {
    return [mi-group-pdus $log [dict get [lindex [dict get $s targets] 0] name] 1]
}

proc mi-names {s} {
    set l {}
    foreach t [dict get $s targets] { lappend l [dict get $t name] }
    return $l
}

# The ISID the initiator logged in to target name with.
proc mi-isid {log name} {
    set l [mi-tcp-in $log $name 3]
    return [expr {[llength $l] ? [dict get [lindex $l 0] isid] : -1}]
}

# Writes data at lba of the PIXIT vLUN through the console (a file, so the line stays short);
# returns {ok|error TEXT}.
proc mi-write {s lba data clause} {
    set ch [file tempfile f mcast-write.bin]
    fconfigure $ch -translation binary
    puts -nonewline $ch $data
    close $ch
    set r [mi-cmd $s "write [mc-vlun] $lba --file $f" $clause]
    file delete $f
    return $r
}

proc mi-write-ok {s lba data clause} {
    set r [mi-write $s $lba $data $clause]
    if {[lindex $r 0] ne "ok"} {
        fail "console write of [string length $data] bytes at LBA $lba answered: [join $r]" -clause $clause
    }
    return [lindex $r 1]
}
