#!/usr/bin/env bash
# bench/http/run.sh - the shared HTTP client (rate budget, concurrency)
# measured through the hubspot source against the local HubSpot simulator.
#
#   bench/http/run.sh                 both parts
#   bench/http/run.sh rate            part 1 only
#   bench/http/run.sh concurrency     part 2 only
#
# 1. rate: 20,000 contacts, 100 per page (200 requests) from a simulator
#    answering after 50 ms and allowing 10 requests/s. The rate limit
#    allows 20 s; the run must take within 10% of that and draw no 429
#    after its first second (steady state).
# 2. concurrency: the limit lifted (simulator and source), the 5 objects
#    (contacts, companies, deals, products, line_items) of --objects-records
#    each (default 4,000: 40 pages each, 200 requests), with the source's
#    concurrency at 1 and then 5; concurrency 5 must be at least 4x faster.
#
# Options: --out DIR (default bench/out/http, gitignored), --keep (keep the
# SQLite outputs and logs). Environment: SLUICE (default build/sluice),
# PYTHON (default python3), SIM (default tests/sim/sim.py). Exits non-zero when a target is missed or a
# run fails. See bench/README.md, section "HTTP connectors".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SLUICE=${SLUICE:-$ROOT/build/sluice}
PYTHON=${PYTHON:-python3}
SIM=${SIM:-$ROOT/tests/sim/sim.py}
OUT=$ROOT/bench/out/http
KEEP=0
PARTS=()
RATE_RECORDS=20000
CONC_RECORDS=4000
FAILED=0
SIM_PID=

while [ $# -gt 0 ]; do
    case $1 in
    --out) OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --objects-records) CONC_RECORDS=$2; shift 2 ;;
    rate | concurrency) PARTS+=("$1"); shift ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench/http/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ ${#PARTS[@]} -gt 0 ] || PARTS=(rate concurrency)
[ -x "$SLUICE" ] || { echo "no sluice binary at $SLUICE (./setup.sh build first)" >&2; exit 2; }
mkdir -p "$OUT"
load=$(cut -d' ' -f1 /proc/loadavg)
echo "$("$SLUICE" --version 2>/dev/null | head -n 1), load average $load on $(nproc) CPUs"
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
    echo "warning: the machine is busy; the times below are worth little" >&2
fi

stop_sim() {
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
        SIM_PID=
    fi
}
trap stop_sim EXIT

# start_sim ARGS...: starts the HubSpot simulator, sets SIM_URL.
start_sim() {
    rm -f "$OUT/sim.url"
    "$PYTHON" "$SIM" hubspot --url-file "$OUT/sim.url" "$@" >"$OUT/sim.out" 2>"$OUT/sim.err" &
    SIM_PID=$!
    for _ in $(seq 100); do
        [ -s "$OUT/sim.url" ] && break
        sleep 0.1
    done
    [ -s "$OUT/sim.url" ] || { echo "the simulator did not start:" >&2; cat "$OUT/sim.err" >&2; exit 1; }
    SIM_URL=$(cat "$OUT/sim.url")
}

sim_get() { curl -sf "$SIM_URL$1"; }

# pipeline FILE OBJECTS_JSON RATE CONCURRENCY: a full pull into SQLite.
pipeline() {
    cat >"$1" <<JSON
{"name": "bench-http", "state": "state-$(basename "$1" .json).db",
 "sources": [{"id": "crm", "plugin": "hubspot", "base_url": "$SIM_URL", "token": "secret",
              "objects": $2, "sync": "full", "page_size": 100,
              "rate_limit": $3, "concurrency": $4}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["crm"], "path": "$(basename "$1" .json).db",
            "key": ["id"]}]}
JSON
    rm -f "${1%.json}.db"* "$(dirname "$1")/state-$(basename "$1" .json).db"*
}

# timed NAME PIPELINE: runs it, prints and returns the wall time in s.
timed() {
    local t0 t1
    t0=$(date +%s.%N)
    if ! "$SLUICE" -q run "$2" 2>"$OUT/$1.err"; then
        echo "FAIL: $1: sluice failed:" >&2
        tail -n 5 "$OUT/$1.err" >&2
        FAILED=1
    fi
    t1=$(date +%s.%N)
    calc "$t1 - $t0"
}

# calc EXPR: floating point arithmetic, two decimals.
calc() { awk "BEGIN { printf \"%.2f\", ($1) }"; }
# holds COND: 1 when the (awk) condition is true, else 0.
holds() { awk "BEGIN { print (($1) ? 1 : 0) }"; }

# rows DB: records landed in every table.
rows() {
    sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type='table'" | while read -r t; do
        sqlite3 "$1" "SELECT count(*) FROM \"$t\""
    done | awk '{ n += $1 } END { print n + 0 }'
}

check() { # check COND MESSAGE
    if [ "$(holds "$1")" = 1 ]; then
        echo "  ok   $2"
    else
        echo "  FAIL $2"
        FAILED=1
    fi
}

part_rate() {
    echo "== 1. rate budget: $RATE_RECORDS contacts, 100 per page, 10 requests/s, 50 ms latency"
    start_sim --records "contacts=$RATE_RECORDS,companies=0,deals=0,products=0,line_items=0" \
        --latency-ms 50 --hubspot-limit 100 --hubspot-window-s 10
    pipeline "$OUT/rate.json" '["contacts"]' 10 1
    local wall requests n429 late first rows_in
    wall=$(timed rate "$OUT/rate.json")
    requests=$(sim_get /__sim/stats | jq '.by_path | to_entries | map(select(.key | test("/crm/"))) | map(.value) | add')
    n429=$(sim_get /__sim/stats | jq '.status_429')
    first=$(sim_get /__sim/requests | jq '[.[] | select(.path | test("/crm/")) | .t] | min')
    late=$(sim_get /__sim/requests | jq --argjson t0 "$first" '[.[] | select(.status == 429 and .t > $t0 + 1)] | length')
    rows_in=$(rows "$OUT/rate.db")
    stop_sim
    local ideal
    ideal=$(calc "$requests / 10")
    echo "  $requests requests in $wall s (the limit allows $ideal s), $rows_in records, 429s: $n429 in all, $late after the first second"
    check "$rows_in == $RATE_RECORDS" "every contact landed"
    check "$wall >= 0.9 * 20 && $wall <= 1.1 * 20" "within 10% of 20 s"
    check "$late == 0" "no 429 in steady state"
    RATE_WALL=$wall RATE_429=$n429
}

part_concurrency() {
    local n=$CONC_RECORDS
    echo "== 2. concurrency: 5 objects x $n records, 100 per page, no rate limit, 50 ms latency"
    start_sim --records "$n" --latency-ms 50 --no-rate-limit --no-gzip
    local objs='["contacts", "companies", "deals", "products", "line_items"]' w1 w5 r1 r5
    pipeline "$OUT/conc1.json" "$objs" 1000 1
    pipeline "$OUT/conc5.json" "$objs" 1000 5
    w1=$(timed conc1 "$OUT/conc1.json")
    w5=$(timed conc5 "$OUT/conc5.json")
    r1=$(rows "$OUT/conc1.db")
    r5=$(rows "$OUT/conc5.db")
    stop_sim
    local speedup
    speedup=$(calc "$w1 / $w5")
    echo "  concurrency 1: $w1 s, concurrency 5: $w5 s: ${speedup}x ($r1 and $r5 records)"
    check "$r1 == 5 * $n && $r5 == 5 * $n" "every record landed in both runs"
    check "$speedup >= 4" "concurrency 5 at least 4x faster than 1"
}

for p in "${PARTS[@]}"; do
    "part_$p"
done
if [ "$KEEP" = 0 ]; then
    rm -f "$OUT"/*.db "$OUT"/*.db-* "$OUT"/*.json "$OUT"/*.err "$OUT"/sim.*
fi
exit "$FAILED"
