# Addresses of a device the harness starts on this host: a loopback /24 of the run's own and
# free ports on it. A profile sources this file inside its own namespace
# (`source [file join $::mc::home harness devices lib net.tcl]`):
#   run_net          the run's 127.X.Y (PIXIT vsan-net: auto or A.B.C)
#   free_port ADDR   a TCP port free on ADDR now

# The /24 of this run: PIXIT vsan-net A.B.C, or (auto) 127.X.Y from the process id, X in 16..239
# so neither 127.0.x (other tools' habit) nor 127.255.x is used.
proc run_net {} {
    set net [::mc::pixit_get vsan-net auto]
    if {$net ne "auto"} {
        if {![regexp {^[0-9]+\.[0-9]+\.[0-9]+$} $net]} {
            return -code error "PIXIT vsan-net must be auto or A.B.C, not \"$net\""
        }
        return $net
    }
    # A multiplicative hash (Knuth) spreads neighbouring process ids over the range.
    set x [expr {([pid] * 2654435761) & 0xffff}]
    return [format 127.%d.%d [expr {16 + ($x >> 8) % 224}] [expr {$x & 0xff}]]
}

# A TCP port free on addr now (the device binds it next).
proc free_port {addr} {
    set s [socket -server {apply {{c a p} {close $c}}} -myaddr $addr 0]
    set port [lindex [fconfigure $s -sockname] 2]
    close $s
    return $port
}
