# The harness's own test device: a process that only sleeps, so lifecycle, watchdog and verdict
# handling are tested without any protocol. Its deviation list names the self-test vector that
# fails on purpose to show an expected failure.
profile {
    summary "a sleeping process standing in for a device (harness self-test)"
    lifecycle 1
    pics {}
    pixit {}
    deviations {selftest.deviation "listed to show an expected failure in every report"}
}

# No core file: a self-test vector crashes it with SIGSEGV on purpose.
proc start {ctx} {
    variable running
    set running [::mc::spawn_ready [list /bin/sh -c {ulimit -c 0; echo ready 127.0.0.1:1; exec sleep 3600}] \
        [file join [dict get $ctx workdir] selftest.log] {ready ([0-9.]+):([0-9]+)} 5]
    lassign [dict get $running match] host port
    return [dict create portal $host:$port pid [dict get $running pid]]
}

::mc::process_lifecycle

proc identity {} {
    return [dict create vendor mirrorcert product "self-test device" firmware $::mc::version]
}
