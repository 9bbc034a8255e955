#!/bin/sh
# The certification page renders in a browser: headless Chromium loads certification.html of a
# passing spi run, of a run against a mutant, and of a failed iSCSI vector (whose ladder diagram
# marks the PDU the failure names), and the rendered page (its DOM after layout)
# opens with the overall verdict (CONFORMANT / NOT CONFORMANT), shows an SVG verdict bar per claim
# set, links claims to vector rows that exist, and needs no other file (no stylesheet link);
# each page is also saved as a screenshot. Prints TAP; exits 1 when a point failed, 77 (skip)
# when Chromium is not installed (Debian package chromium, installed by `./mirrorcert test`).
#   report_browser.sh MIRRORCERT WORKDIR
mc=$1 work=$2
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "1..0 # SKIP Chromium is not installed (Debian package chromium)"
    exit 77
fi
rm -rf "$work" && mkdir -p "$work" || exit 1
. "$(dirname "$0")/../tap/tap.sh"
echo "TAP version 13"
# A browser of its own: profile in the work folder, no sandbox (CI runs as root), bounded time.
headless() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.err"
}

"$mc" run --suite spi --seed 3 --report "$work/pass" >"$work/pass.out" 2>&1
point $? "the spi suite passes on spi-sim and writes its report"
"$mc" run --suite spi --seed 3 --mutant no-release --report "$work/mutant" >"$work/mutant.out" 2>&1
point "$([ $? -eq 1 ]; echo $?)" "the spi suite fails on the mutant no-release (exit 1) and writes its report"

for run in pass mutant; do
    page=$work/$run/certification.html
    headless --dump-dom "file://$page" >"$work/$run.dom"
    point "$([ -s "$work/$run.dom" ]; echo $?)" "$run: Chromium renders $page"
    want=CONFORMANT
    [ $run = mutant ] && want="NOT CONFORMANT"
    got=$(tr '\n' ' ' <"$work/$run.dom" | sed -n 's/.*<div class="verdict">[[:space:]]*\([A-Z ,]*[A-Z]\).*/\1/p' | head -n 1)
    point "$([ "$got" = "$want" ]; echo $?)" "$run: the page opens with the overall verdict \"$got\""
    first=$(grep -n -m1 'id="verdict"' "$work/$run.dom" | cut -d: -f1)
    table=$(grep -n -m1 '<table' "$work/$run.dom" | cut -d: -f1)
    point "$([ -n "$first" ] && [ -n "$table" ] && [ "$first" -lt "$table" ]; echo $?)" \
        "$run: the verdict comes before any table (line $first, first table at $table)"
    bars=$(grep -o '<svg' "$work/$run.dom" | wc -l)
    point "$([ "$bars" -ge 1 ]; echo $?)" "$run: a verdict bar per claim set ($bars SVG bars)"
    broken=""
    for target in $(grep -o 'href="#v-[^"]*"' "$work/$run.dom" | sed 's/href="#//; s/"$//' | sort -u); do
        grep -q "id=\"$target\"" "$work/$run.dom" || broken="$broken $target"
    done
    links=$(grep -o 'href="#v-' "$work/$run.dom" | wc -l)
    point "$([ "$links" -gt 0 ] && [ -z "$broken" ]; echo $?)" "$run: $links links from claims to vector rows, none broken${broken:+:$broken}"
    point "$(! grep -q '<link rel="stylesheet"' "$work/$run.dom"; echo $?)" "$run: the page is self-contained (no stylesheet link)"
    headless --window-size=1280,1600 --screenshot="$work/$run.png" "file://$page" >/dev/null
    point "$(head -c 8 "$work/$run.png" 2>/dev/null | od -An -c | grep -q 'P   N   G'; echo $?)" \
        "$run: a screenshot is written ($work/$run.png)"
done
# The mutant run's failed spi vectors each get a strip of their bus's phases; the passing run none.
strips=$(grep -o 'id="strip-sm\.' "$work/mutant.dom" | wc -l)
failed_spi=$(xmllint --xpath 'count(//vector[@verdict!="pass"])' "$work/mutant/results.xml" 2>/dev/null)
point "$([ "$strips" -ge 1 ] && [ "$strips" = "$failed_spi" ]; echo $?)" \
    "every spi vector that failed on the mutant has a bus-phase strip ($strips of $failed_spi)"
point "$(! grep -q 'id="strip-' "$work/pass.dom"; echo $?)" "the passing run draws none"

# A failed iSCSI vector's ladder: the mutant text-no-final leaves F clear on the final Text
# Response; the certificate draws the vector's PDUs and marks that PDU with the field.
"$mc" run --suite iscsi-core --mutant text-no-final --filter core.text.final --seed 3 \
    --report "$work/ladder" >"$work/ladder.out" 2>&1
point "$([ $? -eq 1 ]; echo $?)" "core.text.final fails on the mutant text-no-final"
hit=$(xmllint --xpath 'string(//vector[@id="core.text.final"]/ladder/pdu[@hit]/@op)' "$work/ladder/results.xml" 2>/dev/null)
point "$([ "$hit" = "Text Response" ]; echo $?)" "the results mark the Text Response as the PDU the failure names ($hit)"
headless --dump-dom "file://$work/ladder/certification.html" >"$work/ladder.dom"
rows=$(grep -o '<polygon' "$work/ladder.dom" | wc -l)
point "$(grep -q 'id="ladder-core.text.final"' "$work/ladder.dom" && [ "$rows" -ge 6 ]; echo $?)" \
    "Chromium renders the vector's ladder diagram ($rows PDUs drawn)"
point "$(grep -q 'Text Response (iscsi[0-9]*) · field F' "$work/ladder.dom"; echo $?)" "the offending PDU is labelled with its field"
headless --window-size=1280,1600 --screenshot="$work/ladder.png" "file://$work/ladder/certification.html" >/dev/null

# A failed multicast initiator vector's ladder holds the group datagrams the device sent and the
# emulated targets' PDUs: the mutant mcast-data-before-all-r2t sends data before every R2T.
"$mc" run --suite mcast --mutant mcast-data-before-all-r2t --filter mcast.init.data-out --seed 3 \
    --report "$work/mladder" >"$work/mladder.out" 2>&1
point "$([ $? -eq 1 ]; echo $?)" "mcast.init.data-out fails on the mutant mcast-data-before-all-r2t"
groups=$(xmllint --xpath 'count(//vector[@id="mcast.init.data-out"]/ladder/pdu[@conn="group"])' "$work/mladder/results.xml" 2>/dev/null)
r2ts=$(xmllint --xpath 'count(//vector[@id="mcast.init.data-out"]/ladder/pdu[@op="Ready To Transfer (R2T)"])' "$work/mladder/results.xml" 2>/dev/null)
point "$([ "${groups:-0}" -ge 1 ] && [ "${r2ts:-0}" -ge 1 ]; echo $?)" \
    "its ladder holds the device's group datagrams ($groups) and the emulated targets' R2Ts ($r2ts)"

# A failed virtual SAN vector's timeline: the mutant vsan-resync-nothing leaves a restarted
# server's store behind; vsan.resync.identical (a pool of clients, a kill and a start of s2)
# fails, and the certificate draws its clients' operations and the kill and start.
"$mc" run --suite vsan --mutant vsan-resync-nothing --filter vsan.resync.identical --seed 3 \
    --report "$work/timeline" >"$work/timeline.out" 2>&1
point "$([ $? -eq 1 ]; echo $?)" "vsan.resync.identical fails on the mutant vsan-resync-nothing"
ops=$(xmllint --xpath 'count(//vector[@id="vsan.resync.identical"]/timeline/op)' "$work/timeline/results.xml" 2>/dev/null)
events=$(xmllint --xpath 'count(//vector[@id="vsan.resync.identical"]/timeline/event)' "$work/timeline/results.xml" 2>/dev/null)
point "$([ "${ops:-0}" -ge 1 ] && [ "${events:-0}" -ge 2 ]; echo $?)" \
    "the results hold its clients' operations ($ops) and its device operations ($events)"
headless --dump-dom "file://$work/timeline/certification.html" >"$work/timeline.dom"
point "$(grep -q 'id="timeline-vsan.resync.identical"' "$work/timeline.dom" && grep -q 'kill s2 (' "$work/timeline.dom"; echo $?)" \
    "Chromium renders the timeline with the kill of s2 on it"

echo "1..$n"
exit "$failed"
