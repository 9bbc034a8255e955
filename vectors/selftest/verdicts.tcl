# One vector per verdict: tests/harness/selftest.sh runs them and checks each outcome.

vector selftest.pass {
    claims {RFC7143:11.10} role target requires {claimed}
    summary "Every check passes: eq (hex against decimal), pdu, match, true, a step, PIXIT, PICS"
} {
    step "compare" {
        check eq 36 0x24 -field opcode
        check pdu {opcode 0x24 F 1 ttt 4294967295} {opcode 36 F 1 ttt 0xffffffff}
        check match "iqn.*" [pixit target-iqn] -field target-iqn
        check true {[pics claimed] && ![pics unclaimed]} -message "PICS answers"
    }
    log "seed [seed]"
}

vector selftest.fail {
    claims {RFC7143:11.11} role target
    summary "A PDU field differs: the verdict is fail and names field, expected, seen and clause"
} {
    check pdu {opcode 0x3f reason 4} {opcode 0x24} -clause RFC7143:11.11
}

vector selftest.inconc {
    claims {RFC7143:11.1} role target
    summary "The vector cannot decide: inconc"
} {
    inconc "precondition not reached"
}

vector selftest.error {
    claims {RFC7143:11.1} role target
    summary "A Tcl error that is not a check: error"
} {
    no-such-command
}

vector selftest.na {
    claims {RFC7143:11.1} role target requires {unclaimed}
    summary "Requires a PICS item the device does not claim: n/a without running"
} {
    fail "must not run"
}

vector selftest.deviation {
    claims {RFC7143:11.1} role target
    summary "Fails, and the selftest profile lists it as a deviation: an expected failure"
} {
    check eq 1 2 -field answer -clause RFC7143:11.1
}

vector selftest.unknown-claim {
    claims {999:1} role target
    summary "Cites a claim the catalogue does not hold: error without running"
} {
    fail "must not run"
}

vector selftest.caught-check {
    claims {RFC7143:11.1} role target
    summary "A failed check inside catch still fails the vector: a verdict only worsens"
} {
    catch {check eq 1 2 -field answer}
}

vector selftest.claim-cite {
    claims {000:1(a)} role initiator
    summary "Cites a catalogue element: the report's claim table gives claim 000:1 this verdict"
} {
    check eq [vector-info claims] {000:1(a)} -field claims
}
