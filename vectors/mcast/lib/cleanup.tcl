# What a vector opened (sessions, group sockets, emulated targets, the initiator console) is
# closed when its body ends, whatever the verdict: a session left open would keep its
# registrations, and so its group membership, into the next vector.
set ::mc_open {conns {} groups {} consoles {}}

proc mc-track {kind what} {
    dict lappend ::mc_open $kind $what
    return $what
}

# Running and not a zombie (Linux /proc).
proc mc-alive {pid} {
    if {[catch {open /proc/$pid/stat r} f]} {
        return 0
    }
    set stat [read $f]
    close $f
    return [expr {[lindex [string range $stat [expr {[string last ")" $stat] + 2}] end] 0] ni {Z X}}]
}

proc mc-cleanup {args} {
    foreach c [dict get $::mc_open conns] { catch {iscsi close $c} }
    foreach g [dict get $::mc_open groups] { catch {mcast group close $g} }
    foreach s [dict get $::mc_open consoles] {
        # quit, then EOF; a console still running a second later is terminated. Never a blocking wait.
        set pid [exp_pid -i $s]
        catch {exp_send -i $s "quit\r"}
        catch {close -i $s}
        for {set i 0} {$i < 20 && [mc-alive $pid]} {incr i} {
            catch {wait -nowait -i $s}
            after 50
        }
        if {[mc-alive $pid]} {
            catch {sys kill $pid TERM}
        }
        catch {wait -nowait -i $s}
    }
    catch {mcast emulate stop}
    set ::mc_open {conns {} groups {} consoles {}}
}

trace add execution ::mc::run_body leave mc-cleanup
