# Waiting on a device: an exchange that must finish, a PDU that must come, silence that must
# last. The iscsi module ends a wait it could not complete with the error code
# {MIRRORCERT REASON MESSAGE}; four reasons are the device's doing, and here, once for every
# suite, they become a fail verdict under the clause the caller names:
#   TIMEOUT   nothing (matching) arrived in time       CLOSED    the device closed the connection
#   BADPDU    what arrived does not decode             PROTOCOL  it broke the protocol's framing
# Any other error (a typo, a usage error of a module) stays an error: the harness's fault.

# The device's reason a wait ended (timeout, closed, badpdu, protocol), or "" when the error
# whose options are opts is not the device's doing.
proc ::mc::device_reason {opts} {
    set code [dict get $opts -errorcode]
    if {[lindex $code 0] eq "MIRRORCERT" && [lindex $code 1] in {TIMEOUT CLOSED BADPDU PROTOCOL}} {
        return [string tolower [lindex $code 1]]
    }
    return ""
}

# How long a vector waits for a PDU the device owes, and how long silence must last to count as
# "the device ignored it" (PIXIT response-ms, quiet-ms), in milliseconds.
proc wait-ms {} { return [pixit response-ms] }
proc quiet-ms {} { return [pixit quiet-ms] }

# Options of a wait helper as a dict, defaults first.
proc ::mc::wait_opts {cmd argv defaults} {
    if {[llength $argv] % 2} {
        return -code error "$cmd: option \"[lindex $argv end]\" needs a value"
    }
    foreach {k v} $argv {
        if {![dict exists $defaults $k]} {
            return -code error "$cmd: unknown option \"$k\" (allowed: [dict keys $defaults])"
        }
        dict set defaults $k $v
    }
    return $defaults
}

# await CLAUSE WHAT SCRIPT: runs an exchange with the device (SCRIPT, in the caller's scope, e.g.
# `iscsi text ...`) and returns its result; an exchange the device does not let finish fails
# under CLAUSE, named WHAT.
proc await {clause what script} {
    if {[catch {uplevel 1 $script} got opts]} {
        set why [::mc::device_reason $opts]
        if {$why ne ""} {
            fail "$what: $why: $got" -clause $clause
        }
        return -options $opts $got
    }
    return $got
}

# rx CONN PRED CLAUSE ?-what TEXT? ?-ms MS?: the next PDU on CONN matching PRED (field value ..)
# within MS milliseconds (PIXIT response-ms); else fail under CLAUSE, naming WHAT and the last
# PDUs received.
proc rx {c pred clause args} {
    set o [::mc::wait_opts rx $args {-what {} -ms {}}]
    set ms [dict get $o -ms]
    if {$ms eq ""} {
        set ms [wait-ms]
    }
    if {[catch {iscsi expect $c $pred -timeout $ms} got opts]} {
        set why [::mc::device_reason $opts]
        if {$why ne ""} {
            set what [dict get $o -what]
            set msg "no PDU with {$pred} within $ms ms ($why); last received: [recent $c]"
            fail [expr {$what eq "" ? $msg : "$what: $msg"}] -clause $clause
        }
        return -options $opts $got
    }
    return $got
}

# silent CONNS PRED CLAUSE ?-closed-ok 0|1? ?-ms MS?: 1 when no PDU matching PRED arrives on any
# connection of the list CONNS within MS milliseconds (PIXIT quiet-ms), else the first PDU that
# came. The connections are watched over one common period: what a device sent to a second
# connection while the first was watched waits in its socket. A device that closes a
# connection (unless -closed-ok 1 accepts that as silence) or sends garbage fails under CLAUSE.
proc silent {conns pred clause args} {
    set o [::mc::wait_opts silent $args {-closed-ok 0 -ms {}}]
    set ms [dict get $o -ms]
    if {$ms eq ""} {
        set ms [quiet-ms]
    }
    set until [expr {[clock milliseconds] + $ms}]
    foreach c $conns {
        set left [expr {max(0, $until - [clock milliseconds])}]
        if {![catch {iscsi expect $c $pred -timeout $left} got opts]} {
            return $got
        }
        set why [::mc::device_reason $opts]
        if {$why eq "timeout" || ($why eq "closed" && [dict get $o -closed-ok])} {
            continue
        }
        if {$why ne ""} {
            fail "expected silence ({$pred} within $ms ms), but $why: $got" -clause $clause
        }
        return -options $opts $got
    }
    return 1
}

# recent CONN ?N?: a one-line account of the last N PDUs received on CONN, for messages.
proc recent {c {n 3}} {
    set seen {}
    foreach p [lrange [iscsi history $c] end-20 end] {
        if {[dict get $p dir] eq "in"} {
            set d "[dict get $p opcode_name] itt=[format 0x%x [dict get $p itt]]"
            if {[dict get $p opcode] == 0x3f} {
                append d " reason=[format 0x%02x [dict get $p reason]]"
            }
            lappend seen $d
        }
    }
    set seen [lrange $seen end-[expr {$n - 1}] end]
    return [expr {[llength $seen] ? [join $seen "; "] : "nothing"}]
}
