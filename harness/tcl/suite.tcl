# Suites and the vector definition form.
#   conformance/suites/NAME.tcl:  suite NAME {summary S version V pics TEMPLATE
#                                            vectors {GLOB ...} ?helpers {GLOB ...}?
#                                            device PROFILE ?certify 0|1?}
#   device: the default --device (required); certify 0: left out of a run without --suite (self-tests)
#   vector files:                 vector ID {claims {..} role R requires {..} summary S timeout SEC} {body}
# Globs are relative to the source tree. Loading records definitions only; bodies run later, one
# child interpreter each (vector.tcl).

namespace eval ::mc {
    variable vector_keys {claims role requires summary timeout}
    variable vector_defaults {claims {} role {} requires {} summary {} timeout 30}
    variable suite_keys {summary version pics vectors helpers device certify}
    # The longest a vector may ask for; a longer one is a typo, not a plan.
    variable max_vector_timeout 3600
}

# The names of the *.tcl files in dir, sorted: suites, device profiles.
proc ::mc::tcl_names_in {dir} {
    return [lsort [lmap f [glob -nocomplain -directory $dir *.tcl] {file rootname [file tail $f]}]]
}

proc ::mc::suite_names {} {
    return [tcl_names_in [file join $::mc::home conformance suites]]
}

proc ::mc::expand_globs {globs} {
    set files {}
    foreach g $globs {
        foreach f [lsort [glob -nocomplain -directory $::mc::home $g]] {
            lappend files $f
        }
    }
    return $files
}

# Returns {name .. summary .. version .. pics .. helpers {FILE ..} vectors {VECTOR ..}}, each
# VECTOR a dict of the definition's keys plus id, file and body.
proc ::mc::load_suite {name} {
    variable suite_keys
    set path [file join $::mc::home conformance suites $name.tcl]
    if {![file exists $path]} {
        usage_error "no suite \"$name\" (have: [join [suite_names] {, }])"
    }
    set child [interp create]
    $child alias suite ::mc::Suite_def
    variable loading {}
    if {[catch {$child eval [list source $path]} msg]} {
        interp delete $child
        usage_error "suite $name: $msg"
    }
    interp delete $child
    if {[dict size $loading] == 0} {
        usage_error "suite file $path defines no suite"
    }
    set def [dict merge {summary {} version 0 pics {} vectors {} helpers {} certify 1} $loading]
    foreach k [dict keys $def] {
        if {$k ni [concat $suite_keys name]} {
            usage_error "suite $name: unknown key \"$k\" (known: $suite_keys)"
        }
    }
    # The device a run uses when --device is not given: every suite names its own, so a run
    # without arguments never puts a suite on a device it was not written for.
    if {![dict exists $def device] || ![regexp {^[a-z0-9-]+$} [dict get $def device]]} {
        usage_error "suite $name: the definition must name its default device (device PROFILE)"
    }
    set vectors {}
    set seen {}
    foreach file [expand_globs [dict get $def vectors]] {
        foreach v [load_vector_file $file] {
            set id [dict get $v id]
            if {[dict exists $seen $id]} {
                usage_error "vector $id is defined twice ([dict get $seen $id] and $file)"
            }
            dict set seen $id $file
            lappend vectors $v
        }
    }
    dict set def helpers [expand_globs [dict get $def helpers]]
    dict set def vectors $vectors
    dict set def name $name
    return $def
}

proc ::mc::Suite_def {name def} {
    variable loading
    if {![string is list $def] || [llength $def] % 2} {
        return -code error "suite $name: the definition must be a dict"
    }
    set loading [dict merge $def [dict create name $name]]
}

# The vectors a file defines, in file order. Top-level code of the file runs here and again in
# each vector's child, so it may define helper procs but should do nothing else.
proc ::mc::load_vector_file {file} {
    variable loaded_vectors {}
    set child [interp create]
    $child alias vector ::mc::Vector_def $file
    set rc [catch {$child eval [list source $file]} msg]
    interp delete $child
    if {$rc} {
        usage_error "$file: $msg"
    }
    return $loaded_vectors
}

proc ::mc::Vector_def {file id meta body} {
    variable loaded_vectors
    variable vector_keys
    variable vector_defaults
    variable max_vector_timeout
    if {![regexp {^[A-Za-z0-9][A-Za-z0-9._-]*$} $id]} {
        return -code error "vector id \"$id\" must be letters, digits, dot, dash, underscore"
    }
    if {![string is list $meta] || [llength $meta] % 2} {
        return -code error "vector $id: the definition must be a dict"
    }
    dict for {k v} $meta {
        if {$k eq "expect-fail"} {
            return -code error "vector $id: expected failures belong in a device profile's deviation list, not in the vector"
        }
        if {$k ni $vector_keys} {
            return -code error "vector $id: unknown key \"$k\" (known: $vector_keys)"
        }
    }
    set v [dict merge $vector_defaults $meta [dict create id $id file $file body $body]]
    set t [dict get $v timeout]
    if {![string is double -strict $t] || $t <= 0 || $t > $max_vector_timeout} {
        return -code error "vector $id: timeout must be seconds in (0, $max_vector_timeout], not \"$t\""
    }
    if {[dict get $v role] eq "" || [dict get $v summary] eq "" || ![llength [dict get $v claims]]} {
        return -code error "vector $id: role, summary and at least one claim are required"
    }
    lappend loaded_vectors $v
}

# FNV-1a (32 bit) of a string's UTF-8 bytes: the stable hash behind sharding and vector seeds.
proc ::mc::fnv1a {s} {
    set h 0x811c9dc5
    foreach b [split [encoding convertto utf-8 $s] ""] {
        scan $b %c c
        set h [expr {(($h ^ $c) * 0x01000193) & 0xffffffff}]
    }
    return $h
}

# Vectors selected by --filter (glob on the id), --role (a list of roles; empty: any) and
# --shard K/N (by the id's hash, so a vector stays in its shard when others are added or removed).
proc ::mc::select_vectors {vectors filter roles shard} {
    set picked {}
    if {$shard ne ""} {
        lassign [split $shard /] k n
    }
    foreach v $vectors {
        set id [dict get $v id]
        if {![string match $filter $id]} {
            continue
        }
        if {[llength $roles] && [dict get $v role] ni $roles} {
            continue
        }
        if {$shard ne "" && [fnv1a $id] % $n != $k - 1} {
            continue
        }
        lappend picked $v
    }
    return $picked
}
