# A device that floods: it accepts iSCSI connections on 127.0.0.1 and writes unsolicited NOP-In
# PDUs (RFC 7143 11.19: opcode 0x20, F set, no data, ITT 0xffffffff) as fast as the socket takes
# them, ignoring what it is sent. Prints "ready PORT" once it listens.
#   tclsh flood_device.tcl
set nop [binary format ccSc4 0x20 0x80 0 {0 0 0 0}]
append nop [binary format W 0]                       ;# LUN
append nop [binary format II 0xffffffff 0x1]       ;# ITT reserved, TTT
append nop [binary format III 1 1 64]             ;# StatSN, ExpCmdSN, MaxCmdSN
append nop [string repeat \0 12]
# 4 KiB of PDUs a write, so the flood is not throttled by the write calls.
set burst [string repeat $nop [expr {4096 / 48}]]
proc accept {s addr port} {
    fconfigure $s -translation binary -blocking 0 -buffering full
    fileevent $s readable [list drain $s]
    fileevent $s writable [list flood $s]
}
proc drain {s} {
    if {[catch {read $s}] || [eof $s]} {
        catch {close $s}
    }
}
proc flood {s} {
    if {[catch {puts -nonewline $s $::burst; flush $s}]} {
        catch {close $s}
    }
}
set srv [socket -server accept -myaddr 127.0.0.1 0]
puts "ready [lindex [fconfigure $srv -sockname] 2]"
flush stdout
vwait forever
