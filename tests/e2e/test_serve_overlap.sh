#!/usr/bin/env bash
# sluice serve: a pipeline never overlaps itself: with "overlap": "skip" a
# fire time during a run is skipped (logged, counted in /metrics), with
# "queue" one run follows the running one; a run that crashes (abort) or is
# killed (kill -9) is recorded as failed, the other pipelines keep running
# and the server stays healthy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

metric() { # NAME{LABELS} -> value from /metrics
    curl -s "$BASE/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}
lines_of() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

# slow: every second, but its run waits at a gate file
probe_pipeline "$TMP/slow.json" slow "* * * * * *" '"overlap": "skip"' \
    "\"gate\": \"$TMP/slow.gate\", \"started\": \"$TMP/slow.started\""
probe_pipeline "$TMP/queued.json" queued "* * * * * *" '"overlap": "queue"' \
    "\"gate\": \"$TMP/queued.gate\", \"started\": \"$TMP/queued.started\""
# crashy: aborts every run; steady: runs every 2 s beside it
probe_pipeline "$TMP/crashy.json" crashy "*/2 * * * * *" "" '"crash": "abort"'
probe_pipeline "$TMP/steady.json" steady "*/2 * * * * *"
# victim: waits at a gate nobody opens, until the test kills its process
probe_pipeline "$TMP/victim.json" victim "0 0 1 1 *" "" \
    "\"gate\": \"$TMP/victim.gate\", \"started\": \"$TMP/victim.started\""

start_serve "$TMP/slow.json" "$TMP/queued.json" "$TMP/crashy.json" "$TMP/steady.json" "$TMP/victim.json" || exit 1

# ---- skip ----------------------------------------------------------------------------------
wait_until "slow's first run is going on" 10 test -s "$TMP/slow.started"
wait_until "two fire times of slow were skipped" 10 at_least 2 metric 'sluice_runs_skipped_total{pipeline="slow"}'
expect_contains "$SERVE_LOG" "pipeline slow: skipping the run due at"
expect_contains "$SERVE_LOG" "(\"overlap\": \"skip\")"
expect_eq "$(lines_of "$TMP/slow.started")" 1 "slow was not started a second time"
expect_eq "$(metric 'sluice_pipeline_running{pipeline="slow"}')" 1 "/metrics: slow is running"

# ---- queue ---------------------------------------------------------------------------------
wait_until "a run of queued is queued behind the running one" 10 at_least 1 metric 'sluice_pipeline_queued{pipeline="queued"}'
expect_contains "$SERVE_LOG" "pipeline queued: the run due at"
# slow fires every second too: two more of its skips mean two more fire times of queued
skips=$(metric 'sluice_runs_skipped_total{pipeline="slow"}')
wait_until "two more fire times passed" 10 at_least $((skips + 2)) metric 'sluice_runs_skipped_total{pipeline="slow"}'
expect_eq "$(grep -c 'pipeline queued: the run due at' "$SERVE_LOG")" 1 "queued holds one waiting run, however many fire times pass"
expect_eq "$(lines_of "$TMP/queued.started")" 1 "queued runs once at a time"
expect_eq "$(metric 'sluice_runs_skipped_total{pipeline="queued"}')" 0 "nothing of queued was skipped"
expect_eq "$(http POST /pipelines/queued/run)" 202 "a request while queued runs: 202"
expect_contains "$TMP/body" "queued already"
touch "$TMP/queued.gate"
wait_until "the queued run followed the first at once" 10 grep -q "pipeline queued: run started (queued" "$SERVE_LOG"
wait_until "queued ran twice" 10 at_least 2 finished_runs "$TMP/queued.json"

touch "$TMP/slow.gate"
wait_until "slow's run ended once its gate opened" 10 at_least 1 finished_runs "$TMP/slow.json"
expect_eq "$("$SLUICE" status --json "$TMP/slow.json" | jq -r '[.pipelines[0].runs[] | select(.status != "running")][-1].status')" \
    ok "slow's first run ended ok"

# ---- crash ---------------------------------------------------------------------------------
wait_until "crashy crashed twice" 15 at_least 2 finished_runs "$TMP/crashy.json"
"$SLUICE" status --json "$TMP/crashy.json" >"$TMP/crashy.status"
expect_eq "$(jq -r '[.pipelines[0].runs[] | select(.status != "running") | .status] | unique | join(",")' "$TMP/crashy.status")" \
    failed "crashed runs are recorded as failed"
expect_contains "$TMP/crashy.status" "the run process was killed by signal 6 (Aborted)"
expect_eq "$(jq '.pipelines[0].runs[-1].stages' "$TMP/crashy.status")" null "a crashed run has no stage counts"
steady_before=$(finished_runs "$TMP/steady.json")
wait_until "steady keeps running beside it" 15 at_least $((steady_before + 2)) finished_runs "$TMP/steady.json"
expect_eq "$("$SLUICE" status --json "$TMP/steady.json" | jq -r '[.pipelines[0].runs[] | select(.status != "running") | .status] | unique | join(",")')" \
    ok "every run of steady succeeded"
expect_eq "$(http GET /health)" 200 "the server stays healthy"
expect_contains "$SERVE_LOG" "pipeline crashy: run #"
expect_contains "$SERVE_LOG" "failed after"
at_least 2 metric 'sluice_runs_total{pipeline="crashy",status="failed"}' &&
    pass "/metrics counts crashy's failed runs" || fail "/metrics counts crashy's failed runs"

# ---- kill -9 ----------------------------------------------------------------------------------
expect_eq "$(http POST /pipelines/victim/run)" 202 "start victim"
wait_until "victim's run is going on" 10 test -s "$TMP/victim.started"
expect_eq "$(http POST /pipelines/victim/run)" 409 "a second request while it runs: 409 (overlap skip)"
expect_contains "$TMP/body" "a run is going on already"
kill -9 "$(head -1 "$TMP/victim.started")"
wait_until "the killed run is recorded" 10 at_least 1 finished_runs "$TMP/victim.json"
expect_eq "$("$SLUICE" status --json "$TMP/victim.json" | jq -r '.pipelines[0].runs[0] | .status + ": " + .error')" \
    "failed: the run process was killed by signal 9 (Killed)" "kill -9: failed, with the signal"
expect_eq "$(http GET /health)" 200 "still healthy after kill -9"
expect_eq "$(metric 'sluice_pipeline_running{pipeline="victim"}')" 0 "victim is no longer running"

stop_serve TERM
expect_eq "$SERVE_RC" 0 "SIGTERM: exit 0"
