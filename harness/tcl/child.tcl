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
