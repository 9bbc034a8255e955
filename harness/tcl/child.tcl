# Framework commands of a vector's child interpreter (the check library is conformance/checks).
# Set by the harness before this file: ::mc::vector (the definition), ::mc::seed,
# ::mc::step_timeout; aliases pixit, pics, log, device, process-state, keep, ::mc::step_begin,
# ::mc::step_end.

# seed: this vector's seed, derived from the run's --seed and the vector id; rand() is seeded
# with it too, so a vector's random choices replay exactly.
proc seed {} {
    return $::mc::seed
}

# vector-info ?KEY?: the running vector's definition (id, claims, role, requires, ...).
proc vector-info {args} {
    if {[llength $args]} {
        return [dict get $::mc::vector {*}$args]
    }
    return $::mc::vector
}

# step NAME SCRIPT ?-timeout SECONDS?: runs SCRIPT in the caller's scope under a deadline of its
# own (PIXIT step-timeout by default); overrunning it ends the vector with verdict fail.
proc step {name script args} {
    set timeout $::mc::step_timeout
    foreach {opt value} $args {
        switch -- $opt {
            -timeout { set timeout $value }
            default { return -code error "step: unknown option \"$opt\"" }
        }
    }
    ::mc::step_begin $name $timeout
    set rc [catch {uplevel 1 $script} result opts]
    ::mc::step_end [expr {$rc == 1 ? "error" : "ok"}]
    return -options $opts $result
}

# after MS: a sleep the watchdog can interrupt (Tcl's own blocks the whole interpreter).
rename after ::mc::tcl_after
proc after {args} {
    if {[llength $args] == 1 && [string is entier -strict [lindex $args 0]]} {
        set token ::mc::sleep_[incr ::mc::sleeps]
        set $token 0
        ::mc::tcl_after [lindex $args 0] [list set $token 1]
        vwait $token
        unset $token
        return
    }
    return [uplevel 1 [list ::mc::tcl_after {*}$args]]
}

# defer SCRIPT: SCRIPT runs at global level once the vector's body has ended, whatever its
# verdict (a check failed, the watchdog stopped it): the vector's cleanup, such as closing what
# it opened. Deferred scripts run last first, each under the cleanup deadline; one that fails is
# reported by the harness.
namespace eval ::mc {
    variable deferred {}
}
proc defer {script} {
    lappend ::mc::deferred $script
    return
}

# Runs the deferred scripts, last first, once; returns the messages of those that failed.
proc ::mc::run_deferred {} {
    set failed {}
    set scripts [lreverse $::mc::deferred]
    set ::mc::deferred {}
    foreach script $scripts {
        if {[catch {uplevel #0 $script} msg]} {
            lappend failed $msg
        }
    }
    return $failed
}

# Evaluates the vector file again here (its helper procs), then the selected vector's body in a
# scope of its own.
proc ::mc::run_body {} {
    proc ::vector {id meta body} {
        if {$id eq [dict get $::mc::vector id]} {
            set ::mc::body $body
        }
    }
    uplevel #0 [list source [dict get $::mc::vector file]]
    apply [list {} $::mc::body ::]
}

# --- what would block the interpreter past the watchdog ------------------------------------
# Tcl checks a time limit only between commands and in the event loop, so a command that blocks
# in the operating system (a blocking socket read, a child process waited for) would hold the
# whole run. In a vector's interpreter `exec` waits in the event loop and is killed when the
# watchdog stops the vector; `open` refuses command pipelines and FIFOs; `socket` is hidden by
# the harness (vectors reach devices through the iscsi, mcast, spi and vsan commands).

namespace eval ::mc {
    # channel -> 1: the pipelines of exec still running (reaped after the body, ::mc::reap_pipes)
    variable pipes {}
    variable execs 0
}

rename open ::mc::tcl_open
proc open {name args} {
    if {[string index $name 0] eq "|"} {
        return -code error -errorcode {MC BLOCKING open} \
            "open: command pipelines are not available in a vector (exec runs a command under the watchdog)"
    }
    if {[file exists $name] && [file type $name] eq "fifo"} {
        return -code error -errorcode {MC BLOCKING open} \
            "open: $name is a FIFO, whose reads and writes the watchdog cannot interrupt"
    }
    return [uplevel 1 [list ::mc::tcl_open $name {*}$args]]
}

# exec ?-ignorestderr? ?-keepnewline? ?--? ARG ..: Tcl's exec (same result and errors), its
# output read in the event loop so the watchdog can stop it; a pipeline the watchdog stopped is
# killed once the body has ended. A trailing & runs it in the background, as Tcl's does.
rename exec ::mc::tcl_exec
proc exec {args} {
    set keepnl 0
    set ignore 0
    while {[string match -* [lindex $args 0]]} {
        set args [lassign $args opt]
        switch -- $opt {
            -keepnewline { set keepnl 1 }
            -ignorestderr { set ignore 1 }
            -- { break }
            default { return -code error "exec: bad option \"$opt\": must be -ignorestderr, -keepnewline or --" }
        }
    }
    if {![llength $args]} {
        return -code error "wrong # args: should be \"exec ?-option ...? arg ?arg ...?\""
    }
    if {[lindex $args end] eq "&"} {
        return [::mc::tcl_exec -- {*}$args]
    }
    if {$ignore} {
        lappend args 2>@ stderr
    }
    set chan [::mc::tcl_open |$args r]
    dict set ::mc::pipes $chan 1
    fconfigure $chan -blocking 0
    set token ::mc::exec_[incr ::mc::execs]
    set ${token}(out) {}
    set ${token}(eof) 0
    fileevent $chan readable [list ::mc::exec_readable $chan $token]
    vwait ${token}(eof)
    set out [set ${token}(out)]
    unset $token
    dict unset ::mc::pipes $chan
    fconfigure $chan -blocking 1
    # Closing a pipeline waits for it and fails as exec does (non-zero status, output on stderr).
    set rc [catch {close $chan} msg opts]
    if {!$keepnl && [string index $out end] eq "\n"} {
        set out [string range $out 0 end-1]
    }
    if {$rc} {
        return -options [dict remove $opts -level] [string trimright "$out\n$msg" \n]
    }
    return $out
}

proc ::mc::exec_readable {chan token} {
    append ${token}(out) [read $chan]
    if {[eof $chan]} {
        fileevent $chan readable {}
        set ${token}(eof) 1
    }
}

# The pipelines of an exec the watchdog stopped: killed and closed (run with the limit lifted).
proc ::mc::reap_pipes {} {
    dict for {chan _} $::mc::pipes {
        foreach p [pid $chan] {
            catch {sys kill $p KILL}
        }
        catch {close $chan}
    }
    set ::mc::pipes {}
}
