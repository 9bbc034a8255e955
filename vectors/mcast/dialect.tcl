# The spec's literal key dialect at the targets (docs/mcast-data-path.md §4.3), whatever the
# PIXIT dialect: accepted, echoed without spaces, usable for group WRITEs and termination.

vector mcast.dialect.literal-register {
    claims {000:1(b) 000:11 000:14} role target requires {mcast-target literal-dialect}
    summary "Command=register, multicast_group_ip = A (spaces), lun_map=(r,v): every key echoed as received without spaces, the group WRITE lands, command=terminate with virtual_lun alone ends it"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    foreach c $conns {
        set keys [mcast keys register -group [mc-group] -map [list [pixit lun] [mc-vlun]] -dialect literal -spaces 1]
        set r [mc-text $c $keys 000:11]
        check pdu $r {opcode 0x24 F 1 ttt 0xffffffff} -clause 000:11
        check eq [mc-key $r Command] register -field Command -clause 000:11
        check eq [mc-key $r multicast_group_ip] [mc-group] -field multicast_group_ip -clause 000:11
        check eq [mc-key $r lun_map] "([pixit lun],[mc-vlun])" -field lun_map -clause 000:11
    }
    set bs [block-size [lindex $conns 0] inconc]
    set data [pattern $bs 50]
    mc-group-write $g $conns [mc-vlun] 1800 $data
    foreach c $conns {
        same [mc-read $c 1800 1] $data -field "LUN after a literal-dialect registration" -clause 000:1(b)
        set r [mc-text $c [list command terminate virtual_lun [mc-vlun]] 000:14]
        check pdu $r {opcode 0x24 F 1} -clause 000:14
        check eq [mc-key $r command] terminate -field command -clause 000:14
        check eq [mc-key $r virtual_lun] [mc-vlun] -field virtual_lun -clause 000:14
    }
}

vector mcast.dialect.literal-spec-address {
    claims {000:11} role target requires {mcast-target literal-dialect}
    summary "The spec's own example address 128.12.15.3 is not multicast: its multicast_group_ip is answered Reject"
} {
    set c [lindex [mc-sessions] 0]
    set r [mc-text $c [mcast keys register -group 128.12.15.3 -map {1 5} -dialect literal] 000:11]
    check eq [mc-key $r multicast_group_ip] Reject -field multicast_group_ip -clause 000:11
}

vector mcast.dialect.mixed {
    claims {000:11} role target requires {mcast-target literal-dialect}
    summary "A request mixing both dialects registers nothing: MixedDialect (or Reject) and no R2T for a group WRITE"
} {
    set conns [mc-sessions]
    set g [mc-open-group]
    set c [lindex $conns 0]
    set keys [concat [mcast keys register -group [mc-group] -port [mc-port] -vlun [mc-vlun] -map [pixit lun]] \
        [list lun_map "([pixit lun],[mc-vlun])"]]
    set r [mc-text $c $keys 000:11]
    check true {[mc-status $r] in {MixedDialect Reject}} -message "outcome \"[mc-status $r]\" for mixed dialects" -clause 000:11
    set bs [block-size $c inconc]
    set itt [mc-itt]
    mcast send $g [mc-isid] [list [mc-cmd-pdu $itt [mc-vlun] 1900 1 $bs]]
    check eq [silent $c [list opcode 0x31 itt $itt] 000:11] 1 -field "R2T after a refused registration" -clause 000:11
}
