# What a run prints: a progress line on a terminal, TAP 13 with --tap, and a summary.

namespace eval ::mc {
    variable tap 0
    variable tap_n 0
    variable progress 0
    variable done 0
    variable total 0
    variable started_ms 0
    variable counts {}
}

proc ::mc::output_setup {tap total} {
    variable tap_n 0
    variable done 0
    set ::mc::started_ms [clock milliseconds]
    set ::mc::counts [dict create pass 0 fail 0 inconc 0 error 0 n/a 0 xfail 0]
    set ::mc::total $total
    set ::mc::tap $tap
    # The progress line goes to stderr only when it is a terminal and not also carrying TAP.
    set ::mc::progress [expr {[sys isatty 2] && !($tap && [sys isatty 1])}]
    if {$tap} {
        puts "TAP version 13"
        puts "1..$total"
    }
}

# [K/N] the tally so far, the elapsed time, an estimate of the time left (from the mean time a
# vector has taken so far), then the id of the vector now running.
proc ::mc::progress_line {id} {
    variable progress
    variable done
    variable total
    variable counts
    variable started_ms
    incr done
    if {!$progress} {
        return
    }
    set parts {}
    dict for {k n} $counts {
        if {$n} {
            lappend parts "$n [expr {$k eq "xfail" ? "xfail" : $k}]"
        }
    }
    set elapsed [expr {([clock milliseconds] - $started_ms) / 1000}]
    set eta ""
    if {$done > 1} {
        set left [expr {$elapsed * ($total - $done + 1) / ($done - 1)}]
        set eta [format ", ~%s left" [duration_text $left]]
    }
    set tally [expr {[llength $parts] ? [join $parts {, }] : "starting"}]
    puts -nonewline stderr [format "\r\033\[K\[%d/%d\] %s; %s%s: %s" $done $total $tally \
        [duration_text $elapsed] $eta $id]
    flush stderr
}

# 75 -> "1 min 15 s"; 9 -> "9 s".
proc ::mc::duration_text {secs} {
    if {$secs < 60} {
        return "$secs s"
    }
    return [format "%d min %d s" [expr {$secs / 60}] [expr {$secs % 60}]]
}

proc ::mc::progress_count {r} {
    variable counts
    dict incr counts [expr {[dict get $r expected] ne "" ? "xfail" : [dict get $r verdict]}]
}

proc ::mc::progress_clear {} {
    variable progress
    if {$progress} {
        puts -nonewline stderr "\r\033\[K"
        flush stderr
    }
}

# A YAML double-quoted scalar: backslash, quote and control characters escaped.
proc ::mc::yaml_str {s} {
    set out {}
    foreach ch [split $s ""] {
        scan $ch %c code
        if {$ch eq "\\" || $ch eq "\""} {
            append out \\$ch
        } elseif {$code < 0x20 || $code == 0x7f} {
            append out [format {\x%02x} $code]
        } else {
            append out $ch
        }
    }
    return "\"$out\""
}

proc ::mc::report_result {r} {
    variable tap
    variable tap_n
    set verdict [dict get $r verdict]
    set id [dict get $r id]
    progress_count $r
    if {!$tap} {
        if {$verdict ne "pass"} {
            set label [expr {[dict get $r expected] ne "" ? "xfail" : $verdict}]
            progress_clear
            puts [format "%-6s %s: %s" $label $id [dict get $r message]]
        }
        return
    }
    incr tap_n
    set ok [expr {$verdict in {pass n/a} ? "ok" : "not ok"}]
    set line "$ok $tap_n - $id"
    if {$verdict eq "n/a"} {
        append line " # SKIP n/a: [dict get $r message]"
    } elseif {[dict get $r expected] ne ""} {
        append line " # TODO expected failure: [dict get $r expected]"
    }
    progress_clear
    puts $line
    if {$verdict ni {pass n/a}} {
        puts "  ---"
        puts "  verdict: $verdict"
        puts "  message: [yaml_str [dict get $r message]]"
        if {[dict get $r clause] ne ""} {
            puts "  clause: [yaml_str [dict get $r clause]]"
        }
        puts "  claims: \[[join [lmap c [dict get $r claims] {yaml_str $c}] {, }]\]"
        puts "  file: [yaml_str [file tail [dict get $r file]]]"
        puts "  duration_ms: [dict get $r time_ms]"
        if {[llength [dict get $r observations]]} {
            puts "  observations:"
            foreach o [dict get $r observations] {
                puts "    - [yaml_str $o]"
            }
        }
        puts "  ..."
    }
    flush stdout
}

# Counts of each outcome: pass fail inconc error n/a xfail.
proc ::mc::tally {results} {
    set t [dict create pass 0 fail 0 inconc 0 error 0 n/a 0 xfail 0]
    foreach r $results {
        set k [expr {[dict get $r expected] ne "" ? "xfail" : [dict get $r verdict]}]
        dict incr t $k
    }
    return $t
}

proc ::mc::summary_line {run results} {
    set t [tally $results]
    set parts {}
    foreach k {pass fail inconc error n/a xfail} {
        if {[dict get $t $k]} {
            lappend parts "[dict get $t $k] [expr {$k eq "xfail" ? "expected failure" : $k}]"
        }
    }
    set n [llength $results]
    return [format "%s on %s: %d %s: %s (%.1f s, seed %s)" [dict get $run suite] \
        [dict get $run device] $n [expr {$n == 1 ? "vector" : "vectors"}] [join $parts {, }] \
        [expr {[dict get $run time_ms] / 1000.0}] [dict get $run seed]]
}
