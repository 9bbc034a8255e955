# GlusterFS as a virtual SAN (Debian packages glusterfs-server and tgt-glusterfs; needs root and
# FUSE): a replica volume of one brick per server, served by one tgtd per server whose LUN is
# the volume's file through libgfapi (tgtd's glfs backing store). Each tgtd is a GlusterFS
# client (AFR, the replicate translator) that writes every block to every brick, so a server is
# its tgtd (its portal) and its brick (its store); member w, beside two servers when PIXIT
# vsan-witness is 1, is an arbiter brick: it holds no data and only votes (client quorum auto),
# as the reference's witness does. The member glusterd is the management daemon.
#
# Everything runs on the run's own loopback /24 (lib/net.tcl): server i's portal at .i, glusterd
# and the bricks at .20. glusterd gets a volfile, working directory and run directory of its
# own (in the run's working directory) and its own unix socket, so neither /var/lib/glusterd nor
# a system glusterd is touched. Its TCP port stays 24007: tgtd's glfs backing store asks for the
# volume's description at port 24007 only (the port is fixed in bs_glfs), so glusterd listens
# there on the run's own address; a glusterd listening on every address at 24007 (a system one)
# keeps the device from starting. The volume's file is created once through a FUSE mount that
# is unmounted at once. The stores the vectors read are the brick files.
#
# Faults: fail-store sN (both, the whole store: its brick process killed) and heal-store sN
# (the brick started again, `gluster volume start VOL force`). A link cut between two servers
# cannot be made on one host without a packet filter: not offered (PICS vsan-link-faults 0).
# Every process of the device (tgtds, glusterd, bricks, the self-heal daemon, a FUSE client)
# carries MC_GLUSTER_RUN=PID:WORKDIR in its environment: stop ends them all, and start first
# ends those of a run whose harness is gone (a killed run), and unmounts its mounts.
#
# How GlusterFS differs from the contract (docs/vsan-link.md), each answered in the PICS below so
# the vectors that need it are n/a (docs/vsan-suite.md has the table):
# - vsan-status 0: tgtd answers no X-org.mirrorcert.VsanStatus key, and GlusterFS has no term,
#   view, coordinator or dirty-region counters to report;
# - vsan-link-relays 0, vsan-dedicated-link 0, vsan-shared-link 0: the copies travel in
#   GlusterFS's own RPC from each tgtd's client to every brick on glusterd's address; write
#   priority is AFR's inode locks, not per-region grants with epochs, so none can be read;
# - vsan-link-faults 0: cutting one server's client off another's brick alone needs a packet
#   filter; vsan-quorum-off 0: with the arbiter, client quorum is on (cluster.quorum-type auto);
# - vsan-join 0: an empty brick joins only through reset-brick or replace-brick.
# Evidence for the fixed port: bs_glfs.so loads 0x5dc7 (24007) as the port argument of its one
# glfs_set_volfile_server call (objdump -d).
profile {
    summary "GlusterFS replica volume (glusterd of its own, bricks of s1, s2 (s3), arbiter w) served by one tgtd per server (bs_glfs)"
    kind vsan
    lifecycle 1
    pics {vsan-status 0 vsan-link-relays 0 vsan-link-faults 0 vsan-dedicated-link 0 vsan-shared-link 0
          vsan-quorum-off 0 vsan-join 0}
    pixit {target-iqn iqn.2026-11.org.mirrorcert:vsan}
    faults {fail-store heal-store}
    configs {vsan-servers {2 3}}
    deviations {
        vsan.resync.identical      "self-heal is asynchronous: the returning server serves reads before its brick is healed, so its brick file still lacks the writes made while it was away when the vector compares the stores (seen: blocks differ, one still zero; the self-heal daemon makes them identical about a second later)"
        vsan.durable.store-failure "self-heal is asynchronous: a brick started again after its failure is healed by the self-heal daemon after it serves again, so the brick files can still differ when the vector compares them (seen: a block older on one brick)"
        vsan.durable.kill-member   "self-heal is asynchronous, as for vsan.durable.store-failure: the brick of the returning server can still lack writes when the vector compares the stores (passed in the runs measured, where the heal came first)"
        vsan.durable.kill-witness  "a read through one server returned a block's older value after a newer write through the other server had completed, while the arbiter brick was killed and started again under load (seen once in three runs: history not linearizable, overwritten value read 30 ms after the newer write completed, both data bricks up); whether AFR's read or the arbiter's return through `gluster volume start force` causes it is not established"
    }
}

source [file join $::mc::home harness devices lib process.tcl]
source [file join $::mc::home harness devices lib net.tcl]
source [file join $::mc::home harness devices lib tgtd.tcl]

rename stop stop_process
rename kill kill_process
rename sever sever_process
rename alive alive_process
rename ended ended_process

# What start decided: ctx, the configuration's folder, glusterd's address, the servers'
# portals and tgtd management channels, the members whose store a fault took down.
variable ctx {}
variable plan {}
variable store_failed {}
# The volume's name (one per glusterd: each configuration has a glusterd of its own) and the
# file on it that every tgtd serves; the one target of each tgtd.
variable volume vs
variable lun_file lun.img
variable tid 1
# glusterd's host in the run's /24 (the servers' portals are .1-.3).
variable gluster_host 20
# tgtd's glfs backing store fetches the volume's description from this port only.
variable glusterd_port 24007
# The longest path of a unix socket (sun_path of struct sockaddr_un on Linux is 108 bytes, with
# its NUL): glusterd's own socket lies in the run's working directory.
variable sun_path_max 107
# Bounds, in seconds (our choice, for a loaded two-core host): one gluster CLI call (a volume
# create or start takes a few seconds), glusterd answering its CLI, a brick coming online, the
# FUSE mount and unmount.
variable cli_timeout_s 60
variable glusterd_timeout_s 30
variable brick_timeout_s 30
variable mount_timeout_s 30
# How long a brick started again may take to come online before it is started once more.
variable brick_retry_s 2
# The volume options set at creation, each with its reason: a write is acknowledged only once
# every brick has it (no write-behind), and a read always reaches a brick (no client cache that a
# write through another server would leave stale).
variable volume_options {
    performance.write-behind off
    performance.io-cache off
    performance.read-ahead off
    performance.quick-read off
    performance.stat-prefetch off
    performance.open-behind off
    performance.readdir-ahead off
}
# The packaged programs the profile runs, and glfs's backing store module of tgtd.
variable programs {glusterd glusterfs-server gluster glusterfs-cli glusterfs glusterfs-client glusterfsd glusterfs-common
    tgtd tgt tgtadm tgt}
variable bs_glfs /usr/lib/tgt/backing-store/bs_glfs.so

proc config {key} {
    variable ctx
    if {[dict exists $ctx config $key]} {
        return [dict get $ctx config $key]
    }
    return [::mc::pixit_get $key]
}

# --- gluster ------------------------------------------------------------------------------------

proc gluster {args} {
    variable plan
    variable cli_timeout_s
    set dir [dict get $plan dir]
    return [exec timeout $cli_timeout_s gluster --glusterd-sock=[file join $dir run glusterd.socket] \
        --mode=script --log-file=[file join $dir cli.log] {*}$args 2>@1]
}

proc brick_path {m} {
    variable plan
    return [file join [dict get $plan dir] bricks $m]
}

proc brick_spec {m} {
    variable plan
    return [dict get $plan gaddr]:[brick_path $m]
}

# The pid of member m's brick process from the pidfile glusterd keeps in its run directory
# ("" without one); a pid that no longer runs is returned as it is.
proc brick_pid {m} {
    variable plan
    variable volume
    set name [dict get $plan gaddr]-[string map {/ -} [string trimleft [brick_path $m] /]].pid
    set f [file join [dict get $plan dir] run vols $volume $name]
    if {[catch {open $f r} fh]} {
        return ""
    }
    set pid [string trim [read $fh]]
    close $fh
    return [expr {[string is integer -strict $pid] ? $pid : ""}]
}

proc brick_alive {m} {
    set pid [brick_pid $m]
    return [expr {$pid ne "" && [::mc::proc_alive $pid]}]
}

proc brick_signal {m sig} {
    set pid [brick_pid $m]
    if {$pid ne "" && [::mc::proc_alive $pid]} {
        catch {sys kill $pid $sig}
        if {$sig in {KILL TERM}} {
            ::mc::wait_gone $pid $::mc::stop_grace_s
        }
    }
}

# Which of members have their brick online, as glusterd reports it: {MEMBER 0|1 ..}.
proc bricks_online {members} {
    variable volume
    set xml ""
    catch {gluster volume status $volume --xml} xml
    set out {}
    foreach m $members {
        # The brick's node: from its path to the end of the node, where its status is.
        set at [string first "<path>[brick_path $m]</path>" $xml]
        set node [string range $xml $at [string first "</node>" $xml $at]]
        set on [expr {$at >= 0 && [string first "<status>1</status>" $node] >= 0}]
        dict set out $m $on
    }
    return $out
}

# Waits until every brick of members is online (want 1) or offline (want 0) as glusterd
# reports it; returns whether they all were within seconds.
proc bricks_wait {members seconds {want 1}} {
    set until [expr {[clock milliseconds] + int($seconds * 1000)}]
    while 1 {
        set done 1
        dict for {m on} [bricks_online $members] {
            if {$on != $want || ($want && ![brick_alive $m])} {
                set done 0
            }
        }
        if {$done} {
            return 1
        }
        if {[clock milliseconds] > $until} {
            return 0
        }
        after 200
    }
}

# Starts the bricks of members that are not running (`volume start force`, with glusterd steady:
# a member or a store coming back) and waits until they are online. glusterd takes a moment to
# see a killed brick gone, and a start before that starts nothing: the start is repeated.
proc bricks_up {members} {
    variable volume
    variable brick_timeout_s
    variable brick_retry_s
    set until [expr {[clock milliseconds] + $brick_timeout_s * 1000}]
    while 1 {
        gluster volume start $volume force
        if {[bricks_wait $members $brick_retry_s]} {
            return
        }
        if {[clock milliseconds] > $until} {
            return -code error "bricks did not come online within $brick_timeout_s s: [bricks_online $members]"
        }
    }
}

# --- the processes of a run ---------------------------------------------------------------------

# PID:WORKDIR of this run, set in the environment of every process the device starts.
proc run_tag {} {
    variable ctx
    return [pid]:[dict get $ctx workdir]
}

# The pids of running processes whose environment holds MC_GLUSTER_RUN=tag (any tag when tag is
# ""), as {PID TAG ..}.
proc run_processes {tag} {
    set out {}
    foreach d [glob -nocomplain -directory /proc {[0-9]*}] {
        if {[file tail $d] == [pid] || [catch {open $d/environ r} fh]} {
            continue
        }
        fconfigure $fh -translation binary
        catch {set env [read $fh]}
        close $fh
        foreach kv [split $env \0] {
            if {[string match MC_GLUSTER_RUN=* $kv]} {
                set t [string range $kv [string length MC_GLUSTER_RUN=] end]
                if {$tag eq "" || $t eq $tag} {
                    dict set out [file tail $d] $t
                }
            }
        }
    }
    return $out
}

# Ends every process of run tag: SIGTERM, then SIGKILL past the grace.
proc end_run_processes {tag} {
    foreach sig {TERM KILL} {
        set pids [dict keys [run_processes $tag]]
        foreach p $pids {
            catch {sys kill $p CONT}
            catch {sys kill $p $sig}
        }
        foreach p $pids {
            ::mc::wait_gone $p $::mc::stop_grace_s
        }
    }
}

# Unmounts every GlusterFS FUSE mount whose mount point matches the glob pattern (lazily when a
# plain unmount fails or overruns).
proc unmount_under {pattern} {
    variable mount_timeout_s
    if {[catch {open /proc/mounts r} fh]} {
        return
    }
    set lines [split [read $fh] \n]
    close $fh
    foreach line $lines {
        lassign $line src point type
        if {$type eq "fuse.glusterfs" && [string match $pattern $point]} {
            if {[catch {exec timeout $mount_timeout_s umount $point 2>@1}]} {
                catch {exec umount -l $point 2>@1}
            }
        }
    }
}

# What a killed run left behind: the processes of every run whose harness no longer runs, and
# the mounts in its working directory.
proc clean_leftovers {} {
    dict for {p tag} [run_processes ""] {
        set owner [lindex [split $tag :] 0]
        if {![string is integer -strict $owner] || $owner == [pid] || [::mc::proc_alive $owner]} {
            continue
        }
        set workdir [join [lrange [split $tag :] 1 end] :]
        end_run_processes $tag
        unmount_under $workdir/*
        # Its volumes (bricks, glusterd's state): the run that made them is gone.
        foreach d [glob -nocomplain -types d -directory $workdir gluster gluster-*] {
            catch {file delete -force $d}
        }
    }
}

# --- start --------------------------------------------------------------------------------------

proc check_installed {} {
    variable programs
    variable bs_glfs
    foreach {prog pkg} $programs {
        if {[auto_execok $prog] eq ""} {
            return -code error "$prog not found (Debian package $pkg)"
        }
    }
    if {![file exists $bs_glfs]} {
        return -code error "tgtd has no glfs backing store ($bs_glfs; Debian package tgt-glusterfs)"
    }
    if {![file exists /dev/fuse]} {
        return -code error "no /dev/fuse: the volume's file is created through a FUSE mount"
    }
}

# Whether a listener on every IPv4 or IPv6 address holds TCP port (a system glusterd at 24007),
# from /proc/net/tcp and tcp6 (local address all zeros, state 0A: LISTEN).
proc wildcard_listener {port} {
    set want [format %04X $port]
    foreach f {/proc/net/tcp /proc/net/tcp6} {
        if {[catch {open $f r} fh]} {
            continue
        }
        set lines [split [read $fh] \n]
        close $fh
        foreach line [lrange $lines 1 end] {
            lassign $line slot local remote state
            if {$state eq "0A" && [regexp {^(0+):([0-9A-F]{4})$} $local -> addr p] && $p eq $want} {
                return 1
            }
        }
    }
    return 0
}

# "" when this host can run the device, else why not (a program holding the device up for
# another, `mirrorcert hold`, then reports it skipped): root, the packages, FUSE, port 24007.
proc available {} {
    variable glusterd_port
    if {[catch {exec id -u} uid] || $uid ne "0"} {
        return "needs root (glusterd, FUSE mounts and tgtd do)"
    }
    if {[catch check_installed msg]} {
        return $msg
    }
    if {[wildcard_listener $glusterd_port]} {
        return "a glusterd listens on every address at port $glusterd_port (tgtd's glfs backing store reaches no other port)"
    }
    return ""
}

proc write_glusterd_vol {} {
    variable plan
    variable glusterd_port
    set dir [dict get $plan dir]
    set fh [open [file join $dir glusterd.vol] w]
    puts $fh [join [list "volume management" "    type mgmt/glusterd" \
        "    option working-directory [file join $dir wd]" "    option run-directory [file join $dir run]" \
        "    option glusterd-sockfile [file join $dir run glusterd.socket]" "    option transport-type socket" \
        "    option transport.socket.bind-address [dict get $plan gaddr]" \
        "    option transport.socket.listen-port $glusterd_port" "    option transport.socket.read-fail-log off" \
        "    option ping-timeout 0" "    option event-threads 1" "end-volume"] \n]
    close $fh
}

proc start_glusterd {} {
    variable ctx
    variable plan
    variable sun_path_max
    variable glusterd_port
    variable glusterd_timeout_s
    set dir [dict get $plan dir]
    set gaddr [dict get $plan gaddr]
    set sock [file join $dir run glusterd.socket]
    if {[string length $sock] > $sun_path_max} {
        return -code error "glusterd's socket path $sock is longer than $sun_path_max bytes (a unix socket's limit): give the run a shorter working directory (TMPDIR)"
    }
    if {[catch {socket -server {apply {{c a p} {close $c}}} -myaddr $gaddr $glusterd_port} s]} {
        return -code error "port $glusterd_port on $gaddr is taken ($s): a glusterd listening on every address (a system one) keeps this device from starting"
    }
    close $s
    file mkdir [file join $dir wd] [file join $dir run]
    write_glusterd_vol
    set log [file join [dict get $ctx workdir] gluster-glusterd.log]
    spawn_member glusterd [list [auto_execok glusterd] -N -f [file join $dir glusterd.vol] -l $log \
        -p [file join $dir run glusterd.pid]] [file join [dict get $ctx workdir] gluster-glusterd.out.log] "" 0
    set until [expr {[clock milliseconds] + $glusterd_timeout_s * 1000}]
    while {[catch {gluster volume list} msg]} {
        if {![alive_process glusterd] || [clock milliseconds] > $until} {
            return -code error "glusterd did not answer its CLI within $glusterd_timeout_s s: $msg ([::mc::tail_of $log])"
        }
        after 100
    }
}

# The bricks of the volume in order: the servers', then the arbiter's.
proc brick_members {} {
    variable plan
    set ms [dict get $plan servers]
    if {[dict get $plan arbiter]} {
        lappend ms w
    }
    return $ms
}

# Starts the volume and waits for its bricks. A volume the last stop could not stop (glusterd
# was gone) is started by glusterd itself: its bricks are waited for, and started only if they
# do not come (two starts of one brick at once leave neither online).
proc start_volume {} {
    variable volume
    variable brick_timeout_s
    catch {gluster volume start $volume}
    if {[bricks_wait [brick_members] $brick_timeout_s]} {
        return
    }
    bricks_up [brick_members]
}

# Creates and starts the volume, and its file through a FUSE mount (a configuration's first start).
proc create_volume {} {
    variable plan
    variable volume
    variable volume_options
    variable lun_file
    variable mount_timeout_s
    set n [llength [dict get $plan servers]]
    set layout [expr {[dict get $plan arbiter] ? [list replica 3 arbiter 1] : [list replica $n]}]
    set specs {}
    foreach m [brick_members] {
        file mkdir [brick_path $m]
        lappend specs [brick_spec $m]
    }
    gluster volume create $volume {*}$layout {*}$specs force
    gluster volume set $volume {*}$volume_options
    start_volume
    set mnt [file join [dict get $plan dir] mnt]
    file mkdir $mnt
    exec timeout $mount_timeout_s glusterfs --volfile-server=[dict get $plan gaddr] --volfile-id=$volume \
        -l [file join [dict get $plan dir] mount.log] $mnt 2>@1
    try {
        set fh [open [file join $mnt $lun_file] w]
        chan truncate $fh [::mc::size_bytes [::mc::pixit_get vsan-size]]
        close $fh
    } finally {
        unmount_under $mnt
    }
}

# tgtd of server m on its portal, serving the volume's file as LUN PIXIT lun.
proc start_tgtd {m} {
    variable ctx
    variable plan
    variable volume
    variable lun_file
    variable tid
    set portal [dict get $plan portals $m]
    set work [dict get $ctx workdir]
    set control [tgtd_spawn $m $portal [lindex [split $portal :] 1] [file join $work gluster-$m-tgtd.log]]
    dict set plan controls $m $control
    tgtd_adm $control --op new --mode target --tid $tid -T [::mc::pixit_get target-iqn]
    tgtd_adm $control --op new --mode logicalunit --tid $tid --lun [::mc::pixit_get lun] --bstype glfs \
        --backing-store $volume@[dict get $plan gaddr]:/$lun_file --bsopts logfile=[file join $work gluster-$m-gfapi.log]
    tgtd_adm $control --op bind --mode target --tid $tid -I ALL
}

proc start {c} {
    variable ctx $c
    variable plan {}
    variable store_failed {}
    variable gluster_host
    variable lun_file
    check_installed
    clean_leftovers
    set ::env(MC_GLUSTER_RUN) [run_tag]
    set n [config vsan-servers]
    if {$n ni {2 3}} {
        return -code error "PIXIT vsan-servers must be 2 or 3, not \"$n\""
    }
    # A configuration a vector asked for is a virtual SAN of its own: its own glusterd and bricks.
    set tag [join [dict values [dict get $ctx config]] -]
    set net [run_net]
    dict set plan dir [file join [dict get $ctx workdir] [expr {$tag eq "" ? "gluster" : "gluster-$tag"}]]
    dict set plan gaddr $net.$gluster_host
    dict set plan arbiter [expr {$n == 2 && [::mc::pixit_get vsan-witness 1]}]
    set servers {}
    for {set i 1} {$i <= $n} {incr i} {
        lappend servers s$i
        dict set plan portals s$i $net.$i:[free_port $net.$i]
    }
    dict set plan servers $servers
    # A configuration whose volume file is not there yet (never made, or its making stopped
    # half-way) is made anew.
    set fresh [expr {![file exists [file join [brick_path [lindex $servers 0]] $lun_file]]}]
    if {$fresh} {
        file delete -force [dict get $plan dir]
    }
    try {
        start_glusterd
        if {$fresh} {
            create_volume
        } else {
            start_volume
        }
        foreach m $servers {
            start_tgtd $m
        }
    } on error {msg opts} {
        stop
        return -options $opts $msg
    }
    set stores {}
    set ids {}
    set i 0
    foreach m [brick_members] {
        dict set ids $m [incr i]
        if {$m ne "w"} {
            dict set stores $m [file join [brick_path $m] $lun_file]
        }
    }
    return [dict create portal [dict get $plan portals s1] vsan-portals [dict get $plan portals] \
        vsan-stores $stores vsan-ids $ids vsan-servers $n]
}

proc start_member {m} {
    variable plan
    variable store_failed
    if {$m eq "glusterd"} {
        start_glusterd
        return {}
    }
    if {$m ni [brick_members]} {
        return -code error "no member \"$m\""
    }
    bricks_up [list $m]
    set store_failed [lsearch -all -inline -not -exact $store_failed $m]
    if {$m ne "w" && ![alive_process $m]} {
        start_tgtd $m
    }
    return {}
}

# --- lifecycle per member -----------------------------------------------------------------------

proc members {} {
    variable plan
    if {![dict exists $plan servers]} {
        return {}
    }
    return [list {*}[brick_members] glusterd]
}

proc each_member {member} {
    if {$member eq ""} {
        return [members]
    }
    if {$member ni [members]} {
        return -code error "no member \"$member\" (members: [join [members] {, }])"
    }
    return [list $member]
}

proc has_tgtd {m} {
    return [string match s* $m]
}

proc stop {{member ""}} {
    variable plan
    variable tid
    variable volume
    if {![dict exists $plan servers]} {
        stop_process
        return
    }
    if {$member eq ""} {
        # The servers' tgtds first (no client left on the volume), then the volume stopped while
        # glusterd runs, so the next start starts it whole and once; then every process of the
        # run (glusterd, what it started: the bricks, the self-heal daemon) and its mount.
        foreach m [dict get $plan servers] {
            if {[dict exists $plan controls $m]} {
                tgtd_shutdown $m [dict get $plan controls $m] $tid
            }
        }
        # (glusterd is no member yet when its own start failed before spawning it)
        if {![catch {alive_process glusterd} up] && $up} {
            catch {gluster volume stop $volume force}
        }
        stop_process
        end_run_processes [run_tag]
        unmount_under [file join [dict get $plan dir] *]
        keep_brick_logs
        set plan {}
        return
    }
    set m [lindex [each_member $member] 0]
    if {[has_tgtd $m] && [dict exists $plan controls $m]} {
        tgtd_shutdown $m [dict get $plan controls $m] $tid
    }
    if {$m ne "glusterd"} {
        brick_signal $m TERM
        brick_signal $m KILL
    }
    if {$m ne "w"} {
        stop_process $m
    }
}

# The bricks' logs (glusterd writes them under /var/log/glusterfs/bricks, named by the brick's
# path) move into the run's working directory, so they reach the report folder.
proc keep_brick_logs {} {
    variable plan
    variable ctx
    foreach m [brick_members] {
        set log /var/log/glusterfs/bricks/[string map {/ -} [string trimleft [brick_path $m] /]].log
        if {[file exists $log]} {
            catch {file rename -force $log [file join [dict get $ctx workdir] gluster-$m-brick.log]}
        }
    }
}

proc kill {{member ""}} {
    foreach m [each_member $member] {
        if {$m ne "w"} {
            kill_process $m
        }
        if {$m ne "glusterd"} {
            brick_signal $m KILL
        }
    }
}

proc sever {{member ""}} {
    foreach m [each_member $member] {
        if {$m ne "w"} {
            sever_process $m
        }
        if {$m ne "glusterd"} {
            brick_signal $m STOP
        }
    }
}

# A member runs: its tgtd (a server), its brick (unless a fault took the store down), glusterd.
proc alive {{member ""}} {
    variable store_failed
    set ms [each_member $member]
    if {![llength $ms]} {
        return 0
    }
    foreach m $ms {
        if {$m ne "w" && ![alive_process $m]} {
            return 0
        }
        if {$m ne "glusterd" && $m ni $store_failed && ![brick_alive $m]} {
            return 0
        }
    }
    return 1
}

proc ended {{member ""}} {
    variable store_failed
    foreach m [each_member $member] {
        if {$m ne "w"} {
            set e [ended_process $m]
            if {[dict size $e]} {
                return $e
            }
        }
        if {$m ne "glusterd" && $m ni $store_failed && ![brick_alive $m]} {
            return [dict create pid [brick_pid $m] outside 1 \
                how "its brick process (glusterfsd, started by glusterd) is gone; how it ended is unknown"]
        }
    }
    return {}
}

# --- faults -------------------------------------------------------------------------------------

proc fault {member name args} {
    variable store_failed
    variable brick_timeout_s
    if {![has_tgtd $member]} {
        return -code error "$name: member $member has no store"
    }
    switch -- $name {
        fail-store {
            if {[llength $args] > 1 || ($args ne "" && $args ne "both")} {
                ::mc::device_inconc "fail-store $args: a GlusterFS brick fails as a whole (its process killed), not for reads or writes alone or a range"
            }
            lappend store_failed $member
            set pid [brick_pid $member]
            brick_signal $member KILL
            # Failed once glusterd sees it so (a start before that would start nothing).
            bricks_wait [list $member] $brick_timeout_s 0
            return "brick of $member (pid $pid) killed"
        }
        heal-store {
            bricks_up [list $member]
            set store_failed [lsearch -all -inline -not -exact $store_failed $member]
            return "brick of $member started (pid [brick_pid $member])"
        }
    }
    return -code error "fault $name is not offered"
}

proc identity {} {
    set g {}
    set t {}
    catch {lindex [split [exec glusterd --version] \n] 0} g
    catch {exec tgtd -V} t
    return [dict create vendor "GlusterFS and the Linux SCSI target framework" \
        product "GlusterFS replica volume served by tgtd (bs_glfs)" firmware "[string trim $g], tgtd [string trim $t]"]
}
