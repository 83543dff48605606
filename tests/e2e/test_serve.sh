#!/usr/bin/env bash
# sluice serve: the command line refuses what it must (no schedule, a bad
# one, a non-loopback address without a token); a seconds schedule runs a
# pipeline again and again on even seconds; /health, /runs, POST
# /pipelines/NAME/run and their errors; the bearer token; loopback-only
# Host and Origin; `sluice status` from the state store and from the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

# ---- help and refusals -------------------------------------------------------------
expect_exit 0 "$SLUICE" serve --help
expect_contains "$OUT" "Usage: sluice serve"
expect_contains "$OUT" "--listen ADDR:PORT"
expect_contains "$OUT" "SIGHUP reloads"
expect_exit 0 "$SLUICE" help serve
expect_contains "$OUT" "POST /pipelines/NAME/run"
expect_exit 0 "$SLUICE" status --help
expect_contains "$OUT" "Usage: sluice status"
expect_contains "$OUT" "--server URL"

cat >"$TMP/plain.json" <<JSON
{"name": "plain", "plugin_path": "\${PROBE_DIR}", "state": "$TMP/state/plain.db",
 "sources": [{"id": "src", "plugin": "probe"}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["src"], "path": "$TMP/plain.out.jsonl"}]}
JSON
expect_exit 0 "$SLUICE" run "$TMP/plain.json"
expect_lines "$TMP/plain.out.jsonl" 3
expect_exit 2 "$SLUICE" serve --listen 127.0.0.1:0 "$TMP/plain.json"
expect_contains "$ERR" "pipeline plain has no \"schedule\""
expect_contains "$ERR" "sluice run $TMP/plain.json"

probe_pipeline "$TMP/badcron.json" badcron "0 0 31 4 *"
expect_exit 2 "$SLUICE" serve --listen 127.0.0.1:0 "$TMP/badcron.json"
expect_contains "$ERR" "badcron.json:5:15: schedule: invalid cron expression \"0 0 31 4 *\": day-of-month: 31 never occurs in month 4"

probe_pipeline "$TMP/badkeys.json" badkeys "@daily" '"timezone": "Europe/Berln"'
expect_exit 2 "$SLUICE" validate "$TMP/badkeys.json"
expect_contains "$ERR" "badkeys.json:6:15: timezone: unknown time zone 'Europe/Berln'"
probe_pipeline "$TMP/badkeys.json" badkeys "@daily" '"overlap": "wait", "jitter": 5'
expect_exit 2 "$SLUICE" validate "$TMP/badkeys.json"
expect_contains "$ERR" "overlap: expected \"skip\" or \"queue\", got \"wait\""
probe_pipeline "$TMP/badkeys.json" badkeys "@daily" '"jitter": 86401'
expect_exit 2 "$SLUICE" validate "$TMP/badkeys.json"
expect_contains "$ERR" "jitter: expected an integer from 0 to 86400"
probe_pipeline "$TMP/badkeys.json" badkeys "@daily" '"jitter": 5'
sed -i '/"schedule"/d' "$TMP/badkeys.json"
expect_exit 2 "$SLUICE" validate "$TMP/badkeys.json"
expect_contains "$ERR" "jitter: only meaningful with a \"schedule\", which is missing"
expect_exit 0 "$SLUICE" status "$TMP/plain.json"
expect_contains "$OUT" "schedule  none"

probe_pipeline "$TMP/tick.json" tick "*/2 * * * * *" '"timezone": "Europe/Moscow", "catch_up": "once", "jitter": 0'
expect_exit 0 "$SLUICE" validate "$TMP/tick.json"
expect_exit 2 "$SLUICE" serve --listen 0.0.0.0:0 "$TMP/tick.json"
expect_contains "$ERR" "needs a bearer token"
SLUICE_SERVE_TOKEN=short expect_exit 2 "$SLUICE" serve --listen 127.0.0.1:0 "$TMP/tick.json"
expect_contains "$ERR" "use at least 16"
expect_exit 2 "$SLUICE" serve --listen example.com:80 "$TMP/tick.json"
expect_contains "$ERR" "--listen wants ADDR:PORT"
expect_exit 2 "$SLUICE" serve
expect_contains "$ERR" "missing PIPELINE.json"

# ---- a seconds schedule ----------------------------------------------------------------
probe_pipeline "$TMP/manual.json" manual "0 0 1 1 *"
start_serve "$TMP/tick.json" "$TMP/manual.json" || exit 1
wait_until "tick ran 3 times on its */2 seconds schedule" 20 at_least 3 finished_runs "$TMP/tick.json"
"$SLUICE" status --json -n 1000 "$TMP/tick.json" >"$TMP/tick.status"
expect_eq "$(jq '[.pipelines[0].runs[] | select(.status == "ok")] | length >= 3' "$TMP/tick.status")" true \
    "the runs ended ok"
# The server started them on even seconds, 2 s apart (its log; the history's
# started_at is when the child got going, a few milliseconds later).
grep 'pipeline tick: run started (schedule' "$SERVE_LOG" | cut -c1-24 >"$TMP/tick.starts"
expect_eq "$(awk '{ s = substr($1, 18, 2) + 0; if (s % 2) bad++ } END { print bad + 0 }' "$TMP/tick.starts")" 0 \
    "every scheduled run started on an even second"
expect_eq "$(awk '{ t = substr($1, 12, 2) * 3600 + substr($1, 15, 2) * 60 + substr($1, 18, 6)
                    if (NR > 1 && t - prev < 1.5) bad++; prev = t } END { print bad + 0 }' "$TMP/tick.starts")" 0 \
    "scheduled runs are 2 s apart"
expect_eq "$(jq '.pipelines[0].runs[0].stages | map({(.stage): .out}) | add' -c "$TMP/tick.status")" \
    '{"src":3,"out":3}' "the history holds the per-stage counts"

# ---- HTTP ------------------------------------------------------------------------------------
expect_eq "$(http GET /health)" 200 "/health answers 200"
expect_eq "$(jq -r .status "$TMP/body")" ok "/health says ok"
expect_eq "$(jq .pipelines "$TMP/body")" 2 "/health counts the pipelines"
expect_eq "$(http GET /runs)" 200 "/runs answers 200"
expect_eq "$(jq -r '[.pipelines[].pipeline] | join(",")' "$TMP/body")" "tick,manual" "/runs lists both pipelines"
expect_eq "$(jq '.pipelines[0].runs | length >= 3' "$TMP/body")" true "/runs holds tick's history"
expect_eq "$(jq -r '.pipelines[1].next_run' "$TMP/body")" "$(($(date -u +%Y) + 1))-01-01T00:00:00+00:00" \
    "/runs gives manual's next run: next New Year"
expect_eq "$(http GET '/runs?pipeline=manual&limit=5')" 200 "/runs?pipeline=manual"
expect_eq "$(jq '.pipelines | length' "$TMP/body")" 1 "/runs filters by pipeline"
expect_eq "$(http GET '/runs?limit=0')" 400 "/runs?limit=0 is a bad request"
expect_eq "$(http GET '/runs?pipeline=nope')" 404 "/runs of an unknown pipeline: 404"
expect_eq "$(http GET /nope)" 404 "unknown path: 404"
expect_eq "$(http POST /metrics)" 405 "POST /metrics: 405"

expect_eq "$(finished_runs "$TMP/manual.json")" 0 "manual has not run (its schedule is yearly)"
expect_eq "$(http POST /pipelines/manual/run)" 202 "POST /pipelines/manual/run: 202"
expect_eq "$(jq -r .pipeline "$TMP/body")" manual "the answer names the pipeline"
wait_until "the requested run of manual ended" 10 at_least 1 finished_runs "$TMP/manual.json"
expect_lines "$TMP/manual.out.jsonl" 3
expect_contains "$SERVE_LOG" "pipeline manual: run started (request"
expect_eq "$(http POST /pipelines/nope/run)" 404 "POST for an unknown pipeline: 404"
expect_eq "$(http GET /pipelines/manual/run)" 405 "GET /pipelines/NAME/run: 405"

# a web page must not reach the endpoint through the user's browser
expect_eq "$(http GET /runs -H 'Host: evil.example')" 403 "a non-loopback Host header: 403"
expect_eq "$(http POST /pipelines/manual/run -H 'Origin: http://evil.example')" 403 "a foreign Origin: 403"
expect_eq "$(http GET /health -H 'Host: localhost:1')" 200 "Host localhost is fine"

# `sluice status`, from the store and from the server
expect_exit 0 "$SLUICE" status "$TMP/manual.json"
expect_contains "$OUT" "pipeline manual"
expect_contains "$OUT" "schedule  \"0 0 1 1 *\" in UTC"
expect_contains "$OUT" "next run  $(($(date -u +%Y) + 1))-01-01T00:00:00+00:00"
expect_contains "$OUT" "read 3, written 3, rejected 0"
expect_exit 0 "$SLUICE" status --server "$BASE" manual
expect_contains "$OUT" "pipeline manual"
expect_contains "$OUT" "read 3, written 3, rejected 0"
expect_exit 2 "$SLUICE" status --server "$BASE" nope
expect_contains "$ERR" "no pipeline named \"nope\""
expect_exit 2 "$SLUICE" status "$TMP/badcron.json"
expect_contains "$ERR" "badcron.json:5:15"

stop_serve TERM
expect_eq "$SERVE_RC" 0 "SIGTERM with nothing running: exit 0"

# ---- the bearer token ---------------------------------------------------------------------------
TOKEN=0123456789abcdef0123456789abcdef
printf '%s\n' "$TOKEN" >"$TMP/token"
chmod 600 "$TMP/token"
start_serve --token-file "$TMP/token" "$TMP/manual.json" || exit 1
expect_contains "$SERVE_LOG" "a bearer token is required"
expect_eq "$(http GET /metrics)" 401 "/metrics without a token: 401"
expect_eq "$(http GET /runs -H 'Authorization: Bearer wrong-token-wrong-token')" 401 "a wrong token: 401"
expect_eq "$(http POST /pipelines/manual/run)" 401 "POST without a token: 401"
expect_eq "$(http GET /metrics -H "Authorization: Bearer $TOKEN")" 200 "/metrics with the token: 200"
expect_eq "$(http GET /health)" 200 "/health needs no token"
expect_exit 1 "$SLUICE" status --server "$BASE"
expect_contains "$ERR" "wants a bearer token"
SLUICE_SERVE_TOKEN=$TOKEN expect_exit 0 "$SLUICE" status --server "$BASE" --json
expect_eq "$(jq -r '.pipelines[0].pipeline' "$OUT")" manual "status --server with the token from the environment"
stop_serve INT
expect_eq "$SERVE_RC" 0 "SIGINT: exit 0"
