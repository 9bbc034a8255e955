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
# Multicast mirroring (suite mcast): iSCSI names of the PIXIT targets, in the same order (empty: target-iqn for all)
target-iqns          {}
# Virtual LUN the mcast vectors register (0..255, not a real LUN of any target)
mcast-vlun           5
# GroupBurst, GroupTasks and DataTimeout (ms) the harness registers as the mirroring initiator
mcast-burst          65536
mcast-tasks          8
mcast-data-timeout   500
# Interface address and TTL of the harness's group sender and receiver
mcast-if             127.0.0.1
mcast-ttl            1
# Largest data segment of a group Data-Out the harness sends (bytes; bounded by each member's MaxRecvDataSegmentLength)
mcast-segment        8192
# Number of targets a device profile starts, and of targets the harness emulates for an initiator DUT
mcast-members        3
# Addresses the emulated targets listen on (one per target; loopback aliases need no set-up on Linux)
mcast-emulated-addrs {127.0.0.2 127.0.0.3 127.0.0.4}
# Command line of the mirroring initiator's console (an initiator DUT); empty when there is none
initiator-command    {}
# Prompt of that console
initiator-prompt     {mc> }
# Unicast retries the initiator DUT makes for a failed member before reporting it (§7.2)
mcast-retries        2
# A local address no session uses, for group datagrams from a foreign source (loopback: any 127/8 address)
mcast-foreign-addr   127.0.0.9
# Virtual SAN (suite vsan): servers a device profile starts, 2 or 3 (vectors of a third server, 004:23-24, ask for 3)
vsan-servers         2
# A witness voter beside two servers (1) or none (0): with it, either server may fail alone (docs/vsan-link.md §1)
vsan-witness         1
# The mirror link: dedicated (an address of its own per server, 004:2) or shared (the portal's address, the client network, 004:3)
vsan-link            dedicated
# Quorum of the servers: majority (docs/vsan-link.md §1) or off (a split brain becomes possible and is detected, §8.4)
vsan-quorum          majority
# Loopback network of a virtual SAN the harness starts: auto (a 127.X.Y.0/24 of its own per run) or A.B.C
vsan-net             auto
# Volume size in bytes: 8 MiB and 5 blocks of 512, so the last region (§1) is partial
vsan-size            8391168
# Region size in bytes: the unit of write priority, dirty tracking and resync (§1; 64 KiB is the default)
vsan-region-size     65536
# Block size of the volume in bytes (the stores are read with it)
vsan-block-size      512
# Lease length in ms (§4.2; 200..10000): failover and lease expiry take about this long
vsan-lease-ms        600
# Log level of the reference servers, 0-3 (their logs go to the report folder)
vsan-log-level       1
# How long a vector waits for the servers' view to settle (an election, a resync), in ms
vsan-settle-ms       20000
# How long a client operation may take before it counts as timed out, in ms
vsan-io-ms           5000
# A device the harness does not start (vsan-external): each member's portal, ADDRESS:PORT ({s1 A:P s2 A:P ..})
vsan-portals         {}
# Its mirror link endpoints ({s1 A:P s2 A:P ..}); the addresses tell a dedicated link from a shared one
vsan-links           {}
# Its stores as files the harness can read ({s1 PATH s2 PATH ..}); empty: the stores cannot be read
vsan-stores          {}
# Its fault commands, run with sh: {fail-store CMD heal-store CMD cut-link CMD heal-link CMD}; %m is the member, %a the fault's arguments
vsan-fault-commands  {}
