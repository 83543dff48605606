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
{"name": "flaky", "plugin_path": ["$PLUG"], "dead_letter": "dead.jsonl", "batch_size": 100,
 "sources": [{"id": "in", "plugin": "file", "path": "in.jsonl"}],
 "sinks": [{"id": "out", "plugin": "flaky", "inputs": ["in"], "path": "out.jsonl",
            "retry": {"attempts": 4, "initial_ms": 10, "max_ms": 40} $1}]}
JSON
}

pipeline ', "fail_first": 3' >"$TMP/retry.json"
expect_exit 0 "$SLUICE" run "$TMP/retry.json"
expect_lines "$TMP/out.jsonl" 1000
expect_contains "$ERR" "attempt 1 of 4"
expect_contains "$ERR" "simulated transient failure"

rm -f "$TMP/out.jsonl"
pipeline ', "always_retry": true' >"$TMP/giveup.json"
expect_exit 1 "$SLUICE" run "$TMP/giveup.json"
expect_contains "$ERR" "giving up after 4 attempts"
expect_contains "$ERR" "pipeline flaky: failed"

rm -f "$TMP/out.jsonl" "$TMP/dead.jsonl"
pipeline ', "refuse_field": "bad"' >"$TMP/refuse.json"
expect_exit 0 "$SLUICE" run "$TMP/refuse.json"
expect_lines "$TMP/out.jsonl" 997
expect_lines "$TMP/dead.jsonl" 3
expect_eq "$(jq -r .record.n "$TMP/dead.jsonl" | sort -n | tr '\n' ' ')" "137 555 556 " "refused records isolated"
expect_eq "$(jq -r .reason "$TMP/dead.jsonl" | sort -u)" "refused by sink out: simulated constraint violation" "sink's reason kept"
expect_eq "$(jq -r '.origin | endswith("in.jsonl")' "$TMP/dead.jsonl" | sort -u)" true "dead letter names the source file"
expect_eq "$(jq -r .line "$TMP/dead.jsonl" | sort -n | tr '\n' ' ')" "137 555 556 " "and the line"
expect_eq "$(jq -r .n "$TMP/out.jsonl" | sort -n | md5sum)" "$(seq 1 1000 | grep -vxE '137|555|556' | md5sum)" "the rest landed"
