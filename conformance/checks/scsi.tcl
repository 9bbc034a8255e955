# SCSI as the vectors of every iSCSI suite send it: CDBs (SBC-3), the block size of the PIXIT LUN,
# and commands retried past a unit attention.

proc cdb-read6 {lba blocks} { return [format 08%06x%02x00 $lba $blocks] }
proc cdb-read10 {lba blocks} { return [format 2800%08x00%04x00 $lba $blocks] }
proc cdb-write10 {lba blocks} { return [format 2a00%08x00%04x00 $lba $blocks] }
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
    return $bsize
}
