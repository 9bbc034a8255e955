# The reference iSCSI target (`mirrorcert serve iscsi-target`), started on a loopback portal
# with an ephemeral port, one LUN backed by a file in the run's working directory.
profile {
    summary "mirrorcert reference iSCSI target on 127.0.0.1, ephemeral port, LUN 1 file-backed"
    lifecycle 1
    pics {}
    pixit {target-iqn iqn.2026-11.org.mirrorcert:reference}
    deviations {}
}

# The target prints "ready ... ADDR:PORT" on stdout once its portal listens.
variable ready_re {ready[^\r\n]*?([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+):([0-9]+)(?:[^0-9]|$)}
variable start_timeout_s 10

proc start {ctx} {
    variable running
    variable ready_re
    variable start_timeout_s
    set dir [dict get $ctx workdir]
    set argv [list [info nameofexecutable] serve iscsi-target --portal 127.0.0.1:0 \
        --iqn [::mc::pixit_get target-iqn] --lun [::mc::pixit_get lun]=[file join $dir reference-lun.img] \
        --size [::mc::pixit_get lun-size]]
    if {[dict get $ctx mutant] ne ""} {
        lappend argv --mutant [dict get $ctx mutant]
    }
    set running [::mc::spawn_ready $argv [file join $dir reference.log] $ready_re $start_timeout_s]
    lassign [dict get $running match] host port
    return [dict create portal $host:$port]
}

::mc::process_lifecycle

proc identity {} {
    return [dict create vendor mirrorcert product "reference iSCSI target" firmware $::mc::version]
}
