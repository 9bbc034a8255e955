# The mirroring initiator's registration and termination (docs/mcast-data-path.md §4, §9; spec
# Figures 3 and 8), checked PDU by PDU at the harness's emulated targets.

vector mcast.init.register-text {
    claims {000:1(a) 000:8 000:9 000:15(a)(i) 000:16(a) 000:23 000:24 000:31(a)(i) 000:32(a) 000:39 000:40 000:46(a)(i)} role initiator requires {mcast-initiator}
    summary "Registration reaches every target as one final Text Request on its own TCP connection (TTT 0xffffffff, LUN 0) naming the group and the vLUN; no Text PDU goes to the group"
} {
    set s [mi-start]
    set log [mi-register $s]
    foreach t [dict get $s targets] {
        set name [dict get $t name]
        set reqs [mi-mirror-requests $log $name register]
        check eq [llength $reqs] 1 -field "registration Text Requests at $name" -clause 000:1(a)
        set p [lindex $reqs 0]
        check pdu $p {opcode 0x04 I 0 F 1 C 0 ttt 0xffffffff lun 0} -clause 000:9
        check eq [dict get $p dst] [dict get $t portal] -field "destination (the target's own portal)" -clause 000:8
        set k [mi-mirror-keys $p]
        check eq [dict get $k group] [mc-group] -field "group named in the registration" -clause 000:1(a)
        check eq [dict get $k vlun] [mc-vlun] -field "vLUN named in the registration" -clause 000:1(a)
        # Every key is key=value with a legal key name in the standard dialect (RFC 7143 6.1).
        if {[mc-dialect] ne "literal"} {
            foreach {key value} [dict get $p text] {
                check match {^[A-Z][A-Za-z0-9.+@_-]{0,62}$} $key -regexp 1 -field "key name" -clause 000:9
            }
        }
    }
    foreach d [mi-dgrams $log [lindex [mi-names $s] 0]] {
        foreach p [dict get $d pdus] {
            check true {[dict get $p opcode] != 4} -message "a Text Request travelled on the group" -clause 000:8
        }
    }
}

vector mcast.init.register-waits-for-all {
    claims {000:1(a) 000:15(a)(i)} role initiator requires {mcast-initiator}
    summary "The initiator waits for every member's registration answer: a slow member has answered before the first group WRITE reaches any member"
} {
    set late t[expr {[pixit mcast-members] - 1}]
    set s [mi-start -script [list $late {register-delay-ms 300}]]
    mi-ok $s [mi-register-line] 000:1(a)
    mi-write-ok $s 10 [pattern 512 9] 000:1(a)
    set log [mi-log]
    foreach name [mi-names $s] {
        set answered {}
        foreach r [mi-tcp-out $log $name 0x24] {
            if {$answered eq ""} { set answered [dict get $r time] }
        }
        set first [lindex [mi-dgrams $log $name] 0]
        check true {$answered ne ""} -message "$name never answered its registration (precondition)" -clause 000:1(a)
        check true {$first ne ""} -message "no group datagram reached $name: the WRITE went out before its registration was complete" -clause 000:1(a)
        check true {[dict get $first time] > $answered} \
            -message "a group datagram reached $name before it had answered its registration" -clause 000:1(a)
    }
}

vector mcast.init.register-silent-member {
    claims {000:1(a) 000:15(a)(i)} role initiator requires {mcast-initiator}
    summary "A target that never answers its registration is not a member: the result names it, and writes go to the members that answered"
} {
    set late t[expr {[pixit mcast-members] - 1}]
    set s [mi-start -script [list $late {register silent}]]
    set r [mi-cmd $s [mi-register-line] 000:1(a)]
    check match *$late* [lindex $r 1] -field "registration result (names the silent target)" -clause 000:1(a)
    set data [pattern 1024 10]
    mi-write-ok $s 12 $data 000:1(a)
    foreach name [mi-names $s] {
        if {$name ne $late} {
            same [mcast emulate read $name [pixit lun] 12 2] $data -field "LUN of member $name" -clause 000:1(a)
        }
    }
}

vector mcast.init.register-notunderstood {
    claims {000:1(a)} role initiator requires {mcast-initiator}
    summary "A target answering the mirror keys NotUnderstood is never taken for a member: the result names it"
} {
    set s [mi-start -script [list t1 {register notunderstood}]]
    set r [mi-cmd $s [mi-register-line] 000:1(a)]
    check match *t1* [lindex $r 1] -field "registration result (names the target that did not understand)" -clause 000:1(a)
}

vector mcast.init.terminate-text {
    claims {000:2(f) 000:15(f)(i) 000:17(f) 000:31(e)(i) 000:33(f)} role initiator requires {mcast-initiator}
    summary "Termination reaches every target as a final Text Request on its own connection naming the group and the vLUN, after which the targets left the group"
} {
    set s [mi-start]
    mi-register $s
    mi-ok $s "terminate [mc-group] [mc-vlun]" 000:2(f)
    set log [mi-log]
    foreach t [dict get $s targets] {
        set name [dict get $t name]
        set reqs [mi-mirror-requests $log $name terminate]
        check eq [llength $reqs] 1 -field "terminate Text Requests at $name" -clause 000:2(f)
        set p [lindex $reqs 0]
        check pdu $p {opcode 0x04 I 0 F 1 C 0 ttt 0xffffffff} -clause 000:2(f)
        check eq [dict get $p dst] [dict get $t portal] -field "destination (the target's own portal)" -clause 000:2(f)
        set k [mi-mirror-keys $p]
        check eq [dict get $k vlun] [mc-vlun] -field "vLUN named in the termination" -clause 000:2(f)
        check eq [dict get $k group] [mc-group] -field "group named in the termination" -clause 000:2(f)
    }
    foreach t [dict get [mcast emulate info] targets] {
        check eq [llength [dict get $t registrations]] 0 -field "registrations left at [dict get $t name]" -clause 000:2(f)
    }
}

vector mcast.init.literal-dialect {
    claims {000:1(a) 000:2(f) 000:9} role initiator requires {mcast-initiator literal-dialect}
    summary "With the literal dialect the initiator sends Command=register, multicast_group_ip, lun_map=(r,v) and command=terminate, virtual_lun, multicast_group_ip"
} {
    set s [mi-start]
    mi-ok $s "register [mc-group] [mc-vlun] [pixit lun] --dialect literal" 000:1(a)
    mi-ok $s "terminate [mc-group] [mc-vlun]" 000:2(f)
    set log [mi-log]
    foreach name [mi-names $s] {
        set texts [mi-tcp-in $log $name 4]
        check eq [llength $texts] 2 -field "Text Requests at $name" -clause 000:1(a)
        lassign $texts reg term
        set kv [dict get $reg text]
        check eq [mi-tkey $kv Command] register -field Command -clause 000:1(a)
        check eq [mi-tkey $kv multicast_group_ip] [mc-group] -field multicast_group_ip -clause 000:1(a)
        check eq [mi-tkey $kv lun_map] "([pixit lun],[mc-vlun])" -field lun_map -clause 000:1(a)
        set kv [dict get $term text]
        check eq [mi-tkey $kv command] terminate -field command -clause 000:2(f)
        check eq [mi-tkey $kv virtual_lun] [mc-vlun] -field virtual_lun -clause 000:2(f)
    }
}
