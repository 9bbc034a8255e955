# The iSCSI multicast mirroring suite (claims 000:1-46, spec 002, contract
# docs/mcast-data-path.md): the targets' side with the harness as initiator and group sender,
# the initiator's side with the harness emulating the targets, negative datagrams of the
# acceptance rule, the recovery figures, termination and both key dialects.
suite mcast {
    summary "iSCSI multicast mirroring: registration, group WRITE, status, recovery (Figures 5-7), termination, acceptance rule"
    version 1
    pics mcast
    device mcast-reference
    vectors {vectors/mcast/*.tcl}
    helpers {vectors/mcast/lib/*.tcl}
}
