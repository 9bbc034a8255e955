# `mirrorcert run`: for each selected suite, load the device profile, PICS, PIXIT and the
# catalogue; run the selected vectors one after another; print and write the reports. Returns
# the exit status. Without --suite every suite runs except those declaring `certify 0` (the
# harness's own), each on its default device.

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

proc ::mc::default_suites {} {
    set names {}
    foreach name [suite_names] {
        if {[dict get [load_suite $name] certify]} {
            lappend names $name
        }
    }
    return $names
}

proc ::mc::run_command {args} {
    set o [parse_run_options {*}$args]
    set names [expr {[dict get $o suite] ne "" ? [list [dict get $o suite]] : [default_suites]}]
    set names [suites_for_device $names $o]
    # Select first, so a filter matching nothing is refused before any device starts and TAP
    # can announce its plan.
    set plan {}
    set total 0
    foreach name $names {
        set suite [add_vector_files [load_suite $name] [dict get $o vector-file]]
        if {![llength [select_vectors [dict get $suite vectors] [dict get $o filter] [dict get $o role] {}]]} {
            continue
        }
        set picked [select_vectors [dict get $suite vectors] [dict get $o filter] [dict get $o role] [dict get $o shard]]
        lappend plan $suite $picked
        incr total [llength $picked]
    }
    if {![llength $plan]} {
        set roles [expr {[llength [dict get $o role]] ? " in role [join [dict get $o role] {, }]" : ""}]
        usage_error "no vector of [join $names {, }] matches \"[dict get $o filter]\"$roles"
    }
    # A mutant every suite's device lists, before any device starts.
    if {[dict get $o mutant] ne ""} {
        foreach {suite picked} $plan {
            check_mutant [suite_device $suite $o] [dict get $o mutant]
        }
    }
    set multi [expr {[llength $plan] > 2}]
    catalogue_load
    output_setup [dict get $o tap] $total
    set status 0
    foreach {suite picked} $plan {
        set status [expr {max($status, [run_suite $suite $picked $o $multi])}]
    }
    # What stdout could not take (a full disk, TAP into /dev/full) fails here, not silently at exit.
    flush stdout
    return $status
}

# The suite with the vectors of files (--vector-file) added after its own; an id it already has
# is refused.
proc ::mc::add_vector_files {suite files} {
    set have [lmap v [dict get $suite vectors] {dict get $v id}]
    foreach file $files {
        if {![file readable $file]} {
            usage_error "--vector-file $file: cannot read it"
        }
        foreach v [load_vector_file [file normalize $file]] {
            if {[dict get $v id] in $have} {
                usage_error "--vector-file $file: suite [dict get $suite name] already has a vector [dict get $v id]"
            }
            lappend have [dict get $v id]
            dict lappend suite vectors $v
        }
    }
    return $suite
}

# The suites that can run on --device: a suite named with --suite whose default device is of
# another kind than --device is a usage error; without --suite, such suites are left out.
proc ::mc::suites_for_device {names o} {
    set devname [dict get $o device]
    if {$devname eq ""} {
        return $names
    }
    set kind [profile_kind $devname]
    set kept {}
    foreach name $names {
        set want [profile_kind [dict get [load_suite $name] device]]
        if {$want eq $kind} {
            lappend kept $name
        } elseif {[dict get $o suite] ne ""} {
            usage_error "suite $name runs on devices of kind $want; device $devname is of kind $kind"
        }
    }
    if {![llength $kept]} {
        usage_error "no suite runs on device $devname (of kind $kind)"
    }
    return $kept
}

# Where a suite's JUnit file and report folder go: as given, with the suite's name added when
# several suites run; the report folder defaults to reports/out/SUITE in the source tree
# (reports/out/SUITE-shard-K-of-N for a shard, so shards run at once never share one).
proc ::mc::output_paths {o suite multi} {
    set name [dict get $suite name]
    set junit [dict get $o junit]
    if {$junit ne "" && $multi} {
        set junit [file rootname $junit]-$name[file extension $junit]
    }
    set report [dict get $o report]
    if {$report eq ""} {
        set folder $name
        if {[dict get $o shard] ne ""} {
            append folder -shard-[join [split [dict get $o shard] /] -of-]
        }
        set report [file join $::mc::home reports out $folder]
    } elseif {$multi} {
        set report [file join $report $name]
    }
    return [list $junit $report]
}

# The device profile a suite runs on: --device, else the suite's own.
proc ::mc::suite_device {suite o} {
    set devname [dict get $o device]
    return [expr {$devname ne "" ? $devname : [dict get $suite device]}]
}

# A --mutant needs a device the harness starts, and one whose profile lists it.
proc ::mc::check_mutant {devname mutant} {
    variable device_def
    load_profile $devname
    if {![dict get $device_def lifecycle]} {
        usage_error "--mutant needs a device the harness starts (profile $devname has no lifecycle)"
    }
    if {$mutant ni [lmap d [device_mutants] {dict get $d name}]} {
        usage_error "device $devname has no mutant \"$mutant\" (`mirrorcert mutants --device $devname` lists them)"
    }
}

proc ::mc::run_suite {suite picked o multi} {
    variable device_def
    variable device_ctx
    set devname [suite_device $suite $o]
    load_profile $devname
    pics_setup [dict get $suite pics] [dict get $device_def pics] [dict get $o pics]
    pixit_setup [dict get $device_def pixit] [dict get $o pixit]
    pixit_check
    lassign [output_paths $o $suite $multi] junit report
    # The folders of the reports asked for are made before the vectors run, so one that cannot
    # be made stops the run at once instead of after it.
    try {
        if {$junit ne ""} {
            file mkdir [file dirname $junit]
        }
        if {[dict get $o report] ne ""} {
            file mkdir $report
        }
    } on error msg {
        usage_error "cannot create the folder of a report: $msg"
    }

    set workdir [make_workdir]
    set device_ctx [dict create workdir $workdir mutant [dict get $o mutant] seed [dict get $o seed] config {}]
    set pcap [file join $workdir traffic.pcap]
    capture open $pcap
    set started [clock seconds]
    set t0 [clock milliseconds]
    set rc [catch {run_vectors $suite $picked $o} results opts]
    catch {device_stop}
    catch {capture close}
    if {$rc} {
        file delete -force $workdir
        return -options $opts $results
    }
    set run [dict create suite [dict get $suite name] suite_version [dict get $suite version] \
        suite_summary [dict get $suite summary] device $devname \
        device_summary [dict get $device_def summary] identity [device_identity] \
        harness_version $::mc::version seed [dict get $o seed] filter [dict get $o filter] \
        shard [dict get $o shard] mutant [dict get $o mutant] started $started \
        time_ms [expr {[clock milliseconds] - $t0}] pics $::mc::pics pixit [pixit_read] \
        workdir $workdir]

    progress_clear
    if {[dict get $o tap]} {
        puts "# [summary_line $run $results]"
    } else {
        puts [summary_line $run $results]
    }
    # A report asked for that cannot be written is an environment error (exit 2), whatever the
    # verdicts; the default report folder is written when it can be, with a warning otherwise.
    try {
        if {$junit ne ""} {
            write_junit $junit $run $results
        }
        if {[catch {write_report_dir $report $run [dict get $suite vectors] $results $pcap} msg]} {
            if {[dict get $o report] ne ""} {
                error $msg
            }
            puts stderr "mirrorcert: no report written in $report: $msg"
        } else {
            puts [format "%sreport: %s" [expr {[dict get $o tap] ? "# " : ""}] \
                [file join $report certification.html]]
        }
    } on error msg {
        usage_error "cannot write the reports: $msg"
    } finally {
        file delete -force $workdir
    }
    return [run_status $results]
}

proc ::mc::run_vectors {suite picked o} {
    variable device
    if {[llength $picked] && [catch {device_start} msg]} {
        usage_error "device $device could not be started: $msg"
    }
    if {[llength $picked]} {
        device_reach
    }
    set results {}
    foreach v $picked {
        set id [dict get $v id]
        progress_line $id
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
