# The reference iSCSI target (`mirrorcert serve iscsi-target`), started on a loopback portal
# with an ephemeral port, one LUN backed by a file in the run's working directory.
profile {
    summary "mirrorcert reference iSCSI target on 127.0.0.1, ephemeral port, LUN 1 file-backed"
    kind iscsi
    lifecycle 1
    pics {}
    pixit {target-iqn iqn.2026-11.org.mirrorcert:reference}
    deviations {}
}

source [file join $::mc::home harness devices lib process.tcl]

proc start {ctx} {
    variable ready_re
    variable ready_timeout_s
    set dir [dict get $ctx workdir]
    set argv [list [info nameofexecutable] serve iscsi-target --portal 127.0.0.1:0 \
        --iqn [::mc::pixit_get target-iqn] --lun [::mc::pixit_get lun]=[file join $dir reference-lun.img] \
        --size [::mc::pixit_get lun-size]]
    if {[dict get $ctx mutant] ne ""} {
        lappend argv --mutant [dict get $ctx mutant]
    }
    set p [spawn_device $argv [file join $dir reference.log] $ready_re $ready_timeout_s]
    return [dict create portal [ready_portal $p]]
}

# The reference target's mutants but those of multicast mirroring (named mcast-*: the mcast
# suite's, see mcast-reference).
proc mutants {} {
    return [mutants_named [program_mutants serve iscsi-target] mcast-* -not]
}

proc identity {} {
    return [dict create vendor mirrorcert product "reference iSCSI target" firmware $::mc::version]
}
