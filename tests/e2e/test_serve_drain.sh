#!/usr/bin/env bash
# sluice serve and SIGTERM: scheduling stops at once (no run starts after
# the signal, a POST is refused, /health answers 503 with the reason), the
# run going on drains: what it read is written and its cursor committed,
# and serve exits 0 once it ended. A second SIGTERM stops the run at once
# (exit 1), and the run is recorded as failed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

cursor_n() { "$SLUICE" state show --json "$TMP/drain.json" 2>/dev/null | jq -r '.cursors.src.cursor.n // 0'; }
lines_of() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
health_says() { curl -s "$BASE/health" | jq -e --arg r "$1" '.reason == $r'; }

# drain: 10 records, waits at a gate after 4 even when asked to stop ("hold")
probe_pipeline "$TMP/drain.json" drain "0 0 1 1 *" "" \
    "\"records\": 10, \"gate_after\": 4, \"hold\": true, \"gate\": \"$TMP/drain.gate\", \"started\": \"$TMP/drain.started\""
probe_pipeline "$TMP/ticker.json" ticker "* * * * * *"

start_serve "$TMP/drain.json" "$TMP/ticker.json" || exit 1
wait_until "ticker runs every second" 10 at_least 1 finished_runs "$TMP/ticker.json"
expect_eq "$(http POST /pipelines/drain/run)" 202 "start drain"
wait_until "drain's first 4 records are committed" 15 at_least 4 cursor_n

kill -TERM "$SERVE_PID"
sigterm_at=$(date +%s.%N)
# (a run of ticker may be going on at that moment too, and end at once)
wait_until "serve logs that it drains" 10 grep -qE "no more runs start; waiting for [12] runs? to drain and commit" "$SERVE_LOG"
wait_until "only drain's run is left" 10 health_says "stopping: waiting for 1 run to drain"
expect_eq "$(http GET /health)" 503 "/health while draining: 503"
expect_eq "$(jq -r .reason "$TMP/body")" "stopping: waiting for 1 run to drain" "/health gives the reason"
expect_eq "$(http POST /pipelines/ticker/run)" 503 "no run starts on request while stopping"
expect_contains "$TMP/body" "the server is stopping"
expect_eq "$(curl -s "$BASE/metrics" | awk '$1 == "sluice_serve_stopping" {print $2}')" 1 "/metrics: stopping 1"
starts_then=$(grep -c 'pipeline ticker: run started' "$SERVE_LOG")
# ticker fires every second: two of its fire times pass with no run started
wait_until "two seconds passed since SIGTERM" 5 \
    awk -v t0="$sigterm_at" 'BEGIN { "date +%s.%N" | getline now; exit !(now - t0 > 2.2) }'
expect_eq "$(grep -c 'pipeline ticker: run started' "$SERVE_LOG")" "$starts_then" "no scheduled run starts after SIGTERM"
kill -0 "$SERVE_PID" 2>/dev/null && pass "serve waits for the run" || fail "serve waits for the run"

touch "$TMP/drain.gate"
rc=0
wait "$SERVE_PID" || rc=$?
expect_eq "$rc" 0 "serve exits 0 once the run drained"
expect_contains "$SERVE_LOG" "every run ended; exiting"
"$SLUICE" status --json "$TMP/drain.json" >"$TMP/drain.status"
expect_eq "$(jq -r '.pipelines[0].runs[0].status' "$TMP/drain.status")" interrupted "the drained run is recorded as interrupted"
written=$(lines_of "$TMP/drain.out.jsonl")
expect_eq "$(cursor_n)" "$written" "the committed cursor matches what was written ($written records)"
expect_eq "$(jq '.pipelines[0].runs[0].stages[] | select(.stage == "out") | .out' "$TMP/drain.status")" "$written" \
    "the history's count matches too"
[ "$written" -ge 4 ] && [ "$written" -lt 10 ] && pass "stopped early, after the first records" ||
    fail "stopped early, after the first records (wrote $written)"

# ---- a second SIGTERM stops at once -------------------------------------------------------------
rm -f "$TMP/drain.gate" "$TMP/drain.started"
start_serve "$TMP/drain.json" || exit 1
expect_eq "$(http POST /pipelines/drain/run)" 202 "start drain again"
wait_until "drain's run is going on" 10 test -s "$TMP/drain.started"
kill -TERM "$SERVE_PID"
# the run got the first signal before the second is sent (signals of one kind coalesce)
wait_until "the run drains" 10 grep -q "Terminated: stopping; draining in-flight records" "$SERVE_LOG"
stop_serve TERM
expect_eq "$SERVE_RC" 1 "a second SIGTERM: exit 1"
expect_contains "$SERVE_LOG" "second Terminated: stopping 1 run without draining"
expect_eq "$("$SLUICE" status --json "$TMP/drain.json" | jq -r '.pipelines[0].runs[0] | .status + ": " + .error')" \
    "failed: the run process ended without recording the end of the run" "the stopped run is recorded as failed"
