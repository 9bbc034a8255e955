# Helpers of the vsan vectors (prefix vs-) on the mirror link (docs/vsan-link.md §2-§8) as the
# harness's relays see it (docs/vsan-command.md): which relay carries a member's connections to
# another, the entries of its log after a mark, and faults that end with the vector. Log times
# and client operation times come from one clock (the vsan module's), so an entry can be placed
# before or after a client's completion.

# The relay carrying the connections member `from` opens to member `to`: its requests go `fwd`,
# the answers `rev` (PICS vsan-link-relays; PIXIT vsan-relays from the profile).
proc vs-relay {from to} {
    set r [pixit vsan-relays {}]
    if {![dict exists $r $from $to]} {
        inconc "no relay on the link from $from to $to (PIXIT vsan-relays)"
    }
    return [dict get $r $from $to]
}

# The number of the newest entry of a relay's log (0 before the first): later queries start
# after it.
proc vs-mark {relay} {
    return [dict get [vsan relay info $relay] log total]
}

# The message entries of a relay's log after mark whose values match pred, a list of key paths
# and values ({type WRITE dir fwd {body offset} 5120}; the path `fault` names a fault the entry
# carries, such as replayed); oldest first.
proc vs-entries {relay mark pred} {
    set out {}
    foreach e [vsan relay log $relay -since $mark] {
        if {[dict get $e event] ne "msg"} continue
        set ok 1
        foreach {path want} $pred {
            if {$path eq "fault"} {
                set ok [expr {$want in [dict get $e faults]}]
            } elseif {![dict exists $e {*}$path] || ![::mc::values_equal [dict get $e {*}$path] $want]} {
                set ok 0
            }
            if {!$ok} {
                break
            }
        }
        if {$ok} {
            lappend out $e
        }
    }
    return $out
}

# The first such entry, {} when there is none.
proc vs-entry {relay mark pred} {
    return [lindex [vs-entries $relay $mark $pred] 0]
}

# vs-await-entry RELAY MARK PRED CLAUSE WHAT ?-ms MS?: the first entry matching pred, waited
# for (PIXIT response-ms); none in time fails under clause naming what was awaited.
proc vs-await-entry {relay mark pred clause what args} {
    set o [::mc::wait_opts vs-await-entry $args [list -ms [wait-ms]]]
    set until [expr {[clock milliseconds] + [dict get $o -ms]}]
    while {![dict size [set e [vs-entry $relay $mark $pred]]]} {
        if {[clock milliseconds] >= $until} {
            fail "$what did not cross the link ($relay) within [dict get $o -ms] ms" -clause $clause
        }
        after 20
    }
    return $e
}

# The answer (dir rev) to a request entry: the same connection, the same tag, after it; waited
# for like vs-await-entry.
proc vs-await-answer {relay e clause what} {
    return [vs-await-entry $relay [dict get $e n] [list dir rev conn [dict get $e conn] {header tag} [dict get $e header tag]] \
        $clause $what]
}

# A short line naming an entry, for messages and observations.
proc vs-entry-text {e} {
    set s "[dict get $e type] #[dict get $e n] [dict get $e dir] ([dict get $e src] -> [dict get $e dst])"
    if {[dict exists $e status]} {
        append s " status [dict get $e status]"
    }
    return $s
}

# vs-relay-fault RELAY FAULT ARGS..: `vsan relay FAULT RELAY ARGS..` (delay, drop, corrupt,
# hold, cut); the relay is healed when the vector ends (heal lifts every fault and a hold that
# did not take).
proc vs-relay-fault {relay fault args} {
    defer [list vsan relay heal $relay]
    return [vsan relay $fault $relay {*}$args]
}

# Every relay of the device (each direction of every link), for marks over all of them.
proc vs-relays {} {
    set out {}
    dict for {from tos} [pixit vsan-relays {}] {
        dict for {to name} $tos {
            lappend out $name
        }
    }
    return $out
}

# The addresses of a list of ADDR:PORT endpoints.
proc vs-addrs {endpoints} {
    return [lsort -unique [lmap p $endpoints {lindex [split $p :] 0}]]
}
