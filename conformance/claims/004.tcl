# Claims 004:1-27: virtual SAN mirror engines (seed 004_bfc356a702572a66.txt; no specification).
# The seed carries page line numbers and a law firm's letterhead; they are not part of the claims.
#
# Conventions of this file:
# - The claims' acts are unlettered; elements are numbered (a), (b), ... in the order the acts
#   appear, and a closing "wherein"/"thereby" clause that states an observable result is an
#   element of its own.
# - role: server = a behaviour of the server pair under test; system = the arrangement or an
#   event the harness stages (a failure, a link). party names the part the element constrains:
#   first-server, second-server, third-server, mirror-engine, policing, link, pair.
# - observe: "pair DUT" = the harness is the network client of both servers and the fault
#   injector (kills a server, fails a disk, cuts the link).

claimset 004 {title "virtual SAN mirror engines" seed 004_bfc356a702572a66.txt spec {}}

claim 004:1 {kind method depends {}} {
    element 004:1(a) role server party first-server text "the first server accepts a write request" observe "pair DUT: harness client writes a block through the first server"
    element 004:1(b) role server party first-server text "the first server writes the data to its own disk" observe "pair DUT: the first server's store holds the block"
    element 004:1(c) role server party mirror-engine text "the first server's mirror engine sends a copy of the write to the second server" observe "pair DUT: the mirrored write appears on the mirror link before the client's write is acknowledged"
    element 004:1(d) role server party second-server text "the second server executes the copy on its own disk" observe "pair DUT: the second server's store holds the same block"
    element 004:1(e) role system party pair text "both servers see the data as if on one shared SAN node" observe "pair DUT: a read of the block through either server returns the written bytes"
}

claim 004:2 {kind method depends {004:1}} {
    element 004:2 role server party link text "the copy travels over a dedicated link between the two servers" observe "pair DUT: mirror traffic only on the configured server-to-server link"
}

claim 004:3 {kind method depends {004:1}} {
    element 004:3 role server party link text "the copy travels over the network that also carries client traffic" observe "pair DUT: mirror traffic shares the client network address space"
}

claim 004:4 {kind method depends {004:1}} {
    element 004:4(a) role system party first-server text "a failure makes the first disk's data unreachable" observe "pair DUT: harness injects the failure after acknowledged writes"
    element 004:4(b) role server party pair text "a read of data written to the first disk is served from the mirror on the second disk" observe "pair DUT: every acknowledged block reads back equal, no error to the client"
}

claim 004:5 {kind method depends {004:4}} {
    element 004:5 role system party first-server text "the failure is the first server going offline" observe "pair DUT: harness kills the first server, then reads through the second"
}

claim 004:6 {kind method depends {004:4}} {
    element 004:6 role system party first-server text "the failure is a failure of the first disk" observe "pair DUT: harness fails the first server's store; reads still succeed"
}

claim 004:7 {kind method depends {004:1}} {
    element 004:7 role server party policing text "before writing locally the first server checks through a policing protocol that it has write access" observe "pair DUT: the write-access exchange precedes the local write; a write without access is refused"
}

claim 004:8 {kind method depends {004:3}} {
    element 004:8 role server party first-server text "an I/O driver on the first server starts the write and sees it as stored on a shared SAN node" observe "pair DUT: the first server exposes the mirrored volume as one block device"
}

claim 004:9 {kind method depends {}} {
    element 004:9(a) role system party pair text "a virtual SAN is set up whose shared node is really both disks, a mirroring means and a communication means" observe "pair DUT: both servers expose one volume backed by their two stores"
    element 004:9(b) role server party first-server text "a write request addressed to the virtual shared node is received" observe "pair DUT: harness client writes to the shared volume"
    element 004:9(c) role server party first-server text "the data is written to the first disk and readable by the first server" observe "pair DUT: read through the first server returns the block"
    element 004:9(d) role server party mirror-engine text "a copy of the write goes to the second server so its disk mirrors the data, readable by the second server" observe "pair DUT: read through the second server returns the block"
}

claim 004:10 {kind method depends {004:9}} {
    element 004:10 role system party mirror-engine text "the mirroring means is one mirror engine per server" observe "pair DUT: each server runs its own mirror engine"
}

claim 004:11 {kind method depends {004:9} note "recites claim 9 but uses the first and second mirror engines introduced in claim 10"} {
    element 004:11 role server party mirror-engine text "the first mirror engine starts the transfer of the copy to the second mirror engine" observe "pair DUT: the mirrored write originates from the first server's engine"
}

claim 004:12 {kind method depends {004:9}} {
    element 004:12 role system party link text "the communication means is a dedicated link between the servers" observe "pair DUT: mirror traffic only on the configured server-to-server link"
}

claim 004:13 {kind method depends {004:9}} {
    element 004:13 role system party link text "the communication means is the network that also carries client traffic" observe "pair DUT: mirror traffic shares the client network"
}

claim 004:14 {kind method depends {004:9}} {
    element 004:14(a) role system party second-server text "a failure makes the second disk's data unreachable" observe "pair DUT: harness fails the second store after acknowledged writes"
    element 004:14(b) role server party pair text "data written through the second server is still read from the virtual shared node" observe "pair DUT: blocks written through the second server read back equal"
}

claim 004:15 {kind method depends {004:14}} {
    element 004:15 role server party first-server text "that read is served from the first disk" observe "pair DUT: the read is answered by the first server's store"
}

claim 004:16 {kind method depends {}} {
    element 004:16(a) role server party first-server text "the first server accepts a write request" observe "pair DUT: harness client writes through the first server"
    element 004:16(b) role server party policing text "the first server's policing module finds that the second server holds no conflicting write priority on that region" observe "pair DUT: with a conflicting write pending on the second server, the first waits or refuses"
    element 004:16(c) role server party first-server text "the first server writes the region of its own disk" observe "pair DUT: the first store holds the block"
    element 004:16(d) role server party mirror-engine text "the first server's mirror engine sends a copy of the write to the second server" observe "pair DUT: the second store holds the same block"
    element 004:16(e) role system party pair text "both servers reach the data as if on one shared SAN node" observe "pair DUT: a read through either server returns the written bytes"
}

claim 004:17 {kind method depends {004:16}} {
    element 004:17 role server party policing text "the policing check is an exchange between the first and the second server" observe "pair DUT: a policing message pair on the link precedes the write"
}

claim 004:18 {kind method depends {004:17}} {
    element 004:18 role server party link text "the policing exchange travels over the network that also carries client traffic" observe "pair DUT: policing messages on the client network"
}

claim 004:19 {kind method depends {004:16}} {
    element 004:19(a) role system party second-server text "a failure makes the second disk's data unreachable" observe "pair DUT: harness fails the second store"
    element 004:19(b) role server party first-server text "data written through the second server and mirrored to the first disk is read from the first disk" observe "pair DUT: blocks written through the second server read back equal through the first"
}

claim 004:20 {kind system depends {}} {
    element 004:20(a) role server party first-server text "a first server that takes read and write requests from network clients" observe "pair DUT: the harness client reads and writes through the first server"
    element 004:20(b) role server party first-server text "the first server has a disk" observe "pair DUT: configuration names the first store"
    element 004:20(c) role server party mirror-engine text "the first server has a mirror engine" observe "pair DUT: the first server's engine sends mirrored writes"
    element 004:20(d) role server party second-server text "a second server that takes read and write requests from network clients" observe "pair DUT: the harness client reads and writes through the second server"
    element 004:20(e) role server party second-server text "the second server has a disk" observe "pair DUT: configuration names the second store"
    element 004:20(f) role server party mirror-engine text "the second server has a mirror engine" observe "pair DUT: the second server's engine sends mirrored writes"
    element 004:20(g) role server party mirror-engine text "the first engine mirrors to the second disk data also written to the first" observe "pair DUT: write through the first server, read the second store"
    element 004:20(h) role server party mirror-engine text "the second engine mirrors to the first disk data also written to the second" observe "pair DUT: write through the second server, read the first store"
    element 004:20(i) role system party pair text "both servers reach the same data on physically different disks" observe "pair DUT: the two stores are byte-identical after a mixed write load"
}

claim 004:21 {kind system depends {004:20}} {
    element 004:21 role system party link text "the communication means is a dedicated link between the mirror engines" observe "pair DUT: mirror traffic only on the configured engine-to-engine link"
}

claim 004:22 {kind system depends {004:20}} {
    element 004:22 role system party link text "the communication means is part of the network that also carries client traffic" observe "pair DUT: mirror traffic shares the client network"
}

claim 004:23 {kind system depends {004:20}} {
    element 004:23(a) role server party third-server text "a third server that takes read and write requests from network clients" observe "pair DUT with a third node: the harness client writes through the third server"
    element 004:23(b) role server party third-server text "the third server has a disk" observe "configuration names the third store"
    element 004:23(c) role server party mirror-engine text "the third server's engine mirrors its writes to the first and second disks" observe "write through the third server, read the first and second stores"
}

claim 004:24 {kind system depends {004:23}} {
    element 004:24 role system party link text "the third server can communicate with the first and with the second server" observe "mirror and policing traffic between the third server and each of the other two"
}

claim 004:25 {kind system depends {004:20}} {
    element 004:25 role server party policing text "the servers run a policing protocol deciding which write has priority on the disks" observe "pair DUT: concurrent writes to one region through both servers are serialised, stores end identical"
}

claim 004:26 {kind system depends {004:25}} {
    element 004:26 role server party policing text "a write to a region proceeds only when it has priority over every other pending write to that region" observe "pair DUT: overlapping writes never interleave; a write with a stale epoch is refused"
}

claim 004:27 {kind system depends {004:25}} {
    element 004:27(a) role server party first-server text "the first server has a policing module" observe "pair DUT: the first server answers policing requests"
    element 004:27(b) role server party second-server text "the second server has a policing module" observe "pair DUT: the second server answers policing requests"
    element 004:27(c) role server party policing text "the two policing modules run the protocol together" observe "pair DUT: each write-access decision involves both modules"
}

# Invariants a replicated store keeps that no claim of 004 states (shared facts, section 3:
# DRBD, Longhorn, Ceph; docs/vsan-link.md §5-§8). Each is judged like an element; observe
# says how the harness stages and sees it.
invariant invariant:no-acknowledged-write-lost role server text "no write acknowledged to a client is lost after any single failure: kill -9 of any member, a failed store, a cut link" observe "pair DUT: a client pool runs through the failure and the failed member's return; every block read back afterwards and the whole history are linearizable"
invariant invariant:identical-after-resync role server text "once a returning server is resynced the stores are byte-identical" observe "pair DUT: writes while the second server is away, its return, the view settled: the store files compare equal"
invariant invariant:resync-bounded role server text "a resync sends only the regions written while the server was away" observe "pair DUT: resync bytes counted by the coordinator are at most the regions dirty for the returning server times the region size, and at least one region"
invariant invariant:split-brain-detected role server text "a split brain is detected on both sides and never merged silently; a server cut off from the quorum serves nothing" observe "pair DUT without quorum: after a partition in which both sides wrote, both report the other as split and each store keeps its own writes; with quorum the cut-off server answers NOT READY 04h/0Ch"
invariant invariant:reads-survive-store-failure role server text "reads through a server whose own store failed succeed with the acknowledged data and no error" observe "pair DUT: every block written before the failure reads back equal, GOOD, through the server with the failed store"
invariant invariant:no-stale-epoch role server text "no store applies a mirrored write whose epoch is older than one it applied for that region" observe "pair DUT: a WRITE held by a relay and replayed after a newer write to its region is answered STALE_EPOCH; the stores keep the newer data"
invariant invariant:joining-identical role server text "a server that joins with an empty store ends byte-identical to the others" observe "trio DUT: the third server's store discarded, writes made meanwhile, its return resynced whole: all three stores equal"
invariant invariant:linearizable role server text "the volume behaves as one register per block for every client of every server: a server without a valid lease serves nothing" observe "pair DUT: concurrent clients through both servers record a linearizable history; a server cut off serves no stale read"
