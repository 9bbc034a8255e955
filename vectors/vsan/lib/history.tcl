# Helpers of the vsan vectors (prefix vs-) for concurrent clients: a pool on the servers'
# portals recording a history (docs/vsan-command.md), and the history's linearizability as one
# check (docs/history-checker.md). A vector's pool works on fresh blocks (vs-fresh-regions):
# the checker takes every block to start at zero.

# vs-pool-start SERVERS FIRST BLOCKS ARGS..: clients on the servers' portals over blocks
# FIRST..FIRST+BLOCKS-1 (options of `vsan client start`: -clients, -write-pct, -think-ms); the
# pool is stopped when the vector ends.
proc vs-pool-start {servers first blocks args} {
    defer {catch {vsan client stop}}
    vsan client start -portals [lmap m $servers {vs-portal $m}] -target [vs-iqn] -lun [vs-lun] \
        -first $first -blocks $blocks -timeout [vs-io-ms] {*}$args
}

# Stops the pool; returns its counts (ops, statuses).
proc vs-pool-stop {} {
    set s [vsan client stop]
    log "pool: [dict get $s ops] operations, statuses [dict get $s statuses]"
    return $s
}

# The recorded history (synchronous operations and the pool's) is linearizable: a violation
# fails under clause with the checker's explanation; a search that could not decide is inconc.
proc vs-linearizable {clause} {
    set c [vsan history check]
    log "history: [dict get $c ops] operations over [dict get $c keys] blocks: [dict get $c verdict]"
    switch -- [dict get $c verdict] {
        linearizable { return $c }
        violation {
            fail "the clients' history is not linearizable: [dict get $c rule] on block [dict get $c key]: [dict get $c explanation] (operations [dict get $c culprits])" \
                -clause $clause
        }
        default {
            inconc "the history checker could not decide ([dict get $c verdict]): [dict get $c explanation]" -clause $clause
        }
    }
}
