# The reference multicast mirroring devices: PIXIT mcast-members reference targets
# (`mirrorcert serve iscsi-target`), each on a loopback portal with an ephemeral port and LUN
# [pixit lun] file-backed, for the target vectors; and the reference mirroring initiator's
# console (`mirrorcert initiator console`), which the initiator vectors spawn themselves. A
# --mutant goes to whichever of the two lists it.
profile {
    summary "mirrorcert reference multicast targets (loopback, ephemeral ports) and mirroring initiator console"
    lifecycle 1
    pics {}
    pixit {}
    deviations {}
}

variable ready_re {ready[^\r\n]*?([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+):([0-9]+)(?:[^0-9]|$)}
variable start_timeout_s 10
variable procs {}

# Mutant names a program lists with --mutant list (first word of each line).
proc mutants_of {args} {
    set names {}
    if {![catch {exec [info nameofexecutable] {*}$args --mutant list 2>/dev/null} out]} {
        foreach line [split $out \n] {
            if {[llength $line]} { lappend names [lindex $line 0] }
        }
    }
    return $names
}

# A group address of its own per run (239/8 is administratively scoped, RFC 2365), so runs in
# parallel on one host never share a group.
proc run_group {seed} {
    # A multiplicative hash (Knuth) spreads neighbouring process ids over the whole range.
    set x [expr {(([pid] * 2654435761) ^ $seed) & 0xffffff}]
    return [format 239.%d.%d.%d [expr {($x >> 16) & 0xff}] [expr {($x >> 8) & 0xff}] [expr {1 + ($x & 0xff) % 254}]]
}

proc start {ctx} {
    variable procs
    variable ready_re
    variable start_timeout_s
    set exe [info nameofexecutable]
    set dir [dict get $ctx workdir]
    set mutant [dict get $ctx mutant]
    set tmut {}
    set imut {}
    if {$mutant ne ""} {
        if {$mutant in [mutants_of serve iscsi-target]} {
            set tmut [list --mutant $mutant]
        } elseif {$mutant in [mutants_of initiator console]} {
            set imut [list --mutant $mutant]
        } else {
            return -code error "mutant \"$mutant\" is listed by neither the reference target nor the mirroring initiator"
        }
    }
    set portals {}
    set iqns {}
    set base [::mc::pixit_get target-iqn]
    for {set i 0} {$i < [::mc::pixit_get mcast-members 3]} {incr i} {
        set iqn $base-m$i
        set argv [list $exe serve iscsi-target --portal 127.0.0.1:0 --iqn $iqn \
            --lun [::mc::pixit_get lun]=[file join $dir mcast-t$i.img] --size [::mc::pixit_get lun-size] {*}$tmut]
        set p [::mc::spawn_ready $argv [file join $dir mcast-t$i.log] $ready_re $start_timeout_s]
        lappend procs $p
        lassign [dict get $p match] host port
        lappend portals $host:$port
        lappend iqns $iqn
    }
    set console [list $exe initiator console --data-timeout [::mc::pixit_get mcast-data-timeout] \
        --retries [::mc::pixit_get mcast-retries] {*}$imut]
    return [dict create targets $portals target-iqns $iqns portal [lindex $portals 0] target-iqn [lindex $iqns 0] \
        mcast-group [run_group [dict get $ctx seed]] initiator-command $console]
}

proc stop {} {
    variable procs
    foreach p $procs {
        ::mc::terminate [dict get $p spawn_id] [dict get $p pid]
    }
    set procs {}
}

proc kill {} {
    variable procs
    foreach p $procs {
        catch {sys kill [dict get $p pid] KILL}
        ::mc::wait_gone [dict get $p pid] $::mc::stop_grace_s
    }
}

proc sever {} {
    variable procs
    foreach p $procs {
        catch {sys kill [dict get $p pid] STOP}
    }
}

proc alive {} {
    variable procs
    if {![llength $procs]} { return 0 }
    foreach p $procs {
        if {![::mc::proc_alive [dict get $p pid]]} { return 0 }
    }
    return 1
}

proc identity {} {
    return [dict create vendor mirrorcert product "reference multicast mirroring target and initiator" firmware $::mc::version]
}
