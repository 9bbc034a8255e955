# A vector's deferred cleanup (defer SCRIPT): run after the body whatever the verdict, last
# deferred first; a cleanup that fails makes a passing vector's verdict error.

vector selftest.defer-order {
    claims {RFC7143:11.1} role target timeout 1
    summary "Scripts deferred by a vector the watchdog stops still run, last deferred first"
} {
    defer {log "deferred first, run second"}
    defer {log "deferred second, run first"}
    while 1 {
        after 10
    }
}

vector selftest.defer-broken {
    claims {RFC7143:11.1} role target
    summary "A deferred script that fails after a passing body: verdict error naming the cleanup"
} {
    defer {error "cleanup broke"}
}
