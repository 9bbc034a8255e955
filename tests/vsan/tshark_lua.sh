# Sourced by the scripts that read a mirror-link capture with tshark and the Lua dissector
# (tests/vsan/dissector_check.sh, tests/harness/vsan_relay_tshark.sh, mcast_group_tshark.sh): skips (77) when tshark is
# missing or built without Lua, makes the work folder, and gives TAP points.
#   . tshark_lua.sh   with $tshark and $work set; then point STATUS DESCRIPTION, and $failed
if [ -z "$tshark" ] || [ ! -x "$tshark" ]; then
    echo "1..0 # SKIP tshark is not installed (Debian package tshark)"
    exit 77
fi
if ! "$tshark" -v 2>/dev/null | grep -q "with Lua"; then
    echo "1..0 # SKIP this tshark was built without Lua: the dissector cannot be loaded"
    exit 77
fi
rm -rf "$work" && mkdir -p "$work" || exit 1
. "$(dirname "$0")/../tap/tap.sh"
echo "TAP version 13"
