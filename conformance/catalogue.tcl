# The claims catalogue loader. conformance/claims/*.tcl hold data in four commands:
#   claimset ID {title T seed FILE spec FILE}
#   claim ID {kind K depends {CLAIM ...} ?note N? ?truncated 1?} { element ID role R text T ?observe O? ... }
#   invariant invariant:NAME role R text T ?observe O?
# An invariant is a property the claim set's system must keep that no one claim states (no
# acknowledged write lost, ...); it belongs to the claim set declared before it and is judged
# like an element. Each file is evaluated in a safe child interpreter whose only commands are
# those four, so a catalogue can hold nothing but data. Vectors cite element ids (000:1(a)),
# claim ids (000:1), invariant ids (invariant:no-stale-epoch) or standard sections
# (RFC7143:11.10), which are reported in a table of their own.

namespace eval ::mc::catalogue {
    # A standards citation: RFC number, then a section (digits and dots) or a named part.
    variable rfc_pattern {^RFC[0-9]+:[0-9A-Za-z.()-]+$}
    # An invariant's id: lower-case words joined by dashes after "invariant:".
    variable invariant_pattern {^invariant:[a-z0-9]+(-[a-z0-9]+)*$}
}

# Loads every dir/*.tcl; returns a dict:
#   sets     ID -> {title .. seed .. spec ..}
#   claims   ID -> {set ID kind K depends {..} note N elements {ELEMENT-ID ...}}  (file order)
#   elements ID -> {claim ID role R text T observe O}
#   invariants ID -> {set ID role R text T observe O}  (file order)
#   errors   list of messages (a catalogue with errors is reported, not trusted silently)
proc ::mc::catalogue::load {dir} {
    variable cat [dict create sets {} claims {} elements {} invariants {} errors {}]
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
        $child alias invariant ::mc::catalogue::Invariant
        variable current {}
        variable set_id {}
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

proc ::mc::catalogue::Invariant {id args} {
    variable cat
    variable current
    variable set_id
    variable invariant_pattern
    if {$set_id eq "" || $current ne "" || [llength $args] % 2} {
        dict lappend cat errors "invariant $id: outside a claim set, inside a claim, or with an odd key/value list"
        return
    }
    if {![regexp $invariant_pattern $id]} {
        dict lappend cat errors "invariant $id: the id is not invariant:NAME (lower-case words joined by dashes)"
    }
    if {[dict size $args] * 2 != [llength $args]} {
        dict lappend cat errors "invariant $id: a key given twice"
    }
    if {[dict exists $cat invariants $id]} {
        dict lappend cat errors "invariant $id declared twice"
    }
    dict set cat invariants $id [dict merge {role {} text {} observe {}} $args [dict create set $set_id]]
}

# What a vector's citation names: {claim ID} for a claim or one of its elements, {invariant ID}
# for an invariant, {rfc CITE} for a standards section, {unknown CITE} otherwise. An element split into parts (000:1(a)(i)) resolves
# through its parts, so citing the unsplit id 000:1(a) covers them all.
proc ::mc::catalogue::resolve {cat cite} {
    variable rfc_pattern
    if {[dict exists $cat claims $cite]} {
        return [list claim $cite]
    }
    if {[dict exists $cat elements $cite]} {
        return [list claim [dict get $cat elements $cite claim]]
    }
    if {[dict exists $cat invariants $cite]} {
        return [list invariant $cite]
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
