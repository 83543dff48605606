#!/usr/bin/env bash
# Sinks whose transactions span batches (ABI 1.3 commit()): the core writes
# several batches into one transaction, commits when it is 500 ms old or
# enough batches wait, and acknowledges
# (so the cursor moves) only after the commit. A failed commit fails the
# run, and its records are read again by the next one.
. "$(dirname "$0")/lib.sh"

PLUG=$SLUICE_BUILD_DIR/test-plugins/e2e
seq 1 10000 | awk '{printf "{\"n\": %d}\n", $1}' >"$TMP/in.jsonl"

pipeline() { # $1 = extra sink options
    cat <<JSON
{"name": "txn", "plugin_path": ["$PLUG"], "batch_size": 100, "state": "state.db",
 "sources": [{"id": "in", "plugin": "file", "path": "in.jsonl"}],
 "sinks": [{"id": "out", "plugin": "txn", "inputs": ["in"], "path": "out.jsonl", "log": "commits.log" $1}]}
JSON
}

distinct() { jq -r .n "$TMP/out.jsonl" | sort -n | uniq | wc -l | tr -d ' '; }
sink_out() { "$SLUICE" state show --json "$1" | jq -r '.runs[0].stages[] | select(.stage == "out") | .out'; }
source_out() { "$SLUICE" state show --json "$1" | jq -r '.runs[0].stages[] | select(.stage == "in") | .out'; }

# A slow sink: transactions span batches; every record lands once, in order.
pipeline ', "write_delay_ms": 5' >"$TMP/slow.json"
expect_exit 0 "$SLUICE" run "$TMP/slow.json"
expect_lines "$TMP/out.jsonl" 10000
expect_eq "$(distinct)" 10000 "every record committed once"
expect_eq "$(jq -r .n "$TMP/out.jsonl" | sort -n -c && echo sorted)" sorted "in order"
commits=$(wc -l <"$TMP/commits.log")
writes=$(awk '{s += $1} END {print s}' "$TMP/commits.log")
most=$(awk '$1 > m {m = $1} END {print m}' "$TMP/commits.log")
expect_eq "$(( commits < writes ))" 1 "fewer commits ($commits) than writes ($writes)"
expect_eq "$(( most <= 51 ))" 1 "at most 48 batches (+ one group) per transaction: $most writes"
expect_eq "$(sink_out "$TMP/slow.json")" 10000 "the summary counts committed records"
expect_eq "$("$SLUICE" state show --json "$TMP/slow.json" | jq -r '.cursors.in.cursor != null')" true "cursor committed"

# The second commit fails (100 batches, and a transaction holds at most
# 51): the run fails, the first commit's records stay, the cursor stops
# after them, and the next run reads the rest again.
rm -f "$TMP/out.jsonl" "$TMP/commits.log" "$TMP"/state.db*
pipeline ', "write_delay_ms": 5, "fail_commit": 2' >"$TMP/fail.json"
expect_exit 1 "$SLUICE" run "$TMP/fail.json"
expect_contains "$ERR" "commit failed: simulated commit failure"
first=$(head -1 "$TMP/commits.log" | awk '{print $2}')
expect_lines "$TMP/out.jsonl" "$first"
expect_eq "$(( first < 10000 ))" 1 "the first commit held part of the input ($first records)"
pipeline '' >"$TMP/again.json"
expect_exit 0 "$SLUICE" run "$TMP/again.json"
expect_eq "$(distinct)" 10000 "after the re-run every record is there"
# The file source declares a position every few thousand records, so the
# cursor is at or before the end of the first commit, never after it.
reread=$(source_out "$TMP/again.json")
expect_eq "$(( reread >= 10000 - first && reread < 10000 ))" 1 "the re-run resumed within the first commit ($reread read again)"
