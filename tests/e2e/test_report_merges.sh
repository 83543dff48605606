#!/usr/bin/env bash
# `sluice report` follows identity_merges: rows an identity transform wrote
# before two customers turned out to be one keep the merged-away id, and
# the report must count that person once (RFM, churn) and find their
# company under the id they ended in (docs/report.md, "What the report
# reads"). A crafted warehouse, figures worked out by hand below.
. "$(dirname "$0")/lib.sh"

DB=$TMP/wh.db
sqlite3 "$DB" <<'SQL'
CREATE TABLE companies (company_id TEXT PRIMARY KEY, name TEXT, sector TEXT);
INSERT INTO companies VALUES ('K1', 'Acme', 'retail'), ('K2', 'OldCo', 'wholesale');
-- A's row is the one written before the merges; C is where A ended; F has no row.
CREATE TABLE customers (customer_id TEXT PRIMARY KEY, company TEXT);
INSERT INTO customers VALUES ('A', 'OldCo'), ('C', 'Acme'), ('E', 'Acme');
-- A -> B -> C is a chain; X <-> Y a damaged cycle (left as it is); E -> F.
CREATE TABLE identity_merges (from_id TEXT PRIMARY KEY, into_id TEXT, reason TEXT, at TEXT);
INSERT INTO identity_merges VALUES ('A', 'B', 'r', 't'), ('B', 'C', 'r', 't'), ('X', 'Y', 'r', 't'),
                                   ('Y', 'X', 'r', 't'), ('E', 'F', 'r', 't');
CREATE TABLE orders (order_id TEXT PRIMARY KEY, customer_id TEXT, created_at TEXT, status TEXT, total TEXT);
INSERT INTO orders VALUES
  ('o1', 'A', '2024-01-10T10:00:00Z', 'paid', '100.00'),
  ('o2', 'B', '2024-03-01T10:00:00Z', 'paid', '50.00'),
  ('o3', 'C', '2024-06-30T10:00:00Z', 'paid', '10.00'),
  ('o4', 'D', '2024-06-30T10:00:00Z', 'paid', '5.00'),
  ('o5', 'X', '2024-02-01T10:00:00Z', 'paid', '1.00'),
  ('o6', 'E', '2024-06-01T10:00:00Z', 'paid', '2.00');
CREATE TABLE deals (deal_id TEXT PRIMARY KEY, customer_id TEXT, status TEXT, amount TEXT, closed_at TEXT);
INSERT INTO deals VALUES ('d1', 'A', 'won', '500.00', '2024-05-01'), ('d2', 'C', 'won', '300.00', '2024-05-02');
SQL

expect_exit 0 "$SLUICE" report "$DB" --format json --by sector,segment -o "$TMP/r.json"
J=$TMP/r.json
# Customers with orders: C (o1 via A->B->C, o2 via B->C, o3), D, X, F (o6
# via E->F) = 4; without following the merges A, B, C, D, X, E = 6.
expect_eq "$(jq .segments.customers "$J")" 4 "one person, one customer: A and B count as C, E as F"
# Churn as of 2024-06-30, 90 days: the window starts after 2024-04-01.
# Base: C (o1, o2) and X (o5); C ordered in the window (o3), X did not.
expect_eq "$(jq -c '[.details.churn_base, .details.churned]' "$J")" "[2,1]" "churn: C is not lost for ordering as C"
# Sectors of orders: o1, o2, o3 are C's: Acme, retail (A's old row said
# OldCo); o6 is F's, which has no row: E's row (Acme) is used; o4, o5 unknown.
expect_eq "$(jq -r '.breakdowns.sector[] | "\(.key):\(.orders)"' "$J" | sort | paste -sd' ')" "(unknown):2 retail:4" \
    "orders by the sector of the company of the customer they ended in"
# Won deals by segment: d1 (A) and d2 (C) are one customer's.
expect_eq "$(jq '[.breakdowns.segment[] | select(.deals_won > 0)] | length' "$J")" 1 "both won deals in one customer's segment"
