# Device profiles (harness/devices/NAME.tcl): how to start, stop, fail and identify a device
# under test, its PICS answers, PIXIT defaults and known deviations. A profile file runs in the
# namespace ::mc::profile::NAME and declares itself with
#   profile {summary S kind K ?reach {PIXIT-ITEM ..}? lifecycle 0|1 pics {ITEM 0|1 ..}
#            pixit {KEY VALUE ..} faults {FAULT ..} configs {KEY {VALUE ..} ..}
#            deviations {VECTOR-ID "reason" ..}}
# kind names what the device is (iscsi, mcast, spi, vsan, selftest): a suite runs only on
# devices of its own default device's kind. reach names the PIXIT items holding the portals
# (ADDRESS:PORT, or lists and dicts of them) of a device the harness does not start: each must
# accept a TCP connection before the first vector, else the run stops (exit 2).
# and, when lifecycle is 1, procs start CTX (returns runtime PIXIT, e.g. {portal 127.0.0.1:N}),
# stop, kill, sever, alive (boolean). ended (optional) returns {pid P how TEXT outside 0|1}
# once the process has stopped running. identity (optional) returns {vendor .. product ..
# firmware ..}. available (optional) returns "" when this host can run the device, else why not
# (`mirrorcert hold` reports the device skipped with it). mutants (optional) returns the
# device's mutants, each a dict {name .. roles .. clause .. breaks ..} (the common format of
# reference/common/mutant.h); a --mutant the profile does not list is a usage error. The shared
# code of harness/devices/lib/process.tcl defines the lifecycle procs for profiles whose device
# is one process or a process per member.
# A device may have members (the targets of a group, the servers of a virtual SAN): members
# returns their names, and stop, kill, sever, alive and ended take an optional MEMBER;
# start_member MEMBER starts one again (returning runtime PIXIT items that changed). The
# faults a profile offers (declared, each one of ::mc::fault_names) are injected by its proc
# fault MEMBER NAME ARGS; a profile without lifecycle may offer them too (shell commands from
# PIXIT, for a device it does not start). The configurations a profile offers (configs: each
# key with the values it may take) are what a vector may ask a device to be restarted in for its
# own run (device configure); start finds them in its context as config, {} for the PIXIT one.

namespace eval ::mc {
    variable device {}        ;# name of the loaded profile
    variable device_def {}    ;# its declaration
    variable device_ctx {}    ;# what start receives: workdir, mutant, seed, config
    variable device_up 0      ;# the harness believes the device is running
    variable device_started 0 ;# a start happened and no stop since (the process may be dead)
    variable device_down {}   ;# members the running vector took down on purpose
    variable device_faulted 0 ;# the running vector injected a fault
    # The faults a profile may offer: a store that fails and heals, a link cut and healed.
    variable fault_names {fail-store heal-store cut-link heal-link}
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
    # A profile is loaded into a namespace of its own, afresh each time (a run may load it more
    # than once: to learn its kind, then to run a suite on it).
    set ns ::mc::profile::$name
    if {[namespace exists $ns]} {
        namespace delete $ns
    }
    namespace eval $ns {}
    proc ${ns}::profile {def} {set ::mc::device_def $def}
    if {[catch {namespace eval $ns [list source $path]} msg]} {
        usage_error "device profile $name: $msg"
    }
    if {![string is list $device_def] || [llength $device_def] % 2} {
        usage_error "device profile $name: the profile declaration must be a dict (comments go outside it)"
    }
    set device_def [dict merge {summary {} kind {} reach {} lifecycle 0 pics {} pixit {} faults {} configs {} deviations {}} $device_def]
    if {![regexp {^[a-z0-9-]+$} [dict get $device_def kind]]} {
        usage_error "device profile $name: the declaration must name the kind of device it is (kind iscsi|mcast|spi|vsan|...)"
    }
    if {[llength [dict get $device_def deviations]] % 2} {
        usage_error "device profile $name: deviations must be pairs of vector id and reason"
    }
    if {![string is list [dict get $device_def configs]] || [llength [dict get $device_def configs]] % 2} {
        usage_error "device profile $name: configs must be pairs of a key and the list of its values"
    }
    variable fault_names
    foreach f [dict get $device_def faults] {
        if {$f ni $fault_names} {
            usage_error "device profile $name: unknown fault \"$f\" (known: $fault_names)"
        }
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

# The loaded profile's mutants ({} when it lists none): dicts {name roles clause breaks}.
proc ::mc::device_mutants {} {
    variable device
    if {![profile_has mutants]} {
        return {}
    }
    if {[catch {profile_call mutants} defs]} {
        usage_error "device profile $device cannot list its mutants: $defs"
    }
    foreach d $defs {
        if {![string is list $d] || [llength $d] % 2 || [llength [dict keys [dict filter $d key name roles clause breaks]]] != 4} {
            usage_error "device profile $device lists a mutant that is not {name .. roles .. clause .. breaks ..}: $d"
        }
    }
    return $defs
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
    # What the last start reported is stale: the profile's start reads PIXIT without it.
    pixit_set_runtime {}
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

# The members of the device ({} for a device of one process, or a profile without members).
proc ::mc::device_members {} {
    if {![profile_has members]} {
        return {}
    }
    return [profile_call members]
}

# What is found dead although the harness left it running: the members (or "" for the device
# as a whole) that stopped, leaving out those the running vector took down on purpose.
proc ::mc::device_dead {} {
    variable device_down
    set ms [device_members]
    if {![llength $ms]} {
        return [expr {[profile_call alive] ? {} : [list ""]}]
    }
    set dead {}
    foreach m $ms {
        if {$m ni $device_down && ![profile_call alive $m]} {
            lappend dead $m
        }
    }
    return $dead
}

# Before each vector that runs: the device is up (started on first use, restarted if a previous
# vector left it down). A device found dead although the harness left it running is reported
# here, as this vector's verdict; the next vector gets a restarted device.
proc ::mc::device_ready {} {
    variable device_def
    variable device_up
    variable device_down {}
    variable device_faulted 0
    if {[dict get $device_def lifecycle] && $device_up} {
        set dead [device_dead]
        if {[llength $dead]} {
            set device_up 0
            lassign [device_death "before the vector" [lindex $dead 0]] verdict msg
            return -code error -errorcode [list MC DEVICE $verdict] $msg
        }
    }
    device_start
}

# {VERDICT MESSAGE} for a device (or its member) found dead unasked, naming it, its pid and how
# it ended. A signal sent from outside (SIGKILL, SIGTERM, ...) is the environment's doing:
# error. An exit or a crash (SIGSEGV, SIGABRT, ...) is the device's own: fail.
proc ::mc::device_death {when {member ""}} {
    variable device
    set who [expr {$member eq "" ? "device $device" : "device $device member $member"}]
    set e {}
    if {[profile_has ended]} {
        catch {profile_call ended {*}[expr {$member eq "" ? {} : [list $member]}]} e
    }
    if {![string is list $e] || [llength $e] % 2 || ![dict exists $e how]} {
        return [list error "$who stopped running $when without being asked to (how it ended is unknown)"]
    }
    set pid [expr {[dict exists $e pid] ? " (pid [dict get $e pid])" : ""}]
    set verdict [expr {[dict exists $e outside] && [dict get $e outside] ? "error" : "fail"}]
    return [list $verdict "$who$pid stopped running $when without being asked to: [dict get $e how]"]
}

# After each vector: a device or member that died without the vector asking for it sets the
# verdict (device_death); a device left down, with a member down or a fault injected, is
# restarted for the next vector.
proc ::mc::device_after_vector {} {
    variable device_def
    variable device_up
    variable device_down
    variable device_faulted
    if {![dict get $device_def lifecycle]} {
        return
    }
    if {$device_up} {
        foreach m [device_dead] {
            set device_up 0
            setverdict {*}[device_death "during the vector" $m]
        }
    }
    if {[llength $device_down] || $device_faulted} {
        set device_up 0
    }
    if {!$device_up} {
        observe "device left down, faulted or configured by the vector; it is restarted before the next one"
    }
    # A configuration asked for lasts one vector: the next start is the PIXIT one.
    variable device_ctx
    dict set device_ctx config {}
    set device_down {}
    set device_faulted 0
}

# Ends the vector inconclusive: the profile cannot do what the vector asks.
proc ::mc::device_inconc {msg} {
    setverdict inconc $msg
    return -code error -errorcode {MC VERDICT inconc} $msg
}

# device start|stop|kill|sever|restart ?MEMBER?, device alive ?MEMBER?, device members,
# device fault MEMBER NAME ?ARGS?, device configure {KEY VALUE ..}, from a vector. kill and
# sever leave the device (or the member) down or unreachable on purpose; the harness restarts
# the device before the next vector, as after a fault or a configuration.
proc ::mc::device_op {op args} {
    variable device
    variable device_def
    variable device_up
    variable device_down
    variable device_faulted
    variable fault_names
    set ops {start stop kill sever restart alive members fault configure}
    if {$op ni $ops} {
        return -code error "device: unknown operation \"$op\" ([join $ops {, }])"
    }
    if {$op eq "members"} {
        return [device_members]
    }
    if {$op eq "fault"} {
        if {[llength $args] < 2} {
            return -code error "usage: device fault MEMBER NAME ?ARGS?"
        }
        set args [lassign $args member name]
        if {$name ni $fault_names} {
            return -code error "device fault: unknown fault \"$name\" (known: [join $fault_names {, }])"
        }
    } elseif {$op eq "configure"} {
        if {[llength $args] != 1 || ![string is list [lindex $args 0]] || [llength [lindex $args 0]] % 2} {
            return -code error "usage: device configure {KEY VALUE ..}"
        }
        return [device_configure [lindex $args 0]]
    } elseif {[llength $args] > 1} {
        return -code error "usage: device $op ?MEMBER?"
    } else {
        set member [lindex $args 0]
    }
    if {$member ne "" && $member ni [device_members]} {
        return -code error "device $op: profile $device has no member \"$member\" (members: [join [device_members] {, }])"
    }
    # A fault may be offered by a profile without lifecycle (its commands come from PIXIT).
    if {$op eq "fault"} {
        observe [string trim "device fault $member [concat $name $args]"]
        vector_event [string trim "fault $member $name"]
        if {$name ni [dict get $device_def faults] || ![profile_has fault]} {
            device_inconc "device fault: profile $device does not offer the fault $name"
        }
        set device_faulted 1
        return [profile_call fault $member $name {*}$args]
    }
    if {![dict get $device_def lifecycle]} {
        device_inconc "device $op: profile $device has no lifecycle (the vector needs a device it can control)"
    }
    if {$op eq "alive"} {
        return [profile_call alive {*}$args]
    }
    observe "device $op $member"
    vector_event [string trim "$op $member"]
    if {$member eq ""} {
        switch -- $op {
            start   { device_start; set device_down {} }
            stop    { device_stop }
            kill    { set device_up 0; profile_call kill }
            sever   { set device_up 0; profile_call sever }
            restart { device_stop; device_start; set device_down {} }
        }
        return
    }
    switch -- $op {
        stop - kill - sever {
            lappend device_down $member
            profile_call $op $member
        }
        start - restart {
            if {![profile_has start_member]} {
                device_inconc "device $op $member: profile $device cannot start one member"
            }
            if {$op eq "restart"} {
                profile_call stop $member
            }
            pixit_set_runtime [dict merge [pixit_runtime] [profile_call start_member $member]]
            set device_down [lsearch -all -inline -not -exact $device_down $member]
        }
    }
    return
}

# device configure {KEY VALUE ..}: the whole device is restarted with the configuration given
# for the rest of the vector (a profile's start finds it as config); the harness restarts it
# with its PIXIT configuration before the next vector. A key the profile does not offer, or a
# value it does not list for that key, ends the vector inconc: the device cannot be put so.
proc ::mc::device_configure {config} {
    variable device
    variable device_def
    variable device_ctx
    variable device_down
    variable device_faulted
    if {![dict get $device_def lifecycle]} {
        device_inconc "device configure: profile $device has no lifecycle (the vector needs a device it can restart)"
    }
    set offered [dict get $device_def configs]
    dict for {key value} $config {
        if {![dict exists $offered $key]} {
            device_inconc "device configure: profile $device does not offer the configuration $key"
        }
        if {$value ni [dict get $offered $key]} {
            device_inconc "device configure: profile $device offers $key [join [dict get $offered $key] |], not $value"
        }
    }
    observe "device configure $config"
    device_stop
    dict set device_ctx config $config
    set device_faulted 1
    set device_down {}
    device_start
    return
}

# The kind of device profile name (loading it).
proc ::mc::profile_kind {name} {
    return [dict get [load_profile $name] kind]
}

# How long a portal of a device the harness does not start may take to accept a TCP connection
# before the first vector: our choice, far above a loopback or LAN handshake, far below a
# vector's own waits.
namespace eval ::mc {
    variable reach_timeout_ms 3000
}

# Before the first vector: every portal the profile's reach items name accepts a TCP connection.
# One that does not (nothing listening, no route, no portal given) is an environment error.
proc ::mc::device_reach {} {
    variable device
    variable device_def
    variable reach_timeout_ms
    foreach item [dict get $device_def reach] {
        set value [pixit_get $item {}]
        set portals [regexp -all -inline {[^\s{}:]+:[0-9]+} $value]
        if {![llength $portals]} {
            usage_error "device $device: PIXIT $item names no portal (ADDRESS:PORT; give it with --pixit)"
        }
        foreach portal $portals {
            set why [probe_portal $portal $reach_timeout_ms]
            if {$why ne ""} {
                usage_error "device $device cannot be reached at $portal (PIXIT $item): $why"
            }
        }
    }
}

# "" when ADDRESS:PORT accepts a TCP connection within timeout_ms, else why not.
proc ::mc::probe_portal {portal timeout_ms} {
    regexp {^(.+):([0-9]+)$} $portal -> host port
    if {[catch {socket -async $host $port} s]} {
        return $s
    }
    set token ::mc::probe_[incr ::mc::probes]
    set $token {}
    fileevent $s writable [list set $token connected]
    set timer [after $timeout_ms [list set $token timeout]]
    vwait $token
    after cancel $timer
    set state [set $token]
    unset $token
    set err [expr {$state eq "timeout" ? "no answer within [expr {$timeout_ms / 1000.0}] s" : [fconfigure $s -error]}]
    catch {close $s}
    return $err
}
