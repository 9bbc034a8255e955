# Data a vector writes and compares: recognisable patterns, and a comparison that reports where
# two byte strings differ instead of dumping them.

# pattern N TAG: N bytes of a pattern derived from the vector's seed and TAG, so each write of a
# vector carries its own recognisable data (byte i is i * 31 + base, modulo 256; no two tags
# of a vector below 256 apart share a base).
proc pattern {n tag} {
    set base [expr {([seed] + $tag * 7919) & 0xff}]
    set s {}
    for {set i 0} {$i < $n} {incr i} {
        append s [binary format c [expr {($i * 31 + $base) & 0xff}]]
    }
    return $s
}

# same SEEN WANT ?-field F? ?-clause C?: the two byte strings are equal; a difference fails,
# reported by the lengths and the first differing offset.
proc same {seen want args} {
    set o [::mc::check_opts $args {-field -clause}]
    if {$seen eq $want} {
        return
    }
    set field [expr {[dict get $o -field] eq "" ? "data" : [dict get $o -field]}]
    set n [expr {min([string length $seen], [string length $want])}]
    set i 0
    while {$i < $n && [string index $seen $i] eq [string index $want $i]} {
        incr i
    }
    fail "$field: [string length $seen] bytes seen, [string length $want] expected, first difference at byte $i" \
        -clause [dict get $o -clause]
}

# seeded-int LO HI: an integer in LO..HI (both included) drawn from the vector's seeded rand()
# (the runner seeds it from --seed and the vector id), so a replay with the same seed makes the
# same choice. Sizes a vector picks this way test lengths no vector author thought of.
proc seeded-int {lo hi} {
    if {![string is entier -strict $lo] || ![string is entier -strict $hi] || $hi < $lo} {
        return -code error "seeded-int: need integers LO <= HI, not \"$lo\" \"$hi\""
    }
    return [expr {$lo + int(rand() * ($hi - $lo + 1))}]
}

# seeded-unaligned LO HI ALIGN..: an integer in LO..HI that is a multiple of none of the ALIGN
# values (block size, burst, segment lengths), drawn as seeded-int does; an error when the range
# holds none.
proc seeded-unaligned {lo hi args} {
    set n [seeded-int $lo $hi]
    for {set i 0} {$i <= $hi - $lo} {incr i} {
        set v [expr {$lo + ($n - $lo + $i) % ($hi - $lo + 1)}]
        set ok 1
        foreach a $args {
            if {$a > 0 && $v % $a == 0} {
                set ok 0
                break
            }
        }
        if {$ok} {
            return $v
        }
    }
    return -code error "seeded-unaligned: no integer in $lo..$hi avoids multiples of $args"
}
