# Values a vector chooses from its seed: sizes, offsets and counts that vary from run to run yet
# replay exactly with `--seed`. Each choice depends only on the vector's seed and the tag the
# vector gives it, never on the order of other draws (rand() does), so adding a draw to a
# vector leaves its other choices as they were.

# The multiplier and increment of a 64-bit linear congruential step (Knuth, MMIX), used to mix
# the seed with the tag's CRC into one well-spread number.
namespace eval ::mc {
    variable SEEDED_MUL 6364136223846793005
    variable SEEDED_INC 1442695040888963407
    variable SEEDED_MASK 0xffffffffffffffff
}

# seeded-int TAG LO HI ?-step S? ?-avoid {N ..}?: an integer of LO..HI that is a multiple of S
# (default 1), chosen from the vector's seed and TAG, and a multiple of none of the -avoid
# sizes (so a length chosen this way is never a whole number of blocks, bursts or segments
# when the vector says so). Asking for a range that holds no such value is a usage error. The
# choice is logged with TAG (say what it is: "first LBA"), so every report shows it.
proc seeded-int {tag lo hi args} {
    set o [::mc::wait_opts seeded-int $args {-step 1 -avoid {}}]
    set step [dict get $o -step]
    if {![string is entier -strict $lo] || ![string is entier -strict $hi] || ![string is entier -strict $step] || $step < 1} {
        return -code error "seeded-int: LO, HI and -step must be integers, -step at least 1"
    }
    set first [expr {(($lo + $step - 1) / $step) * $step}]
    set n [expr {$hi < $first ? 0 : ($hi - $first) / $step + 1}]
    if {$n == 0} {
        return -code error "seeded-int: no multiple of $step in $lo..$hi"
    }
    set mix [expr {(([seed] ^ [zlib crc32 $tag]) * $::mc::SEEDED_MUL + $::mc::SEEDED_INC) & $::mc::SEEDED_MASK}]
    set start [expr {($mix >> 11) % $n}]
    # From the chosen candidate on, the first that is a multiple of no -avoid size.
    for {set i 0} {$i < $n} {incr i} {
        set v [expr {$first + (($start + $i) % $n) * $step}]
        set ok 1
        foreach a [dict get $o -avoid] {
            if {$a > 0 && $v % $a == 0} {
                set ok 0
                break
            }
        }
        if {$ok} {
            log "$tag: $v (from seed [seed])"
            return $v
        }
    }
    return -code error "seeded-int: every multiple of $step in $lo..$hi is a multiple of one of [dict get $o -avoid]"
}
