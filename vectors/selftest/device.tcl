# Device lifecycle: a restart the vector asks for passes; a device that dies unasked fails.

vector selftest.device-restart {
    claims {RFC7143:11.1} role target
    summary "device restart gives a new process, which the runtime PIXIT reports"
} {
    set before [pixit pid]
    device restart
    check true {[pixit pid] != $before} -message "the restarted device has a new pid"
}

vector selftest.device-crash {
    claims {RFC7143:11.1} role target timeout 10
    summary "The device process dies during the vector without being asked to: verdict fail"
} {
    set pid [pixit pid]
    exec kill -KILL $pid
    # Wait (under the watchdog) until the kernel has ended it: a zombie or no process at all.
    while {![catch {open /proc/$pid/stat} fh]} {
        set state [lindex [split [read $fh] " "] 2]
        close $fh
        if {$state eq "Z"} break
        after 10
    }
}
