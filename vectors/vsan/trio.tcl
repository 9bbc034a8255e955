# A third server (claims 004:23, 004:24; docs/vsan-link.md §5, §8.3): it takes clients' writes
# and mirrors them to the first and second servers' stores, talks policing and mirroring with
# each of them, and a third server that joins with an empty store ends byte-identical to the
# others. A device running two servers is restarted with three for these vectors (a device
# built anew for it, such as a GlusterFS volume, takes up to a minute: the timeouts allow it).

vector vsan.trio.third-server-writes {
    claims {004:23(a) 004:23(b) 004:23(c)}
    role server requires {vsan-third-server vsan-store-access}
    summary "A write through the third server is acknowledged GOOD, is on its own store and on the first and second servers' stores, and reads back through all three"
    timeout 90
} {
    lassign [vs-three-servers] s1 s2 s3
    vs-settle
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    set v [dict get [vs-write $s3 $b 004:23(a)] value]
    check eq [vs-store-values $s3 $b] $v -field "block $b in the store of $s3" -clause 004:23(b)
    foreach m [list $s1 $s2] {
        check eq [vs-store-values $m $b] $v -field "block $b in the store of $m" -clause 004:23(c)
    }
    foreach m [list $s1 $s2 $s3] {
        vs-read-is $m $b $v 004:23(a)
    }
}

vector vsan.trio.third-server-links {
    claims {004:24 004:23(c)}
    role server requires {vsan-third-server vsan-link-relays}
    summary "The third server talks to each of the others: its copies cross to both (WRITE, WRITE_OK), its grant comes from the coordinator, and the first server's copies reach it"
    timeout 40
} {
    lassign [vs-three-servers] s1 s2 s3
    set c [vs-settle]
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    set off [expr {$b * [vs-block-size]}]
    set marks [dict create]
    foreach r [vs-relays] {
        dict set marks $r [vs-mark $r]
    }
    vs-write $s3 $b 004:24
    foreach m [list $s1 $s2] {
        set r [vs-relay $s3 $m]
        set e [vs-await-entry $r [dict get $marks $r] [list type WRITE dir fwd {body offset} $off] 004:23(c) "the copy from $s3 to $m"]
        set a [vs-await-answer $r $e 004:24 "the answer of $m to [vs-entry-text $e]"]
        check eq [dict get $a status] OK -field "status of the answer of $m to the copy of $s3" -clause 004:24
    }
    if {$c ne $s3} {
        set r [vs-relay $s3 $c]
        vs-await-entry $r [dict get $marks $r] [list type GRANT_OK dir rev status OK] 004:24 "the coordinator's grant to $s3"
    }
    set r [vs-relay $s1 $s3]
    set mark [vs-mark $r]
    vs-write $s1 [expr {$b + 1}] 004:24
    vs-await-entry $r $mark [list type WRITE dir fwd {body offset} [expr {$off + [vs-block-size]}]] 004:24 "the copy from $s1 to $s3"
}

vector vsan.trio.join-empty {
    claims {invariant:joining-identical}
    role server requires {vsan-third-server vsan-join vsan-member-restart vsan-store-access}
    summary "The third server's store and state discarded while it is stopped, writes made meanwhile, its return as a new server: once the view settled, all three stores are byte-identical"
    timeout 60
} {
    lassign [vs-three-servers] s1 s2 s3
    vs-settle
    set regions [vs-fresh-regions 2]
    vs-write $s1 [vs-first-block [lindex $regions 0]] invariant:joining-identical
    device stop $s3
    set files [pixit vsan-state-files {}]
    if {![dict exists $files $s3]} {
        inconc "PIXIT vsan-state-files names no files of $s3"
    }
    file delete {*}[dict get $files $s3]
    set r [vs-io-past-unavailable write $s1 [vs-first-block [lindex $regions 1]] [pixit vsan-settle-ms]]
    vs-check-ok $r "write through $s1 while $s3 is away" invariant:joining-identical
    device start $s3
    vs-settle -verdict fail -clause invariant:joining-identical
    vs-stores-equal invariant:joining-identical
}
