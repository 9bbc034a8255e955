# The claims catalogue as the harness uses it: loaded once per run, checked against the
# citations of the selected vectors.

namespace eval ::mc {
    variable catalogue {}
}

proc ::mc::catalogue_load {} {
    variable catalogue
    set catalogue [::mc::catalogue::load [file join $::mc::home conformance claims]]
    return $catalogue
}

# Citations of a vector that the catalogue does not know (neither claim, element nor RFC section).
proc ::mc::unknown_citations {claims} {
    variable catalogue
    set unknown {}
    foreach c $claims {
        if {[lindex [::mc::catalogue::resolve $catalogue $c] 0] eq "unknown"} {
            lappend unknown $c
        }
    }
    return $unknown
}
