#!/usr/bin/env bash
# SIGTERM and SIGINT stop the sources, drain what is in flight, flush the
# sinks, commit the cursor and exit 1 ("interrupted"): every record written
# is whole, the summary's count matches the file, and the next run goes on
# from where the interrupted one stopped, with no gap.
. "$(dirname "$0")/lib.sh"

N=3000000
seq 1 $N | awk '{printf "{\"n\": %d, \"pad\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n", $1}' >"$TMP/big.jsonl"
cat >"$TMP/p.json" <<'JSON'
{
  "name": "sig",
  "sources": [{"id": "in", "plugin": "file", "path": "big.jsonl"}],
  "transforms": [{"id": "m", "plugin": "map", "inputs": ["in"], "set": {"x": 1}}],
  "sinks": [{"id": "out", "plugin": "file", "inputs": ["m"], "path": "${OUT_FILE}"}]
}
JSON

prev_last=0
for sig in TERM INT; do
    out=$TMP/out.$sig.jsonl
    OUT_FILE=$out "$SLUICE" run "$TMP/p.json" </dev/null >"$TMP/stdout" 2>"$TMP/stderr.$sig" &
    pid=$!
    # wait until enough records flow that a cursor was committed, then signal
    for _ in $(seq 1 200); do
        [ -s "$out" ] && [ "$(wc -l <"$out")" -gt 20000 ] && break
        sleep 0.05
    done
    kill -s "$sig" "$pid"
    rc=0
    wait "$pid" || rc=$?
    expect_eq "$rc" 1 "SIG$sig: exit 1 (interrupted)"
    expect_contains "$TMP/stderr.$sig" "interrupted"
    lines=$(wc -l <"$out")
    expect_eq "$(jq -c . "$out" 2>/dev/null | wc -l)" "$lines" "SIG$sig: every line is whole JSON"
    written=$(awk '$1 == "out" && $2 == "sink" {print $5}' "$TMP/stderr.$sig")
    expect_eq "$written" "$lines" "SIG$sig: summary count equals lines in the file"
    first=$(head -1 "$out" | jq -r .n)
    last=$(tail -1 "$out" | jq -r .n)
    expect_eq "$(jq -r .n "$out" | md5sum)" "$(seq "$first" "$last" | md5sum)" "SIG$sig: a contiguous run of the input, in order"
    if [ "$prev_last" -eq 0 ]; then
        expect_eq "$first" 1 "SIG$sig: the first run starts at the beginning"
    else
        # resumed from the committed cursor: not from the start, and no gap
        if [ "$first" -gt 1 ] && [ "$first" -le $((prev_last + 1)) ]; then
            pass "SIG$sig: resumed at $first after $prev_last, no gap"
        else
            fail "SIG$sig: resumed at $first after $prev_last"
        fi
    fi
    expect_ne "$last" "$N" "SIG$sig: stopped before the end"
    prev_last=$last
done
