# The claims catalogue loader. conformance/claims/*.tcl hold data in three commands:
#   claimset ID {title T seed FILE spec FILE}
#   claim ID {kind K depends {CLAIM ...} ?note N? ?truncated 1?} { element ID role R text T ?observe O? ... }
# Each file is evaluated in a safe child interpreter whose only commands are those three, so a
# catalogue can hold nothing but data. Vectors cite element ids (000:1(a)), claim ids (000:1) or
# standard sections (RFC7143:11.10), which are reported in a table of their own.

namespace eval ::mc::catalogue {
    # A standards citation: RFC number, then a section (digits and dots) or a named part.
    variable rfc_pattern {^RFC[0-9]+:[0-9A-Za-z.()-]+$}
}

# Loads every dir/*.tcl; returns a dict:
#   sets     ID -> {title .. seed .. spec ..}
#   claims   ID -> {set ID kind K depends {..} note N elements {ELEMENT-ID ...}}  (file order)
#   elements ID -> {claim ID role R text T observe O}
#   errors   list of messages (a catalogue with errors is reported, not trusted silently)
proc ::mc::catalogue::load {dir} {
    variable cat [dict create sets {} claims {} elements {} errors {}]
    foreach file [lsort [glob -nocomplain -directory $dir *.tcl]] {
        set fh [open $file r]
        fconfigure $fh -encoding utf-8
        set text [read $fh]
        close $fh
        set child [interp create -safe]
        foreach cmd [$child eval {info commands}] {
            $child hide $cmd
        }
        $child alias claimset ::mc::catalogue::Claimset
        $child alias claim ::mc::catalogue::Claim $child
        $child alias element ::mc::catalogue::Element
        variable current {}
        if {[catch {$child invokehidden eval $text} msg]} {
            dict lappend cat errors "[file tail $file]: $msg"
        }
        interp delete $child
    }
    return $cat
}

proc ::mc::catalogue::Claimset {id opts} {
    variable cat
    variable set_id $id
    if {[dict exists $cat sets $id]} {
        dict lappend cat errors "claimset $id declared twice"
    }
    dict set cat sets $id $opts
}

proc ::mc::catalogue::Claim {child id opts body} {
    variable cat
    variable current
    variable set_id
    if {[dict exists $cat claims $id]} {
        dict lappend cat errors "claim $id declared twice"
    }
    # kind and depends are what the reports and coverage rely on: a claim without them is broken.
    if {[llength $opts] % 2 || ![dict exists $opts kind] || ![dict exists $opts depends]} {
        dict lappend cat errors "claim $id: options are not a key/value list with kind and depends"
        return
    }
    dict set cat claims $id [dict merge {kind {} depends {} note {}} $opts \
        [dict create set [lindex [split $id :] 0] elements {}]]
    set current $id
    if {[catch {$child invokehidden eval $body} msg]} {
        dict lappend cat errors "claim $id: $msg"
    }
    set current {}
}

proc ::mc::catalogue::Element {id args} {
    variable cat
    variable current
    if {$current eq "" || [llength $args] % 2} {
        dict lappend cat errors "element $id: outside a claim or with an odd key/value list"
        return
    }
    if {[dict size $args] * 2 != [llength $args]} {
        dict lappend cat errors "element $id: a key given twice"
    }
    dict set cat elements $id [dict merge {role {} text {} observe {}} $args [dict create claim $current]]
    set elements [dict get $cat claims $current elements]
    dict set cat claims $current elements [linsert $elements end $id]
}

# What a vector's citation names: {claim ID} for a claim or one of its elements, {rfc CITE} for a
# standards section, {unknown CITE} otherwise. An element split into parts (000:1(a)(i)) resolves
# through its parts, so citing the unsplit id 000:1(a) covers them all.
proc ::mc::catalogue::resolve {cat cite} {
    variable rfc_pattern
    if {[dict exists $cat claims $cite]} {
        return [list claim $cite]
    }
    if {[dict exists $cat elements $cite]} {
        return [list claim [dict get $cat elements $cite claim]]
    }
    foreach {eid e} [dict get $cat elements] {
        if {[string first $cite $eid] == 0 && [string index $eid [string length $cite]] eq "("} {
            return [list claim [dict get $e claim]]
        }
    }
    if {[regexp $rfc_pattern $cite]} {
        return [list rfc $cite]
    }
    return [list unknown $cite]
}

# The element ids a citation covers: all elements of a cited claim, the cited element, or every
# part of a cited unsplit element.
proc ::mc::catalogue::elements_cited {cat cite} {
    if {[dict exists $cat claims $cite]} {
        return [dict get $cat claims $cite elements]
    }
    set out {}
    foreach eid [dict keys [dict get $cat elements]] {
        if {$eid eq $cite || ([string first $cite $eid] == 0 && [string index $eid [string length $cite]] eq "(")} {
            lappend out $eid
        }
    }
    return $out
}
