# What a vector opened (sessions, group sockets, emulated targets, the initiator console) is
# closed when its body ends, whatever the verdict: a session left open would keep its
# registrations, and so its group membership, into the next vector.
set ::mc_open {conns {} groups {} consoles {}}

proc mc-track {kind what} {
    dict lappend ::mc_open $kind $what
    return $what
}

proc mc-cleanup {args} {
    foreach c [dict get $::mc_open conns] { catch {iscsi close $c} }
    foreach g [dict get $::mc_open groups] { catch {mcast group close $g} }
    foreach s [dict get $::mc_open consoles] {
        catch {close -i $s}
        catch {wait -i $s}
    }
    catch {mcast emulate stop}
    set ::mc_open {conns {} groups {} consoles {}}
}

trace add execution ::mc::run_body leave mc-cleanup
