#!/usr/bin/env bash
# sluice serve: /metrics is valid Prometheus text and its numbers match the
# run history (`sluice status --json`): runs by status, records in, out,
# dropped and dead-lettered per pipeline and stage, run durations, the last
# success and failure times, HTTP requests and retries of a connector.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

# An API for the rest source: the first request of every run answers 503,
# the retry gets three records (so each run makes 2 requests, 1 retry).
cat >"$TMP/api.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    n = 0
    def do_GET(self):
        H.n += 1
        if H.n % 2 == 1:
            self.send_response(503); self.send_header("Retry-After", "0"); self.end_headers(); return
        body = json.dumps([{"id": i} for i in range(3)]).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$TMP/api.py" >"$TMP/api.port" &
API_PID=$!
trap '_serve_rc=$?; kill $API_PID 2>/dev/null; _serve_cleanup; (exit $_serve_rc); _e2e_finish' EXIT
wait_until "the test API listens" 10 test -s "$TMP/api.port"
API=http://127.0.0.1:$(cat "$TMP/api.port")

# good: 7 records, every 3rd rejected (dead-lettered), a map in between
cat >"$TMP/good.json" <<JSON
{"name": "good", "plugin_path": "\${PROBE_DIR}", "state": "$TMP/state/good.db", "schedule": "0 0 1 1 *",
 "dead_letter": "$TMP/good.dead.jsonl",
 "sources": [{"id": "src", "plugin": "probe", "records": 7, "reject_every": 3}],
 "transforms": [{"id": "mark", "plugin": "map", "inputs": ["src"], "set": {"seen": true}}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["mark"], "path": "$TMP/good.out.jsonl", "mode": "append"}]}
JSON
probe_pipeline "$TMP/bad.json" bad "0 0 1 1 *" "" '"crash": "abort"'
cat >"$TMP/api.json" <<JSON
{"name": "api", "state": "$TMP/state/api.db", "schedule": "0 0 1 1 *",
 "sources": [{"id": "items", "plugin": "rest", "url": "$API/items", "sync": "full"}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["items"], "path": "$TMP/api.out.jsonl", "mode": "append"}]}
JSON

start_serve "$TMP/good.json" "$TMP/bad.json" "$TMP/api.json" || exit 1
run_and_wait() { # PIPELINE N: the Nth run of it, requested and finished
    expect_eq "$(http POST "/pipelines/$1/run")" 202 "request run $2 of $1"
    wait_until "run $2 of $1 ended" 15 at_least "$2" finished_runs "$TMP/$1.json"
    wait_until "the server counted run $2 of $1" 15 idle "$1"
}
for n in 1 2 3; do run_and_wait good $n; done
for n in 1 2; do run_and_wait bad $n; done
for n in 1 2; do run_and_wait api $n; done

expect_eq "$(http GET /metrics)" 200 "GET /metrics"
cp "$TMP/body" "$TMP/metrics.txt"
expect_contains "$TMP/metrics.txt" "# TYPE sluice_runs_total counter"
"$SLUICE" status --json -n 1000 "$TMP/good.json" "$TMP/bad.json" "$TMP/api.json" >"$TMP/status.json"
expect_eq "$(jq '[.pipelines[].runs[]] | length' "$TMP/status.json")" 7 "status --json holds the 7 runs"

# Parse the exposition and compare every number with the history.
python3 - "$TMP/metrics.txt" "$TMP/status.json" >"$TMP/compare.out" 2>&1 <<'PY'
import json, re, sys
from datetime import datetime, timezone

text = open(sys.argv[1]).read()
hist = json.load(open(sys.argv[2]))["pipelines"]
series, types, problems = {}, {}, []
line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+]+|\+Inf|NaN)$')
label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
for line in text.splitlines():
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ")
        types[name] = kind
        continue
    if line.startswith("# HELP ") or not line:
        continue
    m = line_re.match(line)
    if not m:
        problems.append("unparsable line: " + line)
        continue
    name, labels = m.group(1), tuple(sorted(label_re.findall(m.group(3) or "")))
    base = re.sub(r'_(bucket|sum|count)$', '', name)
    if name not in types and base not in types:
        problems.append("series before its TYPE: " + line)
    series[(name, labels)] = float(m.group(4))

def get(name, **labels):
    return series.get((name, tuple(sorted(labels.items()))))

def ts(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()

def same(what, got, want, tol=0.0):
    if got is None or abs(got - want) > tol:
        problems.append(f"{what}: /metrics {got}, history {want}")
    else:
        print(f"ok {what} = {want}")

for p in hist:
    name, runs = p["pipeline"], [r for r in p["runs"] if r["status"] != "running"]
    for status in ("ok", "failed", "interrupted"):
        same(f"{name} runs {status}", get("sluice_runs_total", pipeline=name, status=status),
             sum(r["status"] == status for r in runs))
    sums = {}
    for r in runs:
        for s in r.get("stages") or []:
            d = sums.setdefault(s["stage"], dict(i=0, o=0, dr=0, de=0, hq=0, hr=0))
            d["i"] += s["in"]; d["o"] += s["out"]; d["dr"] += s["dropped"]; d["de"] += s["rejected"]
            d["hq"] += s.get("http_requests", 0); d["hr"] += s.get("http_retries", 0)
    for stage, d in sums.items():
        same(f"{name}/{stage} in", get("sluice_records_in_total", pipeline=name, stage=stage), d["i"])
        same(f"{name}/{stage} out", get("sluice_records_out_total", pipeline=name, stage=stage), d["o"])
        same(f"{name}/{stage} dropped", get("sluice_records_dropped_total", pipeline=name, stage=stage), d["dr"])
        same(f"{name}/{stage} dead-lettered", get("sluice_records_dead_lettered_total", pipeline=name, stage=stage), d["de"])
        if d["hq"]:
            same(f"{name}/{stage} http requests", get("sluice_http_requests_total", pipeline=name, stage=stage), d["hq"])
            same(f"{name}/{stage} http retries", get("sluice_http_retries_total", pipeline=name, stage=stage), d["hr"])
    durs = [r["duration_s"] for r in runs]
    same(f"{name} duration count", get("sluice_run_duration_seconds_count", pipeline=name), len(durs))
    same(f"{name} duration sum", get("sluice_run_duration_seconds_sum", pipeline=name), sum(durs), 0.002)
    same(f"{name} duration +Inf bucket", get("sluice_run_duration_seconds_bucket", pipeline=name, le="+Inf"), len(durs))
    ok_ends = [ts(r["ended_at"]) for r in runs if r["status"] == "ok"]
    bad_ends = [ts(r["ended_at"]) for r in runs if r["status"] != "ok"]
    same(f"{name} last success", get("sluice_last_success_timestamp_seconds", pipeline=name), max(ok_ends, default=0), 0.002)
    same(f"{name} last failure", get("sluice_last_failure_timestamp_seconds", pipeline=name), max(bad_ends, default=0), 0.002)
    same(f"{name} last duration", get("sluice_last_run_duration_seconds", pipeline=name), runs[0]["duration_s"], 0.002)

# the numbers themselves, not only their agreement
same("good src out", get("sluice_records_out_total", pipeline="good", stage="src"), 15)
same("good src dead-lettered", get("sluice_records_dead_lettered_total", pipeline="good", stage="src"), 6)
same("good out written", get("sluice_records_out_total", pipeline="good", stage="out"), 15)
same("bad failed", get("sluice_runs_total", pipeline="bad", status="failed"), 2)
same("api requests", get("sluice_http_requests_total", pipeline="api", stage="items"), 4)
same("api retries", get("sluice_http_retries_total", pipeline="api", stage="items"), 2)
for problem in problems:
    print("PROBLEM", problem)
sys.exit(1 if problems else 0)
PY
rc=$?
if [ "$rc" -eq 0 ]; then
    pass "/metrics parses and matches the history ($(grep -c '^ok' "$TMP/compare.out") numbers)"
else
    fail "/metrics does not match the history"
    sed 's/^/  | /' "$TMP/compare.out"
fi
expect_lines "$TMP/good.out.jsonl" 15
expect_lines "$TMP/good.dead.jsonl" 6
expect_lines "$TMP/api.out.jsonl" 6
stop_serve TERM
expect_eq "$SERVE_RC" 0 "SIGTERM: exit 0"
