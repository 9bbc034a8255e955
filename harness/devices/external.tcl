# A device the harness does not start or stop: its portal and names come from the --pixit
# file; vectors that need to kill or restart the device end inconclusive.
profile {
    summary "an external device under test, reached at the PIXIT portal"
    kind iscsi
    reach {portal}
    lifecycle 0
    pics {}
    pixit {}
    deviations {}
}
