# The simulated parallel SCSI bus inside the harness: the reference host adapter and disk
# targets, or one of them replaced by a mutant (--mutant NAME; `mirrorcert mutants --suite spi`
# lists them). Nothing runs outside the harness: each vector builds its own bus with the `spi`
# ensemble.
profile {
    summary "mirrorcert SPI simulator: reference host adapter and disks, in-process"
    kind spi
    lifecycle 1
    pics {}
    pixit {}
    deviations {}
}

variable up 0

proc start {ctx} {
    variable up 1
    return [dict create spi-mutant [dict get $ctx mutant]]
}

proc stop {} {
    variable up 0
}

proc kill {} {
    variable up 0
}

proc sever {} {}

proc alive {} {
    variable up
    return $up
}

# The simulator's mutants (`spi mutants`), in the common format.
proc mutants {} {
    return [lmap d [spi mutants] {dict filter $d key name roles clause breaks}]
}

proc identity {} {
    return [dict create vendor mirrorcert product "SPI simulator reference devices" firmware $::mc::version]
}
