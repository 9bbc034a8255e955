# Helpers of the iscsi-core vectors (prefix core-) that judge a whole data transfer by the values
# RFC 7143 fixes: every Data-In of a read (11.7) and every R2T of a write (11.8) of one task.
# Where the RFC leaves a choice to the target (how long each PDU is below the limits, where a
# sequence ends below MaxBurstLength), the helpers check the limit exactly and the numbering,
# offsets and totals exactly, never a range of numbering.

# The negotiated values of connection c as a dict: mrdsl_in (what we declared, the limit of every
# Data-In, 13.12), mrdsl_out (the target's declaration, the limit of what we send), max_burst,
# first_burst (13.13, 13.14), erl (13.20).
proc core-negotiated {c} {
    set st [iscsi state $c]
    set k [dict get $st keys]
    set erl [expr {[dict exists $k ErrorRecoveryLevel] ? [dict get $k ErrorRecoveryLevel] : 0}]
    return [dict create mrdsl_out [dict get $st peer_mrdsl] max_burst [dict get $st max_burst] \
        first_burst [dict get $st first_burst] erl $erl]
}

# core-check-datain R EDTL MRDSL MBL ERL ?-bytes N?: the Data-In PDUs of task result R (of
# `iscsi scsi`) carry exactly N bytes (default EDTL): DataSN 0,1,2.. (11.7.5), each BufferOffset
# the sum of the lengths before it (11.7.6), each data segment 1..MRDSL bytes (13.12), each
# sequence (PDUs up to one with F=1) at most MBL bytes (13.13), F=1 on the last (11.7.1), S=1 only
# on the last and then with F=1 (11.7.1), the A bit 0 at ErrorRecoveryLevel 0 (11.7.2), the
# command's ITT and ExpCmdSN past its CmdSN (11.7.4, 4.2.2.1). Returns the Data-In PDUs.
proc core-check-datain {r edtl mrdsl mbl erl args} {
    set o [::mc::wait_opts core-check-datain $args [list -bytes $edtl]]
    set bytes [dict get $o -bytes]
    set pdus [dict get $r pdus]
    set cmd [lindex $pdus 0]
    set ins [core-pdus-of $pdus 0x25]
    set sn 0
    set off 0
    set seq 0
    foreach d $ins {
        set len [dict get $d data_segment_length]
        set last [expr {$sn == [llength $ins] - 1}]
        check eq [dict get $d datasn] $sn -field "DataSN of Data-In $sn" -clause RFC7143:11.7.5
        check eq [dict get $d buffer_offset] $off -field "BufferOffset of Data-In $sn" -clause RFC7143:11.7.6
        check eq [dict get $d itt] [dict get $cmd itt] -field "ITT of Data-In $sn" -clause RFC7143:11.7.4
        check true {$len >= 1 && $len <= $mrdsl} \
            -message "Data-In $sn carries $len bytes, outside 1..MaxRecvDataSegmentLength $mrdsl" -clause RFC7143:13.12
        check eq [dict get $d expcmdsn] [expr {([dict get $cmd cmdsn] + 1) & 0xffffffff}] \
            -field "ExpCmdSN of Data-In $sn" -clause RFC7143:4.2.2.1
        if {$erl == 0} {
            check eq [dict get $d A] 0 -field "A bit of Data-In $sn at ErrorRecoveryLevel 0" -clause RFC7143:11.7.2
        }
        incr seq $len
        check true {$seq <= $mbl} \
            -message "a Data-In sequence reaches $seq bytes at DataSN $sn, beyond MaxBurstLength $mbl (F=1 missing)" -clause RFC7143:13.13
        if {[dict get $d F]} {
            set seq 0
        }
        if {$last} {
            check eq [dict get $d F] 1 -field "F bit of the last Data-In (DataSN $sn)" -clause RFC7143:11.7.1
        } else {
            check eq [dict get $d S] 0 -field "S bit of Data-In $sn, not the last" -clause RFC7143:11.7.1
        }
        incr sn
        incr off $len
    }
    check eq $off $bytes -field "bytes of Data-In" -clause RFC7143:11.7.6
    return $ins
}

# core-check-end R STATUS RESIDUAL_FLAG RESIDUAL STATSN DATAINS ?SENSE?: the task of result R
# ended with STATUS (and SENSE {KEY ASC ASCQ}) through check-status, with exactly the residual
# flag RESIDUAL_FLAG (U, O or none) and Residual Count RESIDUAL (11.4.5), the StatSN STATSN the
# connection expected (4.2.2.2), ExpCmdSN past the command's CmdSN (4.2.2.1), and in a SCSI
# Response without R2Ts ExpDataSN the count DATAINS of Data-In sent (11.4.8).
proc core-check-end {r status flag residual statsn datains {sense {}}} {
    check-status $r $status {*}[expr {$sense eq "" ? {} : [list $sense]}] -clause RFC7143:11.4.2
    set want [dict create U 0 O 0 residual $residual]
    if {$flag ne "none"} {
        dict set want $flag 1
    }
    check pdu $r $want -clause RFC7143:11.4.5
    set cmd [lindex [dict get $r pdus] 0]
    check eq [dict get $r expcmdsn] [expr {([dict get $cmd cmdsn] + 1) & 0xffffffff}] -field "ExpCmdSN of the status" -clause RFC7143:4.2.2.1
    check eq [dict get $r statsn] $statsn -field statsn -clause RFC7143:4.2.2.2
    # 11.4.8 counts "R2T and Data-In" PDUs yet demands 0 when no Data-In was sent: a task with
    # R2Ts leaves the value open, so it is checked only where the two readings agree.
    if {[dict get $r opcode] == 0x21} {
        if {![llength [core-pdus-of [dict get $r pdus] 0x31]]} {
            check eq [dict get $r expdatasn] $datains -field ExpDataSN -clause RFC7143:11.4.8
        }
    } else {
        check pdu $r {F 1 S 1} -clause RFC7143:11.7.1
    }
}

# core-check-r2ts R EDTL MBL UNSOL: the R2Ts of write result R solicit exactly the bytes the
# initiator did not send unsolicited: R2TSN 0,1,2.. (11.8.6), each DesiredDataTransferLength
# 1..MBL (11.8.5, 13.13), each range inside the buffer and after the first UNSOL unsolicited
# bytes (immediate and Data-Out with TTT 0xffffffff, 13.10, 13.11), no byte asked twice, every
# byte of UNSOL..EDTL asked once (11.8.4), each TTT not 0xffffffff (11.8.3), DataSegmentLength 0
# and the StatSN the status then carries (11.8.3), ExpCmdSN past the command's CmdSN (4.2.2.1).
# Returns the R2Ts.
proc core-check-r2ts {r edtl mbl unsol} {
    set r2ts [core-pdus-of [dict get $r pdus] 0x31]
    set sn 0
    set ranges {}
    foreach t $r2ts {
        set off [dict get $t buffer_offset]
        set len [dict get $t ddtl]
        check eq [dict get $t r2tsn] $sn -field "R2TSN of R2T $sn" -clause RFC7143:11.8.6
        check eq [dict get $t data_segment_length] 0 -field "DataSegmentLength of R2T $sn" -clause RFC7143:11.8
        check eq [dict get $t expcmdsn] [expr {([dict get [lindex [dict get $r pdus] 0] cmdsn] + 1) & 0xffffffff}] -field "ExpCmdSN of R2T $sn" -clause RFC7143:4.2.2.1
        check true {[dict get $t ttt] != 0xffffffff} -message "R2T $sn carries the reserved TTT 0xffffffff" -clause RFC7143:11.8.3
        check true {$len >= 1 && $len <= $mbl} \
            -message "R2T $sn asks $len bytes, outside 1..MaxBurstLength $mbl" -clause RFC7143:11.8.5
        check true {$off >= $unsol && $off + $len <= $edtl} \
            -message "R2T $sn asks bytes $off..[expr {$off + $len}], outside the solicited part $unsol..$edtl of the buffer" -clause RFC7143:11.8.4
        lappend ranges [list $off $len]
        incr sn
    }
    set at $unsol
    foreach g [lsort -integer -index 0 $ranges] {
        lassign $g off len
        check eq $off $at -field "first byte solicited after byte $at" -clause RFC7143:11.8.4
        incr at $len
    }
    check eq $at $edtl -field "end of the bytes solicited" -clause RFC7143:11.8.4
    if {[dict exists $r statsn]} {
        foreach t $r2ts {
            check eq [dict get $t statsn] [dict get $r statsn] -field "StatSN of R2T [dict get $t r2tsn]" -clause RFC7143:11.8.3
        }
    }
    return $r2ts
}

# Reads blocks at lba of the PIXIT LUN with EDTL edtl (default: what the CDB asks for).
proc core-datain-read {c lba blocks {edtl {}}} {
    set bs [block-size $c]
    if {$edtl eq ""} {
        set edtl [expr {$blocks * $bs}]
    }
    return [core-task $c -cdb [cdb-read10 $lba $blocks] -lun [pixit lun] -in $edtl -edtl $edtl -timeout [wait-ms]]
}

# The PDUs of task itt on c up to its status (a SCSI Response or a Data-In with S=1), for tasks
# a vector sends itself with `iscsi send` (its own CmdSN or ExpStatSN).
proc core-task-pdus {c itt} {
    set out {}
    while 1 {
        set p [rx $c [list itt $itt] RFC7143:11.4 -what "the end of the task ITT $itt"]
        lappend out $p
        if {[dict get $p opcode] == 0x21 || ([dict get $p opcode] == 0x25 && [dict get $p S])} {
            return $out
        }
    }
}

# Writes blocks of pattern tag at lba (the data a read then checks) and returns the data.
proc core-datain-fill {c lba blocks tag} {
    set bs [block-size $c]
    set data [pattern [expr {$blocks * $bs}] $tag]
    core-check-good [core-task $c -cdb [cdb-write10 $lba $blocks] -lun [pixit lun] -out $data -timeout [wait-ms]] RFC7143:11.4
    return $data
}

# Reject reasons (11.17.1) and SNACK types (11.16.1) the ErrorRecoveryLevel 1 vectors use.
namespace eval ::core {
    variable REJECT_DATA_DIGEST 0x02
    variable REJECT_PROTOCOL_ERROR 0x04
    variable SNACK_DATA_R2T 0
    variable SNACK_STATUS 1
    variable SNACK_DATA_ACK 2
    variable SNACK_RDATA 3
}

# core-send-burst C ITT TTT OFF LEN DATA SEG ?BAD?: bytes OFF..OFF+LEN of DATA as one Data-Out
# sequence answering an R2T (TTT), PDUs of at most SEG bytes, DataSN from 0, F on the last
# (11.7); the PDU of DataSN BAD (none by default) goes with a wrong data digest.
proc core-send-burst {c itt ttt off len data seg {bad -1}} {
    set n [expr {($len + $seg - 1) / $seg}]
    for {set i 0} {$i < $n} {incr i} {
        set at [expr {$off + $i * $seg}]
        set end [expr {min($at + $seg, $off + $len)}]
        set opts [expr {$i == $bad ? {-digest-corrupt data} : {}}]
        iscsi send $c data-out itt $itt ttt $ttt datasn $i buffer_offset $at F [expr {$i == $n - 1}] \
            -lun [pixit lun] -data [string range $data $at [expr {$end - 1}]] {*}$opts
    }
    return $n
}
