#!/usr/bin/env bash
# Sink postgres against a throwaway server (tests/lib/pg.sh): the quickstart
# loaded into PostgreSQL, upserts (last record wins, also within one batch
# and across runs), new columns, type inference and the types option, jsonb,
# COPY escaping, append without a key, the table and schema options, and
# records the server refuses (NOT NULL, CHECK, bad values) dead-lettered
# with the server's message while the rest of their batch lands.
# Skipped (exit 77) without the server binaries, except under CI=true.
. "$(dirname "$0")/lib.sh"
. "$SLUICE_SOURCE_DIR/tests/lib/pg.sh"
pg_require
pg_start || { fail "could not start PostgreSQL"; exit 1; }

# pipeline NAME SINK_JSON [INPUT] [EXTRA_TOP_LEVEL]: $TMP/NAME.json reading
# INPUT (default NAME.jsonl) as stream "items" into the postgres sink with
# the options SINK_JSON.
pipeline() {
    local name=$1 sink=$2 input=${3:-$1.jsonl} extra=${4:-}
    cat >"$TMP/$name.json" <<JSON
{
  "name": "$name",
  "dead_letter": "$name-dead.jsonl",
  $extra
  "sources": [{"id": "in", "plugin": "file", "path": "$input", "format": "jsonl", "stream": "items"}],
  "sinks": [{"id": "pg", "plugin": "postgres", "inputs": ["in"], $sink}]
}
JSON
}

# ---- the quickstart, into PostgreSQL ----------------------------------------
cp -r "$SLUICE_SOURCE_DIR/examples/quickstart" "$TMP/qs"
rm -rf "$TMP/qs/out"
EXP=$TMP/qs/expected.json
jq '.sinks[0].plugin = "postgres" | del(.sinks[0].path)
    | .sinks[0].types = {"orders": {"unit_price": "numeric(12,2)", "created_at": "timestamptz"}}' \
    "$TMP/qs/pipeline.json" >"$TMP/qs/pg.json"
expect_exit 0 "$SLUICE" run "$TMP/qs/pg.json"
expect_contains "$ERR" "pipeline quickstart: ok"
for t in contacts deals inventory orders; do
    expect_eq "$(pg_sql "SELECT count(*) FROM $t")" "$(jq -r ".tables.$t" "$EXP")" "quickstart: rows in $t"
done
expect_lines "$TMP/qs/out/dead-letter.jsonl" "$(jq -r .dead_letters "$EXP")"
expect_eq "$(pg_sql "SELECT SUM(qty * unit_price) FROM orders")" "4101626.20" "quickstart: exact order total (numeric)"
expect_eq "$(pg_sql "SELECT count(*) FROM contacts WHERE email = 'ivan.petrov@mail.ru'")" 1 "quickstart: one normalised contact"
expect_ne "$(pg_sql "SELECT count(*) FROM contacts WHERE name LIKE '%Петров%'")" 0 "quickstart: Cyrillic stored intact"
expect_eq "$(pg_sql "SELECT count(*) FROM orders WHERE status NOT IN ('paid','shipped')")" 0 "quickstart: filter applied"
# Nested JSON as jsonb, queryable with the JSON operators.
expect_eq "$(pg_sql "SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'shipping'")" \
    jsonb "quickstart: nested object is a jsonb column"
expect_ne "$(pg_sql "SELECT count(DISTINCT shipping->'address'->>'city') FROM orders WHERE shipping->>'method' <> 'pickup'")" 0 \
    "quickstart: jsonb reachable with ->, ->>"
expect_eq "$(pg_sql "SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'created_at'")" \
    "timestamp with time zone" "quickstart: types option gives timestamptz"
expect_eq "$(pg_sql "SELECT numeric_precision || ',' || numeric_scale FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'unit_price'")" \
    "12,2" "quickstart: types option gives numeric(12,2)"
expect_eq "$(pg_sql "SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'qty'")" \
    bigint "quickstart: integers give bigint"
expect_eq "$(pg_sql "SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'orders'::regclass AND i.indisprimary")" \
    "order_id,line_no" "quickstart: primary key on the key"
sum1=$(pg_sql "SELECT md5(string_agg(order_id || line_no || qty || unit_price, ',' ORDER BY order_id, line_no)) FROM orders")
# Another pipeline name: no committed cursors, so everything is read and
# upserted again.
jq '.name = "quickstart-again"' "$TMP/qs/pg.json" >"$TMP/qs/pg-again.json"
expect_exit 0 "$SLUICE" run -q "$TMP/qs/pg-again.json"
for t in contacts deals inventory orders; do
    expect_eq "$(pg_sql "SELECT count(*) FROM $t")" "$(jq -r ".tables.$t" "$EXP")" "quickstart again: still $t rows"
done
expect_eq "$(pg_sql "SELECT md5(string_agg(order_id || line_no || qty || unit_price, ',' ORDER BY order_id, line_no)) FROM orders")" \
    "$sum1" "quickstart again: same content"

# ---- upserts: last record wins, within a batch and across runs ---------------
{
    echo '{"id": 1, "name": "first", "qty": 1}'
    echo '{"id": 2, "name": "two", "qty": 2}'
    echo '{"id": 1, "name": "second", "qty": 10}'
    echo '{"id": 1, "name": "third", "qty": 100}'
    echo '{"id": 3, "name": "three", "qty": 3}'
    echo '{"id": 3, "qty": 33}'
    echo '{"id": 4, "qty": 4}'
    echo '{"id": 4, "name": "four"}'
} >"$TMP/up.jsonl"
pipeline up '"table": "up", "key": ["id"]'
expect_exit 0 "$SLUICE" run "$TMP/up.json"
expect_eq "$(pg_sql "SELECT count(*) FROM up")" 4 "upsert: one row per key"
expect_eq "$(pg_sql "SELECT name || ':' || qty FROM up WHERE id = 1")" "third:100" "upsert: last of three in one batch wins"
expect_eq "$(pg_sql "SELECT name || ':' || qty FROM up WHERE id = 3")" "three:33" "upsert: a record without a field keeps the column"
expect_eq "$(pg_sql "SELECT name || ':' || qty FROM up WHERE id = 4")" "four:4" "upsert: fields of two records merge"
# One record per batch: the same key over many transactions.
pipeline up1 '"table": "up", "key": ["id"]' up.jsonl '"batch_size": 1,'
expect_exit 0 "$SLUICE" run "$TMP/up1.json"
expect_eq "$(pg_sql "SELECT count(*) FROM up")" 4 "upsert, batches of one: no duplicates"
expect_eq "$(pg_sql "SELECT name || ':' || qty FROM up WHERE id = 1")" "third:100" "upsert, batches of one: last wins"
# A second file updates and adds a column.
{
    echo '{"id": 2, "name": "two v2", "qty": 22, "note": "new column"}'
    echo '{"id": 5, "name": "five", "qty": 5, "note": null}'
} >"$TMP/up2.jsonl"
pipeline up2 '"table": "up", "key": ["id"]'
expect_exit 0 "$SLUICE" run -v "$TMP/up2.json"
expect_contains "$ERR" 'adding column "note"'
expect_eq "$(pg_sql "SELECT count(*) FROM up")" 5 "second run: one row added"
expect_eq "$(pg_sql "SELECT name || ':' || qty || ':' || note FROM up WHERE id = 2")" "two v2:22:new column" "second run: row updated, new column filled"
expect_eq "$(pg_sql "SELECT note IS NULL FROM up WHERE id = 5")" t "JSON null is SQL NULL"
expect_eq "$(pg_sql "SELECT note IS NULL FROM up WHERE id = 1")" t "older rows have NULL in the new column"
# Keys equal for the server but written differently: "01" and 1 in a bigint
# column, "A" and "a" under a case-insensitive (nondeterministic) collation.
# The sink's own duplicate check cannot see these; the last record must
# still win (the second needs the server's complaint and a retry).
pg_sql "CREATE TABLE intkey (id bigint PRIMARY KEY, v text)"
printf '{"id": "01", "v": "first"}\n{"id": 1, "v": "last"}\n{"id": "2", "v": "two"}\n' >"$TMP/ik.jsonl"
pipeline ik '"table": "intkey", "key": "id"'
expect_exit 0 "$SLUICE" run "$TMP/ik.json"
expect_eq "$(pg_sql "SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM intkey")" "1=last,2=two" "keys written differently: last wins"
if pg_sql "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)" 2>/dev/null; then
    pg_sql "CREATE TABLE cikey (k text COLLATE ci PRIMARY KEY, v int)"
    printf '{"k": "A", "v": 1}\n{"k": "a", "v": 2}\n{"k": "b", "v": 3}\n' >"$TMP/ci.jsonl"
    pipeline ci '"table": "cikey", "key": "k"'
    expect_exit 0 "$SLUICE" run "$TMP/ci.json"
    expect_contains "$ERR" "retrying it with duplicates removed"
    expect_eq "$(pg_sql "SELECT string_agg(k || '=' || v, ',' ORDER BY v) FROM cikey")" "a=2,b=3" "case-insensitive key: last wins after a retry"
else
    echo "# no ICU collations in this server: case-insensitive key check left out"
fi
# Composite key, with a key field missing or null: dead-lettered alone.
{
    echo '{"order_id": "A", "line_no": 1, "sku": "x"}'
    echo '{"order_id": "A", "line_no": 2, "sku": "y"}'
    echo '{"order_id": "A", "sku": "no line"}'
    echo '{"order_id": null, "line_no": 3, "sku": "null order"}'
    echo '{"order_id": "A", "line_no": 1, "sku": "x2"}'
} >"$TMP/ck.jsonl"
pipeline ck '"table": "lines", "key": {"items": ["order_id", "line_no"]}'
expect_exit 0 "$SLUICE" run "$TMP/ck.json"
expect_eq "$(pg_sql "SELECT string_agg(order_id || line_no || sku, ',' ORDER BY line_no) FROM lines")" "A1x2,A2y" "composite key: upserted"
expect_lines "$TMP/ck-dead.jsonl" 2
expect_eq "$(jq -r .reason "$TMP/ck-dead.jsonl" | sort | tr '\n' '|')" \
    "missing key field line_no|missing key field order_id (null)|" "composite key: missing and null key fields dead-lettered"

# ---- append (no key) and the table option ----------------------------------
printf '{"n": 1}\n{"n": 2}\n{"n": 2}\n' >"$TMP/app.jsonl"
pipeline app '"table": {"items": "appended"}'
pipeline app2 '"table": {"items": "appended"}' app.jsonl
expect_exit 0 "$SLUICE" run "$TMP/app.json"
expect_exit 0 "$SLUICE" run "$TMP/app2.json"
expect_eq "$(pg_sql "SELECT count(*) || ':' || sum(n) FROM appended")" "6:10" "no key: every record appended, each run"

# ---- types: inference, override, escaping -----------------------------------
cat >"$TMP/types.jsonl" <<'EOF'
{"id": 1, "i": 1, "r": 1.5, "ir": 2, "b": true, "s": "text", "money": "19.99", "obj": {"a": [1, 2]}, "arr": [1, "x"], "nul": null, "ts": "2024-01-01T00:00:05+03:00", "amount": "1234.5", "mix": 1, "js": 1}
{"id": 2, "i": -9007199254740993, "r": 0.1, "ir": 2.5, "b": false, "s": "tab\there", "money": "0.10", "obj": {}, "arr": [], "nul": null, "ts": "2024-06-30T23:59:59Z", "amount": "0.015", "mix": "one", "js": "str"}
{"id": 3, "i": 3, "r": 1e300, "ir": 1, "b": null, "s": "line1\nline2\r\\back\\slash \\N", "money": null, "obj": {"k": "v\t\n"}, "arr": [null], "nul": null, "ts": null, "amount": null, "mix": true, "js": {"nested": true}}
{"id": 4, "i": 4, "r": -0.0, "ir": 3, "b": true, "s": "Ёлка 🎄 «ёлка»", "money": "1000000000000000000000.01", "obj": null, "arr": ["\\N"], "nul": null, "ts": null, "amount": null, "mix": null, "js": null}
EOF
pipeline types '"table": "typed", "key": "id", "types": {"items": {"ts": "timestamptz", "amount": "numeric(12,2)"}}'
expect_exit 0 "$SLUICE" run "$TMP/types.json"
coltypes=$(pg_sql "SELECT string_agg(column_name || '=' || data_type, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'typed'")
expect_eq "$coltypes" "id=bigint i=bigint r=double precision ir=double precision b=boolean s=text money=text obj=jsonb arr=jsonb nul=text ts=timestamp with time zone amount=numeric mix=text js=jsonb" \
    "types inferred (int, real, int+real, bool, string, money as text, json, only nulls) and overridden"
expect_eq "$(pg_sql "SELECT i FROM typed WHERE id = 2")" "-9007199254740993" "bigint keeps every digit"
printf '{"id": 5, "i": 5.0, "ir": 7}\n' >"$TMP/types2.jsonl"
pipeline types2 '"table": "typed", "key": "id"'
expect_exit 0 "$SLUICE" run "$TMP/types2.json"
expect_eq "$(pg_sql "SELECT i || ':' || ir FROM typed WHERE id = 5")" "5:7" "5.0 fits a bigint column, 7 a double precision one"
expect_eq "$(pg_sql "SELECT r FROM typed WHERE id = 2")" "0.1" "0.1 stays 0.1"
expect_eq "$(pg_sql "SELECT money FROM typed WHERE id = 4")" "1000000000000000000000.01" "money strings stay exact text"
expect_eq "$(pg_sql "SELECT amount FROM typed WHERE id = 2")" "0.02" "numeric(12,2) from a string"
expect_eq "$(pg_sql "SELECT s = E'tab\\there' FROM typed WHERE id = 2")" t "tab survives COPY"
expect_eq "$(pg_sql "SELECT s = E'line1\\nline2\\r\\\\back\\\\slash \\\\N' FROM typed WHERE id = 3")" t "newline, CR, backslash and a literal \\N survive COPY"
expect_eq "$(pg_sql "SELECT s FROM typed WHERE id = 4")" "Ёлка 🎄 «ёлка»" "UTF-8 intact"
expect_eq "$(pg_sql "SELECT b IS NULL FROM typed WHERE id = 3")" t "null boolean"
expect_eq "$(pg_sql "SELECT obj->'a'->>1 FROM typed WHERE id = 1")" 2 "jsonb object queryable"
expect_eq "$(pg_sql "SELECT obj->>'k' = E'v\\t\\n' FROM typed WHERE id = 3")" t "control characters inside jsonb"
expect_eq "$(pg_sql "SELECT arr->>0 FROM typed WHERE id = 4")" '\N' "a \\N string inside jsonb stays a string"
expect_eq "$(pg_sql "SELECT string_agg(js::text, ' ' ORDER BY id) FROM typed")" '1 "str" {"nested": true}' \
    "a jsonb column takes numbers, strings and objects as JSON"
expect_eq "$(pg_sql "SELECT string_agg(mix, ',' ORDER BY id) FROM typed")" "1,one,true" "mixed scalars become text"
expect_eq "$(pg_sql "SELECT ts AT TIME ZONE 'UTC' FROM typed WHERE id = 1")" "2023-12-31 21:00:05" "timestamptz parsed with its offset"

# ---- records the server refuses: dead-lettered, the rest lands ----------------
pg_sql "CREATE TABLE guarded (id bigint PRIMARY KEY, sku text NOT NULL, qty integer CHECK (qty >= 0), price numeric(8,2))"
{
    echo '{"id": 1, "sku": "a", "qty": 1, "price": "1.00"}'
    echo '{"id": 2, "sku": null, "qty": 2, "price": "2.00"}'
    echo '{"id": 3, "sku": "c", "qty": -3, "price": "3.00"}'
    echo '{"id": 4, "sku": "d", "qty": "abc", "price": "4.00"}'
    echo '{"id": 5, "sku": "e", "qty": 5, "price": "5.00"}'
    echo '{"id": 6, "sku": "f", "qty": 6, "price": "123456789.00"}'
    for i in $(seq 7 40); do echo "{\"id\": $i, \"sku\": \"s$i\", \"qty\": $i, \"price\": \"$i.50\"}"; done
} >"$TMP/guard.jsonl"
pipeline guard '"table": "guarded", "key": "id"'
expect_exit 0 "$SLUICE" run "$TMP/guard.json"
expect_eq "$(pg_sql "SELECT count(*) FROM guarded")" 36 "refused records: the other 36 landed"
expect_eq "$(pg_sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM guarded WHERE id <= 6")" "1,5" "refused records: neighbours in the batch landed"
DL=$TMP/guard-dead.jsonl
expect_lines "$DL" 4
expect_eq "$(jq -r '.record.id' "$DL" | sort -n | tr '\n' ' ')" "2 3 4 6 " "refused records dead-lettered with the record"
expect_contains "$DL" "23502"
expect_contains "$DL" 'null value in column \"sku\"'
expect_contains "$DL" "23514"
expect_contains "$DL" "guarded_qty_check"
expect_contains "$DL" "22P02"
expect_contains "$DL" "(column qty)"
expect_contains "$DL" "22003"
expect_eq "$(jq -r '.stage' "$DL" | sort -u)" pg "dead letters name the sink stage"
expect_eq "$(jq -r '.line' "$DL" | tr '\n' ' ')" "2 3 4 6 " "dead letters keep the input line"
expect_contains "$ERR" "4 records rejected"

# ---- schema option, a missing schema is created -----------------------------
printf '{"k": "a", "v": 1}\n' >"$TMP/sch.jsonl"
pipeline sch '"schema": "Staging Area", "table": "t", "key": "k"'
expect_exit 0 "$SLUICE" run "$TMP/sch.json"
expect_eq "$(pg_sql 'SELECT v FROM "Staging Area".t')" 1 "schema option: table in a new schema with a quoted name"

# ---- bad options are refused before anything runs ----------------------------
pipeline badkey '"key": ["id", "id"]' sch.jsonl
expect_exit 1 "$SLUICE" run "$TMP/badkey.json"
expect_contains "$ERR" "option key"
pipeline badtypes '"types": {"items": {"v": "int; DROP TABLE up"}}' sch.jsonl
expect_exit 1 "$SLUICE" run "$TMP/badtypes.json"
expect_contains "$ERR" "option types"
expect_eq "$(pg_sql "SELECT count(*) FROM up")" 5 "nothing ran with bad options"

# ---- passwords never reach the log -------------------------------------------
PW='Pw-7f3a9c-s3cr3t'
pg_sql "CREATE ROLE loader LOGIN PASSWORD '$PW'; GRANT CREATE ON DATABASE sluice TO loader"
printf '{"k": "a", "v": 1}\n{"k": "b", "v": 2}\n' >"$TMP/pw.jsonl"
pipeline pw "\"conninfo\": \"host=$PGHOST port=$PGPORT dbname=sluice user=loader password=$PW\", \"schema\": \"loader\", \"table\": \"t\", \"key\": \"k\""
expect_exit 0 "$SLUICE" run -v "$TMP/pw.json"
expect_eq "$(pg_sql "SELECT count(*) FROM loader.t")" 2 "password role: loaded"
expect_contains "$ERR" "connected to loader@"
expect_not_contains "$ERR" "$PW"
expect_not_contains "$OUT" "$PW"
sockenc=$(jq -rn --arg s "$PGHOST" '$s | @uri')
pipeline pwuri "\"conninfo\": \"postgresql://loader:$PW@/sluice?host=$sockenc&port=$PGPORT\", \"schema\": \"loader\", \"table\": \"t\", \"key\": \"k\"" pw.jsonl
expect_exit 0 "$SLUICE" run -v "$TMP/pwuri.json"
expect_not_contains "$ERR" "$PW"
# A wrong password: the run fails naming the problem, not the password.
pipeline pwbad "\"conninfo\": \"host=$PGHOST port=$PGPORT dbname=sluice user=loader password='wrong-$PW'\", \"table\": \"t\"" pw.jsonl
expect_exit 1 "$SLUICE" run -v "$TMP/pwbad.json"
expect_contains "$ERR" "password authentication failed"
expect_not_contains "$ERR" "$PW"
# A conninfo libpq cannot parse: its complaint quotes the text, never the password.
pipeline pwparse "\"conninfo\": \"host=$PGHOST password $PW\", \"table\": \"t\"" pw.jsonl
expect_exit 1 "$SLUICE" run -v "$TMP/pwparse.json"
expect_contains "$ERR" "option conninfo"
expect_not_contains "$ERR" "$PW"
expect_exit 0 "$SLUICE" validate -v "$TMP/pw.json"
expect_not_contains "$ERR" "$PW"
expect_not_contains "$OUT" "$PW"
