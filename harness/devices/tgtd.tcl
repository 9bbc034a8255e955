# tgtd (Debian package tgt), a real userspace iSCSI target: started in the foreground on a free
# loopback port with a private management channel (-C), configured with tgtadm (one target,
# LUN 1 backed by a file, bound to every initiator). Needs root, as tgtd does.
# PICS as configured here: no ERL 1 or SNACK, Text only during login, digests not offered,
# InitialR2T=Yes insisted on. Deviations: what it does against RFC 7143, seen in every report.
profile {
    summary "tgtd (Linux SCSI target framework) on 127.0.0.1, free port, LUN 1 file-backed"
    kind iscsi
    lifecycle 1
    pics {erl1 0 snack 0 text-after-login 0 mcast 0 digests 0 unsolicited-data 0}
    pixit {target-iqn iqn.2026-11.org.mirrorcert:tgtd}
    deviations {
        core.login.renegotiation   "accepts a key offered twice in one login instead of answering an initiator error"
        core.login.request-continue "answers the first piece (C=1, T=0) of a first Login Request split in two PDUs with status class 2 (initiator error) instead of an empty Login Response of status 0"
        core.neg.unknown-opcode    "closes the connection on an unknown opcode instead of a Reject with reason 0x05"
        core.neg.dsl-over-limit    "answers an oversized PDU with a reply longer than the MaxRecvDataSegmentLength the harness declared"
        core.neg.dsl-one-over      "accepts a NOP-Out one byte over its MaxRecvDataSegmentLength and echoes it, 8193 bytes, over the harness's limit of 8192"
        core.login.connection-reinstatement "answers a login naming a live session's ISID, TSIH and CID on a new connection with a TSIH other than the session's (this vector alone, seed 1: 512 for 256; in the whole suite 7680 for 7424)"
        core.cmdsn.stale           "closes the connection on a CmdSN outside the window instead of ignoring the command"
        core.cmdsn.duplicate       "closes the connection on a repeated CmdSN instead of ignoring the command"
        core.tmf.abort-running     "answers ABORT TASK of a write waiting for Data-Out with \"task does not exist\""
        core.tmf.abort-frees-itt   "answers ABORT TASK of a write waiting for Data-Out with \"task does not exist\" (1), as in core.tmf.abort-running"
        core.tmf.abort-queued      "answers ABORT TASK of a TEST UNIT READY it holds for a missing lower CmdSN with \"task does not exist\" (1) instead of aborting it (0)"
        core.write.data-out-checked "does not check the Target Transfer Tag of Data-Out PDUs"
        core.datain.exact          "with a MaxRecvDataSegmentLength not a multiple of 4 the padding of a Data-In segment overwrites the first bytes of the next one (seed 1: MaxRecvDataSegmentLength 2010, bytes 2010-2011 of a read came 00 00 instead of the data, bytes 2012 on right)"
        core.datain.burst-sequences "sets F only on the last Data-In of a read, so its Data-In sequences exceed MaxBurstLength (seed 1: 3784 bytes by DataSN 3 at MaxBurstLength 3404)"
        core.tmf.lun-reset-unknown-lun "answers LOGICAL UNIT RESET of a LUN it does not have (PIXIT absent-lun 63) with response 0 (Function complete) instead of 2 (LUN does not exist)"
        core.write.itt-in-use      "runs a TEST UNIT READY that reuses the ITT of a WRITE(10) still waiting for Data-Out (answers it with a SCSI Response of that ITT) instead of a Reject with reason 0x07 (Task in progress)"
        core.datain.overflow-unaligned "aborts (glibc: double free or corruption) on some reads whose EDTL is below the CDB's transfer and off the block grid (seed 5: MaxRecvDataSegmentLength 1037, READ(10) of 6 blocks, EDTL 2856); other seeds pass"
    }
}

source [file join $::mc::home harness devices lib process.tcl]
source [file join $::mc::home harness devices lib net.tcl]
source [file join $::mc::home harness devices lib tgtd.tcl]

variable control {}
# The one target this profile configures.
variable tid 1

proc tgtadm {args} {
    variable control
    return [tgtd_adm $control {*}$args]
}

proc start {ctx} {
    variable tid
    variable control
    tgtd_check
    set dir [dict get $ctx workdir]
    set port [free_port 127.0.0.1]
    set control [tgtd_spawn "" 127.0.0.1:$port $port [file join $dir tgtd.log]]
    set img [file join $dir tgtd-lun.img]
    set fh [open $img w]
    chan truncate $fh [::mc::size_bytes [::mc::pixit_get lun-size]]
    close $fh
    tgtadm --op new --mode target --tid $tid -T [::mc::pixit_get target-iqn]
    tgtadm --op new --mode logicalunit --tid $tid --lun [::mc::pixit_get lun] -b $img
    tgtadm --op bind --mode target --tid $tid -I ALL
    return [dict create portal 127.0.0.1:$port]
}

# tgtd leaves only once its target is gone (lib/tgtd.tcl); the generic stop follows.
rename stop stop_process
proc stop {} {
    variable control
    variable tid
    tgtd_shutdown "" $control $tid
    stop_process
}

proc identity {} {
    set version {}
    catch {exec tgtd -V} version
    return [dict create vendor "Linux SCSI target framework" product tgtd firmware [string trim $version]]
}
