# The same rules offline, on a VCD file: PIXIT spi-capture names a capture of a real bus; without
# it the vector records the reference devices (or the mutant under test) and checks the file. The
# recording is the one a logic analyser makes (every line and DB0..DB15 as single wires, no drive
# words) and the report keeps it (ID-bus.vcd) with a GTKWave save file (ID-bus.gtkw).

proc sm-capture {} {
    set file [pixit spi-capture {}]
    if {$file ne {}} {
        return $file
    }
    set file [keep bus.vcd]
    set b [spi new -speed [pixit spi-speed u320] -target-mutants [sm-mutant target]]
    spi record $b $file -bits 1 -save [keep bus.gtkw]
    spi host $b -raw [expr {[pixit spi-dialect standard] eq "literal"}] -mutants [sm-mutant host] \
        -wait-ns [pixit spi-wait-ns 2000000]
    foreach id {5 4 3} gid {0 1 2} {
        spi disk $b $id
        spi discover $b $id $gid -last [expr {$id == 3}]
    }
    spi silent $b {3 4 5} 32 1 -seed 17
    spi run $b
    spi close $b
    return $file
}

vector sm.vcd.offline {
    claims {001:1(b) 001:1(f) 001:2 001:3 001:4 001:5 001:8 001:9 001:11(i) 001:12 001:13 001:14 001:15 001:18 001:19} role bus-target requires {vcd-capture}
    summary "A VCD capture decodes to one leader selection, switched blocks, release, ordered status, no violations"
} {
    set file [sm-capture]
    set t [spi load $file]
    sm-expect $t "SEL,atn=1 * DOUT *!ARB!SEL!FREE MO:SM-MIRROR DOUT *!ARB!SEL!FREE MO:SM-MIRROR,last=1 DOUT MO:SM-RELEASE FREE" "silent write in the capture"
    sm-expect $t "MO:SM-RELEASE FREE * RESEL * STATUS,status=0 * RESEL * STATUS,status=0 * RESEL * STATUS,status=0" "statuses in the capture"
    check eq [spi count $t violations] 0 -field "checker violations in the capture"
    spi close $t
}
