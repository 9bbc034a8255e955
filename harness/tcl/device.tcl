# Device profiles (harness/devices/NAME.tcl): how to start, stop, fail and identify a device
# under test, its PICS answers, PIXIT defaults and known deviations. A profile file runs in the
# namespace ::mc::profile::NAME and declares itself with
#   profile {summary S lifecycle 0|1 pics {ITEM 0|1 ..} pixit {KEY VALUE ..}
#            deviations {VECTOR-ID "reason" ..}}
# and, when lifecycle is 1, procs start CTX (returns runtime PIXIT, e.g. {portal 127.0.0.1:N}),
# stop, kill, sever, alive (boolean). ended (optional) returns {pid P how TEXT outside 0|1}
# once the process has stopped running. identity (optional) returns {vendor .. product .. firmware ..}.

namespace eval ::mc {
    variable device {}        ;# name of the loaded profile
    variable device_def {}    ;# its declaration
    variable device_ctx {}    ;# what start receives: workdir, mutant, seed
    variable device_up 0      ;# the harness believes the device is running
    variable device_started 0 ;# a start happened and no stop since (the process may be dead)
}

proc ::mc::profile_names {} {
    return [tcl_names_in [file join $::mc::home harness devices]]
}

proc ::mc::load_profile {name} {
    variable device $name
    variable device_def
    set path [file join $::mc::home harness devices $name.tcl]
    if {![regexp {^[a-z0-9-]+$} $name] || ![file exists $path]} {
        usage_error "no device profile \"$name\" (have: [join [profile_names] {, }])"
    }
    set ns ::mc::profile::$name
    namespace eval $ns {}
    proc ${ns}::profile {def} {set ::mc::device_def $def}
    if {[catch {namespace eval $ns [list source $path]} msg]} {
        usage_error "device profile $name: $msg"
    }
    if {![string is list $device_def] || [llength $device_def] % 2} {
        usage_error "device profile $name: the profile declaration must be a dict (comments go outside it)"
    }
    set device_def [dict merge {summary {} lifecycle 0 pics {} pixit {} deviations {}} $device_def]
    if {[llength [dict get $device_def deviations]] % 2} {
        usage_error "device profile $name: deviations must be pairs of vector id and reason"
    }
    return $device_def
}

proc ::mc::profile_call {op args} {
    variable device
    return [uplevel #0 [list ::mc::profile::${device}::$op {*}$args]]
}

proc ::mc::profile_has {op} {
    variable device
    return [llength [info commands ::mc::profile::${device}::$op]]
}

# The deviation reason for a vector id, or "" when the profile lists none.
proc ::mc::deviation {id} {
    variable device_def
    set d [dict get $device_def deviations]
    return [expr {[dict exists $d $id] ? [dict get $d $id] : ""}]
}

proc ::mc::device_identity {} {
    variable device
    variable device_def
    set id [dict create vendor {} product $device firmware {}]
    if {[profile_has identity] && ![catch {profile_call identity} got]} {
        set id [dict merge $id $got]
    }
    return $id
}

proc ::mc::device_start {} {
    variable device_def
    variable device_ctx
    variable device_up
    if {![dict get $device_def lifecycle] || $device_up} {
        return
    }
    variable device_started
    if {$device_started} {
        # Killed or severed by the last vector: clear what is left before starting again.
        device_stop
    }
    pixit_set_runtime [profile_call start $device_ctx]
    set device_up 1
    set device_started 1
}

# Stops the device whatever state a vector left it in (a profile's stop is idempotent).
proc ::mc::device_stop {} {
    variable device_def
    variable device_up
    variable device_started
    if {[dict get $device_def lifecycle] && $device_started} {
        set device_up 0
        set device_started 0
        profile_call stop
    }
}

# Before each vector that runs: the device is up (started on first use, restarted if a previous
# vector left it down). A device found dead although the harness left it running is reported
# here, as this vector's verdict; the next vector gets a restarted device.
proc ::mc::device_ready {} {
    variable device_def
    variable device_up
    if {[dict get $device_def lifecycle] && $device_up && ![profile_call alive]} {
        set device_up 0
        lassign [device_death "before the vector"] verdict msg
        return -code error -errorcode [list MC DEVICE $verdict] $msg
    }
    device_start
}

# {VERDICT MESSAGE} for a device found dead unasked, naming it, its pid and how it ended. A
# signal sent from outside (SIGKILL, SIGTERM, ...) is the environment's doing: error. An exit
# or a crash (SIGSEGV, SIGABRT, ...) is the device's own: fail.
proc ::mc::device_death {when} {
    variable device
    set e {}
    if {[profile_has ended]} {
        catch {profile_call ended} e
    }
    if {![string is list $e] || [llength $e] % 2 || ![dict exists $e how]} {
        return [list error "device $device stopped running $when without being asked to (how it ended is unknown)"]
    }
    set pid [expr {[dict exists $e pid] ? " (pid [dict get $e pid])" : ""}]
    set verdict [expr {[dict exists $e outside] && [dict get $e outside] ? "error" : "fail"}]
    return [list $verdict "device $device$pid stopped running $when without being asked to: [dict get $e how]"]
}

# After each vector: a device that died without the vector asking for it sets the verdict
# (device_death), and is restarted for the next vector.
proc ::mc::device_after_vector {} {
    variable device_def
    variable device_up
    if {![dict get $device_def lifecycle]} {
        return
    }
    if {$device_up && ![profile_call alive]} {
        set device_up 0
        setverdict {*}[device_death "during the vector"]
    }
    if {!$device_up} {
        observe "device left down by the vector; it is restarted before the next one"
    }
}

# device start|stop|kill|sever|restart from a vector. kill and sever leave the device down or
# unreachable on purpose; the harness restarts it before the next vector.
proc ::mc::device_op {op} {
    variable device
    variable device_def
    variable device_up
    if {![dict get $device_def lifecycle]} {
        set msg "device $op: profile $device has no lifecycle (the vector needs a device it can control)"
        setverdict inconc $msg
        return -code error -errorcode {MC VERDICT inconc} $msg
    }
    observe "device $op"
    switch -- $op {
        start   { device_start }
        stop    { device_stop }
        kill    { set device_up 0; profile_call kill }
        sever   { set device_up 0; profile_call sever }
        restart { device_stop; device_start }
        default { return -code error "device: unknown operation \"$op\" (start, stop, kill, sever, restart)" }
    }
    return
}
