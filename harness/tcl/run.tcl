# `mirrorcert run`: load the suite, the device profile, PICS, PIXIT and the catalogue; run the
# selected vectors one after another; print and write the reports; return the exit status.

proc ::mc::make_workdir {} {
    set base [expr {[info exists ::env(TMPDIR)] && $::env(TMPDIR) ne "" ? $::env(TMPDIR) : "/tmp"}]
    for {set i 0} {$i < 100} {incr i} {
        set dir [file join $base "mirrorcert.[pid].[clock microseconds]"]
        if {![file exists $dir]} {
            file mkdir $dir
            return $dir
        }
    }
    usage_error "cannot create a working directory under $base"
}

proc ::mc::run_command {args} {
    variable device_def
    variable device_ctx
    set o [parse_run_options {*}$args]
    set suite [load_suite [dict get $o suite]]
    set devname [dict get $o device]
    if {$devname eq ""} {
        set devname [dict get $suite device]
    }
    load_profile $devname
    if {[dict get $o mutant] ne "" && ![dict get $device_def lifecycle]} {
        usage_error "--mutant needs a device the harness starts (profile $devname has no lifecycle)"
    }
    pics_setup [dict get $suite pics] [dict get $device_def pics] [dict get $o pics]
    pixit_setup [dict get $device_def pixit] [dict get $o pixit]
    catalogue_load
    set all [dict get $suite vectors]
    if {![llength [select_vectors $all [dict get $o filter] {}]]} {
        usage_error "no vector of suite [dict get $suite name] matches \"[dict get $o filter]\""
    }
    set picked [select_vectors $all [dict get $o filter] [dict get $o shard]]

    set workdir [make_workdir]
    set device_ctx [dict create workdir $workdir mutant [dict get $o mutant] seed [dict get $o seed]]
    set pcap {}
    if {[dict get $o report] ne "" && [llength [info commands ::iscsi]]} {
        set pcap [file join $workdir traffic.pcap]
        iscsi pcap open $pcap
    }
    set started [clock seconds]
    set t0 [clock milliseconds]
    set rc [catch {run_vectors $suite $picked $o} results opts]
    catch {device_stop}
    if {$pcap ne ""} {
        catch {iscsi pcap close}
    }
    if {$rc} {
        file delete -force $workdir
        return -options $opts $results
    }
    set run [dict create suite [dict get $suite name] suite_version [dict get $suite version] \
        suite_summary [dict get $suite summary] device $devname \
        device_summary [dict get $device_def summary] identity [device_identity] \
        harness_version $::mc::version seed [dict get $o seed] filter [dict get $o filter] \
        shard [dict get $o shard] mutant [dict get $o mutant] started $started \
        time_ms [expr {[clock milliseconds] - $t0}] pics $::mc::pics pixit [pixit_all] \
        workdir $workdir]

    set status [run_status $results]
    progress_clear
    if {[dict get $o tap]} {
        puts "# [summary_line $run $results]"
    } else {
        puts [summary_line $run $results]
    }
    # A report that cannot be written is an environment error (exit 2), whatever the verdicts.
    try {
        if {[dict get $o junit] ne ""} {
            write_junit [dict get $o junit] $run $results
        }
        if {[dict get $o report] ne ""} {
            write_report_dir [dict get $o report] $run $all $results $pcap
        }
    } on error msg {
        usage_error "cannot write the reports: $msg"
    } finally {
        file delete -force $workdir
    }
    return $status
}

proc ::mc::run_vectors {suite picked o} {
    variable device
    if {[llength $picked] && [catch {device_start} msg]} {
        usage_error "device $device could not be started: $msg"
    }
    output_setup [dict get $o tap] [llength $picked]
    set results {}
    set n 0
    foreach v $picked {
        set id [dict get $v id]
        progress_line [incr n] [llength $picked] $id
        set r [run_vector $suite $v [dict get $o seed]]
        set reason [deviation $id]
        if {$reason ne ""} {
            if {[dict get $r verdict] in {fail inconc}} {
                dict set r expected $reason
            } elseif {[dict get $r verdict] eq "pass"} {
                dict lappend r observations "listed as a deviation of $device ($reason) but passed"
            }
        }
        report_result $r
        lappend results $r
    }
    return $results
}

# 1 when any verdict is fail, inconc or error and not an expected failure; else 0.
proc ::mc::run_status {results} {
    variable EXIT_OK
    variable EXIT_FAILED
    foreach r $results {
        if {[dict get $r verdict] in {fail inconc error} && [dict get $r expected] eq ""} {
            return $EXIT_FAILED
        }
    }
    return $EXIT_OK
}
