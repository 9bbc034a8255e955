# The reference multicast mirroring devices: PIXIT mcast-members reference targets
# (`mirrorcert serve iscsi-target`), the members m0, m1, ..., each on a loopback portal with an
# ephemeral port and LUN [pixit lun] file-backed, for the target vectors; and the reference
# mirroring initiator's console (`mirrorcert initiator console`), which the initiator vectors
# spawn themselves. A --mutant goes to whichever of the two lists it.
profile {
    summary "mirrorcert reference multicast targets (loopback, ephemeral ports) and mirroring initiator console"
    kind mcast
    lifecycle 1
    pics {}
    pixit {}
    deviations {}
}

source [file join $::mc::home harness devices lib process.tcl]

# What start was given (workdir, mutant), the target mutant's option and each member's port, for
# members started again.
variable ctx {}
variable target_mutant {}
variable ports {}

# The multicast mirroring mutants: the reference target's (named mcast-*; iscsi-core proves
# the others on the reference profile) and every one of the mirroring initiator's.
proc mutants {} {
    return [concat [mutants_named [program_mutants serve iscsi-target] mcast-*] [program_mutants initiator console]]
}

# A member's iSCSI name: PIXIT target-iqn (as start found it) and the member's name.
proc member_iqn {m} {
    variable ctx
    return [dict get $ctx iqn]-$m
}

# Starts member m (target m0, m1, ...); one started again listens on the port it had, so the
# runtime PIXIT stays true.
proc start_member {m} {
    variable ctx
    variable target_mutant
    variable ports
    variable ready_re
    variable ready_timeout_s
    set port [expr {[dict exists $ports $m] ? [dict get $ports $m] : 0}]
    set dir [dict get $ctx workdir]
    set argv [list [info nameofexecutable] serve iscsi-target --portal 127.0.0.1:$port --iqn [member_iqn $m] \
        --lun [::mc::pixit_get lun]=[file join $dir mcast-$m.img] --size [::mc::pixit_get lun-size] {*}$target_mutant]
    spawn_member $m $argv [file join $dir mcast-$m.log] $ready_re $ready_timeout_s
    dict set ports $m [member_port $m]
    return {}
}

proc start {c} {
    variable ctx [dict merge $c [dict create iqn [::mc::pixit_get target-iqn]]]
    variable target_mutant {}
    variable ports {}
    set mutant [dict get $ctx mutant]
    set imut {}
    if {$mutant ne ""} {
        if {$mutant in [lmap d [program_mutants serve iscsi-target] {dict get $d name}]} {
            set target_mutant [list --mutant $mutant]
        } else {
            set imut [list --mutant $mutant]
        }
    }
    set portals {}
    set iqns {}
    for {set i 0} {$i < [::mc::pixit_get mcast-members 3]} {incr i} {
        start_member m$i
        lappend portals 127.0.0.1:[member_port m$i]
        lappend iqns [member_iqn m$i]
    }
    set console [list [info nameofexecutable] initiator console --data-timeout [::mc::pixit_get mcast-data-timeout] \
        --retries [::mc::pixit_get mcast-retries] {*}$imut]
    return [dict create targets $portals target-iqns $iqns portal [lindex $portals 0] target-iqn [lindex $iqns 0] \
        mcast-group [run_group [dict get $ctx seed]] initiator-command $console]
}

proc identity {} {
    return [dict create vendor mirrorcert product "reference multicast mirroring target and initiator" firmware $::mc::version]
}
