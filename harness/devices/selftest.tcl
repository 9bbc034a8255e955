# The harness's own test device: two member processes that only sleep, so lifecycle, members,
# faults, watchdog and verdict handling are tested without any protocol. Its faults only
# record that they were asked for; its one configuration (size) only shows in the runtime PIXIT
# (config). Its deviation list names the self-test vector that fails on
# purpose to show an expected failure.
profile {
    summary "two sleeping processes standing in for a device with members (harness self-test)"
    kind selftest
    lifecycle 1
    pics {}
    pixit {}
    faults {fail-store heal-store}
    configs {size {small large}}
    deviations {selftest.deviation "listed to show an expected failure in every report"}
}

source [file join $::mc::home harness devices lib process.tcl]

variable member_names {m0 m1}
variable workdir {}
variable config {}
# member -> the faults asked for, in order
variable faulted {}
variable start_timeout_s 5

# No core file: a self-test vector crashes a member with SIGSEGV on purpose.
proc spawn_one {m} {
    variable workdir
    variable start_timeout_s
    spawn_member $m [list /bin/sh -c {ulimit -c 0; echo ready 127.0.0.1:1; exec sleep 3600}] \
        [file join $workdir selftest-$m.log] {ready ([0-9.]+):([0-9]+)} $start_timeout_s
}

# A member started again (device start|restart MEMBER): the runtime PIXIT with its new pid.
proc start_member {m} {
    spawn_one $m
    return [runtime_pixit]
}

# PIXIT pid is the first member's process, pids every member's, config what start was given.
proc runtime_pixit {} {
    variable procs
    variable member_names
    variable config
    set pids [lmap m $member_names {dict get $procs $m pid}]
    return [dict create portal 127.0.0.1:1 pid [lindex $pids 0] pids $pids config $config]
}

proc start {ctx} {
    variable workdir [dict get $ctx workdir]
    variable config [dict get $ctx config]
    variable member_names
    variable faulted {}
    foreach m $member_names {
        spawn_one $m
    }
    return [runtime_pixit]
}

proc fault {member name args} {
    variable faulted
    dict lappend faulted $member $name
    return "$member: [dict get $faulted $member]"
}

proc identity {} {
    return [dict create vendor mirrorcert product "self-test device" firmware $::mc::version]
}
