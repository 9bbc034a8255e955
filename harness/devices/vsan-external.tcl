# A virtual SAN the harness does not start or stop: a vendor's server pair (or trio) that keeps
# the link contract (docs/vsan-link.md) and exposes the mirrored volume at each server's portal.
# Its members, portals, IQN and LUN come from the --pixit file (vsan-portals, target-iqn, lun,
# vsan-size, vsan-block-size, vsan-region-size), the files the harness may read as its stores
# from vsan-stores, its faults from vsan-fault-commands (shell commands; %m is the member, %a
# the fault's arguments, %% a percent sign).
#
# Deviations from vsan-reference, each answered in its PICS below so the vectors that need it
# are n/a (a --pics file claims what the vendor's set-up does give):
# - no relays of the harness sit on its mirror link: nothing reads the link's messages, so the
#   vectors of the copy, the policing exchange, the link's addresses and epochs are n/a
#   (vsan-link-relays 0);
# - the harness cannot kill, restart, stop or reconfigure a member: kills, rejoins, a third
#   server and a quorum-less configuration are n/a (vsan-member-restart, vsan-join,
#   vsan-third-server, vsan-quorum-off 0), and a vector that still asks ends inconc;
# - stores and faults only where the --pixit file gives them (vsan-store-access,
#   vsan-store-faults, vsan-link-faults 0 until claimed); a fault without a command, or whose
#   command fails or overruns, ends the vector inconc: the harness could not stage it.
# Nothing here fails a vector on the device's account.
profile {
    summary "a virtual SAN the harness does not control: portals, stores and fault commands from --pixit"
    kind vsan
    reach {vsan-portals}
    lifecycle 0
    pics {vsan-link-relays 0 vsan-member-restart 0 vsan-join 0 vsan-third-server 0 vsan-quorum-off 0
          vsan-store-access 0 vsan-store-faults 0 vsan-link-faults 0}
    pixit {}
    faults {fail-store heal-store cut-link heal-link}
    deviations {}
}

# How long a fault command may run, in seconds: a hung command must not hold the vector.
variable fault_timeout_s 30

# The members: every server of vsan-portals, and any other member vsan-links names (a witness).
proc members {} {
    set ms [dict keys [::mc::pixit_get vsan-portals {}]]
    foreach m [dict keys [::mc::pixit_get vsan-links {}]] {
        if {$m ni $ms} {
            lappend ms $m
        }
    }
    return $ms
}

proc fault {member name args} {
    variable fault_timeout_s
    set cmds [::mc::pixit_get vsan-fault-commands {}]
    if {![dict exists $cmds $name] || [string trim [dict get $cmds $name]] eq ""} {
        ::mc::device_inconc "device fault: PIXIT vsan-fault-commands gives no command for $name"
    }
    set cmd [string map [list %% % %m $member %a [join $args " "]] [dict get $cmds $name]]
    if {[catch {exec timeout $fault_timeout_s sh -c $cmd 2>@1} out]} {
        ::mc::device_inconc "device fault $name $member: the command \"$cmd\" failed or ran over $fault_timeout_s s: $out"
    }
    return $out
}

proc identity {} {
    return [dict create vendor {} product "virtual SAN under test (external)" firmware {}]
}
