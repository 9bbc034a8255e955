# The harness's own suite: vectors that pass, fail, error, time out, are n/a and are expected
# failures on purpose. Run with the selftest device profile; tests/harness checks the verdicts.
suite selftest {
    summary "harness self-test: one vector per verdict path"
    version 1
    pics selftest
    device selftest
    certify 0
    vectors {vectors/selftest/*.tcl}
}
