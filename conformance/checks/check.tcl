# The check library: assertions of a vector's body. Each failed check ends the vector with a
# verdict (fail, or inconc for `inconc`) and a message naming the field, the expected and seen
# values and the clause: "field opcode: expected 0x24, seen 0x3f (RFC7143:11.11)".
# Options common to the checks: -field NAME (what is compared), -clause CITE (the claim
# element or RFC section the check enforces; default: the vector's claims).

# Records the verdict with the harness first (so a vector that catches the error still ends
# with it: a verdict only worsens), then ends the vector with it.
proc ::mc::raise_verdict {verdict msg clause} {
    ::mc::verdict $verdict $msg $clause
    return -code error -errorcode [list MC VERDICT $verdict $clause] $msg
}

proc ::mc::check_opts {argv allowed} {
    set o [dict create -field {} -clause [join [dict get $::mc::vector claims] " "] -message {}]
    foreach {k v} $argv {
        if {$k ni $allowed} {
            return -code error "check: unknown option \"$k\" (allowed: $allowed)"
        }
        dict set o $k $v
    }
    if {[llength $argv] % 2} {
        return -code error "check: option \"[lindex $argv end]\" needs a value"
    }
    return $o
}

# Equal as integers when both are integers (0x24 equals 36), as numbers when both are
# numbers, otherwise as strings.
proc ::mc::values_equal {seen expected} {
    if {[string is entier -strict $seen] && [string is entier -strict $expected]} {
        return [expr {$seen == $expected}]
    }
    if {[string is double -strict $seen] && [string is double -strict $expected]} {
        return [expr {$seen == $expected}]
    }
    return [expr {$seen eq $expected}]
}

# A seen value in the notation of the expected one: hex when the expectation was written in hex.
proc ::mc::show {seen expected} {
    if {[regexp -nocase {^0x[0-9a-f]+$} $expected] && [string is entier -strict $seen]} {
        return [format 0x%x $seen]
    }
    if {$seen eq ""} {
        return "(empty)"
    }
    return $seen
}

proc ::mc::mismatch {field expected seen clause} {
    set what [expr {$field eq "" ? "value" : "field $field"}]
    set msg "$what: expected $expected, seen [show $seen $expected]"
    if {$clause ne ""} {
        append msg " ($clause)"
    }
    raise_verdict fail $msg $clause
}

# check eq SEEN EXPECTED ?-field F? ?-clause C?
# check pdu DICT {FIELD VALUE ...} ?-clause C?   every FIELD of the decoded PDU equals VALUE;
#                                                 an absent field fails as "absent"
# check match PATTERN SEEN ?-field F? ?-clause C? ?-regexp 1?   glob (or regexp) match
# check true EXPR ?-message M? ?-clause C?        EXPR is evaluated in the caller's scope
proc check {kind args} {
    switch -- $kind {
        eq {
            set o [::mc::check_opts [lassign $args seen expected] {-field -clause}]
            if {[llength $args] < 2} {
                return -code error "usage: check eq SEEN EXPECTED ?-field F? ?-clause C?"
            }
            if {![::mc::values_equal $seen $expected]} {
                ::mc::mismatch [dict get $o -field] $expected $seen [dict get $o -clause]
            }
        }
        pdu {
            set o [::mc::check_opts [lassign $args pdu want] {-clause}]
            if {[llength $args] < 2 || [llength $want] % 2} {
                return -code error "usage: check pdu DICT {FIELD VALUE ...} ?-clause C?"
            }
            foreach {field expected} $want {
                if {![dict exists $pdu $field]} {
                    ::mc::mismatch $field $expected "(absent)" [dict get $o -clause]
                }
                set seen [dict get $pdu $field]
                if {![::mc::values_equal $seen $expected]} {
                    ::mc::mismatch $field $expected $seen [dict get $o -clause]
                }
            }
        }
        match {
            set o [dict merge {-regexp 0} [::mc::check_opts [lassign $args pattern seen] {-field -clause -regexp}]]
            if {[llength $args] < 2} {
                return -code error "usage: check match PATTERN SEEN ?-field F? ?-clause C? ?-regexp 1?"
            }
            set ok [expr {[dict get $o -regexp] ? [regexp -- $pattern $seen] : [string match $pattern $seen]}]
            if {!$ok} {
                ::mc::mismatch [dict get $o -field] "a match of \"$pattern\"" $seen [dict get $o -clause]
            }
        }
        true {
            set o [::mc::check_opts [lassign $args cond] {-message -clause}]
            if {[llength $args] < 1} {
                return -code error "usage: check true EXPR ?-message M? ?-clause C?"
            }
            if {![uplevel 1 [list expr $cond]]} {
                set what [expr {[dict get $o -message] ne "" ? [dict get $o -message] : "expected $cond to hold"}]
                set clause [dict get $o -clause]
                ::mc::raise_verdict fail [expr {$clause eq "" ? $what : "$what ($clause)"}] $clause
            }
        }
        default {
            return -code error "check: unknown kind \"$kind\" (eq, pdu, match, true)"
        }
    }
    return
}

# fail MSG ?-clause C?: the DUT broke the clause.
proc fail {msg args} {
    set o [::mc::check_opts $args {-clause}]
    set clause [dict get $o -clause]
    ::mc::raise_verdict fail [expr {$clause eq "" ? $msg : "$msg ($clause)"}] $clause
}

# inconc MSG ?-clause C?: the vector cannot decide (e.g. a precondition the DUT did not reach).
proc inconc {msg args} {
    set o [::mc::check_opts $args {-clause}]
    ::mc::raise_verdict inconc $msg [dict get $o -clause]
}
