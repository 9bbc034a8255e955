# The harness's own emulated multicast targets (`mcast emulate`), standing in as the target DUT:
# checks the mcast suite's target vectors and the harness's group sender against an independent
# implementation of docs/mcast-data-path.md, with no reference device involved. The initiator
# vectors do not apply (nothing plays the initiator DUT).
profile {
    summary "three emulated multicast targets inside the harness (self-test of the mcast suite)"
    kind mcast
    lifecycle 1
    pics {mcast-initiator 0 igmp-local 1}
    pixit {}
    deviations {}
}

source [file join $::mc::home harness devices lib process.tcl]

variable up 0

proc start {ctx} {
    variable up
    set n [::mc::pixit_get mcast-members 3]
    set ts [mcast emulate start -n $n -luns [list 0 [::mc::pixit_get lun]]]
    set up 1
    set portals {}
    set iqns {}
    foreach t $ts {
        lappend portals [dict get $t portal]
        lappend iqns [dict get $t iqn]
    }
    return [dict create targets $portals target-iqns $iqns portal [lindex $portals 0] \
        target-iqn [lindex $iqns 0] mcast-group [run_group [dict get $ctx seed]]]
}

proc stop {} {
    variable up
    catch {mcast emulate stop}
    set up 0
}

proc kill {} { stop }
proc sever {} { stop }
proc alive {} {
    variable up
    return $up
}

proc identity {} {
    return [dict create vendor mirrorcert product "emulated multicast targets" firmware $::mc::version]
}
