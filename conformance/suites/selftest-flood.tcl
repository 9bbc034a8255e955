# The harness's own suite against a device that floods unsolicited PDUs (tests/harness/flood.sh
# serves one at the PIXIT portal): what the harness keeps of them is bounded, and reaching a bound
# costs the vector, never the process.
suite selftest-flood {
    summary "harness self-test: a babbling device costs bounded memory and one verdict"
    version 1
    pics selftest
    device external
    certify 0
    vectors {vectors/selftest-flood/*.tcl}
}
