# Device lifecycle: a restart the vector asks for passes; a device killed from outside unasked is
# an error (the environment), one that crashes unasked fails.

vector selftest.device-restart {
    claims {RFC7143:11.1} role target
    summary "device restart gives a new process, which the runtime PIXIT reports"
} {
    set before [pixit pid]
    device restart
    check true {[pixit pid] != $before} -message "the restarted device has a new pid"
}

# SIGKILL does not come from the device itself: an operator or the OOM killer sent it.
vector selftest.device-crash {
    claims {RFC7143:11.1} role target timeout 10
    summary "The device process is killed from outside during the vector: verdict error naming it"
} {
    set pid [pixit pid]
    exec kill -KILL $pid
    # Wait (under the watchdog) until the kernel has ended it: a zombie or no process at all.
    while {[process-state $pid] ni {"" Z}} {
        after 10
    }
}

# SIGSEGV is what a process raises by its own fault: the device crashed.
vector selftest.device-fault {
    claims {RFC7143:11.1} role target timeout 10
    summary "The device process crashes (SIGSEGV) during the vector: verdict fail"
} {
    set pid [pixit pid]
    exec kill -SEGV $pid
    while {[process-state $pid] ni {"" Z}} {
        after 10
    }
}

vector selftest.device-sever {
    claims {RFC7143:11.1} role target
    summary "device sever stops the process without ending it; the harness restarts it for the next vector"
} {
    set pid [pixit pid]
    device sever
    check eq [process-state $pid] T -field "process state"
}
