# The reports of tests/mutation/run, written into its out folder:
#   summary.txt   per file: generated, equivalent, selected, judged, stillborn, killed (of them
#                 by timeout), survived, score = killed / (killed + survived); the survivors by
#                 rule with their change; the equivalents with their reasons; baselines; wall time
#   survivors/    one unified diff per surviving mutant (ID with / and : as _, .diff)
#   results.tsv   one line per judged mutant: id status seconds detail description
#   junit.xml     one testcase per judged mutant (classname its file, name its id): a survivor is
#                 a failure, a stillborn mutant skipped, a killed one passes (strict Ant schema)
namespace eval mutreport {}

proc mutreport::xml {s} {
    # Control characters other than tab and newline have no place in XML 1.0.
    set s [regsub -all {[\x00-\x08\x0b\x0c\x0e-\x1f]} $s ?]
    return [string map {& &amp; < &lt; > &gt; \" &quot; ' &apos;} $s]
}

# The unified diff of a mutant against the original text of its file.
proc mutreport::diff {orig m} {
    set f [dict get $m file]
    set a [file tempfile pa]
    set b [file tempfile pb]
    fconfigure $a -translation binary
    fconfigure $b -translation binary
    puts -nonewline $a $orig
    puts -nonewline $b [mut::apply $orig $m]
    close $a
    close $b
    # diff exits 1 when the files differ, which they do.
    catch {exec diff -u --label a/$f --label b/$f $pa $pb} d
    file delete $pa $pb
    return [regsub {\nchild process exited abnormally$} $d ""]
}

proc mutreport::score {k s} {
    if {$k + $s == 0} { return "-" }
    return [format "%.1f%%" [expr {100.0 * $k / ($k + $s)}]]
}

# ORIGS names the caller's array of each file's original text.
proc mutreport::write {out results per_file equivalents origs info} {
    upvar 1 $origs orig
    set survdir [file join $out survivors]
    file delete -force $survdir
    file mkdir $survdir
    # Per-file tallies.
    dict for {f c} $per_file {
        foreach k {judged stillborn killed timeout survived} { dict set per_file $f $k 0 }
    }
    foreach r $results {
        set f [dict get $r file]
        dict with per_file $f {
            incr judged
            incr [dict get $r status]
            if {[dict get $r status] eq "killed" && [dict get $r timeout]} { incr timeout }
        }
    }
    set s "mutation testing of the reference devices (tests/mutation/run)\n"
    append s "date [clock format [clock seconds] -gmt 1 -format {%Y-%m-%d %H:%M:%S UTC}]"
    append s ", seed [dict get $info seed]"
    append s ", sample [expr {[dict get $info sample] ? "[dict get $info sample] per file" : "all"}]"
    append s ", budget [expr {[dict get $info budget] ? "[dict get $info budget] min" : "none"}]\n"
    append s "judged [dict get $info judged] of [dict get $info selected] selected mutants"
    if {[dict get $info stopped]} { append s " (the budget ran out)" }
    append s [format ", wall time %dm%02ds\n\n" [expr {int([dict get $info wall]) / 60}] \
        [expr {int([dict get $info wall]) % 60}]]
    set fmt "%-44s %5s %5s %5s %5s %5s %7s %5s %6s\n"
    append s [format $fmt file generated equiv selected judged stillborn "killed(to)" survived score]
    set tot [dict create generated 0 equivalent 0 selected 0 judged 0 stillborn 0 killed 0 timeout 0 survived 0]
    dict for {f c} $per_file {
        dict for {k v} $c { dict incr tot $k $v }
        dict with c {
            append s [format $fmt $f $generated $equivalent $selected $judged $stillborn \
                "${killed}(${timeout})" $survived [score $killed $survived]]
        }
    }
    dict with tot {
        append s [format $fmt total $generated $equivalent $selected $judged $stillborn \
            "${killed}(${timeout})" $survived [score $killed $survived]]
    }
    # Survivors by rule.
    append s "\nsurviving mutants by rule (each diff in survivors/):\n"
    foreach rule $::mut::rules {
        set list {}
        foreach r $results {
            if {[dict get $r status] eq "survived" && [dict get $r rule] eq $rule} { lappend list $r }
        }
        if {$list eq ""} continue
        append s "  $rule ([llength $list]):\n"
        foreach r $list {
            append s "    [dict get $r id]  [dict get $r desc]\n"
            set name [regsub -all {[/:]} [dict get $r id] _].diff
            set fh [open [file join $survdir $name] w]
            puts $fh [diff $orig([dict get $r file]) $r]
            close $fh
        }
    }
    append s "\nequivalent mutants (tests/mutation/equivalent.txt), not judged:\n"
    foreach e $equivalents { append s "    [lindex $e 0]  [lindex $e 1]\n" }
    append s "\nstillborn mutants (do not compile), not in the score:\n"
    foreach r $results {
        if {[dict get $r status] eq "stillborn"} { append s "    [dict get $r id]  [dict get $r desc]\n" }
    }
    append s "\nbaseline runs of the judging commands on the unmutated copy:\n"
    dict for {cmd secs} [dict get $info baseline] { append s [format "    %6.1f s  %s\n" $secs $cmd] }
    set fh [open [file join $out summary.txt] w]
    puts -nonewline $fh $s
    close $fh

    set fh [open [file join $out results.tsv] w]
    foreach r $results {
        puts $fh [join [list [dict get $r id] [dict get $r status] [format %.1f [dict get $r wall]] \
            [dict get $r detail] [dict get $r desc]] "\t"]
    }
    close $fh

    # JUnit, strict Ant schema: testsuite name timestamp hostname tests failures errors skipped
    # time, properties, testcases, system-out, system-err.
    set nfail 0
    set nskip 0
    set cases ""
    set total 0.0
    foreach r $results {
        set t [dict get $r wall]
        set total [expr {$total + $t}]
        append cases [format {  <testcase classname="%s" name="%s" time="%.3f">} \
            [xml [dict get $r file]] [xml [dict get $r id]] $t]
        switch -- [dict get $r status] {
            survived {
                incr nfail
                append cases "<failure type=\"survived\" message=\"[xml "survived: [dict get $r desc]"]\">"
                append cases [xml [diff $orig([dict get $r file]) $r]] "</failure>"
            }
            stillborn {
                incr nskip
                append cases "<skipped/>"
            }
        }
        append cases "</testcase>\n"
    }
    set x "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    append x [format {<testsuite name="mutation" timestamp="%s" hostname="%s" tests="%d" failures="%d" errors="0" skipped="%d" time="%.3f">} \
        [clock format [clock seconds] -gmt 1 -format %Y-%m-%dT%H:%M:%S] [xml [info hostname]] \
        [llength $results] $nfail $nskip $total] "\n"
    append x "  <properties>\n"
    foreach k {seed sample budget selected judged} {
        append x "    <property name=\"mutation.$k\" value=\"[xml [dict get $info $k]]\"/>\n"
    }
    append x "  </properties>\n" $cases "  <system-out></system-out>\n  <system-err></system-err>\n</testsuite>\n"
    set fh [open [file join $out junit.xml] w]
    fconfigure $fh -encoding utf-8
    puts -nonewline $fh $x
    close $fh
}
