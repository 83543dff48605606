#!/usr/bin/env bash
# Crash test into PostgreSQL: file -> map -> postgres (upsert on order_id,
# line_no), sluice killed with SIGKILL $SLUICE_CRASH_KILLS times at random
# moments. After every kill the committed cursor is never ahead of the data
# (every line before it is in the table); the run to completion then leaves
# exactly the table an uninterrupted run leaves: same rows, same values, no
# duplicate keys. The same kill loop as test_crash_sqlite.sh (crash_lib.sh);
# the server is a throwaway one (tests/lib/pg.sh). Skipped (exit 77)
# without the server binaries, except under CI=true.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crash_lib.sh"
# The sink and the server helper may be absent from a partial tree: skip as
# pg_require does (exit 77; ctest reports it skipped), fail under CI=true.
for need in "$SLUICE_SOURCE_DIR/tests/lib/pg.sh" "$SLUICE_PLUGIN_DIR/sink_postgres.so"; do
    [ -f "$need" ] && continue
    if [ "${CI:-}" = true ]; then
        fail "$need is missing (CI=true: the PostgreSQL crash test must run)"
        exit 1
    fi
    echo "SKIPPED: $need is missing"
    trap - EXIT
    rm -rf "$TMP"
    exit 77
done
. "$SLUICE_SOURCE_DIR/tests/lib/pg.sh"
pg_require
pg_start || { fail "could not start PostgreSQL"; exit 1; }

t_start=$(_crash_now_ms)
crash_generate "$TMP/orders.jsonl"

pipeline() { # NAME: the pipeline, its table NAME.orders, its state in state/NAME.db
    cat <<JSON
{"name": "$1",
 "sources": [{"id": "shop", "plugin": "file", "path": "orders.jsonl", "stream": "orders"}],
 "transforms": [{"id": "clean", "plugin": "map", "inputs": ["shop"],
                 "rename": {"customer_email": "email"}, "set": {"pipeline": "crash"}}],
 "sinks": [{"id": "db", "plugin": "postgres", "inputs": ["clean"], "schema": "$1",
            "key": ["order_id", "line_no"]}]}
JSON
}
pipeline ref >"$TMP/ref.json"
pipeline test >"$TMP/test.json"

# The keys in input order, beside the tables they are checked against.
pg_sql "CREATE TABLE public.crash_keys (seq int PRIMARY KEY, order_id text NOT NULL, line_no bigint NOT NULL)"
pg_sql "\\copy public.crash_keys FROM '$CRASH_KEYS' WITH (FORMAT csv)"
expect_eq "$(pg_sql 'SELECT count(*) FROM public.crash_keys')" "$CRASH_RECORDS" "keys loaded"

pg_missing() { # L: keys of the first L lines not in the test table
    if [ "$(pg_sql "SELECT to_regclass('test.orders') IS NOT NULL")" != t ]; then
        echo "$1" # no table yet: every one of them
        return
    fi
    pg_sql "SELECT count(*) FROM public.crash_keys k WHERE k.seq <= $1 AND NOT EXISTS
              (SELECT 1 FROM test.orders o WHERE o.order_id = k.order_id AND o.line_no = k.line_no)" 2>&1
}
pg_rows() {
    pg_sql "SELECT count(*) FROM test.orders" 2>/dev/null || echo 0
}

# checksum SCHEMA: the sum of a 60-bit hash (md5) of every row's text (all
# columns, by name). Order-independent, so PostgreSQL need not sort a
# million rows; with equal row counts and no duplicate keys, equal sums mean
# equal tables (but for a 2^-60 chance). Types are compared by columns().
checksum() {
    local cols
    cols=$(pg_sql "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY column_name)
                   FROM information_schema.columns WHERE table_schema = 'ref' AND table_name = 'orders'")
    pg_sql "SELECT count(*) || ' ' || sum(('x' || left(md5(ROW($cols)::text), 15))::bit(60)::bigint) FROM $1.orders"
}
columns() { # SCHEMA: column names and types
    pg_sql "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_name)
            FROM information_schema.columns WHERE table_schema = '$1' AND table_name = 'orders'"
}

crash_reference "$TMP/ref.json"
expect_eq "$(pg_sql 'SELECT count(*) FROM ref.orders')" "$CRASH_RECORDS" "reference: every line is a row"

crash_kill_loop "$TMP/test.json" "$TMP/state/test.db" shop "$TMP/orders.jsonl" pg_missing pg_rows
crash_finish "$TMP/test.json" shop "$TMP/orders.jsonl" "$TMP/state/test.db"

expect_eq "$(pg_rows)" "$CRASH_RECORDS" "after the crashes: every line is a row"
expect_eq "$(pg_sql 'SELECT count(*) FROM (SELECT 1 FROM test.orders GROUP BY order_id, line_no HAVING count(*) > 1) d')" 0 \
    "no duplicate keys"
expect_eq "$(columns test)" "$(columns ref)" "same columns and types as the reference"
expect_eq "$(checksum test)" "$(checksum ref)" "same rows and values as the uninterrupted run (row count and sum of row hashes)"
echo "# crash test took $(($(_crash_now_ms) - t_start)) ms"
