#!/usr/bin/env bash
# Crash test: file -> map -> sqlite (keyed on order_id, line_no), killed
# with SIGKILL $SLUICE_CRASH_KILLS times at random moments. After every kill
# the committed cursor is never ahead of the data (every line before it is
# in the table); the run to completion then leaves exactly the table an
# uninterrupted run leaves: same rows, same values, no duplicate keys.
# See crash_lib.sh for the knobs (records, kills, seed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crash_lib.sh"

t_start=$(_crash_now_ms)
crash_generate "$TMP/orders.jsonl"

pipeline() { # NAME: the pipeline, its table in NAME.db, its state in state/NAME.db
    cat <<JSON
{"name": "$1",
 "sources": [{"id": "shop", "plugin": "file", "path": "orders.jsonl", "stream": "orders"}],
 "transforms": [{"id": "clean", "plugin": "map", "inputs": ["shop"],
                 "rename": {"customer_email": "email"}, "set": {"pipeline": "crash"}}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["clean"], "path": "$1.db",
            "key": {"orders": ["order_id", "line_no"]}}]}
JSON
}
pipeline ref >"$TMP/ref.json"
pipeline test >"$TMP/test.json"

# The keys in input order, beside the table they are checked against.
sqlite3 -batch "$TMP/keys.db" "CREATE TABLE k(seq INTEGER PRIMARY KEY, order_id TEXT NOT NULL, line_no INTEGER NOT NULL)" \
    ".import --csv $CRASH_KEYS k"
expect_eq "$(sql "$TMP/keys.db" 'SELECT count(*) FROM k')" "$CRASH_RECORDS" "keys loaded"

sqlite_missing() { # L: keys of the first L lines not in the test table
    [ -f "$TMP/test.db" ] || { echo "$1"; return; }
    sqlite3 -batch -noheader "$TMP/keys.db" "ATTACH '$TMP/test.db' AS t;
        SELECT count(*) FROM k WHERE seq <= $1 AND NOT EXISTS
          (SELECT 1 FROM t.orders o WHERE o.order_id = k.order_id AND o.line_no = k.line_no)" 2>&1
}
sqlite_rows() {
    sqlite3 -batch -noheader "$TMP/test.db" 'SELECT count(*) FROM orders' 2>/dev/null || echo 0
}

# checksum DB: every row, every column (as JSON, so types count too), in key order.
checksum() {
    local cols
    cols=$(sql "$TMP/ref.db" "SELECT group_concat('\"' || name || '\"', ', ') FROM (SELECT name FROM pragma_table_info('orders') ORDER BY name)")
    sqlite3 -batch -noheader "$1" "SELECT json_array($cols) FROM orders ORDER BY order_id, line_no" | md5sum | cut -d' ' -f1
}

crash_reference "$TMP/ref.json"
expect_eq "$(sql "$TMP/ref.db" 'SELECT count(*) FROM orders')" "$CRASH_RECORDS" "reference: every line is a row"

crash_kill_loop "$TMP/test.json" "$TMP/state/test.db" shop "$TMP/orders.jsonl" sqlite_missing sqlite_rows
crash_finish "$TMP/test.json" shop "$TMP/orders.jsonl" "$TMP/state/test.db"

expect_eq "$(sqlite_rows)" "$CRASH_RECORDS" "after the crashes: every line is a row"
expect_eq "$(sql "$TMP/test.db" 'SELECT count(*) FROM (SELECT 1 FROM orders GROUP BY order_id, line_no HAVING count(*) > 1)')" 0 \
    "no duplicate keys"
expect_eq "$(sql "$TMP/test.db" "SELECT group_concat(name) FROM (SELECT name FROM pragma_table_info('orders') ORDER BY name)")" \
    "$(sql "$TMP/ref.db" "SELECT group_concat(name) FROM (SELECT name FROM pragma_table_info('orders') ORDER BY name)")" \
    "same columns as the reference"
expect_eq "$(checksum "$TMP/test.db")" "$(checksum "$TMP/ref.db")" "same rows and values as the uninterrupted run (md5 of every row in key order)"
echo "# crash test took $(($(_crash_now_ms) - t_start)) ms"
