# The parallel SCSI silent-mirroring suite (claims 001:1-20, specification 003): the harness
# owns a simulated bus and plays the host or the other group members around the device under
# test, and checks the same rules offline on a VCD capture.
suite spi {
    summary "Silent mirroring on parallel SCSI: discovery, leader, switch roles, release, status, retransfer, VCD"
    version 1
    pics spi
    device spi-sim
    vectors {vectors/spi/*.tcl}
    helpers {vectors/spi/lib/*.tcl}
}
