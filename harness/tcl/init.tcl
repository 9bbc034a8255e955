# `mirrorcert init NAME --suite S [--dir DIR] [--force]`: the two files a vendor fills in to
# certify a device of their own (a commented PIXIT with the items the suite's vectors read, and
# the suite's PICS template), and the run line that uses them.

# The PIXIT items a suite can read: every `pixit NAME` in its vector files, its helpers and the
# shared checks, and the items the external profiles and the runner always read.
proc ::mc::suite_pixit_names {suite} {
    set files [concat [lsort -unique [lmap v [dict get $suite vectors] {dict get $v file}]] \
        [dict get $suite helpers] [glob -nocomplain [file join $::mc::home conformance checks *.tcl]]]
    set names {portal target-iqn initiator-iqn lun step-timeout response-ms quiet-ms}
    foreach f $files {
        set fh [open $f r]
        set text [read $fh]
        close $fh
        foreach {- name} [regexp -all -inline {\mpixit\s+([a-z][a-z0-9-]*)} $text] {
            lappend names $name
        }
    }
    return [lsort -unique $names]
}

# Vectors that may write to the device's LUN: a body (the vector's, or a proc's it calls, through
# any depth of the suite's helpers) that builds a WRITE CDB or says `write`. Over-counting is the
# safe side of a warning that data on the LUN may be overwritten.
proc ::mc::suite_writers {suite} {
    set files [concat [lsort -unique [lmap v [dict get $suite vectors] {dict get $v file}]] \
        [dict get $suite helpers] [glob -nocomplain [file join $::mc::home conformance checks *.tcl]]]
    # The procs the files define, read in an interpreter where nothing but `proc` does anything.
    set reader [interp create -safe]
    $reader eval {
        set ::procs {}
        rename proc ::tcl_proc
        ::tcl_proc proc {name params body} { dict set ::procs [namespace tail $name] $body }
        ::tcl_proc unknown {args} { return {} }
    }
    foreach f $files {
        set fh [open $f r]
        set text [read $fh]
        close $fh
        catch {$reader eval $text}
    }
    set procs [$reader eval {set ::procs}]
    interp delete $reader
    set base {\mcdb-write|\mwrite(10|16)?\M}
    set writers {}
    dict for {name body} $procs {
        if {[regexp -nocase $base $body]} {
            dict set writers $name 1
        }
    }
    # Callers of writers are writers, to a fixed point.
    set grew 1
    while {$grew} {
        set grew 0
        dict for {name body} $procs {
            if {[dict exists $writers $name]} continue
            foreach w [dict keys $writers] {
                if {[regexp "\\m[regsub -all {[][\\$.*+?(){}|^]} $w {\\&}]\\M" $body]} {
                    dict set writers $name 1
                    set grew 1
                    break
                }
            }
        }
    }
    set ids {}
    foreach v [dict get $suite vectors] {
        set body [dict get $v body]
        set hit [regexp -nocase $base $body]
        foreach w [dict keys $writers] {
            if {$hit} break
            set hit [regexp "\\m[regsub -all {[][\\$.*+?(){}|^]} $w {\\&}]\\M" $body]
        }
        if {$hit} {
            lappend ids [dict get $v id]
        }
    }
    return $ids
}

# The profile an external device of this suite is run with: SUITE-external where one exists
# (the virtual SAN's), else the generic external profile.
proc ::mc::external_profile {suite_name} {
    foreach p [list $suite_name-external [lindex [split $suite_name -] 0]-external external] {
        if {[file exists [file join $::mc::home harness devices $p.tcl]]} {
            return $p
        }
    }
    return external
}

proc ::mc::init_command {args} {
    set usage "usage: mirrorcert init DEVICE-NAME --suite S \[--dir DIR\] \[--force\]"
    if {![llength $args] || [string match -* [lindex $args 0]]} {
        usage_error $usage
    }
    set args [lassign $args name]
    if {![regexp {^[A-Za-z0-9][A-Za-z0-9._-]*$} $name]} {
        usage_error "init: \"$name\" is not a device name (letters, digits, . _ -)"
    }
    set o [dict create suite {} dir . force 0]
    while {[llength $args]} {
        set args [lassign $args opt]
        switch -- $opt {
            --force { dict set o force 1 }
            --suite - --dir {
                if {![llength $args]} {
                    usage_error $usage
                }
                set args [lassign $args value]
                dict set o [string range $opt 2 end] $value
            }
            default { usage_error $usage }
        }
    }
    if {[dict get $o suite] eq ""} {
        usage_error "init: --suite is required (suites: [join [suite_names] {, }])"
    }
    set sname [dict get $o suite]
    set suite [load_suite $sname]
    set dir [dict get $o dir]
    set pixit_path [file join $dir $name.pixit]
    set pics_path [file join $dir $name.pics]
    foreach p [list $pixit_path $pics_path] {
        if {[file exists $p] && ![dict get $o force]} {
            usage_error "init: $p exists (--force overwrites it)"
        }
    }
    set defaults [read_dict_file [file join $::mc::home conformance pixit default.tcl]]
    set values [dict get $defaults values]
    set notes [dict get $defaults notes]
    set profile [external_profile $sname]

    set pixit "# PIXIT of device $name for suite $sname, written by `mirrorcert init`: how the\n"
    append pixit "# harness reaches and addresses the device. Replace each value with the device's own.\n"
    set n 0
    foreach key [suite_pixit_names $suite] {
        if {![dict exists $values $key]} {
            continue
        }
        set note [expr {[dict exists $notes $key] ? [dict get $notes $key] : ""}]
        append pixit "\n"
        if {$note ne ""} {
            append pixit "# $note\n"
        }
        append pixit [list $key [dict get $values $key]] \n
        incr n
    }
    set fh [open [file join $::mc::home conformance pics [dict get $suite pics].pics] r]
    set template [read $fh]
    close $fh
    set pics "# PICS of device $name for suite $sname, written by `mirrorcert init`: for each item,\n"
    append pics "# 1 when the device claims it, 0 when not (its vectors are then n/a). The values below\n"
    append pics "# are the reference device's answers.\n\n$template"

    try {
        file mkdir $dir
        foreach {path text} [list $pixit_path $pixit $pics_path $pics] {
            set fh [open $path w]
            puts -nonewline $fh $text
            close $fh
        }
    } on error msg {
        usage_error "init: cannot write the files: $msg"
    }
    set items [llength [dict keys [dict get [read_dict_file $pics_path] values]]]
    puts "wrote $pixit_path ($n PIXIT items) and $pics_path ($items PICS items)"
    puts "fill them in for the device, then certify it with:"
    puts "  ./mirrorcert run --suite $sname --device $profile --pixit $pixit_path --pics $pics_path --report out/$name"
    set writers [suite_writers $suite]
    if {[llength $writers]} {
        puts "warning: [llength $writers] of the suite's [llength [dict get $suite vectors]] vectors may write to the\
            LUN (PIXIT lun): give the harness a scratch LUN whose data may be overwritten."
        puts "  they are: [join $writers {, }]"
    }
    return 0
}
