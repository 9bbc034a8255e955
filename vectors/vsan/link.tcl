# Where the copies travel (claims 004:2, 004:3, 004:12, 004:13, 004:18, 004:21, 004:22): over a
# link of their own between the servers (its own addresses, apart from the portals clients
# use), or over the network that also carries the clients' traffic (the portals' addresses).
# The relays sit on the servers' configured link endpoints; the log's src and dst are the real
# endpoints of each message. A device running the other kind of link is restarted for the
# vector in the one it needs.

# The addresses of every server's portal and of every member's link endpoint.
proc vs-portal-addrs {} { return [vs-addrs [dict values [pixit vsan-portals]]] }
proc vs-link-addrs {} { return [vs-addrs [dict values [pixit vsan-links]]] }

# Writes a block through each server; returns the message entries of every relay after marks
# taken before, {RELAY {ENTRY ..} ..}, once each copy crossed.
proc vs-copies-crossing {clause} {
    set marks [dict create]
    foreach r [vs-relays] {
        dict set marks $r [vs-mark $r]
    }
    set b [vs-first-block [lindex [vs-fresh-regions 1] 0]]
    foreach m [vs-servers] {
        vs-write $m $b $clause
        set off [expr {$b * [vs-block-size]}]
        foreach o [vs-others $m] {
            vs-await-entry [vs-relay $m $o] [dict get $marks [vs-relay $m $o]] [list type WRITE dir fwd {body offset} $off] \
                $clause "the copy of block $b from $m to $o"
        }
        incr b
    }
    set out {}
    dict for {r mark} $marks {
        dict set out $r [vs-entries $r $mark {}]
    }
    return $out
}

vector vsan.link.dedicated {
    claims {004:2 004:12 004:21}
    role server requires {vsan-pair vsan-dedicated-link vsan-link-relays}
    summary "With a dedicated link, every link endpoint has an address no portal has, and every copy and policing message crosses between link addresses only"
    timeout 40
} {
    if {[pixit vsan-link] ne "dedicated"} {
        device configure {vsan-link dedicated}
    }
    vs-settle
    set portals [vs-portal-addrs]
    set links [vs-link-addrs]
    foreach a $links {
        check true {$a ni $portals} -message "link address $a is also a portal's address ($portals)" -clause 004:2
    }
    dict for {r entries} [vs-copies-crossing 004:2] {
        foreach e $entries {
            foreach end {src dst} {
                set a [lindex [split [dict get $e $end] :] 0]
                check true {$a in $links && $a ni $portals} \
                    -message "[vs-entry-text $e] on $r: $end address $a is not a link address ($links)" -clause 004:21
            }
        }
    }
}

vector vsan.link.shared {
    claims {004:3 004:13 004:18 004:22}
    role server requires {vsan-pair vsan-shared-link vsan-link-relays}
    summary "With the link on the client network, each server's link endpoint is on its portal's address, and copies and policing messages cross between portal addresses"
    timeout 40
} {
    if {[pixit vsan-link] ne "shared"} {
        device configure {vsan-link shared}
    }
    set c [vs-settle]
    foreach m [vs-servers] {
        check eq [lindex [split [dict get [pixit vsan-links] $m] :] 0] [lindex [split [vs-portal $m] :] 0] \
            -field "address of the link endpoint of $m against its portal's" -clause 004:3
    }
    set portals [vs-portal-addrs]
    set types {}
    dict for {r entries} [vs-copies-crossing 004:3] {
        foreach e $entries {
            if {![string match s* [lindex [split $r -] 1]] || ![string match s* [lindex [split $r -] 2]]} continue
            lappend types [dict get $e type]
            foreach end {src dst} {
                set a [lindex [split [dict get $e $end] :] 0]
                check true {$a in $portals} \
                    -message "[vs-entry-text $e] on $r: $end address $a is not on the client network ($portals)" -clause 004:22
            }
        }
    }
    check true {"WRITE" in $types} -message "no copy crossed between the servers" -clause 004:13
    check true {"GRANT" in $types && "GRANT_OK" in $types} \
        -message "no policing exchange (GRANT, GRANT_OK) crossed between the servers" -clause 004:18
}
