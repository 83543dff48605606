#!/usr/bin/env bash
# The quickstart pipeline on its own data: table sizes, dead letters,
# Cyrillic intact, and an idempotent second run (upserts, not duplicates).
. "$(dirname "$0")/lib.sh"

cp -r "$SLUICE_SOURCE_DIR/examples/quickstart" "$TMP/qs"
rm -rf "$TMP/qs/out"
EXP=$TMP/qs/expected.json
DB=$TMP/qs/out/warehouse.db
DLQ=$TMP/qs/out/dead-letter.jsonl

expect_exit 0 "$SLUICE" run "$TMP/qs/pipeline.json"
expect_contains "$ERR" "pipeline quickstart: ok"

for t in contacts deals inventory orders; do
    expect_eq "$(sql "$DB" "SELECT count(*) FROM $t")" "$(jq -r ".tables.$t" "$EXP")" "rows in $t"
done
expect_lines "$DLQ" "$(jq -r .dead_letters "$EXP")"

# Every expected dead letter, by origin, line and stage; each has a reason.
jq -c '.dead_letter_entries[]' "$EXP" | while read -r e; do
    origin=$(jq -r .origin <<<"$e") line=$(jq -r .line <<<"$e") stage=$(jq -r .stage <<<"$e")
    n=$(jq -c --arg o "$origin" --argjson l "$line" --arg s "$stage" \
        'select((.origin | endswith($o)) and .line == $l and .stage == $s and (.reason | length > 0))' "$DLQ" | wc -l)
    echo "$n" >"$TMP/dl.$stage.$line"
done
for f in "$TMP"/dl.*; do
    expect_eq "$(cat "$f")" 1 "dead letter ${f##*/dl.} present with a reason"
done
expect_eq "$(jq -r 'select(.line == 48) | .reason' "$DLQ" | grep -c 'invalid JSON')" 1 "bad JSON line named as such"
expect_eq "$(jq -r 'select(.line == 136) | .reason' "$DLQ" | grep -c 'qty')" 1 "failed cast names the field"
expect_eq "$(jq -r 'select(.line == 136) | .record.order_id' "$DLQ")" "SO-240146" "cast reject keeps the record"

# Cyrillic survives bytes-exact, e-mails are normalised.
expect_eq "$(sql "$DB" "SELECT count(*) FROM contacts WHERE email = 'ivan.petrov@mail.ru'")" 1 "one normalised contact row"
expect_eq "$(sql "$DB" "SELECT count(*) FROM contacts WHERE name GLOB '*[А-Яа-яЁё]*'")" \
    "$(sql "$DB" "SELECT count(*) FROM contacts WHERE name GLOB '*[А-Яа-яЁё]*'")" "query runs"
cyr=$(sql "$DB" "SELECT count(*) FROM contacts WHERE name LIKE '%Петров%'")
expect_ne "$cyr" 0 "Cyrillic names stored intact"
expect_eq "$(sql "$DB" "SELECT count(*) FROM orders WHERE email <> lower(trim(email))")" 0 "order e-mails lower-cased and trimmed"
expect_eq "$(sql "$DB" "SELECT count(*) FROM orders WHERE status NOT IN ('paid','shipped')")" 0 "filter kept paid and shipped only"
expect_eq "$(sql "$DB" "SELECT typeof(qty) FROM orders GROUP BY typeof(qty)")" integer "qty cast to integer"
expect_eq "$(sql "$DB" "SELECT count(*) FROM pragma_table_info('orders') WHERE name = 'discount'")" 0 "discount dropped"
expect_eq "$(sql "$DB" "SELECT printf('%.2f', SUM(qty * unit_price)) FROM orders")" "4101626.20" "order total"

# Second run: same tables, no duplicates (upsert on the keys).
before=$(sql "$DB" "SELECT count(*) FROM orders")
sum1=$(sql "$DB" "SELECT group_concat(order_id || line_no || qty, ',') FROM (SELECT * FROM orders ORDER BY order_id, line_no)")
expect_exit 0 "$SLUICE" run -q "$TMP/qs/pipeline.json"
expect_eq "$(sql "$DB" "SELECT count(*) FROM orders")" "$before" "second run adds no rows"
sum2=$(sql "$DB" "SELECT group_concat(order_id || line_no || qty, ',') FROM (SELECT * FROM orders ORDER BY order_id, line_no)")
expect_eq "$sum2" "$sum1" "second run leaves the same content"
for t in contacts deals inventory; do
    expect_eq "$(sql "$DB" "SELECT count(*) FROM $t")" "$(jq -r ".tables.$t" "$EXP")" "rows in $t after a second run"
done
expect_eq "$(sql "$DB" "PRAGMA journal_mode")" wal "warehouse in WAL mode"
