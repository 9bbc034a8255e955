# Vectors that would end or hang the whole run if the harness let them: each must end with its
# own verdict, and the run must go on to the next vector.

vector selftest-bounds.exit {
    claims {RFC7143:11.1} role target timeout 5
    summary "The vector calls exit 0: verdict error, the harness goes on"
} {
    exit 0
}

vector selftest-bounds.exec-sleep {
    claims {RFC7143:11.1} role target timeout 2
    summary "exec of a command that outlasts the vector's timeout: the watchdog stops it (error) within the timeout"
} {
    exec sleep 20.123
}

vector selftest-bounds.exec-works {
    claims {RFC7143:11.1} role target timeout 10
    summary "exec under the watchdog still behaves as Tcl's: output, trailing newline, failures, stderr"
} {
    check eq [exec echo hello] hello -field output
    check eq [exec -keepnewline echo hello] "hello\n" -field keepnewline
    check eq [catch {exec false}] 1 -field "status of false"
    check eq [catch {exec sh -c {echo oops >&2}}] 1 -field "output on stderr"
    check eq [exec -ignorestderr sh -c {echo out; echo err >&2}] out -field ignorestderr
    check eq [exec echo a b | wc -w] 2 -field pipeline
}

vector selftest-bounds.socket-read {
    claims {RFC7143:11.1} role target timeout 5
    summary "A plain socket read would block past the watchdog: socket is not available (error at once)"
} {
    # A listener that never writes: the kernel completes the connection, the read waits for ever.
    set srv [socket -server {} -myaddr 127.0.0.1 0]
    set s [socket 127.0.0.1 [lindex [fconfigure $srv -sockname] 2]]
    gets $s
}

vector selftest-bounds.pipe-open {
    claims {RFC7143:11.1} role target timeout 5
    summary "open of a command pipeline would block past the watchdog: refused (error at once)"
} {
    set f [open "|sleep 20" r]
    read $f
}

vector selftest-bounds.after-all {
    claims {RFC7143:11.1} role target timeout 5
    summary "The vector after the misbehaving ones runs and passes"
} {
    check eq 1 1
}
