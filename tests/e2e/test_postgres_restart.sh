#!/usr/bin/env bash
# Sink postgres while the server goes away: 200,000 order lines are loaded
# and the server is restarted twice during the run, once cleanly (fast
# shutdown: sessions are terminated) and once as a crash (immediate stop,
# crash recovery on start). The sink answers SLUICE_RETRY, reconnects and
# the core retries the batch; the run completes with exit 0 and the table
# holds every record exactly once, with the same content as the input
# (row count and checksum against the file loaded by psql).
# Skipped (exit 77) without the server binaries, except under CI=true.
. "$(dirname "$0")/lib.sh"
. "$SLUICE_SOURCE_DIR/tests/lib/pg.sh"
pg_require
pg_start || { fail "could not start PostgreSQL"; exit 1; }

N=200000
"${CC:-cc}" -O2 -std=c11 -o "$TMP/gen_orders" "$SLUICE_SOURCE_DIR/bench/gen_orders.c" ||
    { fail "cannot compile bench/gen_orders.c"; exit 1; }
"$TMP/gen_orders" "$N" >"$TMP/orders.jsonl"

cat >"$TMP/restart.json" <<'JSON'
{
  "name": "pg-restart",
  "dead_letter": "dead.jsonl",
  "sources": [{"id": "in", "plugin": "file", "path": "orders.jsonl", "format": "jsonl", "stream": "orders"}],
  "sinks": [{"id": "pg", "plugin": "postgres", "inputs": ["in"], "key": ["order_id", "line_no"],
             "retry": {"attempts": 40, "initial_ms": 100, "max_ms": 1000}}]
}
JSON

rows() { pg_sql "SELECT count(*) FROM orders" 2>/dev/null || echo 0; }

# wait_rows MIN: waits until the table holds MIN rows, while sluice runs.
wait_rows() {
    local i
    for i in $(seq 1 600); do
        [ "$(rows)" -ge "$1" ] && return 0
        kill -0 "$PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

"$SLUICE" run "$TMP/restart.json" >"$TMP/run.out" 2>"$TMP/run.err" &
PID=$!

if wait_rows 20000 && kill -0 "$PID" 2>/dev/null; then
    pass "sluice still loading at $(rows) rows: restarting the server (fast)"
    pg_restart fast && pass "server restarted" || fail "server did not restart"
else
    fail "sluice ended before 20000 rows were loaded; nothing to test"
fi
if wait_rows 80000 && kill -0 "$PID" 2>/dev/null; then
    pass "sluice still loading at $(rows) rows: crashing the server (immediate) and starting it"
    pg_restart immediate && pass "server recovered and started" || fail "server did not start after the crash"
else
    fail "sluice ended before 80000 rows were loaded; the crash was not tested"
fi

rc=0
wait "$PID" || rc=$?
expect_eq "$rc" 0 "the run completes with exit 0 despite two restarts"
expect_contains "$TMP/run.err" "will be retried"
expect_contains "$TMP/run.err" "reconnected"
expect_contains "$TMP/run.err" "pipeline pg-restart: ok"
[ "$rc" = 0 ] || tail -n 30 "$TMP/run.err"

expect_eq "$(rows)" "$N" "every record is in the table"
expect_eq "$(pg_sql "SELECT count(*) FROM (SELECT DISTINCT order_id, line_no FROM orders) k")" "$N" "no key twice"
expect_eq "$( [ -s "$TMP/dead.jsonl" ] && wc -l <"$TMP/dead.jsonl" || echo 0)" 0 "nothing dead-lettered"

# The input as psql reads it, one JSON document a line (CSV mode with
# quote and delimiter characters that never occur keeps lines as they are).
pg_sql "CREATE TABLE raw (line jsonb)"
pg_sql "\\copy raw FROM '$TMP/orders.jsonl' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
expect_eq "$(pg_sql "SELECT count(*) FROM raw")" "$N" "psql read the input"
checksum() { # $1: FROM clause; columns as text
    pg_sql "SELECT md5(string_agg(concat_ws('/', order_id, line_no, created_at, status, customer_email,
                customer_name, sku, product, qty, unit_price, discount, currency, warehouse), ','
                ORDER BY order_id, line_no::int)) FROM $1"
}
want=$(checksum "(SELECT line->>'order_id' AS order_id, line->>'line_no' AS line_no, line->>'created_at' AS created_at,
                 line->>'status' AS status, line->>'customer_email' AS customer_email,
                 line->>'customer_name' AS customer_name, line->>'sku' AS sku, line->>'product' AS product,
                 line->>'qty' AS qty, line->>'unit_price' AS unit_price, line->>'discount' AS discount,
                 line->>'currency' AS currency, line->>'warehouse' AS warehouse FROM raw) r")
expect_eq "$(checksum orders)" "$want" "table content equals the input (checksum of every field)"
