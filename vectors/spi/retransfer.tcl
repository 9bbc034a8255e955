# Retransfer of failed mirrors (claim 001:10, 003): a member answers CHECK CONDITION for its
# block and the host sends that block again, three ways.

proc sm-failed_write {mode} {
    set b [sm-bench -retransfer $mode]
    set t0 [spi now $b]
    spi fail $b 4 1
    spi silent $b {5 4 3} 24 2 -seed 13
    spi run $b
    return [list $b $t0]
}

proc sm-failed_reported {b} {
    set first [expr {[spi ops $b] - 2}]
    set op [spi op $b $first]
    check eq [lindex [dict get $op pstatus] 1] 2 -field "status of participant 1 (CHECK CONDITION)" -clause 001:10(a)
    check eq [dict get [spi op $b -1] retransfer] 1 -field "host queued a retransfer" -clause 001:10(a)
    check eq [dict get [spi op $b -1] state] ok -field "retransfer result" -clause 001:10(b)
}

vector sm.retransfer.leader-last {
    claims {001:10(a) 001:10(b) 001:8} role bus-host requires {silent-host retransfer}
    summary "Repeat from the leader and end with the failed member, marked last"
} {
    lassign [sm-failed_write leader-last] b t0
    sm-failed_reported $b
    sm-expect $b "STATUS,status=2 * SEL,target=5,atn=1 * DOUT,by=5 MO:SM-MIRROR,gid=1,last=1 DOUT,by=4 MO:SM-RELEASE FREE" "leader to the failed member" -since $t0
    sm-stored $b {5 4 3} 24 2 13
    sm-clean $b {sm_participant_selected sm_no_last_indicator}
    spi close $b
}

vector sm.retransfer.regroup {
    claims {001:10(a) 001:10(b)} role bus-host requires {silent-host retransfer}
    summary "The failed member leads a new silent transfer of its block"
} {
    lassign [sm-failed_write regroup] b t0
    sm-failed_reported $b
    sm-expect $b "STATUS,status=2 * SEL,target=4,atn=1 * MO:SM-MIRROR,gid=1,last=1 *!DOUT DOUT,by=4 MO:SM-RELEASE FREE" "failed member selected as leader" -since $t0
    sm-stored $b {5 4 3} 24 2 13
    sm-clean $b {sm_participant_selected}
    spi close $b
}

vector sm.retransfer.plain {
    claims {001:10(a)} role bus-host requires {silent-host retransfer}
    summary "An ordinary selection and WRITE sends the failed member's block again"
} {
    lassign [sm-failed_write plain] b t0
    sm-failed_reported $b
    sm-expect $b "STATUS,status=2 * SEL,target=4,atn=1 MO:IDENTIFY CMD,op=0x2a DOUT,by=4 STATUS,status=0" "plain WRITE(10) to the failed member" -since $t0
    sm-stored $b {5 4 3} 24 2 13
    spi close $b
}
