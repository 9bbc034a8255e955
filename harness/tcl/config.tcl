# PICS and PIXIT: the device's claimed options and the test's execution parameters, each a file
# holding a Tcl dict in which a comment line describes the item that follows it.

# Reads a commented dict file; returns {values DICT notes DICT} (notes: item -> its comment).
proc ::mc::read_dict_file {path} {
    if {[catch {open $path r} fh]} {
        usage_error "cannot read $path: $fh"
    }
    fconfigure $fh -encoding utf-8
    set values {}
    set notes {}
    set note {}
    set text {}
    foreach line [split [read $fh] \n] {
        set t [string trim $line]
        if {[string index $t 0] eq "#"} {
            set note [string trim [string range $t 1 end]]
            continue
        }
        append text $line\n
        # A one-line item "key value": its note is the comment above it.
        if {$t ne "" && [string is list $t] && [llength $t] == 2 && $note ne ""} {
            dict set notes [lindex $t 0] $note
        }
        set note {}
    }
    close $fh
    if {![string is list $text] || [llength $text] % 2} {
        usage_error "$path is not a dict of items (key value ...)"
    }
    return [dict create values [dict create {*}$text] notes $notes]
}

# --- PIXIT ------------------------------------------------------------------------------------
# Layers, later ones winning: conformance/pixit/default.tcl, the device profile's pixit, the
# --pixit file, then what the device reports when started (the reference target's bound portal).
namespace eval ::mc {
    variable pixit_layers {}
}

proc ::mc::pixit_setup {profile_pixit file} {
    variable pixit_layers
    set base [dict get [read_dict_file [file join $::mc::home conformance pixit default.tcl]] values]
    set user {}
    if {$file ne ""} {
        set user [dict get [read_dict_file $file] values]
    }
    set pixit_layers [list $base $profile_pixit $user {}]
    variable pixit_used {}
}

proc ::mc::pixit_set_runtime {values} {
    variable pixit_layers
    lset pixit_layers end $values
}

proc ::mc::pixit_runtime {} {
    variable pixit_layers
    return [lindex $pixit_layers end]
}

proc ::mc::pixit_all {} {
    variable pixit_layers
    return [dict merge {*}$pixit_layers]
}

# The PIXIT items the run read (the harness, the device profile or a vector), with their values:
# the report lists these, not every item the layers define.
proc ::mc::pixit_read {} {
    variable pixit_used
    set all [pixit_all]
    set out {}
    foreach key [lsort [dict keys $pixit_used]] {
        if {[dict exists $all $key]} {
            dict set out $key [dict get $all $key]
        }
    }
    return $out
}

# pixit KEY ?DEFAULT?: a missing item without a default is the harness set-up's fault (error).
proc ::mc::pixit_get {key args} {
    variable pixit_used
    dict set pixit_used $key 1
    set all [pixit_all]
    if {[dict exists $all $key]} {
        return [dict get $all $key]
    }
    if {[llength $args] == 1} {
        return [lindex $args 0]
    }
    return -code error -errorcode [list MC PIXIT $key] "PIXIT item \"$key\" is not set (conformance/pixit/default.tcl, the device profile or --pixit)"
}

# --- PICS -------------------------------------------------------------------------------------
# The suite names its template (conformance/pics/NAME.pics: every item, the reference device's
# answers, a comment each); the device profile overrides items; --pics replaces the answers
# with a vendor's filled-in file. An item not in the template is a usage error, so a typo
# cannot silently turn a vector into n/a.
namespace eval ::mc {
    variable pics {}
    variable pics_notes {}
}

proc ::mc::pics_setup {template overrides file} {
    variable pics
    variable pics_notes
    set t [read_dict_file [file join $::mc::home conformance pics $template.pics]]
    set pics [dict get $t values]
    set pics_notes [dict get $t notes]
    set layers [list $overrides]
    if {$file ne ""} {
        lappend layers [dict get [read_dict_file $file] values]
    }
    foreach layer $layers {
        dict for {k v} $layer {
            if {![dict exists $pics $k]} {
                usage_error "PICS item \"$k\" is not in the template conformance/pics/$template.pics"
            }
            if {![string is boolean -strict $v]} {
                usage_error "PICS item \"$k\" must be a boolean, not \"$v\""
            }
            dict set pics $k $v
        }
    }
}

proc ::mc::pics_get {item} {
    variable pics
    if {![dict exists $pics $item]} {
        return -code error -errorcode [list MC PICS $item] "PICS item \"$item\" is not defined by the suite's PICS template"
    }
    return [expr {!![dict get $pics $item]}]
}

# A size with an optional K, M or G suffix (powers of 1024), in bytes.
proc ::mc::size_bytes {s} {
    if {![regexp {^([0-9]+)([KMG]?)$} $s -> n unit]} {
        return -code error "size \"$s\" is not a number with an optional K, M or G suffix"
    }
    return [expr {$n * (1 << (10 * [lsearch {"" K M G} $unit]))}]
}
