# Shared shell helpers for the interoperability checks: ports, peers, deadlines, result parsing.
# Sourced by the scripts in this folder; each script sets MC_WORK (its log/scratch folder) first.

mc_log() { printf '%s\n' "$*" >&2; }
mc_die() { mc_log "FAIL: $*"; exit 1; }

# A TCP port on 127.0.0.1 with no listener; ss(8) is in iproute2, present on every Debian.
mc_free_port() {
    local p tries=0
    while [ $tries -lt 200 ]; do
        p=$(( 20000 + RANDOM % 40000 ))
        if [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
            echo "$p"
            return 0
        fi
        tries=$((tries + 1))
    done
    return 1
}

# A tgtd control port (-C): a Unix socket /var/run/tgtd/socket.N, N at most 32767 (tgtd's limit);
# one whose lock file no running tgtd holds.
mc_free_ctl_port() {
    local c tries=0
    while [ $tries -lt 200 ]; do
        c=$(( 1000 + RANDOM % 31000 ))
        if ! pgrep -f -- "tgtd .*-C $c " >/dev/null 2>&1 && [ ! -e "/var/run/tgtd/socket.$c" ]; then
            echo "$c"
            return 0
        fi
        tries=$((tries + 1))
    done
    return 1
}

# mc_wait_line FILE PATTERN SECONDS PID: waits until FILE holds a line matching PATTERN while PID lives.
mc_wait_line() {
    local file=$1 pat=$2 secs=$3 pid=$4 i=0
    while [ $i -lt $((secs * 10)) ]; do
        grep -q -- "$pat" "$file" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# mc_wait_port PORT SECONDS: until something listens on 127.0.0.1:PORT.
mc_wait_port() {
    local port=$1 secs=$2 i=0
    while [ $i -lt $((secs * 10)) ]; do
        [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# mc_start_ours MIRRORCERT IQN LUNFILE LOG [WRAPPER...]: starts the reference target in the
# background (optionally under a wrapper such as valgrind) on a port the kernel picks, waits for
# its ready line, and sets MC_OURS_PID and MC_OURS_PORT (the port the line names: no other
# process can have taken it in between).
mc_start_ours() {
    local bin=$1 iqn=$2 lunfile=$3 log=$4
    shift 4
    "$@" "$bin" serve iscsi-target --portal "127.0.0.1:0" --iqn "$iqn" --lun "1=$lunfile" \
        --size 64M >"$log" 2>&1 &
    MC_OURS_PID=$!
    if ! mc_wait_line "$log" ready "${MC_READY_SECONDS:-60}" "$MC_OURS_PID"; then
        mc_log "--- $log"; cat "$log" >&2
        kill -TERM "$MC_OURS_PID" 2>/dev/null
        mc_die "reference target did not print its ready line"
    fi
    MC_OURS_PORT=$(sed -n 's/.* ready portal=127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$log" | head -n 1)
    [ -n "$MC_OURS_PORT" ] || mc_die "no portal in the reference target's ready line (see $log)"
}

# mc_stop_ours SECONDS: SIGTERM, wait with a deadline, return the target's exit status.
mc_stop_ours() {
    local secs=${1:-30} i=0
    [ -n "${MC_OURS_PID:-}" ] || return 0
    kill -TERM "$MC_OURS_PID" 2>/dev/null
    while kill -0 "$MC_OURS_PID" 2>/dev/null && [ $i -lt $((secs * 10)) ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if kill -0 "$MC_OURS_PID" 2>/dev/null; then
        kill -KILL "$MC_OURS_PID" 2>/dev/null
        wait "$MC_OURS_PID" 2>/dev/null
        MC_OURS_PID=
        mc_log "reference target ignored SIGTERM for ${secs}s"
        return 124
    fi
    local rc=0
    wait "$MC_OURS_PID" || rc=$?
    MC_OURS_PID=
    return $rc
}

# mc_start_tgtd PORT CONTROLPORT IQN LUNFILE LOG: tgtd in the foreground on a private control port
# (-C), one target with the file as LUN 1, open to all initiators. Sets MC_TGTD_PID.
mc_start_tgtd() {
    local port=$1 ctl=$2 iqn=$3 lunfile=$4 log=$5
    command -v tgtd >/dev/null || mc_die "tgtd not installed (Debian package tgt)"
    tgtd -f -C "$ctl" --iscsi "portal=127.0.0.1:$port" >"$log" 2>&1 &
    MC_TGTD_PID=$!
    MC_TGTD_CTL=$ctl
    mc_wait_port "$port" 30 || mc_die "tgtd did not listen on port $port (see $log)"
    local i=0
    until tgtadm -C "$ctl" --lld iscsi --op new --mode target --tid 1 -T "$iqn" >>"$log" 2>&1; do
        i=$((i + 1))
        [ $i -lt 50 ] || mc_die "tgtadm could not reach tgtd on control port $ctl"
        sleep 0.1
    done
    tgtadm -C "$ctl" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$lunfile" >>"$log" 2>&1 ||
        mc_die "tgtadm: adding the LUN failed"
    tgtadm -C "$ctl" --lld iscsi --op bind --mode target --tid 1 -I ALL >>"$log" 2>&1 ||
        mc_die "tgtadm: binding the target failed"
}

# tgtd leaves on "delete system" once its targets are gone; SIGKILL only past the deadline.
mc_stop_tgtd() {
    [ -n "${MC_TGTD_PID:-}" ] || return 0
    tgtadm -C "$MC_TGTD_CTL" --lld iscsi --op delete --mode target --tid 1 --force >/dev/null 2>&1
    tgtadm -C "$MC_TGTD_CTL" --op delete --mode system >/dev/null 2>&1
    local i=0
    while kill -0 "$MC_TGTD_PID" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -0 "$MC_TGTD_PID" 2>/dev/null && kill -KILL "$MC_TGTD_PID" 2>/dev/null
    wait "$MC_TGTD_PID" 2>/dev/null
    MC_TGTD_PID=
}

# mc_cu_parse OUT: turns iscsi-test-cu's verbose output into "RESULT Suite.Test" lines, RESULT one
# of pass, skip (passed but announced [SKIPPED]: the library counts these as passes), fail.
mc_cu_parse() {
    awk '
        function finish(res) { if (name != "") { print res, suite "." name; name = "" } }
        /^Suite: / { suite = $2; next }
        /^  Test: / {
            name = $2; skipped = 0
        }
        name != "" && /\[SKIPPED\]/ { skipped = 1 }
        name != "" && /(\.\.\.passed|^passed)/ { finish(skipped ? "skip" : "pass"); next }
        name != "" && /(\.\.\.FAILED|^FAILED)/ { finish("fail"); next }
    ' "$1"
}

# mc_cu_xml_failed XML: failed test cases in the run summary of a CUnit results file (the
# per-test records hold one FAILURE element per failed assertion, so they are not counted).
mc_cu_xml_failed() {
    awk '/<TYPE> Test Cases <\/TYPE>/ { t = 1 } t && /<FAILED>/ { gsub(/[^0-9]/, ""); print; exit }' "$1"
}
