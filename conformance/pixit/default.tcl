# PIXIT defaults: how the harness reaches and addresses a device under test. A device profile
# overrides these, then a --pixit file (a copy of this one), then what a started device reports
# (the reference target's bound portal). Each comment describes the item below it.

# Portal of the device under test, ADDRESS:PORT (3260 is iSCSI's registered port, RFC 7143 13.1)
portal               127.0.0.1:3260
# Portals of every target of a multicast group, for vectors that drive several targets
targets              {}
# iSCSI name of the target under test (RFC 7143 4.2.7)
target-iqn           iqn.2026-11.org.mirrorcert:target
# iSCSI name the harness logs in with as the initiator
initiator-iqn        iqn.2026-11.org.mirrorcert:harness
# The LUN the vectors read and write
lun                  1
# Size of a LUN the harness creates for a device it starts (K, M or G suffix)
lun-size             64M
# Text-key dialect of multicast registration: standard (X-org.mirrorcert.* keys) or literal (the patent's Command=register)
text-dialect         standard
# Multicast group address and UDP port of the mirrored data path
mcast-group          239.1.1.1
mcast-port           3260
# CHAP credentials, when the device requires authentication
chap-user            harness
chap-secret          mirrorcert-secret
# Per-step deadline in seconds (step NAME SCRIPT); every wait inside a step is shorter still
step-timeout         10
# A LUN number the device does not have (negative vectors address it)
absent-lun           63
# How long a vector waits for a PDU the device owes, in milliseconds
response-ms          5000
# How long silence must last to count as "the device ignored the PDU", in milliseconds
quiet-ms             1000
