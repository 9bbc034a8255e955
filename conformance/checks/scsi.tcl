# SCSI as the vectors of every iSCSI suite send it: CDBs (SBC-3), the block size of the PIXIT LUN,
# and commands retried past a unit attention.

proc cdb-read6 {lba blocks} { return [format 08%06x%02x00 $lba $blocks] }
proc cdb-read10 {lba blocks} { return [format 2800%08x00%04x00 $lba $blocks] }
proc cdb-write10 {lba blocks} { return [format 2a00%08x00%04x00 $lba $blocks] }
# WRITE(16) (SBC-3 5.40): 8-byte LBA at byte 2, 4-byte transfer length at byte 10.
proc cdb-write16 {lba blocks} { return [format 8a00%016lx%08x0000 $lba $blocks] }
proc cdb-tur {} { return 000000000000 }
proc cdb-readcap10 {} { return 25000000000000000000 }
# INQUIRY (SPC-4 6.6): the standard data, or with evpd 1 the vital product data page given.
proc cdb-inquiry {evpd page alloc} { return [format 12%02x%02x%04x00 [expr {$evpd ? 1 : 0}] $page $alloc] }
# READ CAPACITY(16) (SBC-3 5.16): SERVICE ACTION IN(16), service action 10h, 32 bytes.
proc cdb-readcap16 {} { return 9e100000000000000000000000200000 }

# SCSI sense key UNIT ATTENTION (SPC-4 4.5.6): a LUN reports it once after a reset or power on.
namespace eval ::mc {
    variable SENSE_UNIT_ATTENTION 6
    variable STATUS_CHECK_CONDITION 2
    variable UA_RETRIES 4
}

# scsi-past-ua CONN ARGS..: `iscsi scsi CONN ARGS..` repeated while the LUN answers CHECK
# CONDITION / UNIT ATTENTION, as an initiator does after its first login (SAM-5 5.14): the
# condition is not the behaviour under test. An exchange the device does not let finish fails
# under RFC7143:11.4.
proc scsi-past-ua {c args} {
    for {set i 0} {$i < $::mc::UA_RETRIES} {incr i} {
        set r [await RFC7143:11.4 "SCSI command" [list iscsi scsi $c {*}$args]]
        if {!([dict exists $r status] && [dict get $r status] == $::mc::STATUS_CHECK_CONDITION &&
              [dict exists $r sense key] && [dict get $r sense key] == $::mc::SENSE_UNIT_ATTENTION)} {
            return $r
        }
    }
    return $r
}

# block-size CONN ?VERDICT?: the block size in bytes of LUN [pixit lun] (READ CAPACITY(10), asked
# once per connection). A command that fails ends the vector with VERDICT: fail where the
# command is under test, inconc where it is only a precondition.
proc block-size {c {verdict fail}} {
    if {$verdict ni {fail inconc}} {
        return -code error "block-size: the verdict must be fail or inconc, not \"$verdict\""
    }
    if {[info exists ::mc::block_size($c)]} {
        return $::mc::block_size($c)
    }
    set r [scsi-past-ua $c -cdb [cdb-readcap10] -lun [pixit lun] -in 8 -timeout [wait-ms]]
    if {![dict exists $r status] || [dict get $r status] != 0 || [string length [dict get $r data]] < 8} {
        set why [expr {[dict exists $r status] ? "status [dict get $r status]" : [dict get $r opcode_name]}]
        $verdict "READ CAPACITY(10) on LUN [pixit lun] failed ($why)" -clause RFC7143:11.4
    }
    binary scan [dict get $r data] IuIu last bsize
    set ::mc::block_size($c) $bsize
    set ::mc::last_lba($c) $last
    return $bsize
}

# last-lba CONN ?VERDICT?: the last LBA of LUN [pixit lun] (READ CAPACITY(10) RETURNED LOGICAL
# BLOCK ADDRESS, SBC-3 5.15.1), from the same one READ CAPACITY as block-size.
proc last-lba {c {verdict fail}} {
    block-size $c $verdict
    return $::mc::last_lba($c)
}

# Status codes (SAM-5 5.3.1) and the sense triples (sense key, ASC, ASCQ; SPC-4 4.5.6 and its
# annex of ASC/ASCQ assignments) a command of the vectors can end in.
namespace eval ::mc {
    variable STATUS_GOOD 0
    variable SENSE_LBA_OUT_OF_RANGE {5 0x21 0x00}
    variable SENSE_INVALID_OPCODE {5 0x20 0x00}
    variable SENSE_INVALID_FIELD_IN_CDB {5 0x24 0x00}
    variable SENSE_LUN_NOT_SUPPORTED {5 0x25 0x00}
}
proc sense-lba-out-of-range {} { return $::mc::SENSE_LBA_OUT_OF_RANGE }
proc sense-invalid-opcode {} { return $::mc::SENSE_INVALID_OPCODE }
proc sense-invalid-field-in-cdb {} { return $::mc::SENSE_INVALID_FIELD_IN_CDB }
proc sense-lun-not-supported {} { return $::mc::SENSE_LUN_NOT_SUPPORTED }

# check-status R STATUS ?SENSE? ?-clause C?: the task result R (of `iscsi scsi`) ended with
# exactly STATUS (SAM-5 5.3.1), in a SCSI Response with Response 0 (Command Completed, RFC 7143
# 11.4.3) or a Data-In with S=1; with SENSE {KEY ASC ASCQ} it carries exactly that sense triple
# (RFC 7143 11.4.7, SPC-4 4.5.2), without SENSE a status other than CHECK CONDITION carries none.
proc check-status {r status args} {
    set sense {}
    if {[llength $args] % 2} {
        set args [lassign $args sense]
    }
    set o [::mc::check_opts $args {-clause}]
    set clause [dict get $o -clause]
    if {![dict exists $r status]} {
        fail "the task ended with [dict get $r opcode_name], not a status" -clause $clause
    }
    if {[dict get $r opcode] == 0x21} {
        check eq [dict get $r response] 0 -field response -clause $clause
    }
    set seen [list [dict get $r status]]
    set want [list $status]
    if {[dict exists $r sense key]} {
        lappend seen [dict get $r sense key] [dict get $r sense asc] [dict get $r sense ascq]
    }
    if {$sense ne ""} {
        lappend want {*}$sense
    }
    set fmt {apply {{l} {
        lassign $l s k a q
        set t [format "status 0x%02x" $s]
        if {$k ne ""} { append t [format " sense %x/%02x/%02x" $k $a $q] }
        return $t
    }}}
    if {[llength $seen] != [llength $want] || ![::mc::values_equal [lindex $seen 0] [lindex $want 0]]} {
        fail "[{*}$fmt $want] expected, [{*}$fmt $seen] seen" -clause $clause
    }
    foreach s [lrange $seen 1 end] w [lrange $want 1 end] {
        if {![::mc::values_equal $s $w]} {
            fail "[{*}$fmt $want] expected, [{*}$fmt $seen] seen" -clause $clause
        }
    }
}
