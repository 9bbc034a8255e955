# Running one vector: a fresh child interpreter (Expect, the C modules, the check library, the
# suite's helpers), a time limit as its watchdog, and TTCN-3 verdicts.
#
# Verdicts, worst last: pass, inconc, fail, error; n/a is given instead of running when a
# required PICS item is not claimed. A verdict only worsens. How a run ends maps to a verdict:
#   body returns                          pass (or what checks/the device health set, if worse)
#   the device is found dead, unasked     error if killed from outside, fail if it exited or crashed
#   check/fail, inconc                    fail, inconc (with field, expected, seen, clause)
#   a step overruns its deadline          fail: the DUT did not let the step finish in time
#   the vector overruns its timeout       error: the watchdog stopped it
#   any other Tcl error                   error (a harness or vector fault, never the DUT's)

namespace eval ::mc {
    # xfail (an expected failure) ranks above pass in a claim's or a section's verdict only.
    variable verdict_rank {pass 0 xfail 1 inconc 2 fail 3 error 4}
    # The per-step deadline when PIXIT has no step-timeout.
    variable default_step_timeout 10
    # How long a vector's deferred scripts (its cleanup) may take together, in seconds.
    variable cleanup_timeout_s 10
    variable cur {}
}

proc ::mc::worse {a b} {
    variable verdict_rank
    if {$a eq ""} { return $b }
    return [expr {[dict get $verdict_rank $b] > [dict get $verdict_rank $a] ? $b : $a}]
}

# Worsens the current vector's verdict; the first message of the worst verdict is kept.
proc ::mc::setverdict {verdict message {clause {}} {detail {}}} {
    variable cur
    set old [dict get $cur verdict]
    if {[worse $old $verdict] ne $old || $old eq ""} {
        dict set cur verdict $verdict
        dict set cur message $message
        dict set cur clause $clause
        dict set cur detail $detail
    }
}

proc ::mc::elapsed_ms {} {
    variable cur
    return [expr {[clock milliseconds] - [dict get $cur started]}]
}

# log MSG: an observation for the report, stamped with the time since the vector started.
proc ::mc::observe {msg} {
    variable cur
    dict lappend cur observations [format "+%.3f s %s" [expr {[elapsed_ms] / 1000.0}] $msg]
    return
}

proc ::mc::set_deadline {child deadline_ms} {
    interp limit $child time -seconds [expr {$deadline_ms / 1000}] \
        -milliseconds [expr {$deadline_ms % 1000}] -granularity 1
}

# The binding deadline: the vector's, or the innermost step's when that comes first.
proc ::mc::apply_deadline {child} {
    variable cur
    set d [dict get $cur deadline]
    foreach s [dict get $cur stack] {
        set d [expr {min($d, [dict get $s deadline])}]
    }
    set_deadline $child $d
}

proc ::mc::step_begin {child name timeout} {
    variable cur
    if {![string is double -strict $timeout] || $timeout <= 0} {
        return -code error "step $name: timeout must be positive seconds, not \"$timeout\""
    }
    set now [clock milliseconds]
    set s [dict create name $name started $now deadline [expr {$now + int($timeout * 1000)}] timeout $timeout]
    dict lappend cur stack $s
    apply_deadline $child
    return
}

proc ::mc::step_end {child outcome} {
    variable cur
    set s [lindex [dict get $cur stack] end]
    dict set cur stack [lrange [dict get $cur stack] 0 end-1]
    dict lappend cur steps [dict create name [dict get $s name] \
        ms [expr {[clock milliseconds] - [dict get $s started]}] outcome $outcome]
    apply_deadline $child
    return
}

proc ::mc::vector_seed {run_seed id} {
    return [fnv1a "$run_seed:$id"]
}

# keep NAME (in a vector): the path of a file the vector may write (a waveform, a dump) that the
# report folder keeps as ID-NAME; NAME is one plain file name.
proc ::mc::keep_path {id name} {
    variable device_ctx
    if {$name eq "" || [file tail $name] ne $name || $name in {. ..}} {
        return -code error "keep: \"$name\" is not a plain file name"
    }
    set dir [file join [dict get $device_ctx workdir] kept]
    file mkdir $dir
    return [file join $dir $id-$name]
}

# A child interpreter set up for vector v of suite (Expect, the C modules, the framework and
# check commands, the suite's helpers); returns its name.
proc ::mc::make_child {suite v run_seed} {
    set c [interp create]
    try {
        setup_child $c $suite $v $run_seed
    } on error {msg opts} {
        interp delete $c
        return -options $opts $msg
    }
    return $c
}

proc ::mc::setup_child {c suite v run_seed} {
    sys child-init $c
    $c alias pixit ::mc::pixit_get
    $c alias pics ::mc::pics_get
    $c alias log ::mc::observe
    $c alias ::mc::verdict ::mc::setverdict
    $c alias ::mc::bgerror ::mc::child_bgerror
    $c eval {interp bgerror {} ::mc::bgerror}
    $c eval {log_user 0}
    $c alias device ::mc::device_op
    $c alias process-state ::mc::proc_state
    $c alias keep ::mc::keep_path [dict get $v id]
    $c alias ::mc::step_begin ::mc::step_begin $c
    $c alias ::mc::step_end ::mc::step_end $c
    # What would end or block the whole run is not the vector's: exit (Tcl's and Expect's) is an
    # error of the vector, a plain socket is not available (child.tcl bounds exec and open).
    foreach cmd {exit exp_exit socket} {
        if {$cmd in [$c eval {info commands}]} {
            $c hide $cmd
        }
    }
    $c alias exit ::mc::child_exit
    $c alias exp_exit ::mc::child_exit
    $c alias socket ::mc::child_refused socket "its reads and writes block where the watchdog cannot stop them; devices are reached through the iscsi, mcast, spi and vsan commands"
    variable default_step_timeout
    set vseed [vector_seed $run_seed [dict get $v id]]
    $c eval [list namespace eval ::mc {}]
    $c eval [list set ::mc::vector [dict remove $v body]]
    $c eval [list set ::mc::seed $vseed]
    $c eval [list set ::mc::step_timeout [pixit_get step-timeout $default_step_timeout]]
    $c eval [list expr "srand($vseed)"]
    $c eval [list source [file join $::mc::home harness tcl child.tcl]]
    foreach f [lsort [glob -nocomplain -directory [file join $::mc::home conformance checks] *.tcl]] {
        $c eval [list source $f]
    }
    foreach f [dict get $suite helpers] {
        $c eval [list source $f]
    }
}

proc ::mc::new_result {suite v} {
    return [dict merge [dict remove $v body] [dict create suite [dict get $suite name] \
        verdict {} message {} clause {} detail {} expected {} observations {} steps {} \
        stack {} time_ms 0 started [clock milliseconds] deadline 0]]
}

# Runs vector v; returns its result dict (see results.tcl for the keys reports read).
proc ::mc::run_vector {suite v run_seed} {
    variable cur [new_result $suite $v]

    set unknown [unknown_citations [dict get $v claims]]
    if {[llength $unknown]} {
        setverdict error "cites what the claims catalogue does not hold: [join $unknown {, }]"
        return [finish_result]
    }
    foreach item [dict get $v requires] {
        if {[catch {pics_get $item} claimed]} {
            setverdict error $claimed
            return [finish_result]
        }
        if {!$claimed} {
            dict set cur verdict n/a
            dict set cur message "the device does not claim PICS item $item"
            return [finish_result]
        }
    }
    if {[catch {device_ready} msg opts]} {
        # Found dead since the last vector (MC DEVICE verdict), or it could not be restarted.
        set code [dict get $opts -errorcode]
        if {[lrange $code 0 1] eq {MC DEVICE}} {
            setverdict [lindex $code 2] $msg
        } else {
            setverdict error "device not available: $msg"
        }
        return [finish_result]
    }

    if {[catch {make_child $suite $v $run_seed} c opts]} {
        setverdict error "cannot set up the vector's interpreter: $c" {} [dict get $opts -errorinfo]
        return [finish_result]
    }
    dict set cur deadline [expr {[clock milliseconds] + int([dict get $v timeout] * 1000)}]
    apply_deadline $c
    set rc [catch {$c eval {::mc::run_body}} msg opts]
    switch -- $rc {
        0 - 2   { setverdict pass {} }
        1       { classify_error $msg $opts }
        default { setverdict error "the vector's body ended with break or continue (code $rc)" }
    }
    # Lift the limit so the child can be torn down (its connections closed) cleanly, after its
    # pending background errors (the limit's own among them) were handled.
    interp limit $c time -seconds {}
    update idletasks
    # The processes of an exec the watchdog stopped (in the body, then in the cleanup) are
    # killed, not left running.
    catch {$c eval ::mc::reap_pipes}
    run_cleanup $c
    catch {$c eval ::mc::reap_pipes}
    # Timers a stopped body left pending (an interrupted sleep) must not fire once it is gone.
    catch {$c eval {foreach id [after info] {after cancel $id}}}
    # The PDUs of a vector that did not pass, for its ladder diagram in the report; and of a
    # parallel SCSI vector, the phases of its bus for the waveform strip.
    if {[dict get $cur verdict] ne "pass"} {
        set ladder [merge_ladders [lmap cmd {{iscsi ladder} {mcast ladder}} {
            expr {[catch {$c eval $cmd} l] ? [dict create pdus {} dropped 0 head 0] : $l}
        }]]
        if {[llength [dict get $ladder pdus]]} {
            dict set cur ladder $ladder
        }
    }
    if {[dict get $cur verdict] ne "pass" && ![catch {$c eval {spi strip}} strip] &&
        [llength [dict get $strip events]]} {
        dict set cur strip $strip
    }
    # And of a virtual SAN vector, its clients' operations for the timeline (with its faults).
    if {[dict get $cur verdict] ne "pass" && ![catch {$c eval {vsan history timeline}} timeline] &&
        [llength [dict get $timeline ops]]} {
        dict set cur timeline $timeline
    }
    if {[catch {interp delete $c} msg]} {
        observe "tearing down the vector's interpreter: $msg"
    }
    device_after_vector
    return [finish_result]
}

# The vector's deferred scripts, under a deadline of their own. A cleanup that fails is the
# harness's or the vector's fault: an observation, and verdict error if the body had passed.
proc ::mc::run_cleanup {c} {
    variable cleanup_timeout_s
    set_deadline $c [expr {[clock milliseconds] + $cleanup_timeout_s * 1000}]
    if {[catch {$c eval ::mc::run_deferred} failed]} {
        set failed [list $failed]
    }
    interp limit $c time -seconds {}
    update idletasks
    variable cur
    foreach msg $failed {
        observe "deferred cleanup failed: $msg"
        if {[dict get $cur verdict] eq "pass"} {
            setverdict error "deferred cleanup failed: $msg"
        }
    }
}

proc ::mc::classify_error {msg opts} {
    variable cur
    set code [dict get $opts -errorcode]
    set info [expr {[dict exists $opts -errorinfo] ? [dict get $opts -errorinfo] : ""}]
    if {[lindex $code 0] eq "MC" && [lindex $code 1] eq "VERDICT"} {
        setverdict [lindex $code 2] $msg [lindex $code 3]
        return
    }
    # The limit surfaces as "time limit exceeded" from the command it stopped, or as "limit
    # exceeded" from a vwait (an interruptible sleep) it woke.
    set limited [expr {[lrange $code 0 1] eq {TCL LIMIT} || [string match "*limit exceeded" $msg]}]
    if {$limited} {
        # The binding deadline was the earliest of the open steps' and the vector's.
        set first {}
        foreach s [dict get $cur stack] {
            if {$first eq "" || [dict get $s deadline] < [dict get $first deadline]} {
                set first $s
            }
        }
        if {$first ne "" && [dict get $first deadline] < [dict get $cur deadline]} {
            setverdict fail "step \"[dict get $first name]\" did not finish within its deadline of [dict get $first timeout] s"
            return
        }
        setverdict error "watchdog: the vector was stopped after its timeout of [dict get $cur timeout] s"
        return
    }
    if {[lindex $code 0] eq "MC" && [lindex $code 1] eq "PIXIT"} {
        setverdict error $msg
        return
    }
    setverdict error $msg {} $info
}

proc ::mc::finish_result {} {
    variable cur
    dict set cur time_ms [elapsed_ms]
    set r [dict remove $cur stack deadline]
    return $r
}

# The ladders of the modules (iscsi: unicast PDUs; mcast: group datagrams and the emulated
# targets' PDUs) as one, in time order; dropped entries add up.
proc ::mc::merge_ladders {ladders} {
    set pdus {}
    set dropped 0
    set head 0
    foreach l $ladders {
        lappend pdus {*}[dict get $l pdus]
        incr dropped [dict get $l dropped]
        set head [expr {max($head, [dict get $l head])}]
    }
    return [dict create pdus [lsort -integer -index 0 $pdus] dropped $dropped head $head]
}

# vector_event TEXT: a fault or device operation the running vector asked for, with the wall
# clock's microseconds, for the timeline of the report.
proc ::mc::vector_event {text} {
    variable cur
    if {[info exists cur] && [dict exists $cur verdict]} {
        dict lappend cur events [list [clock microseconds] $text]
    }
}

# exit in a vector: the vector ends with verdict error; the run goes on.
proc ::mc::child_exit {args} {
    set status ""
    if {[llength $args]} {
        set status " [lindex $args 0]"
    }
    return -code error -errorcode {MC EXIT} \
        "the vector called exit$status: a vector ends by returning or through a verdict, never by ending the harness"
}

# A command hidden from vectors: calling it is an error naming it and why.
proc ::mc::child_refused {cmd why args} {
    return -code error -errorcode [list MC REFUSED $cmd] "$cmd is not available in a vector: $why"
}

# A background error in a vector (an `after` script that failed) is an observation; the time
# limit's own report of stopping the vector is already its verdict.
proc ::mc::child_bgerror {msg opts} {
    if {![string match "*limit exceeded" $msg]} {
        observe "background error: $msg"
    }
}
