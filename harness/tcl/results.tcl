# Results as reports: JUnit XML (report junit), the results XML (report xml) and, from it, the
# HTML summary and certification report (report xslt with reports/*.xsl).

# A result's JUnit outcome: failure for fail and inconc (both make the run fail), error for
# error, skipped for n/a and for expected failures, told apart by the skip's type (n/a,
# expected-failure) and by its message, which says which and why.
proc ::mc::junit_case {r} {
    set verdict [dict get $r verdict]
    set detail [result_detail $r]
    set c [dict create classname "mirrorcert.[dict get $r suite]" name [dict get $r id] \
        time_ms [dict get $r time_ms] detail $detail message [dict get $r message]]
    if {[dict get $r expected] ne ""} {
        dict set c outcome skipped
        dict set c type expected-failure
        dict set c message "expected failure ([dict get $r expected]); verdict $verdict: [dict get $r message]"
    } else {
        switch -- $verdict {
            pass    { dict set c outcome passed }
            fail    { dict set c outcome failure; dict set c type fail }
            inconc  { dict set c outcome failure; dict set c type inconc }
            error   { dict set c outcome error; dict set c type error }
            n/a     {
                dict set c outcome skipped
                dict set c type n/a
                dict set c message "n/a: [dict get $r message]"
            }
        }
    }
    return $c
}

proc ::mc::result_detail {r} {
    set lines [list "verdict: [dict get $r verdict]" "claims: [dict get $r claims]"]
    if {[dict get $r clause] ne ""} {
        lappend lines "clause: [dict get $r clause]"
    }
    foreach o [dict get $r observations] {
        lappend lines "observation: $o"
    }
    foreach s [dict get $r steps] {
        lappend lines "step [dict get $s name]: [dict get $s outcome] in [dict get $s ms] ms"
    }
    if {[dict get $r detail] ne ""} {
        lappend lines [dict get $r detail]
    }
    return [join $lines \n]
}

proc ::mc::write_junit {path run results} {
    set props [list device [dict get $run device] seed [dict get $run seed] \
        suite [dict get $run suite] suite.version [dict get $run suite_version] \
        harness.version [dict get $run harness_version]]
    dict for {k v} [dict get $run identity] {
        lappend props device.$k $v
    }
    foreach k {filter shard mutant} {
        if {[dict get $run $k] ne ""} {
            lappend props $k [dict get $run $k]
        }
    }
    dict for {item v} [dict get $run pics] {
        lappend props pics.$item $v
    }
    foreach r $results {
        lappend props claims.[dict get $r id] [dict get $r claims]
    }
    set suite [dict create name "mirrorcert.[dict get $run suite]" started [dict get $run started] \
        time_ms [dict get $run time_ms] props $props system-out [summary_line $run $results]]
    report junit $path $suite [lmap r $results {junit_case $r}]
}

# --- the results XML ----------------------------------------------------------------------

proc ::mc::node {tag {attrs {}} {text {}} {children {}}} {
    return [list $tag $attrs $text $children]
}

proc ::mc::verdict_of_set {verdicts} {
    set run [lsearch -all -inline -not $verdicts n/a]
    if {![llength $verdicts]} { return "not covered" }
    if {![llength $run]} { return n/a }
    set w {}
    foreach v $run {
        if {$v eq "not run"} continue
        set w [worse $w $v]
    }
    return [expr {$w eq "" ? "not run" : $w}]
}

# Per claim, per invariant and per standards section: the worst verdict of the vectors citing it.
# all_vectors is the whole suite, so a claim whose vectors were filtered out shows "not run"
# and one with none at all "not covered".
proc ::mc::coverage_nodes {all_vectors results} {
    variable catalogue
    set by_id {}
    foreach r $results {
        dict set by_id [dict get $r id] $r
    }
    set claim_vectors {}
    set element_vectors {}
    set rfc_vectors {}
    set invariant_vectors {}
    set sets {}
    foreach v $all_vectors {
        foreach cite [dict get $v claims] {
            lassign [::mc::catalogue::resolve $catalogue $cite] kind key
            switch -- $kind {
                claim {
                    dict lappend claim_vectors $key [dict get $v id]
                    foreach eid [::mc::catalogue::elements_cited $catalogue $cite] {
                        dict lappend element_vectors $eid [dict get $v id]
                    }
                    dict set sets [dict get $catalogue claims $key set] 1
                }
                invariant {
                    dict lappend invariant_vectors $key [dict get $v id]
                    dict set sets [dict get $catalogue invariants $key set] 1
                }
                rfc { dict lappend rfc_vectors $key [dict get $v id] }
            }
        }
    }
    set claim_nodes {}
    dict for {setid meta} [dict get $catalogue sets] {
        if {![dict exists $sets $setid]} continue
        set kids {}
        dict for {cid c} [dict get $catalogue claims] {
            if {[dict get $c set] ne $setid} continue
            set vs [expr {[dict exists $claim_vectors $cid] ? [lsort -unique [dict get $claim_vectors $cid]] : {}}]
            set elements {}
            foreach eid [dict get $c elements] {
                set e [dict get $catalogue elements $eid]
                set evs [expr {[dict exists $element_vectors $eid] ? [lsort -unique [dict get $element_vectors $eid]] : {}}]
                lappend elements [node element [list id $eid role [dict get $e role] \
                    verdict [verdict_of_set [verdicts_of $by_id $evs]]] [dict get $e text]]
            }
            lappend kids [node claim [list id $cid kind [dict get $c kind] depends [dict get $c depends] \
                verdict [verdict_of_set [verdicts_of $by_id $vs]] vectors [join $vs " "]] {} $elements]
        }
        dict for {iid inv} [dict get $catalogue invariants] {
            if {[dict get $inv set] ne $setid} continue
            set vs [expr {[dict exists $invariant_vectors $iid] ? [lsort -unique [dict get $invariant_vectors $iid]] : {}}]
            lappend kids [node invariant [list id $iid role [dict get $inv role] \
                verdict [verdict_of_set [verdicts_of $by_id $vs]] vectors [join $vs " "]] [dict get $inv text]]
        }
        lappend claim_nodes [node claimset [list id $setid title [dict get $meta title] \
            seed [dict get $meta seed] spec [dict get $meta spec]] {} $kids]
    }
    set rfc_nodes {}
    foreach cite [lsort -dictionary [dict keys $rfc_vectors]] {
        set vs [lsort -unique [dict get $rfc_vectors $cite]]
        lappend rfc_nodes [node section [list cite $cite verdict [verdict_of_set [verdicts_of $by_id $vs]] \
            vectors [join $vs " "]]]
    }
    set errs [lmap e [dict get $catalogue errors] {node error {} $e}]
    return [list [node claims {} {} $claim_nodes] [node standards {} {} $rfc_nodes] \
        [node catalogue-errors {} {} $errs]]
}

# The verdicts of the vector ids ("not run" for ids outside the results).
# The vectors' verdicts, an expected failure (a listed deviation) as xfail.
proc ::mc::verdicts_of {by_id ids} {
    return [lmap id $ids {
        if {![dict exists $by_id $id]} {
            string cat "not run"
        } elseif {[dict get $by_id $id expected] ne ""} {
            string cat xfail
        } else {
            dict get $by_id $id verdict
        }
    }]
}

# The ladder of a vector that did not pass: one pdu element per PDU (time, connection, direction,
# opcode, its fields as "name=value" text). When the failure message names a field ("field NAME:
# expected X, seen Y"), the last PDU from the device carrying that field (the one whose value is Y
# when one is) is marked hit, with the field's name, so the diagram can show it.
proc ::mc::ladder_node {ladder message} {
    set pdus [dict get $ladder pdus]
    set t0 [lindex $pdus 0 0]
    set hit -1
    set field ""
    if {[regexp {^field ([A-Za-z_]+): .*seen (\S+)} $message -> field seen]} {
        for {set i [expr {[llength $pdus] - 1}]} {$i >= 0} {incr i -1} {
            lassign [lindex $pdus $i] t conn dir op fields
            if {$dir ne "in" || ![dict exists $fields $field]} continue
            if {$hit < 0} {
                set hit $i
            }
            set v [dict get $fields $field]
            if {[string is entier -strict $v] && [string is entier -strict $seen] && $v == $seen} {
                set hit $i
                break
            }
        }
    }
    set kids {}
    set i 0
    foreach p $pdus {
        lassign $p t conn dir op fields
        set text [join [lmap {k v} $fields {
            expr {[string is entier -strict $v] && $v > 9 ? [format "%s=0x%x" $k $v] : "$k=$v"}
        }] " "]
        set attrs [list n [expr {$i + 1}] t [format %.1f [expr {($t - $t0) / 1000.0}]] conn $conn dir $dir op $op]
        if {$i == $hit} {
            # The named field first, so the diagram's shortened text still shows it.
            lappend attrs hit $field
            set text "$field=[dict get $fields $field] $text"
        }
        lappend kids [node pdu $attrs $text]
        incr i
    }
    return [node ladder [list dropped [dict get $ladder dropped] head [dict get $ladder head]] {} $kids]
}

# The bus phases of a parallel SCSI vector that did not pass: one phase element each (times
# in ns from the strip's start, kind, who drove REQ, initiator and target IDs). A phase the
# decoder gives no end lasts until the next one begins (the last, MC_STRIP_LAST_NS).
proc ::mc::strip_node {strip} {
    set MC_STRIP_LAST_NS 1000
    set events [dict get $strip events]
    set t0 [lindex $events 0 0]
    set t1 $t0
    set kids {}
    set i 0
    foreach e $events {
        lassign $e t tend kind by init target
        incr i
        if {$tend <= $t} {
            set tend [expr {$i < [llength $events] ? [lindex $events $i 0] : $t + $MC_STRIP_LAST_NS}]
        }
        set t1 [expr {max($t1, $tend)}]
        lappend kids [node phase [list t [expr {$t - $t0}] end [expr {$tend - $t0}] kind $kind by $by \
            init $init target $target]]
    }
    return [node strip [list span [expr {max(1, $t1 - $t0)}] kept [dict get $strip kept]] {} $kids]
}

# The timeline of a virtual SAN vector that did not pass: its clients' operations (one row a
# client process: op elements from invocation to completion, in ms from the first) and the
# faults and device operations the vector asked for (event elements), on one time axis.
proc ::mc::timeline_node {timeline events} {
    set ops [dict get $timeline ops]
    set t0 [lindex $ops 0 4]
    set t1 $t0
    foreach o $ops {
        set t0 [expr {min($t0, [lindex $o 4])}]
        set t1 [expr {max($t1, [lindex $o 5])}]
    }
    foreach e $events {
        set t0 [expr {min($t0, [lindex $e 0])}]
        set t1 [expr {max($t1, [lindex $e 0])}]
    }
    set rows [lsort -integer -unique [lmap o $ops {lindex $o 0}]]
    set kids {}
    foreach o $ops {
        lassign $o process kind block outcome invoked completed
        lappend kids [node op [list row [lsearch -exact $rows $process] process $process kind $kind \
            block $block outcome $outcome t [format %.1f [expr {($invoked - $t0) / 1000.0}]] \
            end [format %.1f [expr {(max($completed, $invoked) - $t0) / 1000.0}]]]]
    }
    foreach e $events {
        lassign $e t text
        lappend kids [node event [list t [format %.1f [expr {($t - $t0) / 1000.0}]]] $text]
    }
    return [node timeline [list span [format %.1f [expr {max(1, $t1 - $t0) / 1000.0}]] \
        rows [llength $rows] total [dict get $timeline total] kept [llength $ops]] {} $kids]
}

proc ::mc::vector_node {r} {
    set kids [list [node summary {} [dict get $r summary]]]
    foreach c [dict get $r claims] {
        lappend kids [node cite {} $c]
    }
    foreach item [dict get $r requires] {
        lappend kids [node requires {} $item]
    }
    if {[dict get $r message] ne ""} {
        lappend kids [node message [list clause [dict get $r clause]] [dict get $r message]]
    }
    if {[dict get $r detail] ne ""} {
        lappend kids [node detail {} [dict get $r detail]]
    }
    foreach s [dict get $r steps] {
        lappend kids [node step [list name [dict get $s name] ms [dict get $s ms] outcome [dict get $s outcome]]]
    }
    foreach o [dict get $r observations] {
        lappend kids [node observation {} $o]
    }
    if {[dict exists $r ladder]} {
        lappend kids [ladder_node [dict get $r ladder] [dict get $r message]]
    }
    if {[dict exists $r strip]} {
        lappend kids [strip_node [dict get $r strip]]
    }
    if {[dict exists $r timeline]} {
        set events [expr {[dict exists $r events] ? [dict get $r events] : {}}]
        lappend kids [timeline_node [dict get $r timeline] $events]
    }
    return [node vector [list id [dict get $r id] role [dict get $r role] verdict [dict get $r verdict] \
        expected [dict get $r expected] time_ms [dict get $r time_ms] \
        file [file tail [dict get $r file]]] {} $kids]
}

proc ::mc::results_tree {run all_vectors results captured} {
    variable pics_notes
    set id [dict get $run identity]
    set pics {}
    dict for {item v} [dict get $run pics] {
        set note [expr {[dict exists $pics_notes $item] ? [dict get $pics_notes $item] : ""}]
        lappend pics [node item [list name $item value [expr {$v ? "yes" : "no"}]] $note]
    }
    set pixit {}
    dict for {k v} [dict get $run pixit] {
        # A secret (CHAP) is named in the report, never shown; this machine's path to the
        # project is not shown either (a program under it is named from the project's root).
        if {[string match *secret* $k]} {
            set v "(set, not shown)"
        }
        set v [string map [list $::mc::home/ ""] $v]
        lappend pixit [node item [list name $k value $v]]
    }
    set t [tally $results]
    set kids [list \
        [node device [list name [dict get $run device] vendor [dict get $id vendor] \
            product [dict get $id product] firmware [dict get $id firmware] \
            mutant [dict get $run mutant]] [dict get $run device_summary]] \
        [node pics {} {} $pics] [node pixit {} {} $pixit] \
        [node tally [list pass [dict get $t pass] fail [dict get $t fail] inconc [dict get $t inconc] \
            error [dict get $t error] na [dict get $t n/a] xfail [dict get $t xfail] \
            total [llength $results]]]]
    lappend kids {*}[coverage_nodes $all_vectors $results]
    lappend kids [node vectors {} {} [lmap r $results {vector_node $r}]]
    set started [clock format [dict get $run started] -format %Y-%m-%dT%H:%M:%SZ -gmt 1]
    return [node results [list harness-version [dict get $run harness_version] \
        suite [dict get $run suite] suite-version [dict get $run suite_version] \
        suite-summary [dict get $run suite_summary] seed [dict get $run seed] \
        started $started time_ms [dict get $run time_ms] hostname [info hostname] \
        filter [dict get $run filter] shard [dict get $run shard] pcap [expr {$captured ? "yes" : "no"}]] {} $kids]
}

# --report DIR: results.xml, index.html (summary), certification.html, and the capture.
# The report folder: results.xml, the HTML pages, junit.xml, the capture, and the device's own
# logs (the profile wrote them in the working directory).
proc ::mc::write_report_dir {dir run all_vectors results pcap} {
    set captured [expr {$pcap ne "" && [file exists $pcap]}]
    file mkdir $dir
    # A folder holding an earlier run's report loses that run's capture and logs first, so a
    # report never mixes two runs' files (other files in the folder are left alone).
    if {[file exists [file join $dir results.xml]]} {
        foreach old [glob -nocomplain -directory $dir *.log *.vcd *.gtkw report.css traffic.pcap] {
            file delete -- $old
        }
    }
    set xml [file join $dir results.xml]
    report xml $xml [results_tree $run $all_vectors $results $captured]
    write_junit [file join $dir junit.xml] $run $results
    set reports [file join $::mc::home reports]
    report xslt [file join $reports summary.xsl] $xml [file join $dir index.html]
    report xslt [file join $reports certification.xsl] $xml [file join $dir certification.html]
    if {$captured} {
        file copy -force $pcap [file join $dir traffic.pcap]
    }
    foreach log [glob -nocomplain -directory [dict get $run workdir] *.log] {
        file copy -force $log [file join $dir [file tail $log]]
    }
    # Files vectors kept (`keep NAME`): waveforms and dumps, named after their vector.
    foreach kept [glob -nocomplain -directory [file join [dict get $run workdir] kept] *] {
        file copy -force $kept [file join $dir [file tail $kept]]
    }
}
