#!/usr/bin/env bash
# SIGTERM and SIGINT stop the sources, drain what is in flight, flush the
# sinks and exit 1 ("interrupted"): every record written is whole, and the
# summary's count matches the file.
. "$(dirname "$0")/lib.sh"

seq 1 3000000 | awk '{printf "{\"n\": %d, \"pad\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n", $1}' >"$TMP/big.jsonl"
cat >"$TMP/p.json" <<'JSON'
{
  "name": "sig",
  "sources": [{"id": "in", "plugin": "file", "path": "big.jsonl"}],
  "transforms": [{"id": "m", "plugin": "map", "inputs": ["in"], "set": {"x": 1}}],
  "sinks": [{"id": "out", "plugin": "file", "inputs": ["m"], "path": "out.jsonl"}]
}
JSON

for sig in TERM INT; do
    rm -f "$TMP/out.jsonl"
    "$SLUICE" run "$TMP/p.json" </dev/null >"$TMP/stdout" 2>"$TMP/stderr.$sig" &
    pid=$!
    # wait until records flow, then signal
    for _ in $(seq 1 100); do
        [ -s "$TMP/out.jsonl" ] && break
        sleep 0.05
    done
    kill -s "$sig" "$pid"
    rc=0
    wait "$pid" || rc=$?
    expect_eq "$rc" 1 "SIG$sig: exit 1 (interrupted)"
    expect_contains "$TMP/stderr.$sig" "interrupted"
    lines=$(wc -l <"$TMP/out.jsonl")
    expect_ne "$lines" 3000000 "SIG$sig: stopped before the end"
    expect_eq "$(jq -c . "$TMP/out.jsonl" 2>/dev/null | wc -l)" "$lines" "SIG$sig: every line is whole JSON"
    written=$(awk '$1 == "out" && $2 == "sink" {print $5}' "$TMP/stderr.$sig")
    expect_eq "$written" "$lines" "SIG$sig: summary count equals lines in the file"
    expect_eq "$(jq -r .n "$TMP/out.jsonl" | md5sum)" "$(seq 1 "$lines" | md5sum)" "SIG$sig: a prefix of the input, in order"
done
