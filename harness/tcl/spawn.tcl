# Processes, driven with Expect: start with a deadline on the ready line, stop with SIGTERM then
# SIGKILL, each wait bounded; how a process ended. Device profiles use them through the shared
# profile code (harness/devices/lib/process.tcl); vectors see a process's state through
# `process-state`.

namespace eval ::mc {
    # How long a stopping process gets between SIGTERM and SIGKILL, and SIGKILL and giving up.
    variable stop_grace_s 5
    # How often a bounded wait looks at a process again.
    variable poll_ms 20
}

# Spawns argv with its stderr appended to logfile and waits up to timeout seconds for a line
# matching ready_re on its stdout. An empty ready_re does not wait (the profile polls
# readiness its own way). Returns {spawn_id ID pid PID match {SUBMATCHES}}.
proc ::mc::spawn_ready {argv logfile ready_re timeout} {
    # stderr goes to a file: a chatty device must never block on a terminal nobody reads.
    set ::env(MC_DEVICE_LOG) $logfile
    set pid [spawn -noecho sh -c {exec "$0" "$@" 2>>"$MC_DEVICE_LOG"} {*}$argv]
    if {$pid == 0} {
        return -code error "cannot spawn [lindex $argv 0]"
    }
    set sid $spawn_id
    if {$ready_re eq ""} {
        expect_background -i $sid -re {.+} {} eof {}
        return [dict create spawn_id $sid pid $pid match {}]
    }
    expect -i $sid -timeout $timeout -re $ready_re {} timeout {
        terminate $sid $pid
        return -code error "[file tail [lindex $argv 0]] printed no ready line within $timeout s (log: $logfile)"
    } eof {
        terminate $sid $pid
        return -code error "[file tail [lindex $argv 0]] exited before it was ready: [tail_of $logfile]"
    }
    set subs {}
    for {set i 1} {[info exists expect_out($i,string)]} {incr i} {
        lappend subs $expect_out($i,string)
    }
    # Keep reading what it prints later, whenever the event loop runs.
    expect_background -i $sid -re {.+} {} eof {}
    return [dict create spawn_id $sid pid $pid match $subs]
}

proc ::mc::tail_of {logfile} {
    if {[catch {open $logfile r} fh]} {
        return "(no log)"
    }
    set lines [split [string trim [read $fh]] \n]
    close $fh
    return [join [lrange $lines end-4 end] " | "]
}

# A process's state letter from Linux /proc (R, S, T stopped, Z zombie, ...), "" when gone.
proc ::mc::proc_state {pid} {
    if {[catch {open /proc/$pid/stat r} fh]} {
        return ""
    }
    set stat [read $fh]
    close $fh
    # The state follows the parenthesised command name: "PID (comm) S ...".
    return [lindex [string range $stat [expr {[string last ")" $stat] + 2}] end] 0]
}

# Running and not a zombie: kill -0 alone also succeeds on a zombie.
proc ::mc::proc_alive {pid} {
    return [expr {[proc_state $pid] ni {"" Z X}}]
}

# Waits (bounded) for pid to stop running, polling; returns whether it stopped.
proc ::mc::wait_gone {pid seconds} {
    variable poll_ms
    set until [expr {[clock milliseconds] + int($seconds * 1000)}]
    while {[proc_alive $pid]} {
        if {[clock milliseconds] >= $until} {
            return 0
        }
        ::after $poll_ms
    }
    return 1
}

# SIGTERM (after SIGCONT, in case it was severed with SIGSTOP), then SIGKILL, then reap.
proc ::mc::terminate {sid pid} {
    variable stop_grace_s
    if {[proc_alive $pid]} {
        catch {sys kill $pid CONT}
        catch {sys kill $pid TERM}
        if {![wait_gone $pid $stop_grace_s]} {
            catch {sys kill $pid KILL}
            wait_gone $pid $stop_grace_s
        }
    }
    catch {expect_background -i $sid}
    catch {close -i $sid}
    # The process has exited (or is unkillable, which wait_gone bounded): reap it.
    catch {wait -nowait -i $sid}
}

# Signals a process raises by its own fault (a crash); any other signal that ends it was sent
# from outside (an operator, a supervisor, the OOM killer).
namespace eval ::mc {
    variable fault_signals {SIGSEGV SIGABRT SIGBUS SIGFPE SIGILL SIGSYS SIGTRAP}
}

# How a process that stopped running ended: {how TEXT outside 0|1}, reaping it. TEXT is
# "killed by SIGKILL" or "exited with status 3"; outside is 1 for a signal sent from outside,
# 0 for an exit or a crash.
# Only a zombie is waited for, so the wait returns at once; an already reaped process is
# reported as such. Empty while the process still runs.
proc ::mc::how_ended {sid pid} {
    variable fault_signals
    set state [proc_state $pid]
    if {$state ni {"" Z X}} {
        return {}
    }
    if {$state ne "Z" || [catch {wait -i $sid} st]} {
        # How it ended is lost: nothing shows the device at fault.
        return [dict create how "ended (its exit status was already collected)" outside 1]
    }
    # Expect's wait: PID SPAWN_ID OSERR STATUS ?CHILDKILLED SIGNAME TEXT?
    if {[lindex $st 4] eq "CHILDKILLED"} {
        set sig [lindex $st 5]
        return [dict create how "killed by $sig" outside [expr {$sig ni $fault_signals}]]
    }
    return [dict create how "exited with status [lindex $st 3]" outside 0]
}
