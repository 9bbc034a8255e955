# What device profiles share: the processes of a device and of its members, the reference
# programs' ready line and mutant lists, a multicast group per run. A profile sources this file inside its own
# namespace (`source [file join $::mc::home harness devices lib process.tcl]`), which defines
# there the lifecycle procs the runner calls (harness/tcl/device.tcl):
#   stop ?MEMBER?, kill ?MEMBER?, sever ?MEMBER?, alive ?MEMBER?, ended ?MEMBER?, members
# acting on every process of the device, or on one member's. The profile's start spawns them:
#   spawn_device ARGV LOG READY_RE TIMEOUT         the device is one process
#   spawn_member NAME ARGV LOG READY_RE TIMEOUT    one member (a target of a group, a server)
# both returning {spawn_id .. pid .. match {SUBMATCHES}} (::mc::spawn_ready). A profile with
# members defines start_member NAME to start one again (device start|restart MEMBER).
# member_control NAME LINE ANSWER_RE TIMEOUT sends a member a line on its stdin and returns
# its answer (a reference server's store fail and heal). A profile that defines on_device_stop
# has it called once the whole device has stopped.

# member name -> the running process ({} once stopped); "" is a device of one process.
variable procs {}

# The reference programs print "... ready ... ADDR:PORT ..." once they accept connections.
variable ready_re {ready[^\r\n]*?([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+):([0-9]+)(?:[^0-9]|$)}
# How long a reference program may take to print it, in seconds.
variable ready_timeout_s 10

proc spawn_device {argv logfile ready_re timeout} {
    return [spawn_member "" $argv $logfile $ready_re $timeout]
}

proc spawn_member {name argv logfile ready_re timeout} {
    variable procs
    set p [::mc::spawn_ready $argv $logfile $ready_re $timeout]
    dict set procs $name $p
    return $p
}

# Sends a control line to a member's stdin (the reference programs read commands there) and
# returns its one-line answer, the first submatch of answer_re in what the member prints next,
# within timeout seconds; an answer that does not come is an error naming the line. What the
# member prints is collected by its background reader (a foreground expect nested in a vector's
# call would not be woken), polled with the event loop.
proc member_control {name line answer_re timeout} {
    variable procs
    if {![dict exists $procs $name] || ![dict size [dict get $procs $name]]} {
        return -code error "member $name is not running"
    }
    set sid [dict get $procs $name spawn_id]
    set ::mc::control_out($sid) ""
    expect_background -i $sid -re {.+} [list ::mc::control_collect $sid] eof {}
    try {
        send -i $sid "$line\r"
        set until [expr {[clock milliseconds] + int($timeout * 1000)}]
        while {![regexp -- $answer_re $::mc::control_out($sid) -> answer]} {
            if {[clock milliseconds] >= $until} {
                return -code error "member $name did not answer \"$line\" within $timeout s"
            }
            ::after $::mc::poll_ms
            update
        }
    } finally {
        catch {expect_background -i $sid -re {.+} {} eof {}}
        unset -nocomplain ::mc::control_out($sid)
    }
    return $answer
}

# A background reader's action: keeps what a member printed for member_control.
proc ::mc::control_collect {sid} {
    upvar #0 expect_out out
    if {[info exists ::mc::control_out($sid)]} {
        append ::mc::control_out($sid) $out(0,string)
    }
}

# ADDR:PORT from the ready line a process printed (ready_re's two submatches).
proc ready_portal {p} {
    lassign [dict get $p match] host port
    return $host:$port
}

# The port a running member listens on ("" when it is not running).
proc member_port {name} {
    variable procs
    if {![dict exists $procs $name] || ![dict size [dict get $procs $name]]} {
        return ""
    }
    return [lindex [dict get $procs $name match] 1]
}

# The members' names, in the order they were started; {} for a device of one process.
proc members {} {
    variable procs
    return [lsearch -all -inline -not -exact [dict keys $procs] ""]
}

# The processes an operation acts on: every one, or one member's.
proc targets_of {member} {
    variable procs
    if {$member eq ""} {
        return [dict keys $procs]
    }
    if {![dict exists $procs $member]} {
        return -code error "no member \"$member\" (members: [join [members] {, }])"
    }
    return [list $member]
}

proc stop {{member ""}} {
    variable procs
    foreach m [targets_of $member] {
        set p [dict get $procs $m]
        if {[dict size $p]} {
            ::mc::terminate [dict get $p spawn_id] [dict get $p pid]
        }
        dict set procs $m {}
    }
    if {$member eq ""} {
        set procs {}
        # A profile's own resources of the device (relays) go with it.
        if {[llength [namespace which -command on_device_stop]]} {
            on_device_stop
        }
    }
}

proc kill {{member ""}} {
    variable procs
    foreach m [targets_of $member] {
        set p [dict get $procs $m]
        if {[dict size $p]} {
            catch {sys kill [dict get $p pid] KILL}
            ::mc::wait_gone [dict get $p pid] $::mc::stop_grace_s
        }
    }
}

# Severed: the process keeps its sockets but answers nothing (SIGSTOP); returns once the kernel
# shows it stopped, so a vector sees the device already silent.
proc sever {{member ""}} {
    variable procs
    foreach m [targets_of $member] {
        set p [dict get $procs $m]
        if {![dict size $p]} {
            continue
        }
        set pid [dict get $p pid]
        sys kill $pid STOP
        set until [expr {[clock milliseconds] + $::mc::stop_grace_s * 1000}]
        while {[::mc::proc_state $pid] ni {T t "" Z} && [clock milliseconds] < $until} {
            ::after $::mc::poll_ms
        }
    }
}

# Every process asked for runs (and there is one).
proc alive {{member ""}} {
    variable procs
    set ms [targets_of $member]
    if {![llength $ms]} {
        return 0
    }
    foreach m $ms {
        set p [dict get $procs $m]
        if {![dict size $p] || ![::mc::proc_alive [dict get $p pid]]} {
            return 0
        }
    }
    return 1
}

# {pid PID how TEXT outside 0|1} once the process (of the member, or the first of the device
# found so) has stopped running; {} while it runs. Kept: a process is reaped once.
proc ended {{member ""}} {
    variable procs
    foreach m [targets_of $member] {
        set p [dict get $procs $m]
        if {![dict size $p]} {
            continue
        }
        if {![dict exists $p ended]} {
            set e [::mc::how_ended [dict get $p spawn_id] [dict get $p pid]]
            if {![dict size $e]} {
                continue
            }
            dict set procs $m ended $e
        }
        return [dict merge [dict create pid [dict get $procs $m pid]] [dict get $procs $m ended]]
    }
    return {}
}

# The mutants a reference program lists (`mirrorcert ARGS.. --mutant list`), one line each in
# the common format of reference/common/mutant.h, NAME<TAB>ROLES<TAB>CLAUSE<TAB>WHAT, as dicts
# {name .. roles .. clause .. breaks ..} (what the profile's mutants proc returns).
proc program_mutants {args} {
    set argv [list [info nameofexecutable] {*}$args --mutant list]
    if {[catch {exec {*}$argv 2>@1} out]} {
        return -code error "[join $argv] failed: $out"
    }
    set defs {}
    foreach line [split [string trim $out \n] \n] {
        set fields [split $line \t]
        if {[llength $fields] != 4 || [lindex $fields 0] eq ""} {
            return -code error "[join $argv] printed \"$line\", not NAME<TAB>ROLES<TAB>CLAUSE<TAB>WHAT"
        }
        lappend defs [dict create name [lindex $fields 0] roles [lindex $fields 1] clause [lindex $fields 2] \
            breaks [lindex $fields 3]]
    }
    return $defs
}

# The mutants of defs named by the glob pattern; with -not, the others.
proc mutants_named {defs pattern {not ""}} {
    set keep {}
    foreach d $defs {
        if {[string match $pattern [dict get $d name]] == ($not ne "-not")} {
            lappend keep $d
        }
    }
    return $keep
}

# A multicast group address of its own per run (239/8 is administratively scoped, RFC 2365),
# so runs in parallel on one host never share a group.
proc run_group {seed} {
    # A multiplicative hash (Knuth) spreads neighbouring process ids over the whole range.
    set x [expr {(([pid] * 2654435761) ^ $seed) & 0xffffff}]
    return [format 239.%d.%d.%d [expr {($x >> 16) & 0xff}] [expr {($x >> 8) & 0xff}] [expr {1 + ($x & 0xff) % 254}]]
}
