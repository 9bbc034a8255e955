# Helpers of the iscsi-core vectors (prefix core-): sessions from PIXIT, the exchanges whose
# failure to finish is the target's, and the PDUs a vector checks. The waits, SCSI CDBs, block
# size and data patterns are the check library's (conformance/checks). Addresses, names and LUNs
# come from PIXIT only.

# The portal as {host port}: PIXIT portal is HOST:PORT.
proc core-portal {} {
    set p [pixit portal]
    if {![regexp {^(.+):([0-9]+)$} $p -> host port]} {
        return -code error -errorcode {MC PIXIT portal} "PIXIT portal must be HOST:PORT, not \"$p\""
    }
    return [list $host $port]
}

# A TCP connection to the portal; a refused connection is the device's failure.
proc core-open-conn {} {
    lassign [core-portal] host port
    if {[catch {iscsi connect $host $port -timeout [wait-ms]} c opts]} {
        fail "cannot connect to the portal $host:$port: $c" -clause RFC7143:4.1
    }
    return $c
}

# The leading keys of a Normal session for the PIXIT target.
proc core-session-keys {args} {
    return [list InitiatorName [pixit initiator-iqn] TargetName [pixit target-iqn] {*}$args]
}

# CHAP credentials when the device accepts no login without them (PICS auth-none false).
proc core-chap-args {} {
    if {![pics auth-none]} {
        return [list -chap [list [pixit chap-user] [pixit chap-secret]]]
    }
    return {}
}

# Connects and logs in (keys added to the defaults; -isid the session's ISID, else the
# connection's own); a refused login fails the vector under the clause given.
proc core-session {args} {
    set keys {}
    set clause RFC7143:11.13
    set isid {}
    foreach {k v} $args {
        switch -- $k {
            -keys { set keys $v }
            -clause { set clause $v }
            -isid { set isid [list -isid $v] }
            default { return -code error "core-session: unknown option $k" }
        }
    }
    set c [core-open-conn]
    if {[catch {iscsi login $c -keys [core-session-keys {*}$keys] {*}[core-chap-args] {*}$isid -timeout [wait-ms]} got opts]} {
        fail "login to [pixit target-iqn] failed: $got" -clause $clause
    }
    return $c
}

# A NOP-Out ping (11.18) and the NOP-In that answers it (11.19).
proc core-ping {c args} {
    set out [iscsi send $c nop-out {*}$args]
    set itt [dict get $out itt]
    return [rx $c [list opcode 0x20 itt $itt] RFC7143:11.19]
}

# Logs out (11.14) and waits for the Logout Response.
proc core-logout {c} {
    set out [iscsi send $c logout reason_code 0]
    return [rx $c [list opcode 0x26 itt [dict get $out itt]] RFC7143:11.15]
}

# The PDUs of list pdus whose opcode is op.
proc core-pdus-of {pdus op} {
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
proc core-check-good {r {clause RFC7143:11.4}} {
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

# `iscsi text` and `iscsi scsi` whose failures to finish (timeout, closed connection, an
# exchange that never ends) are the device's: a fail verdict under the exchange's clause.
proc core-tx {c args} {
    return [await RFC7143:11.11 "text exchange" [list iscsi text $c {*}$args]]
}
proc core-task {c args} {
    return [await RFC7143:11.4 "SCSI command" [list iscsi scsi $c {*}$args]]
}

# A one-block WRITE left waiting for its data (the R2T seen; the session negotiated
# ImmediateData=No, InitialR2T=Yes), then ABORT TASK of it, which must complete (response 0,
# 11.6.1). Returns the aborted task's ITT.
proc core-abort-waiting-write {c} {
    set cmd [iscsi send $c scsi W 1 edtl [block-size $c] -lun [pixit lun] -cdb [cdb-write10 0 1]]
    set itt [dict get $cmd itt]
    rx $c [list opcode 0x31 itt $itt] RFC7143:11.8
    set out [iscsi send $c tmf function 1 rtt $itt refcmdsn [dict get $cmd cmdsn] -lun [pixit lun]]
    set r [rx $c [list opcode 0x22 itt [dict get $out itt]] RFC7143:11.6]
    check eq [dict get $r response] 0 -field response -clause RFC7143:11.6.1
    return $itt
}
