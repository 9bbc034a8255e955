# TAP from the shell tests, sourced by each: `. "$(dirname "$0")/../tap/tap.sh"`, then
# `point STATUS DESCRIPTION` for each test point (STATUS 0 is ok), and `tap_done` at the end,
# which prints the plan and exits 1 when a point failed, else 0.
n=0 failed=0
point() { # point STATUS DESCRIPTION
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
tap_done() {
    echo "1..$n"
    exit "$failed"
}
