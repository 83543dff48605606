#!/usr/bin/env bash
# Sink failures: transient ones are retried with backoff and the run
# completes; retries that run out fail the run (exit 1); a record the sink
# refuses is isolated by splitting its batch and dead-lettered with the
# sink's reason while the rest of the batch lands.
. "$(dirname "$0")/lib.sh"

PLUG=$SLUICE_BUILD_DIR/test-plugins/e2e
seq 1 1000 | awk '{printf "{\"n\": %d, \"bad\": %s}\n", $1, ($1 == 137 || $1 == 555 || $1 == 556 ? "true" : "false")}' >"$TMP/in.jsonl"

pipeline() { # $1 = extra sink options
    cat <<JSON
{"plugin_path": ["$PLUG"], "dead_letter": "dead.jsonl", "batch_size": 100,
 "sources": [{"id": "in", "plugin": "file", "path": "in.jsonl"}],
 "sinks": [{"id": "out", "plugin": "flaky", "inputs": ["in"], "path": "out.jsonl",
            "retry": {"attempts": 4, "initial_ms": 10, "max_ms": 40} $1}]}
JSON
}

pipeline ', "fail_first": 3' >"$TMP/retry.json"
expect_exit 0 "$SLUICE" run "$TMP/retry.json"
expect_lines "$TMP/out.jsonl" 1000
expect_contains "$ERR" "attempt 1 of 4"
expect_contains "$ERR" "simulated transient failure (token none)"

rm -f "$TMP/out.jsonl"
pipeline ', "always_retry": true' >"$TMP/giveup.json"
expect_exit 1 "$SLUICE" run "$TMP/giveup.json"
expect_contains "$ERR" "giving up after 4 attempts"
expect_contains "$ERR" "pipeline giveup: failed"

rm -f "$TMP/out.jsonl" "$TMP/dead.jsonl"
pipeline ', "refuse_field": "bad"' >"$TMP/refuse.json"
expect_exit 0 "$SLUICE" run "$TMP/refuse.json"
expect_lines "$TMP/out.jsonl" 997
expect_lines "$TMP/dead.jsonl" 3
expect_eq "$(jq -r .record.n "$TMP/dead.jsonl" | sort -n | tr '\n' ' ')" "137 555 556 " "refused records isolated"
expect_eq "$(jq -r .reason "$TMP/dead.jsonl" | sort -u)" "refused by sink out: simulated constraint violation (token none)" "sink's reason kept"
expect_eq "$(jq -r '.origin | endswith("in.jsonl")' "$TMP/dead.jsonl" | sort -u)" true "dead letter names the source file"
expect_eq "$(jq -r .line "$TMP/dead.jsonl" | sort -n | tr '\n' ' ')" "137 555 556 " "and the line"
expect_eq "$(jq -r .n "$TMP/out.jsonl" | sort -n | md5sum)" "$(seq 1 1000 | grep -vxE '137|555|556' | md5sum)" "the rest landed"

# The cursor never moves past a batch that did not land: two pipeline files
# sharing one state store, one healthy, one whose sink always fails.
mk() { # $1 = file, $2 = extra sink options
    cat >"$TMP/$1" <<JSON
{"name": "shared", "state": "state/shared.db", "plugin_path": ["$PLUG"], "dead_letter": "dead2.jsonl",
 "sources": [{"id": "in", "plugin": "file", "path": "grow.jsonl"}],
 "sinks": [{"id": "out", "plugin": "flaky", "inputs": ["in"], "path": "grow-out.jsonl",
            "retry": {"attempts": 2, "initial_ms": 10, "max_ms": 20} $2}]}
JSON
}
mk healthy.json ''
mk broken.json ', "always_retry": true'
seq 1 500 | awk '{printf "{\"n\": %d}\n", $1}' >"$TMP/grow.jsonl"
expect_exit 0 "$SLUICE" run -q "$TMP/healthy.json"
expect_lines "$TMP/grow-out.jsonl" 500
expect_exit 0 "$SLUICE" state show --json "$TMP/healthy.json"
cursor1=$(jq -c '.cursors["in"].cursor' "$OUT")
expect_ne "$cursor1" "null" "a cursor is committed after a successful run"
seq 501 600 | awk '{printf "{\"n\": %d}\n", $1}' >>"$TMP/grow.jsonl"
expect_exit 1 "$SLUICE" run "$TMP/broken.json"
expect_exit 0 "$SLUICE" state show --json "$TMP/healthy.json"
expect_eq "$(jq -c '.cursors["in"].cursor' "$OUT")" "$cursor1" "failed run leaves the cursor where it was"
expect_eq "$(jq -r '.runs[0].status' "$OUT")" failed "run history records the failure"
expect_exit 0 "$SLUICE" run -q "$TMP/healthy.json"
expect_lines "$TMP/grow-out.jsonl" 600
expect_eq "$(jq -r .n "$TMP/grow-out.jsonl" | sort -n | md5sum)" "$(seq 1 600 | md5sum)" "the next run delivers what the failed one could not"

# A value of an option marked SECRET never reaches a log line or a dead
# letter, even when a plugin puts it into its own error texts.
rm -f "$TMP/out.jsonl" "$TMP/dead.jsonl"
pipeline ', "fail_first": 2, "refuse_field": "bad", "token": "tok-Zq81-very-secret"' >"$TMP/secret.json"
expect_exit 0 "$SLUICE" -v run "$TMP/secret.json"
expect_contains "$ERR" "simulated transient failure (token ***)"
expect_not_contains "$ERR" "tok-Zq81-very-secret"
expect_not_contains "$TMP/dead.jsonl" "tok-Zq81-very-secret"
expect_lines "$TMP/dead.jsonl" 3
