#!/bin/sh
# Every command of README.md's sh blocks, run as written, so the test follows the README as it
# changes. They run in a scratch folder whose ./mirrorcert hands over to the source tree's
# launcher (build/ is the build tree), so what they write stays out of the source tree. Skipped,
# each with its reason: the test command itself and `./mirrorcert run` (the test main.run runs
# it as typed), commands marked "needs a real device", and those marked "needs root" when not
# root. A command that serves (`serve ... --portal`) starts, is ready when it prints its ready
# line, serves the commands after it and must stop cleanly on SIGTERM at the end. Prints TAP.
# usage: readme_examples.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -u
[ $# -eq 3 ] || { echo "usage: $0 SOURCE_DIR BUILD_DIR WORK_DIR" >&2; exit 2; }
src=$1 build=$2 work=$3
# The longest one example may take, and a server to print its ready line, in seconds.
example_s=${MC_EXAMPLE_SECONDS:-900}
ready_s=${MC_READY_SECONDS:-30}
stop_s=10
rm -rf "$work" && mkdir -p "$work" || exit 1
printf '#!/bin/sh\nexec "%s/mirrorcert" "$@"\n' "$src" >"$work/mirrorcert" && chmod +x "$work/mirrorcert"
ln -s "$build" "$work/build"
export MC_BUILD_DIR="$build"

# The commands of the sh blocks, one a line, continuation lines joined.
awk '
    /^```sh[ \t]*$/ { inblock = 1; next }
    /^```/ { inblock = 0; next }
    inblock {
        line = line $0
        if (line ~ /\\$/) { sub(/\\$/, "", line); next }
        if (line ~ /[^ \t]/) print line
        line = ""
    }
' "$src/README.md" >"$work/examples.txt"

. "$(dirname "$0")/../tap/tap.sh"
servers=""
skip() { # skip DESCRIPTION REASON
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}

echo "TAP version 13"
i=0
while IFS= read -r cmd; do
    i=$((i + 1))
    bare=$(printf '%s\n' "$cmd" | sed 's/[ \t][ \t]*#.*$//')
    log="$work/example$i.log"
    case "$cmd" in
    "./mirrorcert test"|"./mirrorcert test "*)
        skip "$bare" "the test command runs this very test"; continue ;;
    *"needs a real device"*)
        skip "$bare" "needs a real device"; continue ;;
    *"needs root"*)
        if [ "$(id -u)" -ne 0 ]; then skip "$bare" "needs root"; continue; fi ;;
    esac
    if [ "$bare" = "./mirrorcert run" ]; then
        skip "$bare" "the test main.run runs it as typed"; continue
    fi
    case "$bare" in
    *" serve "*"--portal "*)
        port=$(printf '%s\n' "$bare" | sed -n 's/.*--portal [^ ]*:\([0-9][0-9]*\).*/\1/p')
        if [ -n "$port" ] && [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
            skip "$bare" "port $port is in use on this host"; continue
        fi
        (cd "$work" && exec sh -c "exec $bare") >"$log" 2>&1 &
        pid=$!
        waited=0
        while ! grep -q ready "$log" 2>/dev/null && kill -0 "$pid" 2>/dev/null && [ $waited -lt $((ready_s * 10)) ]; do
            sleep 0.1
            waited=$((waited + 1))
        done
        if grep -q ready "$log"; then
            servers="$servers $pid:$i"
            point 0 "$bare (serving, pid $pid)"
        else
            kill -TERM "$pid" 2>/dev/null
            point 1 "$bare printed no ready line within ${ready_s} s (see $log)"
        fi
        continue ;;
    esac
    t0=$(date +%s)
    (cd "$work" && timeout -k 10 "$example_s" sh -c "$bare") >"$log" 2>&1 </dev/null
    rc=$?
    took=$(($(date +%s) - t0))
    point "$([ $rc -eq 0 ]; echo $?)" "$bare ($took s$([ $rc -eq 0 ] || echo ", exit $rc, see $log"))"
done <"$work/examples.txt"

for s in $servers; do
    pid=${s%%:*} i=${s#*:}
    kill -TERM "$pid" 2>/dev/null
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt $((stop_s * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        point 1 "example $i ignored SIGTERM for ${stop_s} s"
    else
        wait "$pid"
        rc=$?
        point "$([ $rc -eq 0 ]; echo $?)" "example $i stops cleanly on SIGTERM (exit $rc)"
    fi
done
[ $n -gt 0 ] || { echo "Bail out! no command found in the sh blocks of $src/README.md"; exit 1; }
echo "1..$n"
exit "$failed"
