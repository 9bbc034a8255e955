# Checks the claims catalogue (conformance/claims/*.tcl) for shape and completeness.
# Usage: tclsh catalogue.tcl CLAIMS_DIR. Prints TAP 13; exits 1 when any point fails.
# Each catalogue file is evaluated in a safe child interpreter whose only commands are
# recording stubs of claimset/claim/element, so a broken file costs one point, not the run.

# Claim counts of each claim set, from the seed files (000 ends inside claim 46).
set expected_claims {000 46 001 20 004 27}
set known_roles {initiator target bus-host bus-target bus-leader bus-participant server client system}
set known_kinds {method system means product}
set claim_keys {kind depends note truncated}
set element_keys {role text observe party}
set claimset_keys {title seed spec}
set known_parties {first-server second-server third-server mirror-engine policing link pair}

# --- recording --------------------------------------------------------------------------

# A catalogue as loaded: sets (dict id -> opts), claims (ordered list of dicts),
# elements (ordered list of dicts), errors (list of strings raised while loading).
proc cat_new {} {
    return [dict create sets {} claims {} elements {} errors {} current {}]
}

proc rec_claimset {var id opts} {
    upvar #0 $var c
    if {[dict exists $c sets $id]} {
        dict lappend c errors "claimset $id declared twice"
    }
    dict set c sets $id $opts
    return
}

proc rec_claim {var interp id opts body} {
    upvar #0 $var c
    dict lappend c claims [dict create id $id opts $opts]
    dict set c current $id
    # The body is evaluated in the child, where element is the only useful command.
    set rc [catch {$interp eval $body} msg]
    dict set c current {}
    if {$rc} {
        dict lappend c errors "claim $id body: $msg"
    }
    return
}

proc rec_element {var id args} {
    upvar #0 $var c
    set owner [dict get $c current]
    if {$owner eq ""} {
        dict lappend c errors "element $id outside any claim"
    }
    if {[llength $args] % 2} {
        dict lappend c errors "element $id: odd key/value list"
        set args [lrange $args 0 end-1]
    }
    dict lappend c elements [dict create id $id claim $owner fields $args]
    return
}

# Evaluates catalogue text in a safe child interpreter; returns the recorded catalogue.
proc cat_load {text} {
    set var ::cat[incr ::cat_serial]
    set $var [cat_new]
    set child [interp create -safe]
    # A catalogue is pure data: hide every command so only the three stubs remain.
    foreach cmd [$child eval {info commands}] {
        catch {$child hide $cmd}
    }
    $child alias claimset rec_claimset $var
    $child alias claim rec_claim $var $child
    $child alias element rec_element $var
    if {[catch {$child invokehidden eval $text} msg]} {
        dict lappend $var errors "load: $msg"
    }
    interp delete $child
    return [set $var]
}

# --- checks -----------------------------------------------------------------------------
# Each check takes a loaded catalogue (and its claim set id) and returns a list of problems;
# an empty list is a pass.

proc chk_loaded {c setid} {
    return [dict get $c errors]
}

proc chk_claimset {c setid} {
    set p {}
    set ids [dict keys [dict get $c sets]]
    if {$ids ne [list $setid]} {
        lappend p "expected exactly claimset $setid, found {$ids}"
        return $p
    }
    set opts [dict get $c sets $setid]
    if {[llength $opts] % 2} {
        return [list "claimset options are not a key/value list"]
    }
    foreach k $::claimset_keys {
        if {![dict exists $opts $k]} { lappend p "claimset lacks $k" }
    }
    foreach k [dict keys $opts] {
        if {$k ni $::claimset_keys} { lappend p "claimset has unknown key $k" }
    }
    if {[dict exists $opts seed] && ![string match ${setid}_*.txt [dict get $opts seed]]} {
        lappend p "seed [dict get $opts seed] is not a ${setid}_ file"
    }
    return $p
}

proc chk_count {c setid want} {
    set n [llength [dict get $c claims]]
    if {$n != $want} { return [list "expected $want claims, found $n"] }
    return {}
}

# Claim ids are SET:1..N in seed order, each once.
proc chk_claim_ids {c setid} {
    set p {}
    set seen {}
    set n 0
    foreach cl [dict get $c claims] {
        incr n
        set id [dict get $cl id]
        if {[dict exists $seen $id]} { lappend p "claim id $id repeated" }
        dict set seen $id 1
        if {$id ne "$setid:$n"} { lappend p "claim $n is named $id, expected $setid:$n" }
    }
    return $p
}

proc chk_claim_opts {c setid} {
    set p {}
    foreach cl [dict get $c claims] {
        set id [dict get $cl id]
        set opts [dict get $cl opts]
        if {[llength $opts] % 2} { lappend p "$id: options are not a key/value list"; continue }
        foreach k [dict keys $opts] {
            if {$k ni $::claim_keys} { lappend p "$id: unknown key $k" }
        }
        if {![dict exists $opts kind] || [dict get $opts kind] ni $::known_kinds} {
            lappend p "$id: kind missing or not one of {$::known_kinds}"
        }
        if {![dict exists $opts depends]} { lappend p "$id: no depends" }
        if {[dict exists $opts truncated] && ![dict exists $opts note]} {
            lappend p "$id: truncated without a note saying where"
        }
    }
    return $p
}

# Every claim named in depends exists and comes earlier in the same set.
proc chk_depends {c setid} {
    set p {}
    set before {}
    foreach cl [dict get $c claims] {
        set id [dict get $cl id]
        set opts [dict get $cl opts]
        if {[llength $opts] % 2 == 0 && [dict exists $opts depends]} {
            foreach d [dict get $opts depends] {
                if {$d ni $before} { lappend p "$id depends on $d, which is not an earlier claim" }
            }
        }
        lappend before $id
    }
    return $p
}

proc chk_element_ids {c setid} {
    set p {}
    set seen {}
    set owners {}
    foreach e [dict get $c elements] {
        set id [dict get $e id]
        set owner [dict get $e claim]
        dict incr owners $owner
        if {[dict exists $seen $id]} { lappend p "element id $id repeated" }
        dict set seen $id 1
        # An element is the claim itself (one added limitation) or the claim followed by
        # one or more parenthesised letters/numerals: 000:15(a), 000:15(a)(ii).
        set rest [string range $id [string length $owner] end]
        if {$owner eq "" || [string first $owner $id] != 0
                || ![regexp {^(\([a-z]+\))*$} $rest]} {
            lappend p "element $id does not belong to claim $owner"
        }
    }
    foreach cl [dict get $c claims] {
        if {![dict exists $owners [dict get $cl id]]} {
            lappend p "claim [dict get $cl id] has no element"
        }
    }
    return $p
}

proc chk_element_fields {c setid} {
    set p {}
    foreach e [dict get $c elements] {
        set id [dict get $e id]
        set f [dict get $e fields]
        set keys {}
        foreach {k v} $f {
            if {$k in $keys} { lappend p "$id: key $k given twice" }
            lappend keys $k
            if {$k ni $::element_keys} { lappend p "$id: unknown key $k" }
        }
        if {![dict exists $f role] || [dict get $f role] ni $::known_roles} {
            lappend p "$id: role missing or not one of {$::known_roles}"
        }
        if {![dict exists $f text] || [string trim [dict get $f text]] eq ""} {
            lappend p "$id: no text"
        }
        if {[dict exists $f party] && [dict get $f party] ni $::known_parties} {
            lappend p "$id: party [dict get $f party] not one of {$::known_parties}"
        }
    }
    return $p
}

proc run_checks {c setid want} {
    set out {}
    lappend out "loads without error"    [chk_loaded $c $setid]
    lappend out "claimset header"        [chk_claimset $c $setid]
    lappend out "claim count is $want"   [chk_count $c $setid $want]
    lappend out "claim ids unique and in order" [chk_claim_ids $c $setid]
    lappend out "claim kinds and options" [chk_claim_opts $c $setid]
    lappend out "depends exist and precede" [chk_depends $c $setid]
    lappend out "element ids unique and owned" [chk_element_ids $c $setid]
    lappend out "element roles and fields" [chk_element_fields $c $setid]
    return $out
}

# --- TAP --------------------------------------------------------------------------------

set tap_n 0
set tap_failed 0
proc tap_ok {ok desc {diag {}}} {
    incr ::tap_n
    if {$ok} {
        puts "ok $::tap_n - $desc"
    } else {
        incr ::tap_failed
        puts "not ok $::tap_n - $desc"
        if {[llength $diag]} {
            puts "  ---"
            puts "  problems:"
            foreach d [lrange $diag 0 19] { puts "    - \"[string map {\" '} $d]\"" }
            if {[llength $diag] > 20} { puts "    - \"... [expr {[llength $diag] - 20}] more\"" }
            puts "  ..."
        }
    }
}

# The validator must reject each of these broken catalogues, or its passes prove nothing.
# Each entry: description, the check expected to object, catalogue text.
set broken {
    {"forward dependency" chk_depends
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {900:2}} {element 900:1 role target text x}
      claim 900:2 {kind method depends {}} {element 900:2 role target text x}}}
    {"dependency on a missing claim" chk_depends
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text x}
      claim 900:2 {kind method depends {900:7}} {element 900:2 role target text x}}}
    {"unknown role" chk_element_fields
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role referee text x}}}
    {"element of another claim" chk_element_ids
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1(a) role target text x}
      claim 900:2 {kind method depends {900:1}} {element 900:1(b) role target text x}}}
    {"element id with a longer claim number" chk_element_ids
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:12 role target text x}}}
    {"duplicate element id" chk_element_ids
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {
          element 900:1(a) role target text x
          element 900:1(a) role initiator text y}}}
    {"duplicate claim id" chk_claim_ids
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text x}
      claim 900:1 {kind method depends {}} {element 900:1(a) role target text x}}}
    {"unknown kind" chk_claim_opts
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind wish depends {}} {element 900:1 role target text x}}}
    {"claim without elements" chk_element_ids
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {}}}
    {"error inside a claim body" chk_loaded
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text [exec true]}}}
}

if {[llength $argv] ni {1 2}} {
    puts stderr "usage: tclsh catalogue.tcl CLAIMS_DIR ?CLAIMS_MD?"
    exit 2
}
lassign $argv dir doc

puts "TAP version 13"
puts "1..[expr {[dict size $expected_claims] * 8 + [llength $broken] + 1 + ($doc ne "")}]"

foreach {setid want} $expected_claims {
    set path [file join $dir $setid.tcl]
    if {[catch {set fh [open $path r]} msg]} {
        set c [cat_new]
        dict lappend c errors "cannot read $path: $msg"
    } else {
        set c [cat_load [read $fh]]
        close $fh
    }
    foreach {desc problems} [run_checks $c $setid $want] {
        tap_ok [expr {[llength $problems] == 0}] "$setid: $desc" $problems
    }
    puts "# $setid: [llength [dict get $c claims]] claims, [llength [dict get $c elements]] elements"
    dict set loaded $setid $c
}

# Element ids are unique across the whole catalogue too (a citation names one element).
set all {}
set dups {}
dict for {setid c} $loaded {
    foreach e [dict get $c elements] {
        set id [dict get $e id]
        if {[dict exists $all $id]} { lappend dups $id }
        dict set all $id 1
    }
}
tap_ok [expr {[llength $dups] == 0}] "element ids unique across claim sets" $dups

# docs/claims.md has one table row per claim: | id ?(note)? | kind | depends | ... |.
# The row must exist once and agree with the catalogue on kind and depends.
proc chk_doc_rows {loaded text} {
    set p {}
    set rows {}
    foreach line [split $text \n] {
        if {![regexp {^\| (\d{3}:\d+)[^|]*\| ([a-z]+) \| ([^|]*) \|} $line -> id kind dep]} continue
        if {[dict exists $rows $id]} { lappend p "row $id appears twice" }
        set dep [string trim $dep]
        if {$dep eq "-"} { set dep {} } else { set dep [string map {, { }} $dep] }
        dict set rows $id [list $kind [join $dep { }]]
    }
    dict for {setid c} $loaded {
        foreach cl [dict get $c claims] {
            set id [dict get $cl id]
            set opts [dict get $cl opts]
            if {![dict exists $rows $id]} { lappend p "no row for $id"; continue }
            if {[llength $opts] % 2 || ![dict exists $opts kind] || ![dict exists $opts depends]} continue
            set want [list [dict get $opts kind] [join [dict get $opts depends] { }]]
            if {[dict get $rows $id] ne $want} {
                lappend p "row $id says {[dict get $rows $id]}, catalogue says {$want}"
            }
            dict unset rows $id
        }
    }
    foreach id [dict keys $rows] { lappend p "row $id names no catalogued claim" }
    return $p
}

if {$doc ne ""} {
    if {[catch {set fh [open $doc r]; set text [read $fh]; close $fh} msg]} {
        tap_ok 0 "claims.md agrees with the catalogue" [list "cannot read $doc: $msg"]
    } else {
        tap_ok [expr {[llength [set problems [chk_doc_rows $loaded $text]]] == 0}] \
            "claims.md agrees with the catalogue" $problems
    }
}

foreach b $broken {
    lassign $b desc check text
    set c [cat_load $text]
    set problems [$check $c 900]
    tap_ok [expr {[llength $problems] > 0}] "validator rejects $desc"
}

exit [expr {$tap_failed > 0}]
