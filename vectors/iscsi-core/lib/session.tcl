# Helpers of the iscsi-core vectors: sessions from PIXIT, waits that turn a silent or closed
# target into a fail verdict, and the CDBs the vectors send. Addresses, names and LUNs come
# from PIXIT only.

# The portal as {host port}: PIXIT portal is HOST:PORT.
proc portal {} {
    set p [pixit portal]
    if {![regexp {^(.+):([0-9]+)$} $p -> host port]} {
        return -code error -errorcode {MC PIXIT portal} "PIXIT portal must be HOST:PORT, not \"$p\""
    }
    return [list $host $port]
}

# A TCP connection to the portal; a refused connection is the device's failure.
proc open-conn {} {
    lassign [portal] host port
    if {[catch {iscsi connect $host $port -timeout [wait-ms]} c opts]} {
        fail "cannot connect to the portal $host:$port: $c" -clause RFC7143:4.1
    }
    return $c
}

# How long a vector waits for an answer, and how long silence must last to count as "ignored".
proc wait-ms {} { return [pixit response-ms] }
proc quiet-ms {} { return [pixit quiet-ms] }

# The leading keys of a Normal session for the PIXIT target.
proc session-keys {args} {
    return [list InitiatorName [pixit initiator-iqn] TargetName [pixit target-iqn] {*}$args]
}

# CHAP credentials when the device accepts no login without them (PICS auth-none false).
proc chap-args {} {
    if {![pics auth-none]} {
        return [list -chap [list [pixit chap-user] [pixit chap-secret]]]
    }
    return {}
}

# Connects and logs in (keys added to the defaults); a refused login fails the vector under
# the clause given (the login itself is a precondition elsewhere: use -inconc 1 there).
proc session {args} {
    set keys {}
    set clause RFC7143:11.13
    foreach {k v} $args {
        switch -- $k {
            -keys { set keys $v }
            -clause { set clause $v }
            default { return -code error "session: unknown option $k" }
        }
    }
    set c [open-conn]
    if {[catch {iscsi login $c -keys [session-keys {*}$keys] {*}[chap-args] -timeout [wait-ms]} got opts]} {
        fail "login to [pixit target-iqn] failed: $got" -clause $clause
    }
    return $c
}

# Runs an iscsi wait; a timeout or a closed connection becomes a fail verdict under clause.
proc await {clause what script} {
    if {[catch {uplevel 1 $script} got opts]} {
        set code [dict get $opts -errorcode]
        if {[lindex $code 0] eq "MIRRORCERT" && [lindex $code 1] in {TIMEOUT CLOSED BADPDU PROTOCOL}} {
            fail "$what: [string tolower [lindex $code 1]]: $got" -clause $clause
        }
        return -options $opts $got
    }
    return $got
}

# The next PDU matching pred, or fail under clause.
proc rx {c pred clause {ms {}}} {
    if {$ms eq ""} { set ms [wait-ms] }
    if {[catch {iscsi expect $c $pred -timeout $ms} got opts]} {
        set code [dict get $opts -errorcode]
        if {[lindex $code 0] eq "MIRRORCERT" && [lindex $code 1] in {TIMEOUT CLOSED BADPDU PROTOCOL}} {
            fail "no PDU with {$pred} ([string tolower [lindex $code 1]]); last received: [recent $c]" -clause $clause
        }
        return -options $opts $got
    }
    return $got
}

# A one-line account of the last PDUs received on c, for failure messages.
proc recent {c {n 3}} {
    set seen {}
    foreach p [lrange [iscsi history $c] end-20 end] {
        if {[dict get $p dir] eq "in"} {
            set d "[dict get $p opcode_name] itt=[format 0x%x [dict get $p itt]]"
            if {[dict get $p opcode] == 0x3f} { append d " reason=[format 0x%02x [dict get $p reason]]" }
            lappend seen $d
        }
    }
    set seen [lrange $seen end-[expr {$n - 1}] end]
    return [expr {[llength $seen] ? [join $seen "; "] : "nothing"}]
}

# 1 when no PDU matching pred arrives within the quiet time, else the PDU that came. A target
# that closes the connection instead fails under clause, unless closing is an accepted answer
# (closed_ok 1: the connection is then reported silent too).
proc silent {c pred clause {closed_ok 0}} {
    if {[catch {iscsi expect $c $pred -timeout [quiet-ms]} got opts]} {
        set why [lindex [dict get $opts -errorcode] 1]
        if {$why eq "TIMEOUT" || ($closed_ok && $why eq "CLOSED")} {
            return 1
        }
        if {$why in {CLOSED BADPDU}} {
            fail "expected the PDU to be ignored, but [string tolower $why]: $got" -clause $clause
        }
        return -options $opts $got
    }
    return $got
}

# A NOP-Out ping (11.18) and the NOP-In that answers it (11.19).
proc ping {c args} {
    set out [iscsi send $c nop-out {*}$args]
    set itt [dict get $out itt]
    return [rx $c [list opcode 0x20 itt $itt] RFC7143:11.19 ]
}

# Logs out (11.14) and waits for the Logout Response.
proc logout {c} {
    set out [iscsi send $c logout reason_code 0]
    return [rx $c [list opcode 0x26 itt [dict get $out itt]] RFC7143:11.15]
}

# CDBs (SBC-3): READ(10)/WRITE(10), READ CAPACITY(10), TEST UNIT READY.
proc cdb-read10 {lba blocks} { return [format 2800%08x00%04x00 $lba $blocks] }
proc cdb-write10 {lba blocks} { return [format 2a00%08x00%04x00 $lba $blocks] }
proc cdb-tur {} { return 000000000000 }
proc cdb-readcap10 {} { return 25000000000000000000 }

# The LUN's block size in bytes (READ CAPACITY(10), asked once per connection); fails when the
# command fails.
proc block-size {c} {
    if {[info exists ::block_size($c)]} {
        return $::block_size($c)
    }
    set r [scsi-past-ua $c -cdb [cdb-readcap10] -lun [pixit lun] -in 8 -timeout [wait-ms]]
    if {[dict get $r status] != 0 || [string length [dict get $r data]] < 8} {
        fail "READ CAPACITY(10) on LUN [pixit lun] failed (status [dict get $r status])" -clause RFC7143:11.4
    }
    binary scan [dict get $r data] IuIu last bsize
    set ::block_size($c) $bsize
    return $bsize
}

# n bytes of a pattern derived from seed, so each vector writes recognisable data.
proc pattern {n seed} {
    set s {}
    for {set i 0} {$i < $n} {incr i} {
        append s [binary format c [expr {($i * 31 + $seed) & 0xff}]]
    }
    return $s
}

# The PDUs of list pdus whose opcode is op.
proc pdus-of {pdus op} {
    set out {}
    foreach p $pdus {
        if {[dict exists $p opcode] && [dict get $p opcode] == $op && [dict get $p dir] eq "in"} {
            lappend out $p
        }
    }
    return $out
}

# A SCSI task result (from `iscsi scsi`) ended with GOOD status in a SCSI Response or a Data-In
# with S=1; anything else (a Reject, CHECK CONDITION) fails under clause.
proc check-good {r {clause RFC7143:11.4}} {
    if {![dict exists $r status]} {
        fail "the task ended with [dict get $r opcode_name], not a status" -clause $clause
    }
    if {[dict get $r status] != 0} {
        set why ""
        if {[dict exists $r sense key]} {
            set why [format " (sense key 0x%x ASC 0x%02x ASCQ 0x%02x)" [dict get $r sense key] [dict get $r sense asc] [dict get $r sense ascq]]
        }
        fail "status [format 0x%02x [dict get $r status]]$why, expected GOOD" -clause $clause
    }
}

# SCSI sense key UNIT ATTENTION (SPC-4 4.5.6): a LUN reports it once after a reset or power on.
set ::SENSE_UNIT_ATTENTION 6
set ::UA_RETRIES 4

# `iscsi scsi` repeated while the LUN answers CHECK CONDITION / UNIT ATTENTION, as an initiator
# does after the first login (SAM-5 5.14): the condition is not the behaviour under test.
proc scsi-past-ua {c args} {
    for {set i 0} {$i < $::UA_RETRIES} {incr i} {
        set r [task $c {*}$args]
        if {!([dict exists $r status] && [dict get $r status] == 2 && [dict exists $r sense key] &&
              [dict get $r sense key] == $::SENSE_UNIT_ATTENTION)} {
            return $r
        }
    }
    return $r
}

# `iscsi text` and `iscsi scsi` whose failures to finish (timeout, closed connection, an
# exchange that never ends) are the device's: a fail verdict under the exchange's clause.
proc tx {c args} {
    return [await RFC7143:11.11 "text exchange" [list iscsi text $c {*}$args]]
}
proc task {c args} {
    return [await RFC7143:11.4 "SCSI command" [list iscsi scsi $c {*}$args]]
}
