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

