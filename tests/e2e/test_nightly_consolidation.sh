#!/usr/bin/env bash
# examples/nightly-consolidation: the quickstart's CRM contacts and deals,
# shop order lines and stock through unify -> identity -> lookup into a
# SQLite warehouse, then `sluice report`. Every figure checked here is
# computed again from the ORIGINAL input files with jq, awk and sqlite3
# (never from the warehouse), following the rules the docs state:
#
#   - a row the file source cannot parse is dead-lettered: contacts.csv and
#     deals.csv rows whose field count is off or whose quoting is broken
#     (the quickstart's expected.json lists them), orders.jsonl lines that
#     are not JSON; unify also rejects an order line whose qty is not an
#     integer ("abc") and a stock row whose qty has decimals;
#   - e-mails compare trimmed and lower-cased;
#   - an order line repeated with the same (order_id, line_no) is one row;
#   - counted orders: status not cancelled/canceled/refunded (pending counts);
#     line revenue = qty * unit_price - discount, a discount that is not an
#     amount ("5%") is none; an order's revenue is the sum of its lines
#     (quickstart orders carry no total) (docs/report.md);
#   - margin = line revenue - qty * cost, cost from data/purchase_prices.csv.
#
# The example and ../quickstart/data are copied into $TMP with the same
# layout, so nothing is written into the source tree.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/examples/quickstart"
cp -r "$SLUICE_SOURCE_DIR/examples/nightly-consolidation" "$SLUICE_SOURCE_DIR/examples/deploy" "$TMP/examples/"
cp -r "$SLUICE_SOURCE_DIR/examples/quickstart/data" "$SLUICE_SOURCE_DIR/examples/quickstart/expected.json" \
    "$TMP/examples/quickstart/"
EX=$TMP/examples/nightly-consolidation
QS=$TMP/examples/quickstart/data
rm -rf "$EX/out" "$EX/state" "$TMP/examples/deploy/out" "$TMP/examples/deploy/state"
cd "$EX" || exit 1

expect_exit 0 "$SLUICE" run pipeline.json
cp "$ERR" "$TMP/run1.log"
WH=$EX/out/warehouse.db
wh() { sqlite3 "$WH" "$1"; }

# --- the independent side: the original files ------------------------------------
# contacts.csv: a record starts on a line outside a quoted field (two
# comments hold a line break); the name is never quoted, so the e-mail is
# the second comma-separated field.
bad_contacts=$(jq -r '.dead_letter_lines["data/contacts.csv"] | join(",")' "$TMP/examples/quickstart/expected.json")
expect_eq "$bad_contacts" "60,124,174,207" "the quickstart documents the broken contacts rows"
awk -v bad="$bad_contacts" '
    BEGIN { n = split(bad, b, ","); for (i = 1; i <= n; i++) skip[b[i]] = 1 }
    { sub(/\r$/, "") }
    NR > 1 && !inq && !(NR in skip) {
        split($0, f, ","); e = tolower(f[2]); gsub(/^[ \t]+|[ \t]+$/, "", e); print e
    }
    { if (gsub(/"/, "\"") % 2) inq = !inq }' "$QS/contacts.csv" >"$TMP/crm.tsv"
# deals.csv: ';' and no quoting at all, so a row is well formed when it has
# the header's 9 fields.
awk -F';' 'NR > 1 && NF == 9 {
        e = tolower($2); gsub(/^[ \t]+|[ \t]+$/, "", e); s = tolower($4); gsub(/^[ \t]+|[ \t]+$/, "", s)
        print $1 "\t" e "\t" s "\t" $5 "\t" $8 "\t" $9 }' "$QS/deals.csv" >"$TMP/deals.tsv"
# orders.jsonl: every line that is JSON, with its line number.
jq -rR 'fromjson? | select(type == "object")
        | [input_line_number, .order_id, .line_no, .created_at, (.status | ascii_downcase),
           (.customer_email | ascii_downcase | gsub("^\\s+|\\s+$"; "")), .sku, .qty, .unit_price, .discount]
        | map(if . == null then "" else tostring end) | @tsv' "$QS/orders.jsonl" >"$TMP/lines.tsv"

sqlite3 "$TMP/raw.db" <<SQL
CREATE TABLE crm(email TEXT);
CREATE TABLE deals(deal_id TEXT, email TEXT, stage TEXT, amount TEXT, created TEXT, closed TEXT);
CREATE TABLE lines(ln INTEGER, order_id TEXT, line_no INTEGER, created_at TEXT, status TEXT, email TEXT,
                   sku TEXT, qty TEXT, unit_price TEXT, discount TEXT);
.mode tabs
.import $TMP/crm.tsv crm
.import $TMP/deals.tsv deals
.import $TMP/lines.tsv lines
.mode csv
.import $EX/data/purchase_prices.csv prices
-- unify's "int": qty "abc" (line 136) is rejected
CREATE VIEW ok_lines AS SELECT * FROM lines WHERE qty GLOB '[0-9]*' AND qty NOT GLOB '*[^0-9]*';
-- one row per (order_id, line_no): the last one in the file
CREATE VIEW last_lines AS SELECT * FROM ok_lines WHERE ln IN (SELECT max(ln) FROM ok_lines GROUP BY order_id, line_no);
-- money in integer cents, exact
CREATE VIEW priced AS
  SELECT l.*, CAST(qty AS INTEGER) AS q,
         CAST(qty AS INTEGER) * CAST(round(unit_price * 100) AS INTEGER)
           - CASE WHEN discount GLOB '[0-9]*' AND discount NOT GLOB '*[^0-9.]*'
                  THEN CAST(round(discount * 100) AS INTEGER) ELSE 0 END AS rev,
         CAST(round(p.cost * 100) AS INTEGER) AS cost
  FROM last_lines l LEFT JOIN prices p ON p.sku = l.sku;
CREATE VIEW counted AS SELECT * FROM priced WHERE status NOT IN ('cancelled', 'canceled', 'refunded');
SQL
raw() { sqlite3 "$TMP/raw.db" "$1"; }
money() { raw "SELECT printf('%d.%02d', ($1) / 100, ($1) % 100)"; }
kpi() { jq -r ".kpis.$1" "$TMP/report.json"; }
detail() { jq -r ".details.$1" "$TMP/report.json"; }
close_to() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; print (d < 1e-9 && d > -1e-9) ? "equal" : a " != " b }'; }

expect_exit 0 "$SLUICE" report "$WH" --format json --churn-days 30 -o "$TMP/report.json"

# --- dead letters: exactly the rows the rules above leave out ---------------------------
jq -r '"\(.origin | split("/") | last):\(.line)"' "$EX/out/dead-letter.jsonl" | sort >"$TMP/dead.got"
printf '%s\n' contacts.csv:60 contacts.csv:124 contacts.csv:174 contacts.csv:207 deals.csv:90 inventory.csv:43 \
    orders.jsonl:48 orders.jsonl:136 orders.jsonl:159 orders.jsonl:278 | sort >"$TMP/dead.want"
expect_eq "$(diff "$TMP/dead.want" "$TMP/dead.got" && echo same)" same \
    "dead letters: the broken rows, each once (one source feeds both unify stages)"
expect_eq "$(raw "SELECT count(*) FROM lines")" 297 "297 order lines are JSON"
expect_eq "$(raw "SELECT count(*) FROM deals")" 150 "150 deals rows are well formed"

# --- customers: one per distinct e-mail over the CRM, the deals and the shop --------------
raw "SELECT email FROM crm UNION SELECT email FROM deals UNION SELECT email FROM lines" | sort >"$TMP/emails.raw"
wh "SELECT email FROM customers" | sort >"$TMP/emails.wh"
n_people=$(wc -l <"$TMP/emails.raw" | tr -d ' ')
expect_eq "$n_people" 200 "200 distinct e-mails in the inputs (194 contacts, 6 shop-only buyers)"
expect_eq "$(wh "SELECT count(*) FROM customers")" "$n_people" "one customers row per distinct e-mail"
expect_eq "$(wh "SELECT count(DISTINCT customer_id) FROM customers")" "$n_people" "one customer_id per distinct e-mail"
expect_eq "$(diff "$TMP/emails.raw" "$TMP/emails.wh" && echo same)" same "the customers' e-mails are the inputs' e-mails"
expect_eq "$(wh "SELECT count(*) FROM customers WHERE customer_id NOT GLOB 'cus_[0-9a-f]*' OR length(customer_id) <> 24")" 0 \
    "customer ids are the identity store's"
expect_eq "$(wh "SELECT count(*) FROM customers WHERE shop_id IS NOT NULL AND sources IS NOT NULL")" \
    "$(raw "SELECT count(*) FROM (SELECT email FROM crm INTERSECT SELECT email FROM lines)")" \
    "customers known to both the CRM and the shop"

# Every order and deal names a customer of the customers table, and an
# e-mail has one id wherever it appears.
expect_eq "$(wh "SELECT count(*) FROM orders WHERE customer_id IS NULL OR customer_id NOT IN (SELECT customer_id FROM customers)")" 0 \
    "every order's customer_id is in customers"
expect_eq "$(wh "SELECT count(*) FROM deals WHERE customer_id IS NULL OR customer_id NOT IN (SELECT customer_id FROM customers)")" 0 \
    "every deal's customer_id is in customers"
expect_eq "$(wh "SELECT count(*) FROM (SELECT e FROM (SELECT email AS e, customer_id AS c FROM customers
                  UNION SELECT customer_email, customer_id FROM orders UNION SELECT customer_email, customer_id FROM deals)
                  GROUP BY e HAVING count(DISTINCT c) > 1)")" 0 "an e-mail has one customer_id in customers, orders and deals"
HERO=ivan.petrov@mail.ru
hero_id=$(wh "SELECT customer_id FROM customers WHERE email = '$HERO'")
hero_orders=$(raw "SELECT count(DISTINCT order_id) FROM ok_lines WHERE email = '$HERO'")
expect_eq "$(raw "SELECT (SELECT count(*) FROM crm WHERE email = '$HERO') > 0, $hero_orders, (SELECT count(*) FROM deals WHERE email = '$HERO')")" \
    "1|10|1" "$HERO is a CRM contact with 10 shop orders (8 paid or shipped) and a deal"
expect_eq "$(wh "SELECT group_concat(DISTINCT customer_id) FROM (SELECT customer_id FROM orders WHERE customer_email = '$HERO'
                  UNION ALL SELECT customer_id FROM deals WHERE customer_email = '$HERO')")" "$hero_id" \
    "$HERO: CRM contact, shop orders and deal share one customer_id"
expect_eq "$(wh "SELECT count(*) FROM orders WHERE customer_id = '$hero_id'")" "$hero_orders" "$HERO's orders all carry that id"

# `sluice identity explain` names the CRM and the shop for that customer.
expect_exit 0 "$SLUICE" identity explain state "$HERO"
expect_contains "$OUT" "customer $hero_id"
expect_contains "$OUT" "crm/customers"
expect_contains "$OUT" "shop/customers"
expect_exit 0 "$SLUICE" identity explain --json state "$HERO"
expect_eq "$(jq -r '[.records[], .keys[], .links[] | .stage // empty] | unique | join(",")' "$OUT")" "crm,shop" \
    "explain --json: the CRM's and the shop's records formed the customer"

# --- orders, revenue, margin -----------------------------------------------------------------
expect_eq "$(kpi orders)" "$(raw "SELECT count(DISTINCT order_id) FROM counted")" "orders = counted orders"
revenue=$(money "(SELECT sum(rev) FROM counted)")
expect_eq "$(kpi revenue)" "$revenue" "revenue = sum of qty * unit_price - discount over counted orders"
expect_eq "$(detail units_sold)" "$(raw "SELECT sum(q) FROM counted")" "units sold"
gm=$(money "(SELECT sum(rev - q * cost) FROM counted WHERE cost IS NOT NULL)")
mrev=$(money "(SELECT sum(rev) FROM counted WHERE cost IS NOT NULL)")
expect_eq "$(kpi gross_margin)" "$gm" "gross margin over the lines with a purchase price"
expect_eq "$(detail margin_revenue)" "$mrev" "margin % denominator: the revenue of those lines"
expect_eq "$(close_to "$(kpi margin_pct)" "$(raw "SELECT 100.0 * (SELECT sum(rev - q * cost) FROM counted WHERE cost IS NOT NULL)
                                               / (SELECT sum(rev) FROM counted WHERE cost IS NOT NULL)")")" equal "margin %"

# One line by hand: SO-240001 line 1 is 3 x SKU-1017 at 1590.00 less 150
# discount; SKU-1017 costs 874.50: 3*1590.00 - 150 - 3*874.50 = 1996.50.
line=$(jq -rR 'fromjson? | select(.order_id == "SO-240001" and .line_no == 1) | "\(.qty) \(.unit_price) \(.discount) \(.sku)"' "$QS/orders.jsonl")
expect_eq "$line" "3 1590.00 150 SKU-1017" "SO-240001 line 1 in orders.jsonl"
cost=$(awk -F, '$1 == "SKU-1017" { print $2 }' "$EX/data/purchase_prices.csv")
expect_eq "$cost" "874.50" "SKU-1017's purchase price"
expect_eq "$(wh "SELECT cost || ' ' || margin FROM order_lines WHERE order_id = 'quickstart:SO-240001' AND line_no = 1")" \
    "874.50 $(echo "$line $cost" | awk '{ printf "%.2f", $1 * $2 - $3 - $1 * $5 }')" "SO-240001 line 1: cost and margin"
expect_eq "$(wh "SELECT count(*) FROM order_lines WHERE cost IS NOT NULL AND
                  margin <> printf('%.2f', qty * unit_price - coalesce(discount, 0) - qty * cost)")" 0 \
    "every line with a cost has margin = qty * unit_price - discount - qty * cost"

# --- lookup misses: SKUs sold that the price list lacks ---------------------------------------
missing=$(raw "SELECT group_concat(sku, ',') FROM (SELECT DISTINCT sku FROM ok_lines WHERE sku NOT IN (SELECT sku FROM prices) ORDER BY sku)")
expect_eq "$missing" "SKU-1013,SKU-1019,SKU-1027" "three SKUs sold have no purchase price"
n_lookups=$(raw "SELECT count(*) FROM ok_lines")
n_miss=$(raw "SELECT count(*) FROM ok_lines WHERE sku NOT IN (SELECT sku FROM prices)")
expect_contains "$TMP/run1.log" \
    "[margin] lookup: $n_lookups records looked up, $((n_lookups - n_miss)) found, $n_miss without a table row (3 distinct keys"
expect_eq "$(wh "SELECT count(*) FROM order_lines WHERE cost IS NULL AND margin IS NULL AND _lookup_missing = '[\"cost\"]'")" \
    "$(raw "SELECT count(*) FROM last_lines WHERE sku NOT IN (SELECT sku FROM prices)")" "the lines missed are flagged, without cost or margin"
expect_eq "$(wh "SELECT group_concat(sku, ',') FROM (SELECT DISTINCT sku FROM order_lines WHERE cost IS NULL ORDER BY sku)")" \
    "$missing" "the flagged lines are those SKUs'"
expect_eq "$(wh "SELECT group_concat(sku, ',') FROM (SELECT sku FROM products WHERE cost IS NULL ORDER BY sku)")" "$missing" \
    "products without a cost: the same SKUs"

# --- deals ------------------------------------------------------------------------------------
won=$(raw "SELECT count(*) FROM deals WHERE stage = 'won'")
lost=$(raw "SELECT count(*) FROM deals WHERE stage = 'lost'")
expect_eq "$(kpi deals_won)/$(kpi deals_lost)" "$won/$lost" "won and lost deals"
expect_eq "$(close_to "$(kpi win_rate)" "$(raw "SELECT 1.0 * $won / ($won + $lost)")")" equal "win rate = won / (won + lost)"
expect_eq "$(close_to "$(kpi avg_cycle_days)" "$(raw "SELECT avg(julianday(closed) - julianday(created)) FROM deals WHERE stage = 'won'")")" \
    equal "average sales cycle of won deals"
expect_eq "$(detail won_value)" "$(money "(SELECT sum(CAST(round(amount * 100) AS INTEGER)) FROM deals WHERE stage = 'won')")" \
    "won deal value"

# --- churn and segments (30 days: the shop's history is 2.5 months) -----------------------------
# As of the newest counted order's UTC date; the base are the customers
# with an order on or before as-of - 30 days, churned those of them with
# none in the 30 days after.
asof=$(raw "SELECT max(date(created_at)) FROM counted")
expect_eq "$(jq -r .as_of "$TMP/report.json")" "$asof" "as of the newest order's date"
base=$(raw "SELECT count(DISTINCT email) FROM counted WHERE date(created_at) <= date('$asof', '-30 days')")
churned=$(raw "SELECT count(*) FROM (SELECT DISTINCT email FROM counted WHERE date(created_at) <= date('$asof', '-30 days')
               EXCEPT SELECT email FROM counted WHERE date(created_at) > date('$asof', '-30 days'))")
expect_eq "$(detail churned)/$(detail churn_base)" "$churned/$base" "churned / base customers"
expect_eq "$(close_to "$(kpi churn_rate)" "$(raw "SELECT 1.0 * $churned / $base")")" equal "churn rate"
expect_eq "$(jq '[.segments.groups[].customers] | add' "$TMP/report.json")" "$(raw "SELECT count(DISTINCT email) FROM counted")" \
    "RFM segments hold every customer with a counted order"

expect_exit 0 "$SLUICE" report "$WH" --churn-days 30 -o "$TMP/report.txt"
expect_contains "$TMP/report.txt" "$(printf 'Revenue                   %s' "$revenue")"
expect_exit 0 "$SLUICE" report "$WH" --format html -o "$TMP/report.html"
for chart in chart-monthly chart-funnel chart-segments; do
    expect_contains "$TMP/report.html" "<svg id=\"$chart\""
done

# --- the second night: nothing new, nothing changes ----------------------------------------------
dump() {
    sqlite3 "$WH" "SELECT 'c', customer_id, email, name, shop_id FROM customers ORDER BY 2;
                   SELECT 'o', order_id, customer_id, status FROM orders ORDER BY 2;
                   SELECT 'd', deal_id, customer_id, status FROM deals ORDER BY 2;
                   SELECT 'l', order_id, line_no, cost, margin FROM order_lines ORDER BY 2, 3;
                   SELECT 'p', sku, cost FROM products ORDER BY 2;
                   SELECT 's', sku, warehouse, qty FROM stock ORDER BY 2, 3"
}
dump >"$TMP/night1"
expect_exit 0 "$SLUICE" run pipeline.json
expect_contains "$ERR" "identity: 0 records given a customer id"
dump >"$TMP/night2"
expect_eq "$(cmp -s "$TMP/night1" "$TMP/night2" && echo same)" same "a second run (resume) adds nothing and keeps the ids"
expect_eq "$(wc -l <"$EX/out/dead-letter.jsonl" | tr -d ' ')" 10 "and dead-letters nothing again"

# --- from scratch: the same ids (they come from the keys, not from the run) ----------------------
rm -rf "$EX/out" "$EX/state"
expect_exit 0 "$SLUICE" run pipeline.json
dump >"$TMP/fresh"
expect_eq "$(cmp -s "$TMP/night1" "$TMP/fresh" && echo same)" same "a fresh run into an empty folder gives the same warehouse"

# --- examples/deploy/nightly.json is the same consolidation on a schedule ---------------------------
SLUICE_STATE_DIR=$TMP/deploy-state SLUICE_OUT_DIR=$TMP/deploy-out \
    expect_exit 0 "$SLUICE" run "$TMP/examples/deploy/nightly.json"
WH=$TMP/deploy-out/warehouse.db dump >"$TMP/deploy"
expect_eq "$(cmp -s "$TMP/night1" "$TMP/deploy" && echo same)" same "examples/deploy/nightly.json builds the same warehouse"
expect_eq "$(jq -r '[.schedule, .timezone, .overlap, .catch_up, .jitter] | join(" ")' "$TMP/examples/deploy/nightly.json")" \
    "30 2 * * * Europe/Berlin skip once 60" "nightly.json keeps its schedule"

# --- a price list update: re-read, the missed lines get their cost, ids stay -----------------------
echo "SKU-1013,210.06" >>"$EX/data/purchase_prices.csv"
expect_exit 0 "$SLUICE" state reset pipeline.json
expect_exit 0 "$SLUICE" run pipeline.json
expect_contains "$ERR" "2 distinct keys"
expect_eq "$(wh "SELECT count(*) FROM order_lines WHERE sku = 'SKU-1013' AND (cost <> '210.06' OR margin IS NULL)")" 0 \
    "after a reset and a run SKU-1013's lines have cost and margin"
expect_eq "$(diff <(grep -E '^[cod]\|' "$TMP/night1") <(dump | grep -E '^[cod]\|') && echo same)" same \
    "re-reading everything keeps every customer id"

# --- a later night: a new CRM contact with Ivan's phone and another e-mail ------------------------
# The contact and an order of that e-mail are appended to the inputs; the
# sources read only what is new. The phone links the contact to Ivan, and
# the new record's key gives the smaller id (ids are cus_ + the first 20
# hex digits of the SHA-256 of the key), so Ivan's customer takes it: one
# identity_merges row, and the rows written on the first night keep the
# old id. The report follows the merge and still counts Ivan once.
key_id() { printf 'cus_%s' "$(printf '%s' "ref:quickstart:$1" | sha256sum | cut -c1-20)"; }
NEW=ivan.petrov.1980@mail.ru
expect_eq "$hero_id" "$(key_id "$HERO")" "$HERO's id comes from the key quickstart:$HERO"
new_id=$(key_id "$NEW")
expect_eq "$([[ "$new_id" < "$hero_id" ]] && echo smaller)" smaller "$NEW's key gives the smaller id"
segments_before=$(jq '.segments.customers' "$TMP/report.json")
printf 'Иван Петров,%s,8 (916) 123-45-67,"Рога и копыта, ООО",Ольга Смирнова,2024-06-20 10:00:00,второй адрес\r\n' "$NEW" \
    >>"$QS/contacts.csv"
printf '{"order_id":"SO-240301","line_no":1,"created_at":"2024-06-21T12:00:00+03:00","status":"paid","customer_email":"%s","customer_name":"Иван Петров","sku":"SKU-1001","qty":2,"unit_price":"4590.00","discount":0,"currency":"RUB"}\n' "$NEW" \
    >>"$QS/orders.jsonl"
expect_exit 0 "$SLUICE" run pipeline.json
expect_contains "$ERR" "1 merges"
expect_eq "$(wh "SELECT from_id || ' ' || into_id || ' ' || reason FROM identity_merges")" \
    "$hero_id $new_id quickstart:$NEW links phone:+79161234567" "identity_merges: Ivan's old id into the new one"
expect_eq "$(wh "SELECT customer_id, count(*) FROM orders WHERE customer_email IN ('$HERO', '$NEW') GROUP BY 1 ORDER BY 2")" \
    "$new_id|1
$hero_id|$hero_orders" "the first night's orders keep the old id, the new order has the new one"
expect_eq "$(wh "WITH RECURSIVE r(orig, cur) AS (SELECT customer_id, customer_id FROM orders
                   UNION SELECT r.orig, m.into_id FROM r JOIN identity_merges m ON m.from_id = r.cur)
                 SELECT count(*) FROM orders o JOIN r ON r.orig = o.customer_id
                 WHERE r.cur NOT IN (SELECT from_id FROM identity_merges) AND r.cur = '$new_id'")" "$((hero_orders + 1))" \
    "the README's view puts all of Ivan's orders under the new id"
expect_exit 0 "$SLUICE" identity explain state "$HERO"
expect_contains "$OUT" "customer $new_id"
expect_contains "$OUT" "$hero_id -> $new_id"
expect_exit 0 "$SLUICE" report "$WH" --format json --churn-days 30 -o "$TMP/report2.json"
expect_eq "$(jq '.segments.customers' "$TMP/report2.json")" "$segments_before" \
    "the report counts Ivan once: no new customer with orders"
expect_eq "$(jq -r '.kpis.orders' "$TMP/report2.json")" "$(($(raw "SELECT count(DISTINCT order_id) FROM counted") + 1))" \
    "one more order"
