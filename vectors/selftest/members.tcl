# Devices with members (the selftest profile has two, m0 and m1) and the faults a profile
# offers: lifecycle operations on one member, per-member death bookkeeping, fault dispatch.

vector selftest.members {
    claims {RFC7143:11.1} role target
    summary "device members names them; a member killed on purpose is down, the other alive, and no verdict blames it"
} {
    check eq [device members] {m0 m1} -field members
    check eq [device alive m1] 1 -field "m1 alive"
    device kill m1
    check eq [device alive m1] 0 -field "m1 alive after device kill m1"
    check eq [device alive m0] 1 -field "m0 alive after device kill m1"
}

vector selftest.member-restart {
    claims {RFC7143:11.1} role target
    summary "device restart m1 gives m1 a new process, which the runtime PIXIT reports; m0 keeps its own"
} {
    lassign [pixit pids] m0 m1
    device restart m1
    lassign [pixit pids] m0_after m1_after
    check eq $m0_after $m0 -field "pid of m0"
    check true {$m1_after != $m1} -message "the restarted member m1 has a new pid"
    check eq [device alive m1] 1 -field "m1 alive after the restart"
}

vector selftest.fault {
    claims {RFC7143:11.1} role target
    summary "A fault the profile offers reaches its fault proc with the member and the fault's name"
} {
    check eq [device fault m1 fail-store] "m1: fail-store" -field "fault result"
    check eq [device fault m1 heal-store] "m1: fail-store heal-store" -field "fault result"
}

vector selftest.fault-not-offered {
    claims {RFC7143:11.1} role target
    summary "A known fault the profile does not offer: inconc"
} {
    device fault m1 cut-link
    fail "device fault returned for a fault the profile does not offer"
}

vector selftest.fault-unknown {
    claims {RFC7143:11.1} role target
    summary "A fault no profile can offer is the vector's mistake: error"
} {
    device fault m1 melt-down
}

vector selftest.member-unknown {
    claims {RFC7143:11.1} role target
    summary "A member the device does not have is the vector's mistake: error"
} {
    device kill m9
}

# A configuration the profile offers restarts the whole device with it for this vector; the
# invariant cited shows an invariant's verdict in the report.
vector selftest.configure {
    claims {RFC7143:11.1 invariant:linearizable} role target
    summary "device configure restarts the device with a configuration it offers, which its start reports"
} {
    set before [pixit pid]
    check eq [pixit config] {} -field "configuration before"
    device configure {size large}
    check eq [pixit config] {size large} -field "configuration the start was given"
    check true {[pixit pid] != $before} -message "the configured device has a new pid"
}

vector selftest.configure-not-offered {
    claims {RFC7143:11.1} role target
    summary "A configuration value the profile does not offer: inconc"
} {
    device configure {size huge}
    fail "device configure returned for a value the profile does not offer"
}
