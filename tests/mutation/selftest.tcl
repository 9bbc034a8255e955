# The mutant generator (lib/gen.tcl) on fixture/pdu.c: the exact mutants by rule, ids that
# survive an unrelated edit, comments, strings and preprocessor lines left alone, every mutant
# compiling. TAP on stdout; exit 1 when a point fails.
# usage: tclsh selftest.tcl [CC]
set here [file dirname [file normalize [info script]]]
source [file join $here lib gen.tcl]
set cc [expr {[llength $argv] ? [lindex $argv 0] : "cc"}]
set n 0
set bad 0
proc ok {cond what} {
    global n bad
    incr n
    if {[uplevel 1 [list expr $cond]]} { puts "ok $n - $what" } else { puts "not ok $n - $what"; set bad 1 }
}
set fh [open [file join $here fixture pdu.c]]
set text [read $fh]
close $fh
set ms [mut::generate fixture/pdu.c $text {log_line}]
puts "TAP version 13"

# Counts per rule, derived by hand from the fixture (see its lines 10, 20-33).
set want {rel 3 arith 4 const_inc 14 const_dec 9 assign 4 skip 2 negate 3}
set got [dict create]
foreach r $mut::rules { dict set got $r 0 }
foreach m $ms { dict incr got [dict get $m rule] }
foreach {r c} $want { ok {[dict get $got $r] == $c} "rule $r: $c mutants (got [dict get $got $r])" }
ok {[llength $ms] == 39} "39 mutants in all (got [llength $ms])"

# Ids: FILE:LINE:RULE:OCC:HASH, unique, HASH the FNV-1a of the trimmed line.
set ids {}
set shapes 1
set lines [split $text "\n"]
foreach m $ms {
    lappend ids [dict get $m id]
    set h [mut::hash [string trim [lindex $lines [dict get $m line]-1]]]
    if {[dict get $m id] ne "fixture/pdu.c:[dict get $m line]:[dict get $m rule]:[dict get $m occ]:$h"} { set shapes 0 }
}
ok $shapes "every id is FILE:LINE:RULE:OCC:HASH of its line"
ok {[llength [lsort -unique $ids]] == [llength $ids]} "ids are unique"
ok {[mut::hash ""] eq "811c9dc5" && [mut::hash a] eq "e40c292c"} "FNV-1a 32 of \"\" and \"a\""
ok {[mut::key fixture/pdu.c:20:rel:1:0123abcd] eq "fixture/pdu.c:rel:1:0123abcd"} "the key drops the line"

# The same mutants, their lines moved by one, after a line is added above them.
set moved [mut::generate fixture/pdu.c "/* one more line */\n$text" {log_line}]
set same [expr {[llength $moved] == [llength $ms]}]
foreach a $ms b $moved {
    if {!$same} break
    if {[mut::key [dict get $a id]] ne [mut::key [dict get $b id]] ||
        [dict get $b line] != [dict get $a line] + 1} { set same 0 }
}
ok $same "an unrelated edit above keeps every id's key and moves its line by one"

# equivalent.txt entries: by id; by key after a move; never by a key two mutants share.
set m0 [lindex $ms 0]
lassign [mut::split_equivalent $ms [dict create [dict get $m0 id] why]] kept eqs
ok {[llength $kept] == 38 && $eqs eq [list [list [dict get $m0 id] why]]} "an equivalent named by id is set apart"
lassign [mut::split_equivalent $moved [dict create [dict get $m0 id] why]] kept eqs
ok {[llength $kept] == 38 && [lindex $eqs 0 0] eq [dict get [lindex $moved 0] id]} "and still after a line added above moved it"
set twice "int g(int n)\n{\n    if (n < 1)\n        return 0;\n    if (n < 1)\n        return 0;\n    return n;\n}\n"
set tm [mut::generate twice.c $twice]
set e [dict create [string map {:3: :2:} [dict get [lindex $tm 0] id]] why]
lassign [mut::split_equivalent $tm $e] kept eqs
set e2 [dict create [dict get [lindex $tm 0] id] why]
lassign [mut::split_equivalent $tm $e2] kept2 eqs2
ok {$eqs eq "" && [llength $eqs2] == 1} "a key two identical lines share matches by exact id only"

# Specific mutants.
proc find {rule line occ} {
    foreach m $::ms {
        if {[dict get $m rule] eq $rule && [dict get $m line] == $line && [dict get $m occ] == $occ} { return $m }
    }
    return {}
}
proc line_of {m} { return [lindex [split [mut::apply $::text $m] "\n"] [dict get $m line]-1] }
set m [find skip 20 1]
ok {$m ne "" && [line_of $m] eq "    if (0 && (n < 0))"} "skip: `if (n < 0) return` never taken"
set m [find negate 24 1]
ok {$m ne "" && [line_of $m] eq "    if (!(p->op == n)) \{"} "negate: `if (p->op == n)` swapped"
set m [find rel 20 1]
ok {$m ne "" && [line_of $m] eq "    if (n <= 0)"} "rel: `<` -> `<=`"
set m [find assign 23 1]
ok {$m ne "" && [line_of $m] eq "    ;"} "assign: the PDU field setter's call removed"
set m [find arith 22 1]
ok {$m ne "" && [line_of $m] eq "    p->len = n / 2;"} "arith: `*` -> `/`"
set m [find const_inc 10 1]
ok {$m ne "" && [line_of $m] eq "static int table\[4\] = {2, 2, 3, 4};"} "const: the array size is left, the initializer mutated"
ok {[find const_inc 19 1] eq "" && [find const_inc 31 1] eq "" && [find rel 31 1] eq ""} \
    "no mutant in an array declaration's size nor in an ignored call's arguments"

# Comments, strings, character literals and preprocessor lines untouched by every mutant.
set kept {
    {/* The generator's fixture (tests/mutation/selftest.tcl counts its mutants): in this comment
 * a < b, x = 1; and if (y) return 0; are not code. */}
    "#define CHECK(a) \\\n    ((a) > 0 && (a) < LIMIT)"
    {"a < b; x = 1; if (y) return 2;"} {'<'} {// a >= b} {#define LIMIT 16} {"n %d"}
}
set untouched 1
foreach m $ms {
    set mt [mut::apply $text $m]
    if {$mt eq $text} { set untouched 0 }
    foreach k $kept { if {[string first $k $mt] < 0} { set untouched 0 } }
}
ok $untouched "every mutant changes the code and leaves comments, literals and preprocessor lines"

# Every mutant of the fixture compiles (none is stillborn).
set tmp [file join [expr {[info exists ::env(TMPDIR)] ? $::env(TMPDIR) : "/tmp"}] mutation-selftest-[pid].c]
set failed {}
foreach m $ms {
    set fh [open $tmp w]
    puts -nonewline $fh [mut::apply $text $m]
    close $fh
    if {[catch {exec $cc -std=c11 -fsyntax-only $tmp 2>@1} err]} { lappend failed "[dict get $m id]: $err" }
}
file delete $tmp
ok {$failed eq ""} "every mutant compiles ([join $failed {; }])"

puts "1..$n"
exit $bad
