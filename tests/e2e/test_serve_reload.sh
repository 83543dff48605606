#!/usr/bin/env bash
# sluice serve DIR and SIGHUP: a changed schedule takes effect; an invalid
# new config is reported (FILE:LINE:COL) and the old one kept; a run going
# on finishes under the config it started with while the next run uses the
# new one; files added to and removed from the folder come and go. Also
# "catch_up": "once" makes up one run missed while serve was down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

metric() { curl -s "$BASE/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
log_count() { grep -c -- "$1" "$SERVE_LOG"; }

mkdir -p "$TMP/pipes"
# rare: yearly at first, then every second
probe_pipeline "$TMP/pipes/rare.json" rare "0 0 1 1 *"
# gated: each run waits at a gate; its tag tells which config wrote a record
probe_pipeline "$TMP/pipes/gated.json" gated "0 0 1 1 *" "" \
    "\"tag\": \"old\", \"gate\": \"$TMP/gated.gate\", \"started\": \"$TMP/gated.started\""
echo "not a pipeline" >"$TMP/pipes/README.txt"

start_serve "$TMP/pipes" || exit 1
expect_eq "$(curl -s "$BASE/health" | jq .pipelines)" 2 "the folder's two *.json files are served"

# ---- a changed schedule -------------------------------------------------------------------------
reload_t0=$(metric 'sluice_serve_config_last_reload_timestamp_seconds')
probe_pipeline "$TMP/pipes/rare.json" rare "* * * * * *"
kill -HUP "$SERVE_PID"
wait_until "the reload is logged" 10 grep -q "reload done: 2 pipelines scheduled" "$SERVE_LOG"
expect_contains "$SERVE_LOG" "reload: pipeline rare updated"
wait_until "rare now runs every second" 10 at_least 2 finished_runs "$TMP/pipes/rare.json"
expect_eq "$(metric 'sluice_serve_config_last_reload_successful')" 1 "/metrics: the reload succeeded"
expect_ne "$(metric 'sluice_serve_config_last_reload_timestamp_seconds')" "$reload_t0" "/metrics: reload time moved"

# ---- an invalid config keeps the old one --------------------------------------------------------
cp "$TMP/pipes/rare.json" "$TMP/rare.good"
cat >"$TMP/pipes/rare.json" <<'JSON'
{
  "name": "rare",
  "schedule": "61 * * * *",
  "sources": [], "sinks": []
}
JSON
kill -HUP "$SERVE_PID"
wait_until "the refused reload is logged" 10 grep -q "reload incomplete" "$SERVE_LOG"
expect_contains "$SERVE_LOG" "reload: $TMP/pipes/rare.json:3:15: schedule: invalid cron expression \"61 * * * *\": minute: 61 is out of range 0-59"
expect_contains "$SERVE_LOG" "reload: pipeline rare keeps its previous config"
expect_eq "$(metric 'sluice_serve_config_last_reload_successful')" 0 "/metrics: the last reload failed"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")" 200 "still healthy with the old config"
before=$(finished_runs "$TMP/rare.good")
wait_until "rare keeps running on its old schedule" 10 at_least $((before + 2)) finished_runs "$TMP/rare.good"

# a file that lost its schedule is refused the same way
probe_pipeline "$TMP/pipes/rare.json" rare "* * * * * *"
sed -i '/"schedule"/d' "$TMP/pipes/rare.json"
kill -HUP "$SERVE_PID"
wait_until "an unscheduled file is refused" 10 grep -q "pipeline rare has no \"schedule\"" "$SERVE_LOG"
expect_eq "$(curl -s "$BASE/health" | jq .pipelines)" 2 "rare is still served"

# back to yearly, so it stops running
probe_pipeline "$TMP/pipes/rare.json" rare "0 0 1 1 *"
kill -HUP "$SERVE_PID"
wait_until "a good config is taken again" 10 at_least 2 log_count 'reload done'

# ---- a run going on finishes under its old config ------------------------------------------------
expect_eq "$(http POST /pipelines/gated/run)" 202 "start gated (tag old)"
wait_until "gated's run is going on" 10 test -s "$TMP/gated.started"
probe_pipeline "$TMP/pipes/gated.json" gated "0 0 1 1 *" "" \
    "\"tag\": \"new\", \"gate\": \"$TMP/gated.gate\", \"started\": \"$TMP/gated.started\""
kill -HUP "$SERVE_PID"
wait_until "the reload while gated runs is done" 10 at_least 3 log_count 'reload done'
expect_contains "$SERVE_LOG" "reload: pipeline gated updated"
expect_eq "$(curl -s "$BASE/runs?pipeline=gated" | jq '.pipelines[0].running.pid')" "$(head -1 "$TMP/gated.started")" \
    "the server still follows the run it started"
touch "$TMP/gated.gate"
wait_until "gated's first run ended" 10 at_least 1 finished_runs "$TMP/pipes/gated.json"
wait_until "the server saw it end" 10 idle gated
expect_eq "$(jq -r .tag "$TMP/gated.out.jsonl" | sort -u)" old "the running run finished under the old config"
expect_eq "$(http POST /pipelines/gated/run)" 202 "start gated again"
wait_until "gated's second run ended" 10 at_least 2 finished_runs "$TMP/pipes/gated.json"
expect_eq "$(jq -r .tag "$TMP/gated.out.jsonl" | uniq -c | awk '{print $2 "=" $1}' | paste -sd,)" "old=3,new=3" \
    "the next run used the new config"

# ---- files come and go --------------------------------------------------------------------------
probe_pipeline "$TMP/pipes/extra.json" extra "0 0 1 1 *"
rm "$TMP/pipes/rare.json"
kill -HUP "$SERVE_PID"
wait_until "the folder is read again" 10 at_least 4 log_count 'reload done'
expect_contains "$SERVE_LOG" "reload: pipeline extra added"
expect_contains "$SERVE_LOG" "reload: pipeline rare removed"
expect_eq "$(curl -s "$BASE/runs" | jq -r '[.pipelines[].pipeline] | sort | join(",")')" "extra,gated" \
    "/runs lists the folder's pipelines now"
expect_eq "$(http POST /pipelines/rare/run)" 404 "a removed pipeline is gone"
expect_eq "$(http POST /pipelines/extra/run)" 202 "an added pipeline can run"
wait_until "extra ran" 10 at_least 1 finished_runs "$TMP/pipes/extra.json"

stop_serve TERM
expect_eq "$SERVE_RC" 0 "SIGTERM: exit 0"

# ---- catch_up once -------------------------------------------------------------------------------
# Its last run was at New Year 2020: serve was "down" since, so one run is
# due at once with "catch_up": "once", none with the default "none".
for mode in none once; do
    probe_pipeline "$TMP/cu_$mode.json" "cu_$mode" "0 0 * * *" "\"catch_up\": \"$mode\""
    sql "$TMP/state/cu_$mode.db" "CREATE TABLE runs(id INTEGER PRIMARY KEY AUTOINCREMENT, pipeline TEXT NOT NULL,
        started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL, stages TEXT, error TEXT);
        INSERT INTO runs(pipeline, started_at, ended_at, status) VALUES('cu_$mode', '2020-01-01T00:00:00.000Z',
        '2020-01-01T00:00:01.000Z', 'ok');"
done
start_serve "$TMP/cu_none.json" "$TMP/cu_once.json" || exit 1
expect_contains "$SERVE_LOG" "pipeline cu_once: schedule \"0 0 * * *\" (UTC), next run"
expect_contains "$SERVE_LOG" "(catching up a run missed while serve was down)"
wait_until "catch_up once: one run made up at start" 10 at_least 2 finished_runs "$TMP/cu_once.json"
expect_contains "$SERVE_LOG" "pipeline cu_once: run started (catch-up"
expect_eq "$(finished_runs "$TMP/cu_none.json")" 1 "catch_up none: nothing made up"
expect_eq "$(grep -c 'pipeline cu_once: run started' "$SERVE_LOG")" 1 "exactly one catch-up run"
expect_eq "$(metric 'sluice_last_success_timestamp_seconds{pipeline="cu_none"}')" 1577836801.000 \
    "the last success comes from the history after a restart"
stop_serve TERM
expect_eq "$SERVE_RC" 0 "SIGTERM: exit 0"
