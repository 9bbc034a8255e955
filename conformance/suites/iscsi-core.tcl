# The core iSCSI target suite: login negotiation, text exchanges, SCSI data transfer, numbering,
# NOP, digests, ErrorRecoveryLevel 1 (SNACK), status and sense, task management, logout and
# malformed input, each vector tracing to RFC 7143.
suite iscsi-core {
    summary "RFC 7143 target behaviour: login, text, data transfer, numbering, digests, TMF, logout, negative PDUs"
    version 1
    pics iscsi-core
    device reference
    vectors {vectors/iscsi-core/*.tcl}
    helpers {vectors/iscsi-core/lib/*.tcl}
}
