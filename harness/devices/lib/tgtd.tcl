# tgtd (Debian package tgt) as a device or as a member of one: started in the foreground on a
# portal with a private management channel (-C), configured and stopped with tgtadm. A profile
# sources this file inside its own namespace, after lib/process.tcl:
#   tgtd_check                          tgtd and tgtadm are installed (else an error naming tgt)
#   tgtd_adm CONTROL ARGS..             tgtadm on management channel CONTROL, under a deadline
#   tgtd_spawn MEMBER PORTAL HINT LOG   tgtd on PORTAL (ADDR:PORT) on a free channel near HINT,
#                                       spawned as MEMBER ("" for a device of one process);
#                                       returns the channel once tgtadm reaches it
#   tgtd_shutdown MEMBER CONTROL TID    target TID removed, then tgtd asked to leave, bounded

# How long one tgtadm call may take, in seconds: it waits on tgtd's socket forever when tgtd
# hangs or is severed.
variable tgtadm_timeout_s 10
# tgtd refuses -C values above this; how many channels are tried before giving up.
variable max_control 32767
variable max_control_tries 100

proc tgtd_check {} {
    if {[auto_execok tgtd] eq "" || [auto_execok tgtadm] eq ""} {
        return -code error "tgtd/tgtadm not found (Debian package tgt)"
    }
}

proc tgtd_adm {control args} {
    variable tgtadm_timeout_s
    return [exec timeout $tgtadm_timeout_s tgtadm -C $control --lld iscsi {*}$args 2>@1]
}

# The management channel is a unix socket numbered by -C: take a number no running tgtd
# answers on, so parallel runs and other tgtds stay apart.
proc tgtd_free_control {hint} {
    variable max_control
    variable max_control_tries
    set control [expr {$hint % $max_control + 1}]
    for {set tries 0} {![catch {tgtd_adm $control --op show --mode target}]} {incr tries} {
        if {$tries == $max_control_tries} {
            return -code error "no free tgtd management channel near $control"
        }
        set control [expr {$control % $max_control + 1}]
    }
    return $control
}

proc tgtd_spawn {member portal hint logfile} {
    variable ready_timeout_s
    variable procs
    set control [tgtd_free_control $hint]
    spawn_member $member [list [auto_execok tgtd] -f -C $control --iscsi portal=$portal] $logfile "" 0
    set until [expr {[clock milliseconds] + $ready_timeout_s * 1000}]
    while {[catch {tgtd_adm $control --op show --mode target} msg]} {
        if {![tgtd_running $member] || [clock milliseconds] > $until} {
            ::mc::terminate [dict get $procs $member spawn_id] [dict get $procs $member pid]
            dict set procs $member {}
            return -code error "tgtd did not answer tgtadm within $ready_timeout_s s: $msg ([::mc::tail_of $logfile])"
        }
        after $::mc::poll_ms
    }
    return $control
}

# tgtd ignores SIGTERM while it has targets, and refuses to leave while it has any: remove the
# target (with its sessions), then ask it to leave through its management channel; the
# caller's generic stop (SIGTERM, SIGKILL) follows, each step bounded.
proc tgtd_shutdown {member control tid} {
    variable procs
    if {![tgtd_running $member]} {
        return
    }
    set pid [dict get $procs $member pid]
    catch {sys kill $pid CONT}
    catch {tgtd_adm $control --op delete --mode target --tid $tid --force}
    catch {tgtd_adm $control --op delete --mode system}
    ::mc::wait_gone $pid $::mc::stop_grace_s
}

# The tgtd spawned as member runs (its process alone, whatever else the member has).
proc tgtd_running {member} {
    variable procs
    return [expr {[dict exists $procs $member pid] && [::mc::proc_alive [dict get $procs $member pid]]}]
}
