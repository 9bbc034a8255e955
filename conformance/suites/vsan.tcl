# The virtual SAN suite (claims 004:1-27 and the invariants of a replicated store, contract
# docs/vsan-link.md, no specification): the harness is every server's network client and the
# fault injector. It writes and reads through each server, reads the stores, watches and
# faults the mirror link through its relays, kills members and fails stores, and checks the
# clients' histories for linearizability.
suite vsan {
    summary "virtual SAN mirror engines: mirrored writes, policing and epochs, failover reads, dirty-region resync, split brain, a third server"
    version 1
    pics vsan
    device vsan-reference
    vectors {vectors/vsan/*.tcl}
    helpers {vectors/vsan/lib/*.tcl}
}
