# Discovery (003 Table 1): the host queries each target with the vendor command and the group/ID
# byte; a capable target answers in MESSAGE IN that it takes part; a standard one rejects.

vector sm.discovery.agree {
    claims {001:11(c) 001:7 001:17} role bus-target requires {silent-target}
    summary "Each capable drive answers the discovery query with the same vendor message and keeps its group/ID"
} {
    set b [sm-bench]
    foreach id {5 4 3} gid {0 1 2} {
        sm-expect $b "SEL,target=$id * MO:SM-QUERY,gid=$gid MI:SM-QUERY,gid=$gid" "drive $id agrees to group/ID $gid"
        check eq [spi gid $b $id] $gid -field "group/ID of ID $id"
    }
    # the negotiation and the query each ride on a TEST UNIT READY (SPC-4: operation code 00h,
    # every other byte 0)
    set cdbs [lmap e [spi events $b] {expr {[dict get $e kind] eq "CMD" ? [list [dict get $e target] [dict get $e bytes]] : [continue]}}]
    check eq $cdbs [lmap id {5 5 4 4 3 3} {list $id 000000000000}] -field "commands of the bench's negotiations and queries" -clause 001:11(c)
    # the bench queued a negotiation and a query per drive, in this order
    foreach i {0 1 2 3 4 5} kind {negotiate discover negotiate discover negotiate discover} {
        set op [spi op $b $i]
        check eq [list [dict get $op kind] [dict get $op agreed]] [list $kind 1] -field "host's view of operation $i (kind, agreed)" -clause 001:11(c)
    }
    spi close $b
}

vector sm.discovery.standard-target {
    claims {001:11(c)} role bus-host requires {silent-host}
    summary "A target without silent mirroring answers the query with MESSAGE REJECT and gets no group/ID"
} {
    set b [sm-bench -standard {3}]
    sm-expect $b "SEL,target=3 * MO:SM-QUERY,gid=2 MI:MESSAGE-REJECT" "standard target rejects the vendor message"
    check eq [spi gid $b 3] -1 -field "group/ID of the standard target"
    check eq [dict get [spi op $b -1] agreed] 0 -field "host believes ID 3 agreed"
    spi close $b
    # in the literal dialect the query's first byte reads as IDENTIFY on a standard target, and
    # the checker names that byte and the LUN it selects
    set b [sm-bench -standard {3} -dialect literal]
    set q [sm-expect $b "SEL,target=3 MO:SM-QUERY,gid=2" "the literal query to the standard target"]
    set byte [string range [dict get [lindex $q 1] bytes] 0 1]
    set f [lmap x [spi findings $b] {expr {[dict get $x name] eq "raw_reads_as_identify" ? $x : [continue]}}]
    check eq [lsort -unique [lmap x $f {dict get $x text}]] [list "raw byte $byte reads as IDENTIFY (LUN [expr {[scan $byte %x] & 7}]) on a standard target"] \
        -field "checker findings raw_reads_as_identify" -clause 001:11(c)
    spi close $b
}
