# PICS and PIXIT: the device's claimed options and the test's execution parameters, each a file
# holding a Tcl dict in which a comment line describes the item that follows it.

# Reads a commented dict file; returns {values DICT notes DICT} (notes: item -> its comment).
proc ::mc::read_dict_file {path} {
    if {[file isdirectory $path]} {
        usage_error "cannot read $path: it is a folder, not a file"
    }
    if {[catch {
        set fh [open $path r]
        fconfigure $fh -encoding utf-8
        set content [read $fh]
        close $fh
    } msg]} {
        catch {close $fh}
        usage_error "cannot read $path: $msg"
    }
    set values {}
    set notes {}
    set note {}
    set text {}
    foreach line [split $content \n] {
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

# The PIXIT items that are numbers or addresses, and their ranges: a value outside them is the
# user's or the profile's mistake, a usage error before any vector runs (never verdicts blamed on
# the device). item {kind min max why}; kind int, seconds (a positive decimal) or portal.
namespace eval ::mc {
    # The longest wait an item may name: the iscsi module's own cap on one wait (600 s,
    # MC_ISCSI_MAX_TIMEOUT_MS) for PDU waits; an hour, the longest vector timeout, for the rest.
    variable pixit_rules {
        step-timeout       {seconds 0 3600 "a step's deadline in seconds"}
        response-ms        {int 1 600000 "milliseconds"}
        quiet-ms           {int 0 600000 "milliseconds"}
        mcast-data-timeout {int 1 600000 "milliseconds"}
        vsan-lease-ms      {int 1 3600000 "milliseconds"}
        vsan-settle-ms     {int 1 3600000 "milliseconds"}
        vsan-io-ms         {int 1 3600000 "milliseconds"}
        lun                {int 0 16383 "a single-level LUN (SAM-5 4.7)"}
        absent-lun         {int 0 16383 "a single-level LUN (SAM-5 4.7)"}
        mcast-vlun         {int 0 16383 "a single-level LUN (SAM-5 4.7)"}
        mcast-port         {int 1 65535 "a UDP port"}
        mcast-ttl          {int 0 255 "an IP TTL"}
        mcast-members      {int 1 64 "members"}
        mcast-tasks        {int 1 65536 "tasks"}
        mcast-burst        {int 1 16777215 "bytes (RFC 7143 13.13)"}
        mcast-segment      {int 1 16777215 "bytes (RFC 7143 13.12)"}
        mcast-retries      {int 0 1000 "retries"}
        vsan-servers       {int 2 3 "servers"}
        vsan-witness       {int 0 1 "0 or 1"}
        vsan-size          {int 1 1099511627776 "bytes"}
        vsan-region-size   {int 1 1073741824 "bytes"}
        vsan-block-size    {int 1 1048576 "bytes"}
        portal             {portal 1 65535 "ADDRESS:PORT"}
    }
}

# Checks the PIXIT items set by the defaults, the profile and --pixit against pixit_rules, and
# lun-size; the first one out of range is a usage error naming it, its value and its range.
proc ::mc::pixit_check {} {
    variable pixit_rules
    set all [pixit_all]
    dict for {key rule} $pixit_rules {
        if {![dict exists $all $key]} {
            continue
        }
        lassign $rule kind min max what
        set v [dict get $all $key]
        switch -- $kind {
            int { set ok [expr {[string is entier -strict $v] && $v >= $min && $v <= $max}] }
            seconds { set ok [expr {[string is double -strict $v] && $v > $min && $v <= $max}] }
            portal {
                set ok [expr {[regexp {^([^\s:]+):([0-9]+)$} $v -> host port] && $port >= $min && $port <= $max}]
            }
        }
        if {!$ok} {
            set range [expr {$kind eq "portal" ? "ADDRESS:PORT with a port in $min..$max" :
                             $kind eq "seconds" ? "seconds in ($min, $max\]" : "an integer in $min..$max ($what)"}]
            usage_error "PIXIT $key must be $range, not \"$v\""
        }
    }
    if {[dict exists $all lun-size] && [catch {size_bytes [dict get $all lun-size]} msg]} {
        usage_error "PIXIT lun-size: $msg"
    }
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
