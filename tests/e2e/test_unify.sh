#!/usr/bin/env bash
# The unify transform end to end: examples/maven-crm loads the Maven
# Analytics CRM data set into canonical tables, and the numbers in the
# warehouse equal those computed with awk over the original CSV files
# (won, lost and open deals, the sum of won amounts, revenue by sector
# through the companies join); the data set's quirks are handled (GTXPro,
# open deals without an account, Prospecting without engage_date, a
# misspelt sector); nothing is dead-lettered; a second run changes nothing.
# Then the quickstart data through the quickstart mapping: bad values are
# dead-lettered with the canonical field and the reason.
. "$(dirname "$0")/lib.sh"

cp -r "$SLUICE_SOURCE_DIR/examples/maven-crm" "$TMP/maven"
rm -rf "$TMP/maven/out" "$TMP/maven/state"
DB=$TMP/maven/out/warehouse.db
CSV=$TMP/csv
mkdir -p "$CSV"
# The originals (CRLF) as plain LF text for awk; the example's copies must be the same bytes.
for f in accounts products sales_teams sales_pipeline; do
    tr -d '\r' <"$SLUICE_SOURCE_DIR/examples/maven-crm/data/$f.csv" >"$CSV/$f.csv"
done
P=$CSV/sales_pipeline.csv

expect_exit 0 "$SLUICE" run "$TMP/maven/pipeline.json"
expect_contains "$ERR" "pipeline maven-crm: ok"
[ -s "$TMP/maven/out/dead-letter.jsonl" ] && fail "dead letters: $(head -c 300 "$TMP/maven/out/dead-letter.jsonl")" ||
    pass "no record dead-lettered"

# --- counts against the CSV ------------------------------------------------------
awk_stage() { awk -F, -v s="$1" 'NR > 1 && $5 == s { n++ } END { print n + 0 }' "$P"; }
won=$(awk_stage Won) lost=$(awk_stage Lost)
open=$(($(awk_stage Engaging) + $(awk_stage Prospecting)))
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals WHERE status = 'won'")" "$won" "won deals = CSV ($won)"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals WHERE status = 'lost'")" "$lost" "lost deals = CSV ($lost)"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals WHERE status = 'open'")" "$open" "open deals = CSV ($open)"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals")" "$(($(wc -l <"$P") - 1))" "one deal per pipeline row"
won_sum=$(awk -F, 'NR > 1 && $5 == "Won" { s += $8 } END { printf "%.2f", s }' "$P")
expect_eq "$(sql "$DB" "SELECT printf('%.2f', sum(amount)) FROM deals WHERE status = 'won'")" "$won_sum" \
    "sum of won amounts = CSV ($won_sum)"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals WHERE amount GLOB '*[^0-9.]*' OR amount NOT LIKE '%.__'")" 0 \
    "amounts are exact decimal strings with two places"
expect_eq "$(sql "$DB" "SELECT typeof(amount) FROM deals WHERE amount IS NOT NULL GROUP BY 1")" text "amounts stored as text"

# Revenue by sector: deals joined to companies in the warehouse, accounts
# joined to the pipeline by awk (the sector spelt as the mapping fixes it).
awk -F, 'NR == FNR { if (FNR > 1) sector[$1] = ($2 == "technolgy" ? "technology" : $2); next }
         FNR > 1 && $5 == "Won" { s[sector[$4]] += $8 }
         END { for (k in s) printf "%s|%.2f\n", k, s[k] }' "$CSV/accounts.csv" "$P" | sort >"$TMP/sector.awk"
sql "$DB" "SELECT c.sector, printf('%.2f', sum(d.amount)) FROM deals d JOIN companies c ON c.company_id = d.company_id
           WHERE d.status = 'won' GROUP BY c.sector ORDER BY 1" >"$TMP/sector.sql"
if cmp -s "$TMP/sector.awk" "$TMP/sector.sql" && [ -s "$TMP/sector.sql" ]; then
    pass "won revenue by sector = CSV ($(wc -l <"$TMP/sector.sql") sectors)"
else
    fail "won revenue by sector differs: $(diff "$TMP/sector.awk" "$TMP/sector.sql" | head -5)"
fi

# --- the data set's quirks ---------------------------------------------------------
gtxpro=$(awk -F, 'NR > 1 && $3 == "GTXPro"' "$P" | wc -l)
expect_ne "$gtxpro" 0 "the CSV spells GTXPro"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals WHERE product = 'GTXPro'")" 0 "no GTXPro left"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals d LEFT JOIN products p ON p.sku = d.product WHERE p.sku IS NULL")" 0 \
    "every deal's product is in products"
no_account=$(awk -F, 'NR > 1 && $4 == ""' "$P" | wc -l)
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals WHERE company_id IS NULL AND company IS NULL")" "$no_account" \
    "deals without an account: null company ($no_account)"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals WHERE company_id IS NULL AND status <> 'open'")" 0 \
    "only open deals lack an account"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals WHERE engaged_at IS NULL")" "$(awk_stage Prospecting)" \
    "Prospecting deals have no engaged_at"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals WHERE status <> 'open' AND (closed_at IS NULL OR amount IS NULL)")" 0 \
    "closed deals have closed_at and amount"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals WHERE manager IS NULL OR region IS NULL")" 0 "manager and region on every deal"
expect_eq "$(sql "$DB" "SELECT manager || '|' || region FROM deals WHERE owner = 'Moses Frase' LIMIT 1")" \
    "$(awk -F, '$1 == "Moses Frase" { print $2 "|" $3 }' "$CSV/sales_teams.csv")" "manager and region from sales_teams"
expect_eq "$(sql "$DB" "SELECT count(*) FROM deals d JOIN owners o ON o.owner = d.owner")" "$(($(wc -l <"$P") - 1))" \
    "every deal's owner is in owners"
expect_eq "$(sql "$DB" "SELECT count(*) FROM companies WHERE sector = 'technolgy'")" 0 "sector spelling fixed"
expect_eq "$(sql "$DB" "SELECT count(*) FROM companies")" 85 "85 companies"
expect_eq "$(sql "$DB" "SELECT count(*) FROM products")" 7 "7 products"
expect_eq "$(sql "$DB" "SELECT count(*) FROM owners")" 35 "35 owners"
expect_eq "$(sql "$DB" "SELECT revenue FROM companies WHERE name = 'Acme Corporation'")" "1100040000.00" \
    "revenue in USD, not millions"
expect_eq "$(sql "$DB" "SELECT min(engaged_at) || ' ' || max(closed_at) FROM deals")" "2016-10-20 2017-12-31" \
    "dates are YYYY-MM-DD"
expect_eq "$(sql "$DB" "SELECT DISTINCT source FROM deals")" maven_crm "source on every deal"

# --- a second run reads nothing new and changes nothing ----------------------------
before=$(sql "$DB" "SELECT count(*), sum(amount) FROM deals")
expect_exit 0 "$SLUICE" run -q "$TMP/maven/pipeline.json"
expect_eq "$(sql "$DB" "SELECT count(*), sum(amount) FROM deals")" "$before" "second run leaves the deals as they were"

# --- a mapping file of one's own, relative to the pipeline, with an override ----------
sed 's/"system": "maven_crm"/"system": "maven_copy"/' "$SLUICE_BUILD_DIR/mappings/maven_crm.json" >"$TMP/maven/my-mapping.json"
jq '.name = "maven-own" | .transforms[0].mapping = "my-mapping.json" | .transforms[0].overrides = {"deals.currency": {"const": "EUR"}}
    | .sinks[0].path = "out/own.db" | .dead_letter = "out/own-dead.jsonl"' \
    "$TMP/maven/pipeline.json" >"$TMP/maven/own.json"
expect_exit 0 "$SLUICE" run "$TMP/maven/own.json"
expect_eq "$(sql "$TMP/maven/out/own.db" "SELECT count(*), min(deal_id) LIKE 'maven_copy:%', min(currency), max(currency) FROM deals")" \
    "8800|1|EUR|EUR" "own mapping file found beside the pipeline, override applied"

# --- quickstart data through the quickstart mapping ---------------------------------
mkdir -p "$TMP/qs"
cat >"$TMP/qs/pipeline.json" <<JSON
{"name": "qs-unify", "dead_letter": "dead.jsonl", "max_errors": 100,
 "sources": [
  {"id": "crm", "plugin": "file", "path": "$SLUICE_SOURCE_DIR/examples/quickstart/data/contacts.csv", "stream": "contacts"},
  {"id": "deals", "plugin": "file", "path": "$SLUICE_SOURCE_DIR/examples/quickstart/data/deals.csv", "stream": "deals", "delimiter": ";"},
  {"id": "shop", "plugin": "file", "path": "$SLUICE_SOURCE_DIR/examples/quickstart/data/orders.jsonl", "stream": "orders"},
  {"id": "stock", "plugin": "file", "path": "$SLUICE_SOURCE_DIR/examples/quickstart/data/inventory.csv", "stream": "inventory"}],
 "transforms": [{"id": "unify", "plugin": "unify", "inputs": ["crm", "deals", "shop", "stock"], "mapping": "quickstart"}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["unify"], "path": "wh.db",
            "key": {"customers": ["customer_id"], "deals": ["deal_id"], "orders": ["order_id"],
                    "order_lines": ["order_id", "line_no"], "stock": ["sku", "warehouse"], "products": ["sku"]}}]}
JSON
QDB=$TMP/qs/wh.db
expect_exit 0 "$SLUICE" run "$TMP/qs/pipeline.json"
DLQ=$TMP/qs/dead.jsonl
expect_eq "$(jq -r 'select(.stage == "unify") | .line' "$DLQ" | sort -n | tr '\n' ' ')" "43 136 " \
    "two records dead-lettered by unify"
expect_eq "$(jq -r 'select(.stage == "unify" and .line == 43) | .reason' "$DLQ")" \
    'stock.qty: "12,5" is not an integer (has decimals)' "dead letter names the canonical field, the value and why"
expect_contains "$DLQ" 'order_lines.qty: \"abc\" is not an integer'
expect_eq "$(jq -r 'select(.line == 136) | .record.order_id' "$DLQ")" SO-240146 "the dead letter keeps the input record"
expect_eq "$(sql "$QDB" "SELECT count(*) FROM customers")" 194 "194 customers (e-mails normalised into one id)"
expect_eq "$(sql "$QDB" "SELECT count(*) FROM deals")" 150 "150 deals"
expect_eq "$(sql "$QDB" "SELECT status, count(*) FROM deals GROUP BY 1 ORDER BY 1" | tr '\n' ' ')" "lost|30 open|101 won|19 " \
    "deal statuses from stages"
expect_eq "$(sql "$QDB" "SELECT count(*) FROM order_lines")" 294 "294 order lines (297 read, 1 rejected, 2 repeated keys)"
pct=$(cat <<'SQL'
SELECT count(*) FROM order_lines
WHERE discount IS NULL AND json_extract(_invalid, '$.discount') LIKE '"5%" is not a decimal%'
SQL
)
expect_eq "$(sql "$QDB" "$pct")" \
    "$(grep -c '"discount":"5%"' "$SLUICE_SOURCE_DIR/examples/quickstart/data/orders.jsonl")" "percentage discounts nulled and noted"
expect_eq "$(sql "$QDB" "SELECT count(*) FROM orders WHERE created_at NOT LIKE '____-__-__T__:__:__Z'")" 0 "order times in UTC"
expect_eq "$(sql "$QDB" "SELECT count(*) FROM stock")" 79 "79 stock rows"
