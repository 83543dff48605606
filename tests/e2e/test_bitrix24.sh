#!/usr/bin/env bash
# The bitrix24 source against the Bitrix24 simulator, through the real
# binary into sqlite: deals, contacts, companies, leads, catalog products
# and stock per store, every record once, in two batch.json requests (the
# first page of every list, then all remaining pages at once), each
# (method, start) asked for once; without batch, one call per page; an
# OAuth access token instead of the webhook; a second run filters
# >=DATE_MODIFY / >=timestampX from the cursor (records on the boundary
# second included, delivered ones skipped) while stock is read whole; the
# `filter` option; the vendor's 503 QUERY_LIMIT_EXCEEDED is waited out; a
# wrong webhook fails clearly and its secret is never shown.
. "$(dirname "$0")/lib.sh"

CODE=wh7k2m9q4x1z8c5v
. "$SLUICE_SOURCE_DIR/tests/sim/sim_lib.sh" # sim_start, sim, sim_stop_all
trap 'rc=$?; sim_stop_all; (exit $rc); _e2e_finish' EXIT
source_in() {
    grep -F '"msg":"summary"' "$ERR" | tail -n 1 | jq -r '.stages[] | select(.stage == "crm") | .in'
}
# (method start) of every list call in the request log, batched or not
calls() {
    jq -r '.[] | if .json.cmd then .json.cmd[] | capture("^(?<m>[^?]+)\\?.*start=(?<s>[0-9]+)") | "\(.m) \(.s)"
                 else "\(.path | sub(".*/"; "") | sub("\\.json$"; "")) \(.args.start)" end' "$1"
}

sim_start bitrix24 --records 120,contacts=75,products=60,store_products=30 --token "$CODE" --seed 5
expect_ne "$SIM_URL" "" "the simulator started"
HOOK=$SIM_URL/rest/1/$CODE/
ALL='["deals", "contacts", "companies", "leads", "products", "store_products"]'
KEYS='{"deals": ["ID"], "contacts": ["ID"], "companies": ["ID"], "leads": ["ID"], "products": ["id"], "store_products": ["id"]}'
pipeline() { # pipeline FILE NAME EXTRA_JSON [OBJECTS]
    cat >"$1" <<JSON
{"name": "$2", "dead_letter": "dead.jsonl",
 "sources": [{"id": "crm", "plugin": "bitrix24", "objects": ${4:-$ALL} $3}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["crm"], "path": "$2.db", "key": $KEYS}]}
JSON
}
export B24_HOOK=$HOOK
pipeline "$TMP/p.json" batch ', "webhook_url": "${B24_HOOK}"'

# --- first run, batched ------------------------------------------------------------
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 525 "120 deals + 75 contacts + 120 companies + 120 leads + 60 products + 30 stock rows"
for t in deals:120 contacts:75 companies:120 leads:120 products:60 store_products:30; do
    expect_eq "$(sql "$TMP/batch.db" "SELECT count(*) FROM ${t%%:*}")" "${t##*:}" "${t%%:*}: ${t##*:} rows"
done
sim GET /__sim/requests >"$TMP/log.json"
expect_eq "$(jq length "$TMP/log.json")" 2 "two HTTP requests for 525 records"
expect_eq "$(jq -r '[.[].path] | unique | join(" ")' "$TMP/log.json")" "/rest/1/$CODE/batch.json" "both to batch.json"
calls "$TMP/log.json" >"$TMP/calls"
expect_eq "$(wc -l <"$TMP/calls")" 14 "14 list calls: 3 pages of deals, companies, leads, 2 of contacts, products, 1 of stock"
expect_eq "$(sort "$TMP/calls" | uniq -d | wc -l)" 0 "each (method, start) asked for once"
expect_eq "$(sql "$TMP/batch.db" "SELECT json_type(PHONE), json_extract(PHONE, '\$[0].TYPE_ID') FROM contacts WHERE PHONE IS NOT NULL LIMIT 1")" \
    "array|PHONE" "multi-fields (PHONE) selected and kept nested"
expect_eq "$(sql "$TMP/batch.db" "SELECT typeof(ID), typeof(OPPORTUNITY) FROM deals LIMIT 1")" "text|text" \
    "Bitrix24's strings stay strings"

# --- single calls, OAuth access token: the same rows -----------------------------------
pipeline "$TMP/single.json" single ", \"base_url\": \"$SIM_URL/rest/\", \"access_token\": \"$CODE\", \"batch\": false"
sim DELETE /__sim/requests >/dev/null
expect_exit 0 "$SLUICE" --log-format json run "$TMP/single.json"
expect_eq "$(source_in)" 525 "without batch: 525 records"
sim GET /__sim/requests >"$TMP/log1.json"
expect_eq "$(jq length "$TMP/log1.json")" 14 "one request per page"
expect_eq "$(jq -r '[.[].args.auth] | unique | join(",")' "$TMP/log1.json")" "***" "the token went as the auth parameter"
for t in deals contacts products store_products; do
    expect_eq "$(sql "$TMP/single.db" "SELECT group_concat(json_array(*)) FROM (SELECT * FROM $t ORDER BY 1)" | md5sum)" \
        "$(sql "$TMP/batch.db" "SELECT group_concat(json_array(*)) FROM (SELECT * FROM $t ORDER BY 1)" | md5sum)" \
        "$t: the same rows batched or not"
done

# --- second run: only what changed ---------------------------------------------------------
expect_exit 0 "$SLUICE" state show --json "$TMP/p.json"
since=$(jq -r '.cursors.crm.cursor.streams.deals.since' "$OUT")
other=$(sql "$TMP/batch.db" "SELECT ID FROM deals WHERE DATE_MODIFY < '$since' ORDER BY CAST(ID AS int) LIMIT 1")
sim POST /__sim/touch '{"object": "contacts", "first": 2}' >/dev/null
sim POST /__sim/touch '{"object": "products", "first": 1}' >/dev/null
sim POST /__sim/touch "{\"object\": \"deals\", \"ids\": [$other], \"updated\": \"$since\"}" >/dev/null
sim DELETE /__sim/requests >/dev/null
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 34 "2 contacts, 1 product, the deal on the boundary second, and the 30 stock rows"
sim GET /__sim/requests >"$TMP/log2.json"
expect_eq "$(jq -r '.[0].json.cmd[] | select(startswith("crm.deal.list"))' "$TMP/log2.json" | grep -c 'filter%5B%3E%3DDATE_MODIFY%5D=')" 1 \
    "deals filtered on >=DATE_MODIFY"
expect_eq "$(jq -r '.[0].json.cmd[] | select(startswith("catalog.product.list"))' "$TMP/log2.json" | grep -c 'filter%5B%3E%3DtimestampX%5D=')" 1 \
    "products on >=timestampX"
expect_eq "$(sql "$TMP/batch.db" "SELECT DATE_MODIFY FROM deals WHERE ID = '$other'")" "$since" "the boundary deal landed"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 30 "third run: only the stock list again"

# --- the filter option ---------------------------------------------------------------------
pipeline "$TMP/filter.json" filtered ', "webhook_url": "${B24_HOOK}", "filter": {"deals": {">ID": 50}}' '["deals"]'
expect_exit 0 "$SLUICE" --log-format json run "$TMP/filter.json"
expect_eq "$(source_in)" "$(sql "$TMP/batch.db" "SELECT count(*) FROM deals WHERE CAST(ID AS int) > 50")" "filter >ID 50"

# --- the vendor's throttle: 503 QUERY_LIMIT_EXCEEDED is waited out --------------------------
pipeline "$TMP/throttle.json" throttled ', "webhook_url": "${B24_HOOK}", "sync": "full"' '["contacts"]'
sim POST /__sim/faults '{"next": ["throttle", "throttle"]}' >/dev/null
expect_exit 0 "$SLUICE" --log-format json run "$TMP/throttle.json"
expect_eq "$(source_in)" 75 "every contact despite two QUERY_LIMIT_EXCEEDED answers"
expect_eq "$(sim GET '/__sim/stats' | jq '.by_status["503"]')" 2 "the simulator refused twice"

# --- a wrong webhook ------------------------------------------------------------------------
B24_HOOK=$SIM_URL/rest/1/wrongcode12345/ expect_exit 1 "$SLUICE" run "$TMP/p.json"
expect_contains "$ERR" "authentication failed (HTTP 401)"
expect_contains "$ERR" "INVALID_CREDENTIALS"
expect_not_contains "$ERR" "wrongcode12345"
expect_exit 0 "$SLUICE" -v run "$TMP/p.json"
expect_not_contains "$ERR" "$CODE"
pipeline "$TMP/bad.json" bad ', "webhook_url": "${B24_HOOK}", "access_token": "x"'
expect_exit 1 "$SLUICE" run "$TMP/bad.json"
expect_contains "$ERR" "set either webhook_url or access_token"
