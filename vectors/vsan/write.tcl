# The write path (docs/vsan-link.md §7.1; claims 004:1, 004:9-11, 004:16, 004:20): a client's
# write through one server lands on its own store and, copied by its mirror engine over the
# link, on every other server's store before the client has its GOOD status; either server
# then reads it back. The first server is s1, the second s2: the claims are symmetric and the
# vectors of the second server's engine write through s2.

# How long the relay holds each copy from s1 to s2 in vsan.write.copy-before-ack, in ms: long
# enough that an acknowledgement given before the copy was answered shows (loopback answers in
# well under a millisecond), short against the lease (600 ms, §4.2) the same relay carries.
proc vs-copy-delay-ms {} { return 150 }

vector vsan.write.first-server {
    claims {004:1(a) 004:1(b) 004:1(d) 004:9(b) 004:16(a) 004:16(c) 004:16(d) 004:20(b) 004:20(e) 004:20(g)}
    role server requires {vsan-pair vsan-store-access}
    summary "A write through the first server is acknowledged GOOD and is on both stores when it is: the first server's and the second's"
} {
    vs-settle
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    set w [vs-write s1 $b 004:1(a)]
    set v [dict get $w value]
    check eq [vs-store-values s1 $b] $v -field "block $b in the store of s1" -clause 004:1(b)
    check eq [vs-store-values s2 $b] $v -field "block $b in the store of s2" -clause 004:1(d)
}

vector vsan.write.second-server {
    claims {004:20(d) 004:20(e) 004:20(h)}
    role server requires {vsan-pair vsan-store-access}
    summary "A write through the second server is acknowledged GOOD and is on both stores: the second server mirrors to the first too"
} {
    vs-settle
    set b [expr {[vs-first-block [lindex [vs-fresh-regions 1] 0]] + 1}]
    set w [vs-write s2 $b 004:20(d)]
    set v [dict get $w value]
    check eq [vs-store-values s2 $b] $v -field "block $b in the store of s2" -clause 004:20(e)
    check eq [vs-store-values s1 $b] $v -field "block $b in the store of s1" -clause 004:20(h)
}

vector vsan.write.one-node {
    claims {004:1(e) 004:9(c) 004:9(d) 004:16(e) 004:20(a) 004:20(d)}
    role server requires {vsan-pair}
    summary "Blocks written through either server read back the same through both, as from one shared node; a block never written reads as zeros through both"
} {
    vs-settle
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    set w1 [vs-write s1 $b 004:20(a)]
    set w2 [vs-write s2 [expr {$b + 2}] 004:20(d)]
    foreach m [vs-servers] {
        vs-read-is $m $b [dict get $w1 value] 004:1(e)
        vs-read-is $m [expr {$b + 2}] [dict get $w2 value] 004:16(e)
        vs-read-is $m [expr {$b + 1}] 0 004:9(c)
    }
}

vector vsan.write.copy-before-ack {
    claims {004:1(c) 004:9(d) 004:11 004:20(c) invariant:no-acknowledged-write-lost}
    role server requires {vsan-pair vsan-link-relays}
    summary "The first server's engine sends the copy (WRITE, the block's offset and bytes, sender s1) and the second answers WRITE_OK before the client has GOOD"
} {
    vs-settle
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    set r [vs-relay s1 s2]
    set mark [vs-mark $r]
    vs-relay-fault $r delay [vs-copy-delay-ms] -dir fwd
    set w [vs-write s1 $b 004:1(a)]
    set off [expr {$b * [vs-block-size]}]
    set e [vs-await-entry $r $mark [list type WRITE dir fwd {body offset} $off] 004:1(c) "the copy (WRITE of offset $off) from s1 to s2"]
    check eq [dict get $e header sender] [vs-id s1] -field "sender of the copy" -clause 004:11
    check eq [dict get $e header receiver] [vs-id s2] -field "receiver of the copy" -clause 004:11
    check eq [dict get $e data_len] [vs-block-size] -field "bytes of the copy" -clause 004:1(c)
    check eq [expr {[dict get $e body flags] & 1}] 0 -field "SYNC flag of a client's copy" -clause 004:1(c)
    set ok [vs-await-answer $r $e 004:1(d) "the answer of s2 to [vs-entry-text $e]"]
    check eq [dict get $ok type] WRITE_OK -field "answer to the copy" -clause 004:1(d)
    check eq [dict get $ok status] OK -field "status of WRITE_OK" -clause 004:1(d)
    check true {[dict get $ok time] <= [dict get $w completed]} \
        -message "the client had GOOD [expr {([dict get $ok time] - [dict get $w completed]) / 1000}] ms before s2 answered the copy" \
        -clause 004:9(d)
}

vector vsan.write.each-engine {
    claims {004:10 004:20(c) 004:20(f)}
    role server requires {vsan-pair vsan-link-relays}
    summary "Each server runs its own mirror engine: a write through s1 is copied by s1 (WRITE on s1's connection to s2, sender s1), one through s2 by s2"
} {
    vs-settle
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    foreach {from to clause} {s1 s2 004:20(c) s2 s1 004:20(f)} {
        set r [vs-relay $from $to]
        set mark [vs-mark $r]
        vs-write $from $b $clause
        set off [expr {$b * [vs-block-size]}]
        set e [vs-await-entry $r $mark [list type WRITE dir fwd {body offset} $off] $clause "the copy (WRITE of offset $off) from $from to $to"]
        check eq [dict get $e header sender] [vs-id $from] -field "sender of $from's copy" -clause 004:10
        incr b
    }
}
