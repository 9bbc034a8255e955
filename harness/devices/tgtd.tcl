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
        core.neg.unknown-opcode    "closes the connection on an unknown opcode instead of a Reject with reason 0x05"
        core.neg.dsl-over-limit    "answers an oversized PDU with a reply longer than the MaxRecvDataSegmentLength the harness declared"
        core.neg.dsl-one-over      "accepts a NOP-Out one byte over its MaxRecvDataSegmentLength and echoes it, 8193 bytes, over the harness's limit of 8192"
        core.cmdsn.stale           "closes the connection on a CmdSN outside the window instead of ignoring the command"
        core.cmdsn.duplicate       "closes the connection on a repeated CmdSN instead of ignoring the command"
        core.tmf.abort-running     "answers ABORT TASK of a write waiting for Data-Out with \"task does not exist\""
        core.write.data-out-checked "does not check the Target Transfer Tag of Data-Out PDUs"
        core.datain.exact          "with a MaxRecvDataSegmentLength not a multiple of 4 the padding of a Data-In segment overwrites the first bytes of the next one (seed 1: MaxRecvDataSegmentLength 2010, bytes 2010-2011 of a read came 00 00 instead of the data, bytes 2012 on right)"
        core.datain.burst-sequences "sets F only on the last Data-In of a read, so its Data-In sequences exceed MaxBurstLength (seed 1: 3784 bytes by DataSN 3 at MaxBurstLength 3404)"
        core.datain.overflow-unaligned "aborts (glibc: double free or corruption) on some reads whose EDTL is below the CDB's transfer and off the block grid (seed 5: MaxRecvDataSegmentLength 1037, READ(10) of 6 blocks, EDTL 2856); other seeds pass"
    }
}

source [file join $::mc::home harness devices lib process.tcl]

variable control {}
variable tgtadm_timeout_s 10
# The one target this profile configures.
variable tid 1
# tgtd refuses -C values above this.
variable max_control 32767
variable max_control_tries 100

# tgtadm under a deadline: it waits on tgtd's socket forever when tgtd hangs or is severed.
proc tgtadm {args} {
    variable control
    variable tgtadm_timeout_s
    return [exec timeout $tgtadm_timeout_s tgtadm -C $control --lld iscsi {*}$args 2>@1]
}

# A free TCP port on the loopback interface, as the kernel hands it out.
proc free_port {} {
    set s [socket -server {apply {{c a p} {close $c}}} -myaddr 127.0.0.1 0]
    set port [lindex [fconfigure $s -sockname] 2]
    close $s
    return $port
}

proc start {ctx} {
    variable tid
    variable control
    variable ready_timeout_s
    variable max_control
    variable max_control_tries
    if {[auto_execok tgtd] eq "" || [auto_execok tgtadm] eq ""} {
        return -code error "tgtd/tgtadm not found (Debian package tgt)"
    }
    set dir [dict get $ctx workdir]
    set port [free_port]
    # The management channel is a unix socket numbered by -C (at most 32767): take a number no
    # running tgtd answers on, so parallel runs and other tgtds stay apart.
    set control [expr {$port % $max_control + 1}]
    for {set tries 0} {![catch {tgtadm --op show --mode target}]} {incr tries} {
        if {$tries == $max_control_tries} {
            return -code error "no free tgtd management channel near $control"
        }
        set control [expr {$control % $max_control + 1}]
    }
    spawn_device [list [auto_execok tgtd] -f -C $control --iscsi portal=127.0.0.1:$port] \
        [file join $dir tgtd.log] "" 0
    set until [expr {[clock milliseconds] + $ready_timeout_s * 1000}]
    while {[catch {tgtadm --op show --mode target} msg]} {
        if {![alive] || [clock milliseconds] > $until} {
            stop
            return -code error "tgtd did not answer tgtadm within $ready_timeout_s s: $msg ([::mc::tail_of [file join $dir tgtd.log]])"
        }
        after $::mc::poll_ms
    }
    set img [file join $dir tgtd-lun.img]
    set fh [open $img w]
    chan truncate $fh [::mc::size_bytes [::mc::pixit_get lun-size]]
    close $fh
    tgtadm --op new --mode target --tid $tid -T [::mc::pixit_get target-iqn]
    tgtadm --op new --mode logicalunit --tid $tid --lun [::mc::pixit_get lun] -b $img
    tgtadm --op bind --mode target --tid $tid -I ALL
    return [dict create portal 127.0.0.1:$port]
}

# tgtd ignores SIGTERM while it has targets, and refuses to leave while it has any: remove the
# target (with its sessions), then ask it to leave through its management channel; the generic
# stop (SIGTERM, SIGKILL) follows, each step bounded.
rename stop stop_process
proc stop {} {
    variable procs
    variable tid
    if {[alive]} {
        set pid [dict get $procs "" pid]
        catch {sys kill $pid CONT}
        catch {tgtadm --op delete --mode target --tid $tid --force}
        catch {tgtadm --op delete --mode system}
        ::mc::wait_gone $pid $::mc::stop_grace_s
    }
    stop_process
}

proc identity {} {
    set version {}
    catch {exec tgtd -V} version
    return [dict create vendor "Linux SCSI target framework" product tgtd firmware [string trim $version]]
}
