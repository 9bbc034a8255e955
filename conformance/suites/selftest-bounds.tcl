# The harness's own suite of vectors that misbehave on purpose: exit, a blocking command, a
# pipeline, a plain socket. Each must cost its own verdict and never the run;
# tests/harness/bounds.sh checks the verdicts and how long the run took.
suite selftest-bounds {
    summary "harness self-test: a misbehaving vector costs one verdict, never the process"
    version 1
    pics selftest
    device selftest
    certify 0
    vectors {vectors/selftest-bounds/*.tcl}
}
