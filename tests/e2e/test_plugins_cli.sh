#!/usr/bin/env bash
# `sluice plugins`, `sluice describe`, --help, --version, JSON logs.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$SLUICE" plugins
for p in "source  *file" "transform  *map" "transform  *filter" "sink  *file" "sink  *stdout" "sink  *sqlite"; do
    if grep -Eq "$p" "$OUT"; then pass "plugins lists $p"; else fail "plugins lacks $p"; cat "$OUT"; fi
done

expect_exit 0 "$SLUICE" describe sqlite
expect_contains "$OUT" "path"
expect_contains "$OUT" "required"
expect_contains "$OUT" "key"
expect_exit 0 "$SLUICE" describe map
for o in rename drop set copy cast default lowercase uppercase trim; do expect_contains "$OUT" "$o"; done
expect_exit 0 "$SLUICE" describe sink/file
expect_contains "$OUT" "append"
expect_exit 2 "$SLUICE" describe no_such_plugin

expect_exit 0 "$SLUICE" --help
expect_contains "$OUT" "run PIPELINE.json"
expect_contains "$OUT" "Exit status"
expect_exit 0 "$SLUICE" run --help
expect_contains "$OUT" "dead_letter"
expect_exit 0 "$SLUICE" help describe
expect_exit 0 "$SLUICE" --version
expect_contains "$OUT" "ABI 1."

printf '{"a": 1}\n' >"$TMP/in.jsonl"
cat >"$TMP/p.json" <<'JSON'
{"sources": [{"id": "in", "plugin": "file", "path": "in.jsonl"}],
 "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["in"]}]}
JSON
expect_exit 0 "$SLUICE" run --log-format json "$TMP/p.json"
expect_eq "$(cat "$OUT")" '{"a":1}' "stdout sink writes the record"
expect_eq "$(jq -r 'select(.msg == "summary") | .status' "$ERR")" ok "JSON summary line"
expect_eq "$(jq -r 'select(.msg == "summary") | .stages[] | select(.stage == "out") | .out' "$ERR")" 1 "JSON summary counts"
expect_eq "$(jq -c . "$ERR" >/dev/null 2>&1 && echo valid)" valid "every stderr line is JSON"
expect_exit 0 "$SLUICE" run -q "$TMP/p.json"
expect_eq "$(wc -c <"$ERR")" 0 "-q prints nothing on success"

# A plugin built for another ABI major version is refused, loudly, by path.
mkdir -p "$TMP/badabi"
cp "$SLUICE_BUILD_DIR/test-plugins/cfg-bad/source_abi.so" "$TMP/badabi/"
cat >"$TMP/badabi/p.json" <<'JSON'
{"plugin_path": ["."],
 "sources": [{"id": "in", "plugin": "abi"}],
 "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["in"]}]}
JSON
expect_exit 2 "$SLUICE" run "$TMP/badabi/p.json"
expect_contains "$ERR" "source_abi.so"
expect_contains "$ERR" "built for plugin ABI"
expect_exit 2 "$SLUICE" validate "$TMP/badabi/p.json"
# Listing plugins survives it and says what is wrong with it.
expect_exit 0 env SLUICE_PLUGIN_PATH="$TMP/badabi" "$SLUICE" plugins
expect_contains "$ERR" "built for plugin ABI"
expect_contains "$OUT" "sqlite"
