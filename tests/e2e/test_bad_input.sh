#!/usr/bin/env bash
# Bad input never ends a run silently: malformed lines are counted, logged
# with file:line and dead-lettered; max_errors aborts with exit 1; a missing
# file is exit 1 naming the path; rejects with no dead-letter file are a
# failed run (the records would be lost).
. "$(dirname "$0")/lib.sh"

{
    echo '{"id": 1, "name": "Анна"}'
    echo '{"id": 2, "name": "Борис"'
    echo ''
    echo '[1, 2, 3]'
    echo '{"id": 3, "name": "Вера"}'
    echo 'not json at all'
    echo '{"id": 4, "name": "Глеб"}'
} >"$TMP/in.jsonl"

# Each pipeline file gets its own name, so its own state store: a second
# pipeline over the same input must not resume where another one stopped.
pipeline() { # $1 = extra top-level JSON members
    cat <<JSON
{
  $1
  "sources": [{"id": "in", "plugin": "file", "path": "in.jsonl", "stream": "people"}],
  "sinks": [{"id": "out", "plugin": "file", "inputs": ["in"], "path": "out.jsonl"}]
}
JSON
}

pipeline '"dead_letter": "dlq/dead.jsonl",' >"$TMP/p.json"
expect_exit 0 "$SLUICE" run "$TMP/p.json"
expect_lines "$TMP/out.jsonl" 3
expect_lines "$TMP/dlq/dead.jsonl" 3
expect_eq "$(jq -r '.line' "$TMP/dlq/dead.jsonl" | tr '\n' ' ')" "2 4 6 " "dead letters carry line numbers"
expect_eq "$(jq -r '.origin | endswith("in.jsonl")' "$TMP/dlq/dead.jsonl" | sort -u)" true "dead letters name the file"
expect_eq "$(jq -r 'select(.line == 6) | .raw' "$TMP/dlq/dead.jsonl")" "not json at all" "raw text kept"
expect_eq "$(jq -r 'select(.line == 2) | .stream' "$TMP/dlq/dead.jsonl")" "people" "stream kept"
expect_contains "$ERR" "in.jsonl:2:"
expect_contains "$ERR" "in.jsonl:6:"
expect_contains "$ERR" "rejected"
expect_eq "$(jq -r .name "$TMP/out.jsonl" | tr '\n' ' ')" "Анна Вера Глеб " "good records in order, Cyrillic intact"

# max_errors: more rejects than allowed -> exit 1.
pipeline '"dead_letter": "dlq/dead2.jsonl", "max_errors": 2,' >"$TMP/max.json"
expect_exit 1 "$SLUICE" run "$TMP/max.json"
expect_contains "$ERR" "max_errors"

pipeline '"dead_letter": "dlq/dead3.jsonl", "max_errors": 3,' >"$TMP/max3.json"
expect_exit 0 "$SLUICE" run -q "$TMP/max3.json"

# No dead-letter file: rejected records would be lost -> exit 1.
pipeline '' >"$TMP/nodlq.json"
expect_exit 1 "$SLUICE" run "$TMP/nodlq.json"
expect_contains "$ERR" "no dead_letter file is configured"

# Missing input file -> exit 1 with the path.
sed 's/in.jsonl/missing.jsonl/' "$TMP/p.json" >"$TMP/missing.json"
expect_exit 1 "$SLUICE" run "$TMP/missing.json"
expect_contains "$ERR" "missing.jsonl"

# CSV: broken rows dead-lettered with their line, the rest loaded.
printf '\xef\xbb\xbfid,name,note\n1,"Smith, John","said ""hi"""\n2,Иванов\n3,"multi\nline",x\n4,ok,"unterminated\n' >"$TMP/in.csv"
cat >"$TMP/csv.json" <<'JSON'
{
  "dead_letter": "csv-dead.jsonl",
  "sources": [{"id": "in", "plugin": "file", "path": "in.csv"}],
  "sinks": [{"id": "out", "plugin": "file", "inputs": ["in"], "path": "csv-out.jsonl"}]
}
JSON
expect_exit 0 "$SLUICE" run "$TMP/csv.json"
expect_lines "$TMP/csv-out.jsonl" 2
expect_eq "$(jq -r .name "$TMP/csv-out.jsonl" | head -1)" "Smith, John" "quoted comma"
expect_eq "$(jq -r .note "$TMP/csv-out.jsonl" | head -1)" 'said "hi"' "doubled quotes"
expect_eq "$(jq -r 'select(.id == "3") | .name' "$TMP/csv-out.jsonl")" $'multi\nline' "newline inside quotes"
expect_eq "$(jq -r 'keys_unsorted[0]' "$TMP/csv-out.jsonl" | head -1)" "id" "BOM stripped from the first header"
expect_eq "$(jq -r .line "$TMP/csv-dead.jsonl" | tr '\n' ' ')" "3 6 " "short row and unterminated quote dead-lettered by line"
