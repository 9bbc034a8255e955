# Checks the claims catalogue (conformance/claims/*.tcl) for shape and completeness.
# Usage: tclsh catalogue.tcl CLAIMS_DIR ?CLAIMS_MD?. Prints TAP 13; exits 1 when any point fails.
# The files are read by the harness's own loader (conformance/catalogue.tcl), one claim set at a
# time, so the format is parsed in one place and a broken file costs its points, not the run.

# Claim counts of each claim set, from the seed files (000 ends inside claim 46), and the
# invariants each declares (004: those of a replicated store, shared facts section 3).
set expected_claims {000 46 001 20 004 27}
set expected_invariants {000 0 001 0 004 8}
set invariant_keys {role text observe}
set loader_invariant_keys {set}
set known_roles {initiator target bus-host bus-target bus-leader bus-participant server client system}
set known_kinds {method system means product}
set claim_keys {kind depends note truncated}
set element_keys {role text observe party}
set claimset_keys {title seed spec}
set known_parties {first-server second-server third-server mirror-engine policing link pair}
# Keys the loader adds to what a file gives: a claim's set and element list, an element's claim.
set loader_claim_keys {set elements}
set loader_element_keys {claim}

source [file join [file dirname [file dirname [file dirname [file normalize [info script]]]]] \
    conformance catalogue.tcl]

# --- loading ----------------------------------------------------------------------------

# The loader reads a folder: each catalogue is loaded alone from a fresh one.
proc cat_dir {} {
    set tmp [expr {[info exists ::env(TMPDIR)] ? $::env(TMPDIR) : "/tmp"}]
    set dir [file join $tmp mc-catalogue-[pid]-[incr ::cat_serial]]
    file mkdir $dir
    return $dir
}

proc cat_load_dir {dir} {
    set c [::mc::catalogue::load $dir]
    file delete -force $dir
    return $c
}

# The catalogue in one file of the claims folder.
proc cat_load_file {path} {
    set dir [cat_dir]
    file copy $path $dir
    return [cat_load_dir $dir]
}

# The catalogue in a string (the broken examples below).
proc cat_load {text} {
    set dir [cat_dir]
    set fh [open [file join $dir claims.tcl] w]
    fconfigure $fh -encoding utf-8
    puts -nonewline $fh $text
    close $fh
    return [cat_load_dir $dir]
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
    set n [dict size [dict get $c claims]]
    if {$n != $want} { return [list "expected $want claims, found $n"] }
    return {}
}

# Claim ids are SET:1..N in seed order (a repeated id is a loader error, see chk_loaded).
proc chk_claim_ids {c setid} {
    set p {}
    set n 0
    foreach id [dict keys [dict get $c claims]] {
        incr n
        if {$id ne "$setid:$n"} { lappend p "claim $n is named $id, expected $setid:$n" }
    }
    return $p
}

# A claim without kind or depends is refused by the loader (chk_loaded).
proc chk_claim_opts {c setid} {
    set p {}
    dict for {id cl} [dict get $c claims] {
        foreach k [dict keys $cl] {
            if {$k ni $::claim_keys && $k ni $::loader_claim_keys} { lappend p "$id: unknown key $k" }
        }
        if {[dict get $cl kind] ni $::known_kinds} {
            lappend p "$id: kind missing or not one of {$::known_kinds}"
        }
        if {[dict exists $cl truncated] && [dict get $cl note] eq ""} {
            lappend p "$id: truncated without a note saying where"
        }
    }
    return $p
}

# Every claim named in depends exists and comes earlier in the same set.
proc chk_depends {c setid} {
    set p {}
    set before {}
    dict for {id cl} [dict get $c claims] {
        foreach d [dict get $cl depends] {
            if {$d ni $before} { lappend p "$id depends on $d, which is not an earlier claim" }
        }
        lappend before $id
    }
    return $p
}

# Walks each claim's element list, so an id given twice (which the loader's element table
# keeps once) is still seen twice.
proc chk_element_ids {c setid} {
    set p {}
    set seen {}
    dict for {owner cl} [dict get $c claims] {
        if {[llength [dict get $cl elements]] == 0} {
            lappend p "claim $owner has no element"
        }
        foreach id [dict get $cl elements] {
            if {[dict exists $seen $id]} { lappend p "element id $id repeated" }
            dict set seen $id 1
            # An element is the claim itself (one added limitation) or the claim followed by
            # one or more parenthesised letters/numerals: 000:15(a), 000:15(a)(ii).
            set rest [string range $id [string length $owner] end]
            if {[string first $owner $id] != 0 || ![regexp {^(\([a-z]+\))*$} $rest]} {
                lappend p "element $id does not belong to claim $owner"
            }
        }
    }
    return $p
}

# A key given twice is refused by the loader (chk_loaded).
proc chk_element_fields {c setid} {
    set p {}
    dict for {id f} [dict get $c elements] {
        foreach k [dict keys $f] {
            if {$k ni $::element_keys && $k ni $::loader_element_keys} { lappend p "$id: unknown key $k" }
        }
        if {[dict get $f role] ni $::known_roles} {
            lappend p "$id: role missing or not one of {$::known_roles}"
        }
        if {[string trim [dict get $f text]] eq ""} {
            lappend p "$id: no text"
        }
        if {[dict exists $f party] && [dict get $f party] ni $::known_parties} {
            lappend p "$id: party [dict get $f party] not one of {$::known_parties}"
        }
    }
    return $p
}

# Invariants: the count the set declares, each with a known role and a text, only known keys,
# belonging to the set (the id's shape and uniqueness are the loader's: chk_loaded). The broken
# examples below declare one invariant each, the default of want.
proc chk_invariants {c setid {want 1}} {
    set p {}
    set n [dict size [dict get $c invariants]]
    if {$n != $want} { lappend p "expected $want invariants, found $n" }
    dict for {id f} [dict get $c invariants] {
        foreach k [dict keys $f] {
            if {$k ni $::invariant_keys && $k ni $::loader_invariant_keys} { lappend p "$id: unknown key $k" }
        }
        if {[dict get $f role] ni $::known_roles} { lappend p "$id: role missing or not one of {$::known_roles}" }
        if {[string trim [dict get $f text]] eq ""} { lappend p "$id: no text" }
        if {[dict get $f set] ne $setid} { lappend p "$id: belongs to claim set [dict get $f set], not $setid" }
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
    lappend out "invariants: [dict get $::expected_invariants $setid], roles and fields" \
        [chk_invariants $c $setid [dict get $::expected_invariants $setid]]
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
    {"duplicate claim id" chk_loaded
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text x}
      claim 900:1 {kind method depends {}} {element 900:1(a) role target text x}}}
    {"unknown kind" chk_claim_opts
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind wish depends {}} {element 900:1 role target text x}}}
    {"claim without elements" chk_element_ids
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {}}}
    {"claim without depends" chk_loaded
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method} {element 900:1 role target text x}}}
    {"element key given twice" chk_loaded
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text x role initiator}}}
    {"claimset declared twice" chk_loaded
     {claimset 900 {title t seed 900_x.txt spec {}}
      claimset 900 {title u seed 900_y.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text x}}}
    {"truncated claim without a note" chk_claim_opts
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {} truncated 1} {element 900:1 role target text x}}}
    {"unknown element key" chk_element_fields
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text x colour red}}}
    {"invariant before any claim set" chk_loaded
     {invariant invariant:kept role server text x
      claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text x}}}
    {"invariant id not invariant:NAME" chk_loaded
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text x}
      invariant 900:kept role server text x}}
    {"invariant inside a claim" chk_loaded
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text x
          invariant invariant:kept role server text x}}}
    {"invariant with an unknown role" chk_invariants
     {claimset 900 {title t seed 900_x.txt spec {}}
      claim 900:1 {kind method depends {}} {element 900:1 role target text x}
      invariant invariant:kept role referee text x}}
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
puts "1..[expr {[dict size $expected_claims] * 9 + [llength $broken] + 1 + ($doc ne "")}]"

foreach {setid want} $expected_claims {
    set path [file join $dir $setid.tcl]
    if {![file readable $path]} {
        set c [dict create sets {} claims {} elements {} errors [list "cannot read $path"]]
    } else {
        set c [cat_load_file $path]
    }
    foreach {desc problems} [run_checks $c $setid $want] {
        tap_ok [expr {[llength $problems] == 0}] "$setid: $desc" $problems
    }
    puts "# $setid: [dict size [dict get $c claims]] claims, [dict size [dict get $c elements]] elements, [dict size [dict get $c invariants]] invariants"
    dict set loaded $setid $c
}

# Element ids are unique across the whole catalogue too (a citation names one element).
set all {}
set dups {}
dict for {setid c} $loaded {
    foreach id [dict keys [dict get $c elements]] {
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
        dict for {id cl} [dict get $c claims] {
            if {![dict exists $rows $id]} { lappend p "no row for $id"; continue }
            set want [list [dict get $cl kind] [join [dict get $cl depends] { }]]
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
