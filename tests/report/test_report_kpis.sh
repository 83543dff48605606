#!/usr/bin/env bash
# `sluice report` on a crafted warehouse (crafted.sql): every KPI of
# `--format json` against the value worked out by hand in the comments below
# and against the same figure computed with plain SQL here; nulls for
# missing tables and columns; --from/--to; --by month/owner/sector/segment;
# a deals-only warehouse shaped like the Maven CRM data set; the text output;
# usage errors.
. "$SLUICE_SOURCE_DIR/tests/e2e/lib.sh"

HERE=${SLUICE_REPORT_DIR:-$SLUICE_SOURCE_DIR/tests/report}
DB=$TMP/wh.db
sqlite3 "$DB" <"$HERE/crafted.sql" || { fail "crafted.sql loads"; exit 1; }

# near ACTUAL EXPECTED MESSAGE: numbers equal within 1e-9.
near() {
    if awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(a != "" && a != "null" && d < 1e-9 && d > -1e-9) }'; then
        pass "$3"
    else
        fail "$3: got '$1', expected '$2'"
    fi
}

# report NAME ARGS...: runs the report as JSON into $TMP/NAME.json.
report() {
    local name=$1
    shift
    expect_exit 0 "$SLUICE" report "$@" --format json -o "$TMP/$name.json"
    J=$TMP/$name.json
}

# k KEY: the kpis value, raw (strings unquoted, null as null).
k() { jq -r ".kpis.$1" "$J"; }

# ---- the whole warehouse -----------------------------------------------------
report all "$DB"
expect_eq "$(jq -r '.kpis | keys_unsorted | join(",")' "$J")" \
    "revenue,orders,avg_order_value,gross_margin,margin_pct,deals_won,deals_lost,win_rate,avg_deal_size,avg_cycle_days,median_cycle_days,lead_conversion,churn_rate" \
    "kpis has exactly the agreed keys, in order"

# Counted orders: O1 O2 O3 O5 O6 O7 O9 (O4 cancelled, O8 refunded).
# Revenue 100.10 + 200.20 + 0.10 + 50.00 + 19.99 + 0.20 + 9.00 (O9 has no
# total: its line, 3 x 3.33 - 0.99) = 379.59, exact (not 379.59000000000003).
SQL_REVENUE="SELECT printf('%.2f', SUM(c) / 100.0) FROM (SELECT CAST(round(coalesce(o.total,
  (SELECT SUM(l.qty * l.unit_price - coalesce(l.discount, 0)) FROM order_lines l WHERE l.order_id = o.order_id)) * 100)
  AS INTEGER) c FROM orders o WHERE lower(o.status) NOT IN ('cancelled', 'canceled', 'refunded'))"
expect_eq "$(k revenue)" "379.59" "revenue by hand"
expect_eq "$(k revenue)" "$(sql "$DB" "$SQL_REVENUE")" "revenue = SQL in integer cents"
expect_eq "$(jq -r '.kpis.revenue | type' "$J")" "string" "money is a decimal string"
expect_eq "$(k orders)" 7 "orders by hand"
expect_eq "$(k orders)" "$(sql "$DB" "SELECT count(*) FROM orders WHERE lower(status) NOT IN ('cancelled','canceled','refunded')")" \
    "orders = SQL"
# 379.59 / 7 = 54.2271... -> 54.23
expect_eq "$(k avg_order_value)" "54.23" "average order value by hand"
# Margins of the counted lines: O1 100.10 - 2 x 30.00 = 40.10; O3 0.10 - 0.05;
# O5 the margin column 12.50; O6 19.99 - 20.00 = -0.01; O9 9.00 - 3 = 6.00;
# O2 has no cost. Sum 58.64 over line revenue 179.19: 32.725... %.
SQL_MARGIN="SELECT printf('%.2f', SUM(CAST(round(coalesce(l.margin, l.qty * l.unit_price - coalesce(l.discount, 0) - l.qty * l.cost) * 100) AS INTEGER)) / 100.0)
  FROM order_lines l JOIN orders o USING (order_id) WHERE lower(o.status) NOT IN ('cancelled','canceled','refunded')
  AND (l.margin IS NOT NULL OR l.cost IS NOT NULL)"
SQL_MREV="SELECT SUM(l.qty * l.unit_price - coalesce(l.discount, 0)) FROM order_lines l JOIN orders o USING (order_id)
  WHERE lower(o.status) NOT IN ('cancelled','canceled','refunded') AND (l.margin IS NOT NULL OR l.cost IS NOT NULL)"
expect_eq "$(k gross_margin)" "58.64" "gross margin by hand"
expect_eq "$(k gross_margin)" "$(sql "$DB" "$SQL_MARGIN")" "gross margin = SQL"
near "$(k margin_pct)" "$(awk 'BEGIN { printf "%.15f", 5864 / 17919 * 100 }')" "margin % by hand"
near "$(k margin_pct)" "$(sql "$DB" "SELECT printf('%.12f', 100.0 * ($SQL_MARGIN) / ($SQL_MREV))")" "margin % = SQL"
expect_eq "$(jq -r .details.units_sold "$J")" 13 "units sold (2+1+1+5+1+3)"

# Deals: won D1 D2 D4 D6, lost D3 D7; D5 D8 open.
expect_eq "$(k deals_won)" 4 "won deals by hand"
expect_eq "$(k deals_won)" "$(sql "$DB" "SELECT count(*) FROM deals WHERE status = 'won'")" "won deals = SQL"
expect_eq "$(k deals_lost)" 2 "lost deals by hand"
expect_eq "$(k deals_lost)" "$(sql "$DB" "SELECT count(*) FROM deals WHERE status = 'lost'")" "lost deals = SQL"
near "$(k win_rate)" "$(awk 'BEGIN { printf "%.15f", 4 / 6 }')" "win rate = won / (won + lost) by hand"
near "$(k win_rate)" "$(sql "$DB" "SELECT printf('%.15f', SUM(status = 'won') * 1.0 / SUM(status IN ('won','lost'))) FROM deals")" \
    "win rate = SQL"
# (1000.00 + 500.50 + 0.25) / 3 won deals with an amount (D6 has none).
expect_eq "$(k avg_deal_size)" "500.25" "average deal size by hand"
expect_eq "$(k avg_deal_size)" "$(sql "$DB" "SELECT printf('%.2f', AVG(amount)) FROM deals WHERE status = 'won' AND amount IS NOT NULL")" \
    "average deal size = SQL"
expect_eq "$(jq -r .details.won_value "$J")" "1500.75" "won deal value"
expect_eq "$(jq -r .details.pipeline_value "$J")" "700.00" "open pipeline value"
# Cycles: D1 30 (created), D2 10 (engaged only), D4 2 (created wins over
# engaged), D6 19: mean 15.25, median (10 + 19) / 2 = 14.5.
SQL_CYCLE="SELECT julianday(closed_at) - julianday(coalesce(created_at, engaged_at)) d FROM deals
  WHERE status = 'won' AND closed_at IS NOT NULL AND coalesce(created_at, engaged_at) IS NOT NULL"
near "$(k avg_cycle_days)" 15.25 "average sales cycle by hand"
near "$(k avg_cycle_days)" "$(sql "$DB" "SELECT printf('%.12f', AVG(d)) FROM ($SQL_CYCLE)")" "average sales cycle = SQL"
near "$(k median_cycle_days)" 14.5 "median sales cycle by hand"
near "$(k median_cycle_days)" "$(sql "$DB" "WITH c AS ($SQL_CYCLE) SELECT AVG(d) FROM (SELECT d FROM c ORDER BY d
  LIMIT 2 - (SELECT count(*) FROM c) % 2 OFFSET ((SELECT count(*) FROM c) - 1) / 2)")" "median sales cycle = SQL"
# Leads: L1 converted_at, L3 deal_id, L4 status converted: 3 of 5.
near "$(k lead_conversion)" 0.6 "lead conversion by hand"
near "$(k lead_conversion)" "$(sql "$DB" "SELECT AVG(coalesce(converted_at, '') <> '' OR coalesce(deal_id, '') <> '' OR status = 'converted') FROM leads")" \
    "lead conversion = SQL"
# Churn as of the newest order, 2024-06-30; window (2024-04-01, 2024-06-30].
# Ordered by 2024-04-01: U1, U2, U3, eve; of them only U3 ordered since.
SQL_CHURN="WITH o AS (SELECT coalesce(customer_id, lower(customer_email)) c, date(created_at) d FROM orders
  WHERE lower(status) NOT IN ('cancelled','canceled','refunded')), a AS (SELECT max(d) asof FROM o),
  p AS (SELECT c, MAX(d <= date(asof, '-90 days')) before, MAX(d > date(asof, '-90 days')) recent FROM o, a GROUP BY c)
  SELECT printf('%.12f', SUM(before AND NOT recent) * 1.0 / SUM(before)) FROM p"
expect_eq "$(jq -r .as_of "$J")" "2024-06-30" "as_of defaults to the newest order"
near "$(k churn_rate)" 0.75 "churn rate by hand"
near "$(k churn_rate)" "$(sql "$DB" "$SQL_CHURN")" "churn rate = SQL"
expect_eq "$(jq -r '[.details.churned, .details.churn_base] | join("/")' "$J")" "3/4" "churned of the base"

# RFM: five customers with orders; every one in exactly one segment.
expect_eq "$(jq -r '.segments.customers' "$J")" 5 "RFM over the 5 customers with counted orders"
expect_eq "$(jq -r '[.segments.groups[].customers] | add' "$J")" 5 "segments partition the customers"
expect_eq "$(jq -r '.segments.groups | length' "$J")" 10 "ten segments listed"
expect_eq "$(jq -r '[.segments.groups[].value | tonumber] | add * 100 | round' "$J")" 37959 "segment values add up to the revenue"
expect_eq "$(jq -r '.segments.groups[] | select(.segment == "at_risk") | .customers' "$J")" 1 "U1 (2 orders, last in February) is at risk"
expect_eq "$(jq -r '.segments.groups[] | select(.segment == "new") | .customers' "$J")" 1 "U4 (one order, the newest) is new"
# Funnel: open stages first (not engaged before engaged), then won, lost.
expect_eq "$(jq -r '[.funnel[] | .stage + ":" + (.deals | tostring)] | join(",")' "$J")" \
    "Prospecting:1,Negotiation:1,Won:4,Lost:2" "pipeline by stage"
expect_eq "$(jq -r '.forecast.method' "$J")" "linear-trend" "six months: linear trend forecast"
expect_eq "$(jq -r '.forecast.months | length' "$J")" 3 "three forecast months"
expect_eq "$(jq -r '.forecast.backtest.held_out | map(.month) | join(",")' "$J")" "2024-04,2024-05,2024-06" "backtest on the last 3 months"
expect_ne "$(jq -r '.forecast.backtest.mae' "$J")" null "backtest error reported"

# A month in progress (data up to 2024-08-10) is left out of the fit and
# forecast in full: a line 100, 110, ... 160 from January to July goes on
# with 170, 180, 190; the backtest on May..July of a line is exact.
PARTIAL=$TMP/partial.db
sql "$PARTIAL" "CREATE TABLE orders (order_id TEXT, customer_id TEXT, created_at TEXT, status TEXT, total TEXT);
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 7)
  INSERT INTO orders SELECT 'P' || i, 'U' || i, date('2024-01-01', '+' || i || ' months'), 'paid', printf('%d.00', 100 + 10 * i) FROM n;
  INSERT INTO orders VALUES ('P8', 'U1', '2024-08-10', 'paid', '5.00');" >/dev/null
report partial "$PARTIAL"
expect_eq "$(jq -r '.forecast.partial_month' "$J")" "2024-08" "the month in progress is named"
expect_eq "$(jq -r '[.forecast.months[] | .month + "=" + (.value | tostring)] | join(" ")' "$J")" \
    "2024-08=170 2024-09=180 2024-10=190" "forecast starts with the month in progress"
expect_eq "$(jq -r '([.forecast.backtest.held_out[].month] | join(",")) + " " + (.forecast.backtest.mae | tostring)' "$J")" \
    "2024-05,2024-06,2024-07 0" "backtest on the last complete months"

# ---- breakdowns --------------------------------------------------------------
report by "$DB" --by month,owner --by sector
expect_eq "$(jq -r '.breakdowns | keys_unsorted | join(",")' "$J")" "month,owner,sector" "asked breakdowns only"
expect_eq "$(jq -r '[.breakdowns.month[] | .key + "=" + .revenue] | join(" ")' "$J")" \
    "2024-01=100.10 2024-02=200.30 2024-03=50.00 2024-04=0.20 2024-05=9.00 2024-06=19.99" "revenue by month"
SQL_MONTH="SELECT group_concat(m || '=' || printf('%.2f', c / 100.0), ' ') FROM (SELECT strftime('%Y-%m', created_at) m,
  SUM(CAST(round(coalesce(o.total, (SELECT SUM(qty * unit_price - coalesce(discount, 0)) FROM order_lines l
  WHERE l.order_id = o.order_id)) * 100) AS INTEGER)) c FROM orders o
  WHERE lower(status) NOT IN ('cancelled','canceled','refunded') GROUP BY m ORDER BY m)"
expect_eq "$(jq -r '[.breakdowns.month[] | .key + "=" + .revenue] | join(" ")' "$J")" "$(sql "$DB" "$SQL_MONTH")" "revenue by month = SQL"
expect_eq "$(jq -r '[.breakdowns.month[] | .key + "=" + (.deals_won | tostring) + "/" + (.deals_lost | tostring)] | join(" ")' "$J")" \
    "2024-01=1/0 2024-02=1/0 2024-03=1/1 2024-04=0/0 2024-05=1/0 2024-06=0/1" "won/lost by close month"
expect_eq "$(jq -r '[.breakdowns.owner[] | .key + "=" + .won_value + "/" + (.deals_won | tostring) + "/" + (.deals_lost | tostring)] | join(" ")' "$J")" \
    "ann=1500.50/2/0 bob=0.25/1/1 (none)=0.00/1/0 cid=0.00/0/1" "won value by owner"
SQL_OWNER="SELECT group_concat(o || '=' || v, ' ') FROM (SELECT coalesce(owner, '(none)') o,
  printf('%.2f', SUM(CASE WHEN status = 'won' THEN coalesce(amount, 0) ELSE 0 END)) v, SUM(status = 'won') w
  FROM deals WHERE status IN ('won','lost') GROUP BY o ORDER BY CAST(v AS REAL) DESC, o)"
expect_eq "$(jq -r '[.breakdowns.owner[] | .key + "=" + .won_value] | join(" ")' "$J")" "$(sql "$DB" "$SQL_OWNER")" "won value by owner = SQL"
expect_eq "$(jq -r '.breakdowns.owner[0].orders' "$J")" null "orders carry no owner: null, not 0"
# Sector: deals by company_id, else by company name (D2 'globex', any case);
# orders through customers.company.
expect_eq "$(jq -r '[.breakdowns.sector[] | .key + "=" + (.revenue // "-") + "/" + .won_value] | join(" ")' "$J")" \
    "retail=300.30/1000.00 services=59.00/0.25 (unknown)=20.19/0.00 tech=0.10/500.50" "revenue and won value by sector"
SQL_SECTOR="SELECT group_concat(s || '=' || v, ' ') FROM (SELECT coalesce(c.sector, '(unknown)') s,
  printf('%.2f', SUM(coalesce(d.amount, 0))) v FROM deals d LEFT JOIN companies c
  ON c.company_id = d.company_id OR (d.company_id IS NULL AND lower(c.name) = lower(d.company))
  WHERE d.status = 'won' GROUP BY s ORDER BY s)"
expect_eq "$(jq -r '[.breakdowns.sector[] | select(.deals_won > 0) | .key + "=" + .won_value] | sort | join(" ")' "$J")" \
    "$(sql "$DB" "$SQL_SECTOR")" "won value by sector = SQL"

# ---- --from / --to --------------------------------------------------------------
report range "$DB" --from 2024-02-01 --to 2024-03-31
expect_eq "$(k orders)" 3 "orders from February to March (O2 O3 O5)"
expect_eq "$(k revenue)" "250.30" "revenue from February to March"
expect_eq "$(k revenue)" "$(sql "$DB" "SELECT printf('%.2f', SUM(CAST(round(total * 100) AS INTEGER)) / 100.0) FROM orders
  WHERE lower(status) NOT IN ('cancelled','canceled','refunded') AND date(created_at) BETWEEN '2024-02-01' AND '2024-03-31'")" \
    "revenue from February to March = SQL"
expect_eq "$(k deals_won)/$(k deals_lost)" "2/1" "deals closed in the range (D2 D4 / D3)"
near "$(k avg_cycle_days)" 6 "cycle of the deals won in the range"
near "$(k lead_conversion)" 0.5 "leads created in the range (L2, L3)"
expect_eq "$(jq -r .as_of "$J")" "2024-03-20" "as_of: the newest order up to --to"
expect_eq "$(k churn_rate)" null "nobody ordered 90 days before 2024-03-20: churn null"
report range2 "$DB" --from 2024-05-01
expect_eq "$(k orders)" 2 "orders from May (O6 O9)"
expect_eq "$(jq -r .period.from "$J")/$(jq -r .period.to "$J")" "2024-05-01/null" "period echoed"

# --churn-days and --as-of
report churn30 "$DB" --churn-days 30
near "$(k churn_rate)" 1 "30-day window: U1, U2, U3, eve ordered before June and not in it"
report asof "$DB" --as-of 2024-03-31 --churn-days 60
# Edge 2024-01-31: only U1 (O1, January) was a customer before; it ordered
# again in February: no churn.
expect_eq "$(jq -r '[.details.churned, .details.churn_base] | join("/")' "$J")" "0/1" "churn as of a chosen day"
expect_eq "$(jq -r .as_of "$J")" "2024-03-31" "--as-of echoed"

# ---- missing tables and columns -----------------------------------------------------
DEALS_ONLY=$TMP/deals_only.db
sql "$DB" "ATTACH '$DEALS_ONLY' AS x; CREATE TABLE x.deals AS SELECT * FROM deals; CREATE TABLE x.companies AS SELECT * FROM companies;" >/dev/null
report deals_only "$DEALS_ONLY" --by sector
for key in revenue orders avg_order_value gross_margin margin_pct lead_conversion churn_rate; do
    expect_eq "$(k $key)" null "no orders/leads: $key is null"
done
expect_eq "$(k deals_won)" 4 "deal KPIs still there without orders"
expect_eq "$(jq -r '.breakdowns.sector[0].orders' "$J")" null "sector rows without orders: orders null"
expect_eq "$(jq -r '.segments.basis' "$J")" "won_deals" "RFM from won deals when there are no orders"

ORDERS_ONLY=$TMP/orders_only.db
sql "$DB" "ATTACH '$ORDERS_ONLY' AS x; CREATE TABLE x.orders AS SELECT * FROM orders;" >/dev/null
report orders_only "$ORDERS_ONLY"
expect_eq "$(k revenue)" "370.59" "without order_lines O9 (no total) adds nothing"
for key in gross_margin margin_pct deals_won deals_lost win_rate avg_deal_size avg_cycle_days median_cycle_days lead_conversion; do
    expect_eq "$(k $key)" null "no lines/deals/leads: $key is null"
done
expect_eq "$(jq -r .funnel "$J")" null "no deals: funnel null"

# A deals table with only some columns: no dates, no amounts.
THIN=$TMP/thin.db
sql "$THIN" "CREATE TABLE deals (deal_id TEXT, stage TEXT); INSERT INTO deals VALUES ('a', 'Closed Won'), ('b', 'closedlost'), ('c', 'Qualified');" >/dev/null
report thin "$THIN"
expect_eq "$(k deals_won)/$(k deals_lost)" "1/1" "status read from the stage when the column is missing"
expect_eq "$(k avg_cycle_days)/$(k avg_deal_size)" "null/null" "no dates or amounts: cycle and deal size null"

EMPTY=$TMP/empty.db
sql "$EMPTY" "CREATE TABLE unrelated (x)" >/dev/null
report empty "$EMPTY"
expect_eq "$(jq -c '[.kpis[]] | unique' "$J")" "[null]" "no canonical tables: every KPI null"
expect_eq "$(jq -r '.forecast.method' "$J")" null "no forecast without data"

# ---- a deals-only warehouse shaped like Maven CRM -----------------------------------
# Stages Prospecting/Engaging/Won/Lost, engaged_at and closed_at dates only,
# accounts by name, open deals without an account, a products table.
MAVEN=$TMP/maven.db
sql "$MAVEN" "
CREATE TABLE companies (company_id TEXT, name TEXT, sector TEXT);
INSERT INTO companies VALUES ('Acme Corporation', 'Acme Corporation', 'technolgy'), ('Betasoloin', 'Betasoloin', 'medical'),
  ('Cancity', 'Cancity', 'retail');
CREATE TABLE products (sku TEXT, name TEXT, \"group\" TEXT, price TEXT);
INSERT INTO products VALUES ('GTX Basic', 'GTX Basic', 'GTX', '550'), ('GTX Pro', 'GTX Pro', 'GTX', '4821');
CREATE TABLE deals (deal_id TEXT, source TEXT, company TEXT, owner TEXT, product TEXT, stage TEXT, status TEXT,
  amount INTEGER, engaged_at TEXT, closed_at TEXT);
INSERT INTO deals VALUES
  ('1', 'maven', 'Cancity', 'Moses Frase', 'GTX Basic', 'Won', 'won', 1054, '2016-10-20', '2017-03-01'),
  ('2', 'maven', 'Acme Corporation', 'Darcel Schlecht', 'GTX Pro', 'Won', 'won', 4514, '2016-10-25', '2017-03-11'),
  ('3', 'maven', 'Cancity', 'Darcel Schlecht', 'GTX Basic', 'Won', 'won', 50, '2016-10-25', '2017-03-07'),
  ('4', 'maven', 'Betasoloin', 'Moses Frase', 'GTX Basic', 'Lost', 'lost', 0, '2016-10-25', '2017-03-09'),
  ('5', 'maven', 'Acme Corporation', 'Moses Frase', 'GTX Pro', 'Won', 'won', 4800, '2017-01-02', '2017-04-10'),
  ('6', 'maven', NULL, 'Moses Frase', 'GTX Pro', 'Engaging', 'open', NULL, '2017-05-01', NULL),
  ('7', 'maven', NULL, 'Darcel Schlecht', 'GTX Pro', 'Prospecting', 'open', NULL, NULL, NULL);" >/dev/null
report maven "$MAVEN" --by sector,owner,month
expect_eq "$(k deals_won)/$(k deals_lost)" "4/1" "maven-like: won/lost"
near "$(k win_rate)" 0.8 "maven-like: win rate"
expect_eq "$(jq -r .details.won_value "$J")" "$(sql "$MAVEN" "SELECT printf('%.2f', SUM(amount)) FROM deals WHERE status = 'won'")" \
    "maven-like: total won value = SQL"
expect_eq "$(k avg_deal_size)" "$(sql "$MAVEN" "SELECT printf('%.2f', AVG(amount)) FROM deals WHERE status = 'won'")" \
    "maven-like: average won value = SQL"
near "$(k avg_cycle_days)" "$(sql "$MAVEN" "SELECT printf('%.12f', AVG(julianday(closed_at) - julianday(engaged_at))) FROM deals WHERE status = 'won'")" \
    "maven-like: cycle from engaged_at = SQL"
expect_eq "$(jq -r '[.breakdowns.sector[] | .key + "=" + .won_value] | sort | join(" ")' "$J")" \
    "$(sql "$MAVEN" "SELECT group_concat(s || '=' || v, ' ') FROM (SELECT coalesce(c.sector, '(unknown)') s, printf('%.2f', SUM(CASE WHEN d.status = 'won' THEN d.amount ELSE 0 END)) v
      FROM deals d LEFT JOIN companies c ON c.name = d.company WHERE d.status IN ('won','lost') GROUP BY s ORDER BY s)")" \
    "maven-like: won value by sector = SQL"
expect_eq "$(jq -r '[.funnel[].stage] | join(",")' "$J")" "Prospecting,Engaging,Won,Lost" "maven-like: funnel in pipeline order"
expect_eq "$(jq -r '.forecast.basis' "$J")" "won_value" "without orders the monthly series is won deal value"
expect_eq "$(jq -r '[.monthly[] | .month + "=" + .won_value] | join(" ")' "$J")" "2017-03=5618.00 2017-04=4800.00" "won value by month"

# ---- text output ------------------------------------------------------------------------
expect_exit 0 "$SLUICE" report "$DB" --by owner,sector
for s in "Revenue                   379.59" "Win rate                  66.67 %" "Churn rate                75.00 %" \
    "By owner" "By sector" "RFM segments (5 customers, from orders)" "Pipeline by stage" "Forecast of revenue"; do
    expect_contains "$OUT" "$s"
done
expect_eq "$(awk 'length > 110' "$OUT" | wc -l)" 0 "text lines fit a terminal"
expect_exit 0 "$SLUICE" report "$DEALS_ONLY"
expect_contains "$OUT" "Revenue                   n/a"
expect_contains "$OUT" "Tables: orders (missing)"
expect_exit 0 "$SLUICE" -q report "$DB" -o "$TMP/out.txt"
expect_eq "$(head -c 13 "$TMP/out.txt")" "Sales report:" "-o writes the file"
expect_eq "$(wc -c <"$OUT")" 0 "nothing on stdout with -o"

# ---- usage and errors ----------------------------------------------------------------------
expect_exit 0 "$SLUICE" report --help
expect_contains "$OUT" "--churn-days N"
expect_exit 0 "$SLUICE" help report
expect_contains "$OUT" "Usage: sluice report WAREHOUSE.db"
expect_exit 2 "$SLUICE" report
expect_exit 2 "$SLUICE" report "$DB" --by region
expect_contains "$ERR" "unknown grouping 'region'"
expect_exit 2 "$SLUICE" report "$DB" --from 2024-02-30
expect_exit 2 "$SLUICE" report "$DB" --from 2024-05-01 --to 2024-04-01
expect_exit 2 "$SLUICE" report "$DB" --format pdf
expect_exit 2 "$SLUICE" report "$DB" --churn-days -3
expect_exit 1 "$SLUICE" report "$TMP/nope.db"
expect_contains "$ERR" "cannot read"
echo "not a database" >"$TMP/junk.db"
expect_exit 1 "$SLUICE" report "$TMP/junk.db"
expect_eq "$(sql "$DB" "SELECT count(*) FROM orders")" 9 "the warehouse is left as it was"
