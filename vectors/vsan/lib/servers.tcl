# Helpers of the vsan vectors (prefix vs-): the servers under test as the harness's clients see
# them (docs/vsan-link.md §9, docs/vsan-command.md). Members, portals, stores and relays come
# from PIXIT only (a device profile reports them when it starts the servers; vsan-external
# takes them from the --pixit file). Every vector sets up its own state: it waits for the view
# to settle, takes regions no vector of the run wrote (vs-fresh-regions) and heals what it
# faulted (defer).

# --- members ---------------------------------------------------------------------------------

# The servers (members with a portal), in order: s1 s2 (s3).
proc vs-servers {} {
    set p [pixit vsan-portals]
    if {![string is list $p] || [llength $p] % 2 || [dict size $p] < 2} {
        return -code error -errorcode {MC PIXIT vsan-portals} \
            "PIXIT vsan-portals must name two or more servers and their portals ({s1 ADDR:PORT s2 ADDR:PORT}), not \"$p\""
    }
    return [dict keys $p]
}

# The servers but m.
proc vs-others {m} {
    return [lsearch -all -inline -not -exact [vs-servers] $m]
}

proc vs-portal {m} {
    set p [pixit vsan-portals]
    if {![dict exists $p $m]} {
        return -code error "no server \"$m\" in PIXIT vsan-portals ([join [dict keys $p] {, }])"
    }
    return [dict get $p $m]
}

# A member's link id (docs/vsan-link.md §1): PIXIT vsan-ids, else the number in its name (s2: 2).
proc vs-id {m} {
    set ids [pixit vsan-ids {}]
    if {[dict exists $ids $m]} {
        return [dict get $ids $m]
    }
    if {![regexp {^s([0-9]+)$} $m -> n]} {
        return -code error "member $m has no id (PIXIT vsan-ids)"
    }
    return $n
}

# Members as the status shows them: ids joined by "+" in ascending order (1+2), "none" for none.
proc vs-id-set {members} {
    set ids [lsort -integer [lmap m $members {vs-id $m}]]
    return [expr {[llength $ids] ? [join $ids +] : "none"}]
}

proc vs-iqn {} { return [pixit target-iqn] }
proc vs-lun {} { return [pixit lun] }
proc vs-block-size {} { return [pixit vsan-block-size] }
proc vs-region-size {} { return [pixit vsan-region-size] }
proc vs-io-ms {} { return [pixit vsan-io-ms] }

# Blocks of the volume (PIXIT vsan-size, bytes) and per region.
proc vs-blocks {} { return [expr {[pixit vsan-size] / [vs-block-size]}] }
proc vs-region-blocks {} { return [expr {[vs-region-size] / [vs-block-size]}] }
proc vs-first-block {region} { return [expr {$region * [vs-region-blocks]}] }

# --- status and the view -----------------------------------------------------------------------

# The status of server m (§9.2) as a dict; a server that does not answer fails under clause.
proc vs-status {m {clause {}}} {
    if {$clause eq ""} {
        set clause [join [vector-info claims] " "]
    }
    if {[catch {vsan status [vs-portal $m] -target [vs-iqn] -timeout [vs-io-ms]} st]} {
        fail "server $m gave no status: $st" -clause $clause
    }
    return $st
}

# One counter of server m's status (0 when it does not report it).
proc vs-counter {m name} {
    set st [vs-status $m]
    return [expr {[dict exists $st $name] ? [dict get $st $name] : 0}]
}

# The status of m when it answers, else {} (a server that is down or unreachable).
proc vs-try-status {m} {
    if {[catch {vsan status [vs-portal $m] -target [vs-iqn] -timeout [vs-io-ms]} st]} {
        return {}
    }
    return $st
}

# Why the servers' view is not settled ("" once it is): every server of the list is a member
# of one view of them all, with nothing syncing, quorum and a lease, no split brain, and all
# report the same term and view. Servers that give no status (PICS vsan-status) are settled
# once each serves a read of block 0.
proc vs-unsettled {servers} {
    if {![pics vsan-status]} {
        foreach m $servers {
            set r [vs-io read $m 0 -probe 1]
            if {[dict get $r status] ne "ok"} {
                return "$m answers a read with [dict get $r status]"
            }
        }
        return ""
    }
    set want [vs-id-set $servers]
    set views {}
    foreach m $servers {
        set st [vs-try-status $m]
        if {![dict size $st]} {
            return "$m gives no status"
        }
        foreach {k v} [list members $want syncing none quorum yes lease yes split-brain none store ok] {
            if {![dict exists $st $k] || [dict get $st $k] ne $v} {
                return "$m reports $k [expr {[dict exists $st $k] ? [dict get $st $k] : "(none)"}], not $v"
            }
        }
        lappend views [dict get $st term].[dict get $st view]
    }
    if {[llength [lsort -unique $views]] > 1} {
        return "the servers report different views (term.view $views)"
    }
    return ""
}

# vs-settle ?-servers LIST? ?-verdict inconc|fail? ?-clause C? ?-ms MS?: waits (PIXIT
# vsan-settle-ms) for the servers (all by default) to settle in one view; returns the
# coordinator's member name ("" when the servers give no status). Not settling ends the vector
# with the verdict given: inconc where it is a precondition (the vector's start), fail where
# the settling is under test (a resync, a rejoin).
proc vs-settle {args} {
    set o [::mc::wait_opts vs-settle $args [list -servers [vs-servers] -verdict inconc -clause {} -ms [pixit vsan-settle-ms]]]
    set until [expr {[clock milliseconds] + [dict get $o -ms]}]
    while {[set why [vs-unsettled [dict get $o -servers]]] ne ""} {
        if {[clock milliseconds] >= $until} {
            [dict get $o -verdict] "the view did not settle within [dict get $o -ms] ms: $why" \
                -clause [expr {[dict get $o -clause] eq "" ? [join [vector-info claims] " "] : [dict get $o -clause]}]
        }
        after 50
    }
    if {![pics vsan-status]} {
        return ""
    }
    set st [vs-status [lindex [dict get $o -servers] 0]]
    set coord [dict get $st coordinator]
    foreach m [vs-servers] {
        if {[vs-id $m] == $coord} {
            return $m
        }
    }
    return ""
}

# The coordinator and a server that is not ({C N}), once the view has settled. A device that
# gives no status (PICS vsan-status 0) names no coordinator: the first two servers stand in,
# for vectors that need two servers in turn (the vectors that judge the coordinator's own part
# read the link through relays, or its status).
proc vs-coordinator-and-other {} {
    set c [vs-settle]
    if {$c eq "" && ![pics vsan-status]} {
        return [lrange [vs-servers] 0 1]
    }
    if {$c eq ""} {
        inconc "no server of PIXIT vsan-portals is known as the coordinator (PICS vsan-status)"
    }
    return [list $c [lindex [vs-others $c] 0]]
}

# vs-wait-status M KEY VALUE CLAUSE ?-ms MS?: waits until server m reports KEY VALUE; else fails
# under clause naming what it reported last.
proc vs-wait-status {m key value clause args} {
    set o [::mc::wait_opts vs-wait-status $args [list -ms [pixit vsan-settle-ms]]]
    set until [expr {[clock milliseconds] + [dict get $o -ms]}]
    while 1 {
        set st [vs-try-status $m]
        if {[dict exists $st $key] && [dict get $st $key] eq $value} {
            return $st
        }
        if {[clock milliseconds] >= $until} {
            set seen [expr {[dict exists $st $key] ? [dict get $st $key] : "(no status)"}]
            fail "server $m still reports $key $seen after [dict get $o -ms] ms, not $value" -clause $clause
        }
        after 50
    }
}

# --- client I/O ----------------------------------------------------------------------------------

# vs-io KIND M BLOCK ?-client C? ?-timeout MS? ?-probe 1?: one write or read of a block through
# server m (docs/vsan-command.md: status, value, sense, invoked, completed, ...); the timeout is
# PIXIT vsan-io-ms unless given; a probe read is kept out of the history the checker judges.
proc vs-io {kind m block args} {
    set o [::mc::wait_opts vs-io $args [list -client {} -timeout [vs-io-ms] -probe 0]]
    set extra [expr {[dict get $o -client] eq "" ? {} : [list -client [dict get $o -client]]}]
    if {[dict get $o -probe]} {
        lappend extra -probe 1
    }
    return [vsan client $kind [vs-portal $m] -target [vs-iqn] -lun [vs-lun] -block $block \
        -timeout [dict get $o -timeout] {*}$extra]
}

# A write through m that must succeed (GOOD) under clause; returns its result.
proc vs-write {m block clause} {
    set r [vs-io write $m $block]
    vs-check-ok $r "write of block $block through $m" $clause
    return $r
}

# A read through m that must succeed and return value want (a value id, 0 for never written).
proc vs-read-is {m block want clause} {
    set r [vs-io read $m $block]
    vs-check-ok $r "read of block $block through $m" $clause
    check eq [dict get $r value] $want -field "value of block $block read through $m" -clause $clause
    return $r
}

# The outcome of a client operation is ok; otherwise fail naming the status and sense.
proc vs-check-ok {r what clause} {
    if {[dict get $r status] ne "ok"} {
        set e [expr {[dict exists $r error] ? ": [dict get $r error]" : ""}]
        fail "$what: status [dict get $r status], sense [vs-sense-text $r]$e" -clause $clause
    }
}

proc vs-sense-text {r} {
    set s [dict get $r sense]
    if {![dict size $s]} {
        return none
    }
    return [format {%Xh/%02Xh/%02Xh} [dict get $s key] [dict get $s asc] [dict get $s ascq]]
}

# SPC-4 sense of a server that cannot serve (docs/vsan-link.md §9.1): NOT READY, LOGICAL UNIT
# NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE.
namespace eval ::vs {
    variable SENSE_NOT_READY 2
    variable ASC_NOT_ACCESSIBLE 0x04
    variable ASCQ_UNAVAILABLE 0x0c
}

# The operation was refused as unavailable, with exactly that sense.
proc vs-check-unavailable {r what clause} {
    check eq [dict get $r status] unavailable -field "status of $what (sense [vs-sense-text $r])" -clause $clause
    set s [dict get $r sense]
    check eq [dict get $s key] $::vs::SENSE_NOT_READY -field "sense key of $what" -clause $clause
    check eq [dict get $s asc] $::vs::ASC_NOT_ACCESSIBLE -field "ASC of $what" -clause $clause
    check eq [dict get $s ascq] $::vs::ASCQ_UNAVAILABLE -field "ASCQ of $what" -clause $clause
}

# Operations through m repeated while they end unavailable, unreachable, closed or timed out
# (the servers are between views), for at most ms; returns the last result. Any other outcome
# ends the wait at once.
proc vs-io-past-unavailable {kind m block ms} {
    set until [expr {[clock milliseconds] + $ms}]
    while 1 {
        set r [vs-io $kind $m $block]
        if {[dict get $r status] ni {unavailable unreachable closed timeout} || [clock milliseconds] >= $until} {
            return $r
        }
        after 50
    }
}

# --- stores --------------------------------------------------------------------------------------

# The store file of server m (PICS vsan-store-access).
proc vs-store {m} {
    set s [pixit vsan-stores]
    if {![dict exists $s $m]} {
        inconc "PIXIT vsan-stores names no store file for $m"
    }
    return [dict get $s $m]
}

# The value ids of count blocks from block b in m's store, as a client decodes them.
proc vs-store-values {m block {count 1}} {
    return [vsan store read [vs-store $m] -block $block -count $count -block-size [vs-block-size]]
}

# The bytes of count blocks from block b in m's store file (PICS vsan-store-access), read
# directly: what the server's disk holds, not what a client is served.
proc vs-store-bytes {m block count} {
    set f [open [vs-store $m] rb]
    try {
        seek $f [expr {$block * [vs-block-size]}]
        return [read $f [expr {$count * [vs-block-size]}]]
    } finally {
        close $f
    }
}

# The stores of the servers (all by default) are byte-identical (over -from/-count blocks when
# given); a difference fails under clause naming the first block that differs.
proc vs-stores-equal {clause args} {
    set o [::mc::wait_opts vs-stores-equal $args [list -servers [vs-servers] -from 0 -count [vs-blocks]]]
    set servers [dict get $o -servers]
    set first [lindex $servers 0]
    foreach m [lrange $servers 1 end] {
        set e [vsan store equal [vs-store $first] [vs-store $m] -from [dict get $o -from] \
            -count [dict get $o -count] -block-size [vs-block-size]]
        if {![dict get $e equal]} {
            set b [dict get $e block]
            fail "the stores of $first and $m differ at block $b ([vs-store-values $first $b] against [vs-store-values $m $b])" \
                -clause $clause
        }
    }
}

# vs-fresh-regions K ?-contiguous 0|1?: K regions no vector of this run has written (every
# block zero in every store, where the device gives store access, and the region's sampled
# blocks read as zero through every server: a server may still hold an earlier vector's data
# its store does not show, a cache of a device that is not ours),
# searched from a place the vector's id decides, so vectors spread over the volume. A full
# volume is the run's problem: inconc. Only whole regions are taken (the last, partial one
# is left to the boundary vectors).
proc vs-fresh-regions {k args} {
    set o [::mc::wait_opts vs-fresh-regions $args {-contiguous 0}]
    set n [expr {[vs-blocks] / [vs-region-blocks]}]
    set start [expr {[vs-hash [vector-info id]] % $n}]
    set got {}
    for {set i 0} {$i < $n && [llength $got] < $k} {incr i} {
        set r [expr {($start + $i) % $n}]
        if {[dict get $o -contiguous] && [llength $got] && $r != [lindex $got end] + 1} {
            set got {}
        }
        if {[vs-region-fresh $r]} {
            lappend got $r
        } else {
            set got {}
        }
    }
    if {[llength $got] < $k} {
        inconc "no [expr {[dict get $o -contiguous] ? "$k contiguous" : $k}] regions left that no vector wrote"
    }
    return $got
}

proc vs-region-fresh {r} {
    set b [vs-first-block $r]
    set count [vs-region-blocks]
    if {[pics vsan-store-access]} {
        foreach m [vs-servers] {
            foreach v [vs-store-values $m $b $count] {
                if {$v ne "0"} {
                    return 0
                }
            }
        }
    }
    # One block in each eighth of the region (the first among them), read through every server.
    foreach m [vs-servers] {
        for {set i 0} {$i < $count} {incr i [expr {max(1, $count / 8)}]} {
            set r [vs-io read $m [expr {$b + $i}] -probe 1]
            if {[dict get $r status] ne "ok" || [dict get $r value] ne "0"} {
                return 0
            }
        }
    }
    return 1
}

# FNV-1a of a string, 32 bits: a stable place per vector id.
proc vs-hash {s} {
    set h 0x811c9dc5
    foreach c [split [encoding convertto utf-8 $s] ""] {
        binary scan $c cu b
        set h [expr {(($h ^ $b) * 0x01000193) & 0xffffffff}]
    }
    return $h
}

# --- iSCSI sessions ------------------------------------------------------------------------------

# A session with server m's portal (closed when the vector ends); a portal that refuses it fails
# under clause.
proc vs-session {m clause} {
    lassign [split [vs-portal $m] :] host port
    if {[catch {iscsi connect $host $port -timeout [wait-ms]} c]} {
        fail "cannot connect to the portal of $m ([vs-portal $m]): $c" -clause $clause
    }
    defer [list catch [list iscsi close $c]]
    set keys [list InitiatorName [pixit initiator-iqn] TargetName [vs-iqn] SessionType Normal]
    if {[catch {iscsi login $c -keys $keys -timeout [wait-ms]} got]} {
        fail "login to [vs-iqn] at $m failed: $got" -clause $clause
    }
    return $c
}

# A SCSI command on LUN [vs-lun] of session c (past a unit attention); returns `iscsi scsi`'s
# result.
proc vs-scsi {c args} {
    return [scsi-past-ua $c -lun [vs-lun] -timeout [wait-ms] {*}$args]
}

# The bytes of count blocks from lba read through server m (READ(10), GOOD under clause).
proc vs-read-bytes {m lba count clause} {
    set n [expr {$count * [vs-block-size]}]
    set r [vs-scsi [vs-session $m $clause] -cdb [cdb-read10 $lba $count] -in $n]
    check eq [dict get $r status] 0 -field "status of READ(10) of $count blocks at $lba through $m" -clause $clause
    return [dict get $r data]
}

# Three servers or more (PICS vsan-third-server): a device running two is restarted with three
# for the vector (device configure).
proc vs-three-servers {} {
    if {[llength [vs-servers]] < 3} {
        device configure {vsan-servers 3}
    }
    return [lrange [vs-servers] 0 2]
}

# --- faults ---------------------------------------------------------------------------------------

# A fault injected into member m with its healing deferred to the vector's end, so a device the
# harness does not restart (vsan-external) is healed for the next vector.
proc vs-fail-store {m args} {
    defer [list device fault $m heal-store]
    return [device fault $m fail-store {*}$args]
}

proc vs-cut-link {m args} {
    defer [list device fault $m heal-link {*}$args]
    return [device fault $m cut-link {*}$args]
}
