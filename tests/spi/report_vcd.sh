#!/bin/sh
# The spi suite's report keeps the bus waveform: a run of sm.vcd.offline with --report leaves
# ID-bus.vcd and ID-bus.gtkw in the folder; sigrok-cli lists every signal of the VCD as a channel
# (11 lines and DB0..DB15) and reads it over its whole time span (one sample a nanosecond up to
# the last timestamp); the GTKWave save file names that VCD and every one of its signals.
# Prints TAP; exits 1 when a point failed.
#   report_vcd.sh MIRRORCERT SIGROK-CLI WORKDIR
mc=$1 sigrok=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
. "$(dirname "$0")/../tap/tap.sh"
echo "TAP version 13"
"$mc" run --suite spi --filter sm.vcd.offline --seed 5 --report "$work/report" >"$work/run.out" 2>&1
point $? "sm.vcd.offline passes with a report folder"
vcd=$work/report/sm.vcd.offline-bus.vcd gtkw=$work/report/sm.vcd.offline-bus.gtkw
point "$([ -s "$vcd" ] && [ -s "$gtkw" ]; echo $?)" "the report keeps the VCD and the GTKWave save file"
vars=$(grep -c '^\$var wire 1 ' "$vcd")
show=$("$sigrok" -I vcd -i "$vcd" --show 2>&1)
channels=$(echo "$show" | sed -n 's/^Channels: //p')
point "$([ "$vars" -eq 27 ] && [ "$channels" = "$vars" ]; echo $?)" \
    "sigrok-cli sees every signal as a channel ($channels of $vars single wires)"
last=$(grep '^#[0-9]' "$vcd" | tail -n 1 | tr -d '#')
samples=$(echo "$show" | sed -n 's/^Logic sample count: //p')
point "$([ -n "$last" ] && [ "$samples" = "$last" ]; echo $?)" \
    "sigrok-cli reads the whole time span ($samples samples at 1 ns, last change at $last ns)"
point "$(grep -qx "\[dumpfile\] \"$(basename "$vcd")\"" "$gtkw"; echo $?)" "the save file names the VCD beside it"
missing=""
for v in $(sed -n 's/^\$var wire 1 [^ ]* \([^ ]*\) \$end$/\1/p' "$vcd"); do
    grep -q "scsi\.$v\( \|\$\)" "$gtkw" || missing="$missing $v"
done
point "$([ -z "$missing" ]; echo $?)" "the save file shows every signal${missing:+; missing:$missing}"
point "$(grep -q '^#{scsi.DB\[15:0\]} scsi.DB15 ' "$gtkw"; echo $?)" "the save file puts DB15..DB0 together as one vector"
echo "1..$n"
exit "$failed"
