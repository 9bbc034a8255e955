# Deadlines: the vector's watchdog (error) and a step's own deadline (fail).

vector selftest.watchdog {
    claims {RFC7143:11.1} role target timeout 1
    summary "A busy loop overruns the vector timeout: the watchdog stops it, verdict error"
} {
    while 1 {}
}

vector selftest.watchdog-sleep {
    claims {RFC7143:11.1} role target timeout 1
    summary "A long sleep overruns the vector timeout: the watchdog interrupts it, verdict error"
} {
    after 60000
}

vector selftest.step-deadline {
    claims {RFC7143:11.1} role target timeout 30
    summary "A step overruns its own deadline: verdict fail naming the step"
} {
    step "wait for an answer" {
        after 60000
    } -timeout 0.5
}
