# `mirrorcert hold --device PROFILE [--pixit FILE]`: starts a device through its profile and
# holds it up for another program (vsan_bench --peer) that reaches it by its portals, until that
# program closes our standard input. The device is started, faulted and stopped by the profile's
# own procs, exactly as for a suite.
#
# Standard output, one item a line: `member NAME ADDRESS:PORT` for each server of a device with
# members (vsan-portals), else `portal ADDRESS:PORT`; `target-iqn IQN`; `lun N`; `run PID`
# (this process, whose id a profile may tag the device's processes with); then `ready`. Or one
# line `skipped: REASON` and exit 77 when the profile says this host cannot run the device
# (its optional proc available: missing packages, no FUSE, not root).
# Standard input, one command a line, each answered by `ok` or `error: MESSAGE`:
#   kill MEMBER    kill -9 of the member (its processes, as the profile's kill does)
#   start MEMBER   the member started again (the profile's start_member)
# End of input, `quit`, or SIGINT, SIGTERM or SIGHUP: the device is stopped, the working
# directory removed, exit 0.

namespace eval ::mc {
    # The exit status of a device this host cannot run: 77, the status ctest (SKIP_RETURN_CODE)
    # and the automake test drivers read as "skipped".
    variable EXIT_SKIPPED 77
    variable hold_state run
}

proc ::mc::hold_command {args} {
    variable device_def
    variable device_ctx
    variable EXIT_SKIPPED
    variable EXIT_OK
    set usage "usage: mirrorcert hold --device PROFILE \[--pixit FILE\]"
    set o [dict create device {} pixit {}]
    while {[llength $args]} {
        set args [lassign $args opt]
        if {$opt ni {--device --pixit} || ![llength $args]} {
            usage_error $usage
        }
        set args [lassign $args value]
        dict set o [string range $opt 2 end] $value
    }
    if {[dict get $o device] eq ""} {
        usage_error $usage
    }
    set devname [dict get $o device]
    load_profile $devname
    if {![dict get $device_def lifecycle]} {
        usage_error "hold needs a device the harness starts (profile $devname has no lifecycle)"
    }
    if {[profile_has available]} {
        set why [profile_call available]
        if {$why ne ""} {
            puts "skipped: $why"
            flush stdout
            return $EXIT_SKIPPED
        }
    }
    pixit_setup [dict get $device_def pixit] [dict get $o pixit]
    pixit_check
    set workdir [make_workdir]
    set device_ctx [dict create workdir $workdir mutant {} seed 0 config {}]
    trap {set ::mc::hold_state quit} {SIGINT SIGTERM SIGHUP}
    try {
        if {[catch {device_start} msg]} {
            usage_error "device $devname could not be started: $msg"
        }
        set rt [pixit_runtime]
        if {[dict exists $rt vsan-portals]} {
            dict for {m portal} [dict get $rt vsan-portals] {
                puts "member $m $portal"
            }
        } else {
            puts "portal [pixit_get portal]"
        }
        puts "target-iqn [pixit_get target-iqn]"
        puts "lun [pixit_get lun]"
        puts "run [pid]"
        puts ready
        flush stdout
        fconfigure stdin -blocking 0 -buffering line
        fileevent stdin readable ::mc::hold_line
        while {$::mc::hold_state eq "run"} {
            vwait ::mc::hold_state
        }
    } finally {
        trap SIG_DFL {SIGINT SIGTERM SIGHUP}
        catch {device_stop}
        file delete -force $workdir
    }
    return $EXIT_OK
}

# One command from standard input (or its end).
proc ::mc::hold_line {} {
    if {[catch {gets stdin line} n] || ($n < 0 && [eof stdin])} {
        fileevent stdin readable {}
        set ::mc::hold_state quit
        return
    }
    if {$n < 0} {
        return
    }
    set words [split [string trim $line]]
    lassign $words op member
    if {$op eq "quit"} {
        set ::mc::hold_state quit
        return
    }
    if {[llength $words] != 2 || $op ni {kill start}} {
        set answer "error: unknown command \"[string trim $line]\" (kill MEMBER, start MEMBER, quit)"
    } elseif {$member ni [device_members]} {
        set answer "error: no member \"$member\" (members: [join [device_members] {, }])"
    } elseif {[catch {
            if {$op eq "kill"} {
                profile_call kill $member
            } else {
                pixit_set_runtime [dict merge [pixit_runtime] [profile_call start_member $member]]
            }
        } msg]} {
        set answer "error: [regsub -all {\s*\n\s*} [string trim $msg] {; }]"
    } else {
        set answer ok
    }
    if {[catch {puts $answer; flush stdout}]} {
        set ::mc::hold_state quit
    }
}
