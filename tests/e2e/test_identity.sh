#!/usr/bin/env bash
# The identity transform end to end: a chain of links (A -email- B -phone-
# C -crossref- D) becomes one customer in the sqlite warehouse, the merge
# the bridging record causes reaches the sink as an identity_merges row,
# orders get their customer's id, shuffled inputs split over two sources
# give the same ids, a re-run of the same records changes nothing (and
# re-emits its merge), `sluice identity explain` shows the customer and
# why, and 100k customers take seconds.
. "$(dirname "$0")/lib.sh"

# A, D and E first, then B (links A by e-mail) and C (links B by phone and
# D by its bitrix_id): C bridges {A, B} and {D}.
cat >"$TMP/customers.jsonl" <<'EOF'
{"source": "hubspot", "external_id": "1", "name": "A", "email": " Ivan@Example.COM"}
{"source": "bitrix24", "external_id": "4", "name": "D", "email": "other@x.ru"}
{"source": "hubspot", "external_id": "5", "name": "E", "email": "solo@x.ru"}
{"source": "shopify", "external_id": 2, "name": "B", "email": "ivan@example.com", "phone": "8 (912) 345-67-89"}
{"source": "amocrm", "external_id": "3", "name": "C", "phones": ["+7 912 345 67 89"], "bitrix_id": 4}
{"name": "F", "emails": ["SOLO@x.ru"]}
EOF
cat >"$TMP/orders.jsonl" <<'EOF'
{"order_id": "o1", "customer_email": "OTHER@X.RU", "total": "10.00"}
{"order_id": "o2", "customer_email": "guest@x.ru", "total": "5.00"}
EOF

# pipeline NAME SOURCES-JSON INPUTS-JSON: writes $TMP/NAME.json, state and
# warehouse in $TMP/NAME/.
pipeline() {
    cat >"$TMP/$1.json" <<JSON
{"name": "$1", "state": "$1/state/sluice.db", "batch_size": ${BATCH:-1000},
 "sources": $2,
 "transforms": [{"id": "ident", "plugin": "identity", "inputs": $3,
                 "crossrefs": {"bitrix_id": "bitrix24"},
                 "references": {"orders": {"email": "customer_email", "record_id": "order_id"}}}],
 "sinks": [{"id": "wh", "plugin": "sqlite", "inputs": ["ident"], "path": "$1/wh.db",
            "key": {"customers": ["name"], "orders": ["order_id"], "identity_merges": ["from_id"]}}]}
JSON
}

# final_ids DB: "name|id" per customer, each id followed through the
# identity_merges rows the sink holds to the id that survives.
final_ids() {
    sql "$1" "WITH RECURSIVE r(orig, cur) AS (SELECT customer_id, customer_id FROM customers
                UNION SELECT r.orig, m.into_id FROM r JOIN identity_merges m ON m.from_id = r.cur)
              SELECT c.name, r.cur FROM customers c JOIN r ON r.orig = c.customer_id
              WHERE r.cur NOT IN (SELECT from_id FROM identity_merges) ORDER BY c.name"
}

# final_of DB ID: ID followed through the sink's identity_merges rows.
final_of() {
    sql "$1" "WITH RECURSIVE r(cur) AS (SELECT '$2' UNION SELECT m.into_id FROM r JOIN identity_merges m
                ON m.from_id = r.cur) SELECT cur FROM r WHERE cur NOT IN (SELECT from_id FROM identity_merges)"
}

# --- the chain, one source ---------------------------------------------------
pipeline chain '[{"id": "crm", "plugin": "file", "path": "customers.jsonl", "stream": "customers"},
                 {"id": "shop", "plugin": "file", "path": "orders.jsonl", "stream": "orders"}]' '["crm", "shop"]'
expect_exit 0 "$SLUICE" run "$TMP/chain.json"
DB=$TMP/chain/wh.db
final_ids "$DB" >"$TMP/ids"
id_of() { grep "^$1|" "$TMP/ids" | cut -d'|' -f2; }
ID=$(id_of A)
ID_E=$(id_of E)
expect_eq "$(id_of B) $(id_of C) $(id_of D)" "$ID $ID $ID" "A, B, C and D are one customer"
expect_eq "$(id_of F)" "$ID_E" "F (e-mail only) joins E"
expect_ne "$ID" "$ID_E" "E is someone else"
expect_eq "$(sql "$DB" "SELECT count(*) FROM customers WHERE customer_id NOT GLOB 'cus_[0-9a-f]*'")" 0 "ids look like cus_<hex>"
# How many merges there are depends on the ids the hashes give (B's own id
# may be smaller than A's, say); the bridge is always there.
MERGES=$(sql "$DB" "SELECT count(*) FROM identity_merges")
FROM=$(sql "$DB" "SELECT from_id FROM identity_merges WHERE reason LIKE 'amocrm:3 links %' AND into_id = '$ID' LIMIT 1")
expect_ne "$FROM" "" "the merge C caused reached the sink"
expect_eq "$(sql "$DB" "SELECT count(*) FROM identity_merges WHERE into_id NOT GLOB 'cus_*' OR at NOT GLOB '20*Z'")" 0 \
    "merge rows carry into_id and at"
# the orders come from another source: o1 may have gone out before C
# bridged, with D's id then; the merge rows lead it to the same customer
expect_eq "$(final_of "$DB" "$(sql "$DB" "SELECT customer_id FROM orders WHERE order_id = 'o1'")")" "$ID" \
    "o1 (OTHER@X.RU) is D's customer"
expect_eq "$(sql "$DB" "SELECT count(*) FROM orders WHERE order_id = 'o2' AND customer_id GLOB 'cus_*'
                         AND customer_id NOT IN ('$ID', '$ID_E')")" 1 "a guest order gets an id of its own"
expect_contains "$ERR" "merges (0 emitted again)"

# --- explain ------------------------------------------------------------------
ST=$TMP/chain/state
expect_exit 0 "$SLUICE" identity explain "$ST" "IVAN@example.com"
expect_contains "$OUT" "customer $ID"
expect_contains "$OUT" "records (4):"
expect_contains "$OUT" "keys (7):"
expect_contains "$OUT" "amocrm:3 -- bitrix24:4  (field bitrix_id, crm/customers"
expect_contains "$OUT" "shopify:2 -- phone:+79123456789  (field phone"
expect_contains "$OUT" "customers.jsonl:4"
expect_contains "$OUT" "$FROM -> $ID"
for key in "+7 912 345-67-89" "bitrix24:4" "hubspot:1" "$ID" "$FROM"; do
    expect_exit 0 "$SLUICE" identity explain "$ST" "$key"
    expect_contains "$OUT" "customer $ID"
done
expect_contains "$OUT" "$FROM was merged into"
expect_exit 0 "$SLUICE" identity explain --json "$ST/identity.db" guest@x.ru
expect_eq "$(jq -r '.key + " " + (.records | length | tostring) + " " + (.keys[0].anchor | tostring)' "$OUT")" \
    "email:guest@x.ru 0 false" "--json: an order-only customer has a key and no record"
expect_exit 0 "$SLUICE" identity explain "$ST" hubspot:1 --json
expect_eq "$(jq -r '.customer_id' "$OUT")" "$ID" "--json customer_id"
expect_eq "$(jq -r '[.links[] | select(.reason == "bitrix_id")] | length' "$OUT")" 1 "--json links"
expect_eq "$(jq -r --arg f "$FROM" '[.merges[] | select(.from_id == $f)] | length' "$OUT")" 1 "--json merges"
expect_exit 1 "$SLUICE" identity explain "$ST" nobody@x.ru
expect_contains "$ERR" "knows no email:nobody@x.ru"
expect_exit 1 "$SLUICE" identity explain "$TMP/nowhere" hubspot:1
expect_contains "$ERR" "cannot open the identity store"
expect_exit 2 "$SLUICE" identity explain "$ST"
expect_exit 2 "$SLUICE" identity frobnicate "$ST" x
expect_exit 0 "$SLUICE" identity --help
expect_contains "$OUT" "Usage: sluice identity explain"
expect_exit 0 "$SLUICE" help identity
expect_contains "$OUT" "STATE_DIR"

# --- re-run the same records: same ids, nothing new, the merge again ---------
KEYS=$(sql "$ST/identity.db" "SELECT count(*) FROM identity_keys")
BEFORE=$(final_ids "$DB")
expect_exit 0 "$SLUICE" state reset "$TMP/chain.json"
expect_exit 0 "$SLUICE" run "$TMP/chain.json"
expect_eq "$(final_ids "$DB")" "$BEFORE" "a re-run gives the same ids"
expect_eq "$(sql "$DB" "SELECT count(DISTINCT customer_id) FROM customers")" 2 "and no stale ids"
expect_eq "$(sql "$ST/identity.db" "SELECT count(*) FROM identity_keys")" "$KEYS" "and no new keys"
expect_contains "$ERR" "0 new customers, 0 merges ($MERGES emitted again)"
expect_eq "$(sql "$DB" "SELECT count(*) FROM identity_merges")" "$MERGES" "the sink keeps one row per merge"

# --- shuffled, over two sources, small batches: the same ids -----------------
WANT=$(final_ids "$DB")
for seed in 1 2 3 4 5 6; do
    python3 - "$TMP/customers.jsonl" "$TMP/s$seed" "$seed" <<'PY'
import random, sys
lines = open(sys.argv[1]).read().splitlines()
random.Random(int(sys.argv[3])).shuffle(lines)
cut = len(lines) // 2
open(sys.argv[2] + "a.jsonl", "w").write("\n".join(lines[:cut]) + "\n")
open(sys.argv[2] + "b.jsonl", "w").write("\n".join(lines[cut:]) + "\n")
PY
    BATCH=1 pipeline "shuf$seed" "[{\"id\": \"crm\", \"plugin\": \"file\", \"path\": \"s${seed}a.jsonl\", \"stream\": \"customers\"},
        {\"id\": \"shop\", \"plugin\": \"file\", \"path\": \"s${seed}b.jsonl\", \"stream\": \"customers\"}]" '["crm", "shop"]'
    expect_exit 0 "$SLUICE" -q run "$TMP/shuf$seed.json"
    expect_eq "$(final_ids "$TMP/shuf$seed/wh.db")" "$WANT" "shuffle $seed: the same ids"
done

# --- 100k customers in seconds ------------------------------------------------
python3 - "$TMP/big.jsonl" <<'PY'
import json, random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        # most customers are in one or two systems; some share an e-mail or phone
        n = r.randrange(70000)
        f.write(json.dumps({"source": r.choice(["hubspot", "shopify", "amocrm"]), "external_id": str(i),
                            "email": "user%d@example.com" % n, "phone": "+7912%07d" % (n // 2)}) + "\n")
PY
cat >"$TMP/big.json" <<'JSON'
{"name": "big", "state": "big/sluice.db",
 "sources": [{"id": "c", "plugin": "file", "path": "big.jsonl", "stream": "customers"}],
 "transforms": [{"id": "ident", "plugin": "identity", "inputs": ["c"]}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["ident"], "path": "big/out.jsonl"}]}
JSON
start=$(date +%s)
expect_exit 0 "$SLUICE" run "$TMP/big.json"
took=$(($(date +%s) - start))
echo "# 100k customers: ${took}s"
expect_contains "$ERR" "identity: 100000 records given a customer id"
if [ "$took" -le 90 ]; then pass "100k customers in ${took}s"; else fail "100k customers took ${took}s"; fi
expect_eq "$(grep -c '"customer_id":"cus_' "$TMP/big/out.jsonl")" 100000 "every record has an id"
