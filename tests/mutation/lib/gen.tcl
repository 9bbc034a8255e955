# The mutant generator of tests/mutation/run: C source text in, mutants by rule out. Comments,
# string and character literals and preprocessor lines are masked first (same length, newlines
# kept), so no rule ever sees them; the rules then work on the masked text's tokens and produce
# edits (offset ranges of the original text and their replacements).
#
# A mutant is a dict: id file line rule occ hash desc edits. Its id is
# FILE:LINE:RULE:OCC:HASH, OCC counting the rule's mutants on that line from 1 in column order and
# HASH the FNV-1a 32-bit hash of the original line without its leading and trailing blanks, so an
# id still names the same change after unrelated edits move it (mut::key drops the line number).
namespace eval mut {
    # The rules, in the order their mutants are listed.
    variable rules {rel arith const_inc const_dec assign skip negate}
    # rel: each relational operator to its boundary or negated neighbour.
    variable rel_swap {< <= <= < > >= >= > == != != ==}
    # arith: the binary arithmetic operators to their inverse.
    variable arith_swap {+ - - + * / / *}
    # Words after which a + - * / is unary (or a declaration's *), not binary.
    variable not_operand {return case sizeof goto else do}
    # Words that may open a declaration before the declared name.
    variable decl_words {static const extern unsigned signed struct union enum volatile register}
    # One token: a word, a number (pp-number), or an operator (longest first), or any other char.
    variable token_re {[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9A-Za-z_.]*|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|[^\sA-Za-z0-9_]}
}

# FNV-1a 32-bit of a string's UTF-8 bytes, as 8 hex digits.
proc mut::hash {s} {
    set h 0x811c9dc5
    binary scan [encoding convertto utf-8 $s] cu* bytes
    foreach b $bytes {
        set h [expr {(($h ^ $b) * 0x01000193) & 0xffffffff}]
    }
    return [format %08x $h]
}

# The text with comments, string and character literals blanked: comments become blanks,
# literals a run of `_` (an operand to the rules), preprocessor lines (and their continuations)
# blanks. Newlines stay, so offsets and line numbers are the original's.
proc mut::mask {text} {
    set out {}
    set n [string length $text]
    set i 0
    set bol 1        ;# at the beginning of a line (only blanks seen)
    set pp 0         ;# inside a preprocessor line
    while {$i < $n} {
        set c [string index $text $i]
        if {$c eq "\n"} {
            if {$pp && [string index $text [expr {$i - 1}]] ne "\\"} { set pp 0 }
            append out \n
            set bol 1
            incr i
            continue
        }
        if {$bol && $c eq "#"} { set pp 1 }
        if {$c ne " " && $c ne "\t"} { set bol 0 }
        set two [string range $text $i [expr {$i + 1}]]
        if {$two eq "/*"} {
            set e [string first "*/" $text [expr {$i + 2}]]
            if {$e < 0} { set e [expr {$n - 2}] }
            append out [regsub -all {[^\n]} [string range $text $i [expr {$e + 1}]] " "]
            set i [expr {$e + 2}]
            continue
        }
        if {$two eq "//"} {
            set e [string first "\n" $text $i]
            if {$e < 0} { set e $n }
            append out [string repeat " " [expr {$e - $i}]]
            set i $e
            continue
        }
        if {$pp} {
            append out [expr {$c eq "\t" ? "\t" : " "}]
            incr i
            continue
        }
        if {$c eq "\"" || $c eq "'"} {
            set j [expr {$i + 1}]
            while {$j < $n} {
                set d [string index $text $j]
                if {$d eq "\\"} { incr j 2; continue }
                if {$d eq $c || $d eq "\n"} break
                incr j
            }
            append out [string repeat _ [expr {$j - $i + 1}]]
            set i [expr {$j + 1}]
            continue
        }
        append out $c
        incr i
    }
    return [string range $out 0 [expr {$n - 1}]]
}

# The masked text's tokens: a list of {TEXT START END}, END inclusive.
proc mut::tokens {masked} {
    variable token_re
    set toks {}
    foreach r [regexp -all -inline -indices -- $token_re $masked] {
        lassign $r s e
        lappend toks [list [string range $masked $s $e] $s $e]
    }
    return $toks
}

# Index of the token closing the bracket opened at token index I (or -1).
proc mut::closing {toks i} {
    set open [lindex $toks $i 0]
    set close [dict get {( ) [ ] \{ \}} $open]
    set depth 0
    for {set k $i} {$k < [llength $toks]} {incr k} {
        set t [lindex $toks $k 0]
        if {$t eq $open} { incr depth } elseif {$t eq $close} {
            if {[incr depth -1] == 0} { return $k }
        }
    }
    return -1
}

proc mut::is_operand {tok} {
    variable not_operand
    if {$tok in {) ]}} { return 1 }
    if {[regexp {^[A-Za-z_0-9]} $tok]} { return [expr {$tok ni $not_operand}] }
    return 0
}

# Whether the number at token index I sits in the size of an array declaration (TYPE NAME[...]).
proc mut::in_array_size {toks masked i} {
    variable decl_words
    variable not_operand
    for {set k [expr {$i - 1}]} {$k >= 0} {incr k -1} {
        set t [lindex $toks $k 0]
        if {$t in {; \{ \} ( )}} { return 0 }
        if {$t eq "\["} break
    }
    if {$k < 0} { return 0 }
    # The statement's text before the bracket.
    for {set b [expr {$k - 1}]} {$b >= 0} {incr b -1} {
        if {[lindex $toks $b 0] in {; \{ \}}} break
    }
    set from [expr {$b < 0 ? 0 : [lindex $toks $b 2] + 1}]
    set head [string trim [string range $masked $from [expr {[lindex $toks $k 1] - 1}]]]
    set words [join $decl_words |]
    if {![regexp "^(?:(?:$words)\\s+)*(\[A-Za-z_]\\w*)\\s+\\**\\s*\[A-Za-z_]\\w*$" $head -> first]} {
        return 0
    }
    return [expr {$first ni $not_operand}]
}

# Token index ranges {FROM TO} of the argument lists of calls to the functions IGNORE (logging):
# no mutant is made inside them.
proc mut::ignored_ranges {toks ignore} {
    set ranges {}
    set n [llength $toks]
    for {set i 0} {$i < $n - 1} {incr i} {
        if {[lindex $toks $i 0] in $ignore && [lindex $toks [expr {$i + 1}] 0] eq "("} {
            set c [closing $toks [expr {$i + 1}]]
            if {$c > 0} { lappend ranges [list $i $c] }
        }
    }
    return $ranges
}

# The first token index after the statement starting at token index I (a `;` at depth 0 ends it;
# a braced body ends at its `}`), or -1 when a bracket closes that it did not open.
proc mut::statement_end {toks i} {
    set n [llength $toks]
    set t [lindex $toks $i 0]
    if {$t eq "\{"} { return [expr {[closing $toks $i] + 1}] }
    set depth 0
    for {set k $i} {$k < $n} {incr k} {
        set t [lindex $toks $k 0]
        if {$t in {( [}} { incr depth } elseif {$t in {) ]}} { if {[incr depth -1] < 0} { return -1 } } elseif {$t eq ";" && $depth == 0} {
            return [expr {$k + 1}]
        } elseif {$t eq "\{" && $depth == 0} {
            return [expr {[closing $toks $k] + 1}]
        }
    }
    return $n
}

# Whether tokens FROM..TO-1 hold a return or goto.
proc mut::leaves {toks from to} {
    for {set k $from} {$k < $to} {incr k} {
        if {[lindex $toks $k 0] in {return goto}} { return 1 }
    }
    return 0
}

# Whether the statement at token index I is a statement of its own that assigns (an assignment or
# increment of a variable, field, element or dereference, or a call of a PDU field setter
# mc_pdu_set*), ending on its own line; returns the index after its `;`, or 0.
proc mut::assign_end {toks masked i} {
    set n [llength $toks]
    set prev [expr {$i > 0 ? [lindex $toks [expr {$i - 1}] 0] : ";"}]
    if {$prev ni {; \{ \} : else}} { return 0 }
    set end [statement_end $toks $i]
    if {$end <= 0 || $end > $n || [lindex $toks [expr {$end - 1}] 0] ne ";"} { return 0 }
    set first [lindex $toks $i 0]
    set ok 0
    if {[string match mc_pdu_set* $first] && [lindex $toks [expr {$i + 1}] 0] eq "("} {
        set ok 1
    } else {
        # LHS: [*]NAME then .NAME ->NAME [..] then an assigning operator or ++/--.
        set k $i
        if {$first in {++ --}} { return [expr {[lindex $toks [expr {$i + 1}] 0] ne "(" ? $end : 0}] }
        if {$first eq "*"} { incr k }
        if {![regexp {^[A-Za-z_]} [lindex $toks $k 0]] || [lindex $toks $k 0] in {return if for while switch do else goto case break continue default sizeof}} {
            return 0
        }
        incr k
        while {$k < $end} {
            set t [lindex $toks $k 0]
            if {$t in {. ->}} { incr k 2; continue }
            if {$t eq "\["} { set k [expr {[closing $toks $k] + 1}]; if {$k <= 0} { return 0 }; continue }
            break
        }
        set t [lindex $toks $k 0]
        if {$t in {= += -= *= /= %= &= |= ^= <<= >>=}} { set ok 1 }
        if {$t in {++ --} && $k + 1 == $end - 1} { set ok 1 }
    }
    if {!$ok} { return 0 }
    # It must end its line: only blanks after the `;`.
    set after [lindex $toks [expr {$end - 1}] 2]
    set eol [string first "\n" $masked $after]
    if {$eol < 0} { set eol [string length $masked] }
    if {[string trim [string range $masked [expr {$after + 1}] [expr {$eol - 1}]]] ne ""} { return 0 }
    return $end
}

# Every mutant of one file's TEXT, PATH naming it in ids; IGNORE: functions whose arguments are
# left alone. Returns a list of mutant dicts in rule order, then text order.
proc mut::generate {path text {ignore {}}} {
    variable rules
    variable rel_swap
    variable arith_swap
    set masked [mask $text]
    set toks [tokens $masked]
    set n [llength $toks]
    set skip [lrepeat $n 0]
    foreach r [ignored_ranges $toks $ignore] {
        lassign $r a b
        for {set k $a} {$k <= $b} {incr k} { lset skip $k 1 }
    }
    foreach r $rules { set found($r) {} }
    for {set i 0} {$i < $n} {incr i} {
        if {[lindex $skip $i]} continue
        lassign [lindex $toks $i] t s e
        set prev [expr {$i > 0 ? [lindex $toks [expr {$i - 1}] 0] : ""}]
        if {[dict exists $rel_swap $t]} {
            set to [dict get $rel_swap $t]
            lappend found(rel) [list $s [list [list $s $e $to]] "`$t` -> `$to`"]
        }
        if {[dict exists $arith_swap $t] && [is_operand $prev] && $i + 1 < $n} {
            set binary 1
            if {$t eq "*"} {
                # a * b with blanks both sides; `T *p` is a declaration
                set binary [expr {[string index $masked [expr {$s - 1}]] in {" " "\t"} &&
                                  [string index $masked [expr {$e + 1}]] in {" " "\t"}}]
            }
            if {$binary} {
                set to [dict get $arith_swap $t]
                lappend found(arith) [list $s [list [list $s $e $to]] "`$t` -> `$to`"]
            }
        }
        if {[regexp {^(0[xX]([0-9a-fA-F]+)|[1-9][0-9]*|0)([uUlL]*)$} $t -> body hex suffix]
            && ![in_array_size $toks $masked $i]} {
            if {$hex ne ""} {
                set v [expr {"0x$hex"}]
                set fmt [expr {[regexp {[A-F]} $hex] ? "%X" : "%x"}]
                set up [string range $t 0 1][format $fmt [expr {$v + 1}]]$suffix
                set down [string range $t 0 1][format $fmt [expr {$v - 1}]]$suffix
            } else {
                set v $body
                set up [expr {$v + 1}]$suffix
                set down [expr {$v - 1}]$suffix
            }
            lappend found(const_inc) [list $s [list [list $s $e $up]] "`$t` -> `$up`"]
            if {$v > 0} { lappend found(const_dec) [list $s [list [list $s $e $down]] "`$t` -> `$down`"] }
        }
        set aend [assign_end $toks $masked $i]
        if {$aend > 0} {
            set last [lindex $toks [expr {$aend - 1}] 2]
            set stmt [regsub -all {\s+} [string range $text $s $last] " "]
            # Keep the lines: the statement becomes `;` and its other lines empty.
            set repl ";[regsub -all {[^\n]} [string range $text [expr {$s + 1}] $last] {}]"
            lappend found(assign) [list $s [list [list $s $last $repl]] "removed `$stmt`"]
        }
        if {$t eq "if" && $i + 1 < $n && [lindex $toks [expr {$i + 1}] 0] eq "("} {
            set c [closing $toks [expr {$i + 1}]]
            if {$c < 0} continue
            set os [lindex $toks [expr {$i + 1}] 1]
            set cs [lindex $toks $c 1]
            set cond [regsub -all {\s+} [string range $text [expr {$os + 1}] [expr {$cs - 1}]] " "]
            set body [expr {$c + 1}]
            if {$body < $n && [leaves $toks $body [statement_end $toks $body]]} {
                lappend found(skip) [list $s [list [list $os $os "(0 && ("] [list $cs $cs "))"]] \
                    "never taken: `if ($cond)`"]
            }
            lappend found(negate) [list $s [list [list $os $os "(!("] [list $cs $cs "))"]] \
                "swapped: `if ($cond)` -> `if (!($cond))`"]
        }
    }
    # Line starts, for offsets to line numbers.
    set starts [list 0]
    foreach r [regexp -all -inline -indices "\n" $text] { lappend starts [expr {[lindex $r 0] + 1}] }
    set lines [split $text "\n"]
    set out {}
    foreach r $rules {
        set occ [dict create]
        foreach f $found($r) {
            lassign $f at edits desc
            set line [expr {[lsearch -integer -sorted -bisect $starts $at] + 1}]
            dict incr occ $line
            set h [hash [string trim [lindex $lines [expr {$line - 1}]]]]
            set o [dict get $occ $line]
            lappend out [dict create id "$path:$line:$r:$o:$h" file $path line $line rule $r \
                occ $o hash $h desc $desc edits $edits]
        }
    }
    return $out
}

# The id without its line number: FILE:RULE:OCC:HASH.
proc mut::key {id} {
    set parts [split $id :]
    return [join [list {*}[lrange $parts 0 end-4] {*}[lrange $parts end-2 end]] :]
}

# TEXT with the mutant's edits applied (each replaces the offsets START..END of the original with its text;
# edits never overlap, and are applied from the last so earlier offsets stay valid).
proc mut::apply {text m} {
    foreach ed [lsort -integer -decreasing -index 0 [dict get $m edits]] {
        lassign $ed s e to
        set text [string replace $text $s $e $to]
    }
    return $text
}

# MUTANTS (of one file) split by EQUIV (a dict id -> reason) into {KEPT EQUIVALENTS}, EQUIVALENTS
# a list of {id reason}. An entry matches its mutant by id, or by key (the id without its line)
# when that key names one mutant of the file and one entry only, so an entry still holds after
# unrelated edits move its line.
proc mut::split_equivalent {mutants equiv} {
    set keycount [dict create]
    foreach m $mutants { dict incr keycount [key [dict get $m id]] }
    set bykey [dict create]
    dict for {id why} $equiv { dict lappend bykey [key $id] $id }
    set kept {}
    set eqs {}
    foreach m $mutants {
        set id [dict get $m id]
        set k [key $id]
        if {[dict exists $equiv $id]} {
            lappend eqs [list $id [dict get $equiv $id]]
        } elseif {[dict exists $bykey $k] && [dict get $keycount $k] == 1 &&
                  [llength [dict get $bykey $k]] == 1} {
            lappend eqs [list $id [dict get $equiv [lindex [dict get $bykey $k] 0]]]
        } else {
            lappend kept $m
        }
    }
    return [list $kept $eqs]
}
