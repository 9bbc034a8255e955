# The reference virtual SAN (docs/vsan-link.md): PIXIT vsan-servers reference servers
# (`mirrorcert serve vsan-server`, members s1, s2, s3) and, beside two servers, a witness
# (`mirrorcert serve vsan-witness`, member w), each on a loopback address of its own. Every link
# between two members goes through a pair of the harness's relays (docs/vsan-command.md), one
# per direction, opened here, so vectors can log, delay, hold, drop and cut it. Each server's
# store is a file of the run's working directory with its state beside it (STORE.meta), so a
# member killed and started again comes back with its store and state, and vectors read the
# stores directly (`vsan store read|equal`). A configuration a vector asks for (device
# configure) is a virtual SAN of its own, with stores of its own. Runtime PIXIT: the portals,
# link endpoints, stores, relays (vsan-relays: member -> member -> relay), ids and the files
# holding each member's persistent state (vsan-state-files: deleted while the member is
# stopped, it returns as a new server, §8.2).
#
# Addresses: the run's own 127.X.Y.0/24 (PIXIT vsan-net auto; X.Y from the process id, so runs
# in parallel never share one). Server i's portal is .i; its link endpoint is .(10+i) when the
# mirror link is dedicated (004:2) or .i, beside the portal, when it shares the client network
# (004:3); the witness's link is .19. The relay carrying A's connections to B listens on B's
# link address (B admits A by its source address, which the relay binds: docs/vsan-command.md).
# Ports are chosen free when the device starts and kept when a member starts again.
#
# Faults: fail-store MEMBER ?read|write|both? ?OFFSET LENGTH? and heal-store MEMBER (the
# server's stdin control lines), cut-link MEMBER ?OTHER ..? and heal-link MEMBER ?OTHER ..?
# (both relays between MEMBER and each OTHER; none named: every link of MEMBER).
# Configurations a vector may ask for (device configure): the servers, the link and the quorum.
profile {
    summary "mirrorcert reference virtual SAN: servers s1, s2 (s3) and witness w on loopback addresses, harness relays on every link"
    kind vsan
    lifecycle 1
    pics {}
    pixit {target-iqn iqn.2026-11.org.mirrorcert:vsan}
    faults {fail-store heal-store cut-link heal-link}
    configs {vsan-servers {2 3} vsan-link {dedicated shared} vsan-quorum {majority off}}
    deviations {}
}

source [file join $::mc::home harness devices lib process.tcl]
source [file join $::mc::home harness devices lib net.tcl]

# What start decided, for members started again: ctx, the members' ids, addresses, ports,
# stores and command lines.
variable ctx {}
variable plan {}
# A server's ready line: portal, link endpoint, LUN and iSCSI name (docs/vsan-link.md §9).
variable server_re {ready id=[0-9]+ portal=([0-9.]+):([0-9]+) link=([0-9.]+):([0-9]+) lun=([0-9]+) iqn=([^ \r\n]+)}
variable witness_re {ready id=[0-9]+ link=([0-9.]+):([0-9]+)}
# A control line's answer: "ok ..." or "error ..." on a line of its own.
variable control_re {(?:^|\n)((?:ok|error)[^\r\n]*)\r?\n}
# How long a server may take to answer a control line, in seconds.
variable control_timeout_s 5
# Addresses in the run's /24: server i at .i, its dedicated link at .(link_offset + i), the
# witness's link at .witness_host.
variable link_offset 10
variable witness_host 19

proc mutants {} {
    return [program_mutants serve vsan-server]
}

# One configuration item: what device configure asked for, else PIXIT.
proc config {key} {
    variable ctx
    if {[dict exists $ctx config $key]} {
        return [dict get $ctx config $key]
    }
    return [::mc::pixit_get $key]
}

proc relay_name {from to} {
    return vsan-$from-$to
}

# Decides every member's id, addresses, ports and store, and opens the relays.
proc make_plan {} {
    variable ctx
    variable plan {}
    variable link_offset
    variable witness_host
    set net [run_net]
    set n [config vsan-servers]
    if {$n ni {2 3}} {
        return -code error "PIXIT vsan-servers must be 2 or 3, not \"$n\""
    }
    set dedicated [expr {[config vsan-link] eq "dedicated"}]
    # A configuration a vector asked for is a virtual SAN of its own: its own stores and state.
    set tag [join [dict values [dict get $ctx config]] -]
    set files [file join [dict get $ctx workdir] [expr {$tag eq "" ? "vsan" : "vsan-$tag"}]]
    set servers {}
    for {set i 1} {$i <= $n} {incr i} {
        set m s$i
        lappend servers $m
        set caddr $net.$i
        set laddr [expr {$dedicated ? "$net.[expr {$link_offset + $i}]" : $caddr}]
        dict set plan $m [dict create id $i kind server portal $caddr:[free_port $caddr] \
            link $laddr:[free_port $laddr] store $files-$m.img]
    }
    set members $servers
    if {$n == 2 && [::mc::pixit_get vsan-witness 1]} {
        set waddr $net.$witness_host
        dict set plan w [dict create id [expr {$n + 1}] kind witness link $waddr:[free_port $waddr] \
            state $files-w.state]
        lappend members w
    }
    # Relays: from every member to every other member but witness to witness (one at most).
    foreach a $members {
        foreach b $members {
            if {$a eq $b} continue
            lassign [split [dict get $plan $b link] :] baddr bport
            set aaddr [lindex [split [dict get $plan $a link] :] 0]
            set name [relay_name $a $b]
            catch {vsan relay close $name}
            vsan relay open -name $name -listen $baddr:0 -to $baddr:$bport -from $aaddr -seed [dict get $ctx seed]
            dict set plan $a via $b [dict get [vsan relay info $name] listen]
        }
    }
    return $members
}

# The command line of member m.
proc member_argv {m} {
    variable ctx
    variable plan
    set p [dict get $plan $m]
    set common [list --id [dict get $p id] --link [dict get $p link] --lease-ms [::mc::pixit_get vsan-lease-ms] \
        --region-size [::mc::pixit_get vsan-region-size] --quorum [config vsan-quorum] \
        --log-level [::mc::pixit_get vsan-log-level]]
    set peers {}
    set witness {}
    dict for {other addr} [dict get $p via] {
        set spec [dict get $plan $other id]=$addr
        if {[dict get $plan $other kind] eq "witness"} {
            lappend witness --witness $spec
        } else {
            lappend peers --peer $spec
        }
    }
    if {[dict get $p kind] eq "witness"} {
        return [list [info nameofexecutable] serve vsan-witness {*}$common {*}$peers --state [dict get $p state]]
    }
    set mutant [expr {[dict get $ctx mutant] ne "" ? [list --mutant [dict get $ctx mutant]] : {}}]
    return [list [info nameofexecutable] serve vsan-server {*}$common {*}$peers {*}$witness \
        --store [dict get $p store] --size [::mc::pixit_get vsan-size] --portal [dict get $p portal] \
        --iqn [::mc::pixit_get target-iqn] --lun [::mc::pixit_get lun] {*}$mutant]
}

# Starts member m (again: with its store, its state and the ports it had).
proc start_member {m} {
    variable ctx
    variable plan
    variable server_re
    variable witness_re
    variable ready_timeout_s
    if {![dict exists $plan $m]} {
        return -code error "no member \"$m\""
    }
    set re [expr {[dict get $plan $m kind] eq "witness" ? $witness_re : $server_re}]
    spawn_member $m [member_argv $m] [file join [dict get $ctx workdir] vsan-$m.log] $re $ready_timeout_s
    return {}
}

proc start {c} {
    variable ctx $c
    variable plan
    set members [make_plan]
    foreach m $members {
        start_member $m
    }
    set portals {}
    set links {}
    set stores {}
    set state {}
    set ids {}
    set relays {}
    foreach m $members {
        set p [dict get $plan $m]
        dict set ids $m [dict get $p id]
        dict set links $m [dict get $p link]
        if {[dict get $p kind] eq "server"} {
            dict set portals $m [dict get $p portal]
            dict set stores $m [dict get $p store]
            dict set state $m [list [dict get $p store] [dict get $p store].meta]
        } else {
            dict set state $m [list [dict get $p state]]
        }
        dict for {other addr} [dict get $p via] {
            dict set relays $m $other [relay_name $m $other]
        }
    }
    return [dict create portal [dict get $portals s1] vsan-portals $portals vsan-links $links \
        vsan-stores $stores vsan-state-files $state vsan-ids $ids vsan-relays $relays vsan-servers [config vsan-servers] \
        vsan-link [config vsan-link] vsan-quorum [config vsan-quorum]]
}

# The relays go with the device (the shared stop calls this once every process has stopped).
proc on_device_stop {} {
    variable plan
    foreach name [vsan relay list] {
        if {[string match vsan-* $name]} {
            catch {vsan relay close $name}
        }
    }
    set plan {}
}

# The relays between member m and each of others (every member it has a link to when none).
proc relays_of {m others} {
    variable plan
    if {![llength $others]} {
        set others [dict keys [dict get $plan $m via]]
    }
    set names {}
    foreach o $others {
        if {![dict exists $plan $m via $o]} {
            return -code error "member $m has no link to \"$o\" (links: [join [dict keys [dict get $plan $m via]] {, }])"
        }
        lappend names [relay_name $m $o] [relay_name $o $m]
    }
    return $names
}

proc fault {member name args} {
    variable plan
    variable control_re
    variable control_timeout_s
    switch -- $name {
        fail-store - heal-store {
            if {[dict get $plan $member kind] ne "server"} {
                return -code error "$name: member $member has no store"
            }
            if {$name eq "heal-store"} {
                set line "store heal"
            } else {
                set mode [expr {[llength $args] ? [lindex $args 0] : "both"}]
                if {$mode ni {read write both} || [llength $args] ni {0 1 3}} {
                    return -code error "usage: fail-store MEMBER ?read|write|both? ?OFFSET LENGTH?"
                }
                set line [string trim "store fail $mode [lrange $args 1 2]"]
            }
            set answer [member_control $member $line $control_re $control_timeout_s]
            if {![string match ok* $answer]} {
                return -code error "$member refused \"$line\": $answer"
            }
            return $answer
        }
        cut-link - heal-link {
            set names [relays_of $member $args]
            foreach r $names {
                vsan relay [expr {$name eq "cut-link" ? "cut" : "heal"}] $r
            }
            return $names
        }
    }
    return -code error "fault $name is not offered"
}

proc identity {} {
    return [dict create vendor mirrorcert product "reference virtual SAN servers" firmware $::mc::version]
}
