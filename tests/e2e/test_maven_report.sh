#!/usr/bin/env bash
# Acceptance on real data: examples/maven-crm loads the Maven Analytics CRM
# data set (its CSVs copied into the example) through `unify` into a
# SQLite warehouse, and `sluice report` on it must give the numbers plain
# SQL computes from the original CSVs, imported here with sqlite3 alone:
# won and lost deals, win rate, total and average won value, average sales
# cycle in days, and won value by sector. The data set spells one sector
# "technolgy"; the mapping corrects it, and the SQL here does the same.
. "$(dirname "$0")/lib.sh"

cp -r "$SLUICE_SOURCE_DIR/examples/maven-crm" "$TMP/ex"
rm -rf "$TMP/ex/out"
expect_exit 0 "$SLUICE" -q run "$TMP/ex/pipeline.json"
expect_exit 0 "$SLUICE" report "$TMP/ex/out/warehouse.db" --format json --by sector -o "$TMP/report.json"
expect_exit 0 "$SLUICE" report "$TMP/ex/out/warehouse.db" -o "$TMP/report.txt"

# The independent side: the CSVs as they are, imported by sqlite3.
DATA=$TMP/ex/data
sqlite3 "$TMP/raw.db" <<SQL
.mode csv
.import $DATA/sales_pipeline.csv pipeline
.import $DATA/accounts.csv accounts
SQL
raw() { sqlite3 "$TMP/raw.db" "$1"; }
kpi() { jq -r ".kpis.$1" "$TMP/report.json"; }

won=$(raw "SELECT count(*) FROM pipeline WHERE deal_stage = 'Won'")
lost=$(raw "SELECT count(*) FROM pipeline WHERE deal_stage = 'Lost'")
expect_eq "$(kpi deals_won)" "$won" "won deals"
expect_eq "$(kpi deals_lost)" "$lost" "lost deals"
expect_eq "$(jq -r '.kpis.win_rate * 1000000 | round' "$TMP/report.json")" \
    "$(raw "SELECT round(1000000.0 * $won / ($won + $lost))" | cut -d. -f1)" "win rate = won / (won + lost)"
expect_eq "$(jq -r .details.won_value "$TMP/report.json")" \
    "$(raw "SELECT printf('%.2f', sum(CAST(close_value AS INTEGER))) FROM pipeline WHERE deal_stage = 'Won'")" "total won value"
expect_eq "$(kpi avg_deal_size)" \
    "$(raw "SELECT printf('%.2f', avg(CAST(close_value AS INTEGER))) FROM pipeline WHERE deal_stage = 'Won'")" "average won value"
expect_eq "$(jq -r '.kpis.avg_cycle_days * 1000 | round' "$TMP/report.json")" \
    "$(raw "SELECT CAST(round(1000 * avg(julianday(close_date) - julianday(engage_date))) AS INTEGER) FROM pipeline WHERE deal_stage = 'Won'")" \
    "average sales cycle in days (engage to close, won deals)"

# Won value by sector: the report's breakdown against a plain join.
jq -r '.breakdowns.sector[] | "\(.key)|\(.deals_won)|\(.won_value)"' "$TMP/report.json" | sort >"$TMP/by_sector.report"
raw "SELECT replace(a.sector, 'technolgy', 'technology'), count(*), printf('%.2f', sum(CAST(p.close_value AS INTEGER)))
     FROM pipeline p JOIN accounts a ON a.account = p.account
     WHERE p.deal_stage = 'Won' GROUP BY 1" | sort >"$TMP/by_sector.sql"
expect_eq "$(wc -l <"$TMP/by_sector.sql" | tr -d ' ')" 10 "ten sectors in the data set"
expect_eq "$(diff "$TMP/by_sector.sql" "$TMP/by_sector.report" && echo same)" same "won value by sector"

# The data set's quirks: open deals without an account and prospecting deals
# without an engage date are loaded, not dead-lettered.
expect_eq "$(sqlite3 "$TMP/ex/out/warehouse.db" "SELECT count(*) FROM deals")" "$(raw "SELECT count(*) FROM pipeline")" "every deal loaded"
expect_eq "$(raw "SELECT count(*) FROM pipeline WHERE account = ''" | awk '{print ($1 > 0)}')" 1 "the data set has deals without an account"
expect_eq "$([ -s "$TMP/ex/out/dead-letter.jsonl" ] && echo some || echo none)" none "nothing dead-lettered"
expect_contains "$TMP/report.txt" "Win rate                  63.15 %"
