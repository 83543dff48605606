#!/usr/bin/env bash
# The hubspot source against the HubSpot simulator, through the real binary
# into the sqlite sink: a first run lists every object exactly once across
# page boundaries (each page asked for once); a second run asks the search
# API only for what changed, including records touched to exactly the
# cursor's timestamp, and skips the boundary records it already delivered;
# `properties` selects properties; "sync": "full" lists everything again;
# a bad token fails with a clear message; records keep HubSpot's shape.
. "$(dirname "$0")/lib.sh"

TOKEN=pat-na1-e2e-hubspot-9f3c2a
. "$SLUICE_SOURCE_DIR/tests/sim/sim_lib.sh" # sim_start, sim, sim_stop_all
trap 'rc=$?; sim_stop_all; (exit $rc); _e2e_finish' EXIT
source_in() { # records the source stage read, from the last --log-format json summary
    grep -F '"msg":"summary"' "$ERR" | tail -n 1 | jq -r '.stages[] | select(.stage == "crm") | .in'
}

sim_start hubspot --records 250,deals=120,products=30 --token "$TOKEN" --seed 7
expect_ne "$SIM_URL" "" "the simulator started"

pipeline() { # pipeline FILE EXTRA_JSON: the crm source with extra options
    cat >"$1" <<JSON
{"name": "hubspot-e2e", "dead_letter": "dead.jsonl",
 "sources": [{"id": "crm", "plugin": "hubspot", "base_url": "$SIM_URL", "token": "\${HUBSPOT_TOKEN}",
              "objects": ["contacts", "deals", "products"] $2}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["crm"], "path": "out.db",
            "key": {"contacts": ["id"], "deals": ["id"], "products": ["id"]}}]}
JSON
}
export HUBSPOT_TOKEN=$TOKEN
pipeline "$TMP/p.json" ""

# --- first run: a full listing, every record once ----------------------------
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 400 "the source read 250 + 120 + 30 records, no more"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*), count(DISTINCT id) FROM contacts')" "250|250" "250 distinct contacts"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*) FROM deals')" 120 "120 deals"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*) FROM products')" 30 "30 products"
sim GET '/__sim/records/contacts' | jq -r '.[].id' | sort >"$TMP/sim-ids"
sql "$TMP/out.db" 'SELECT id FROM contacts' | sort >"$TMP/db-ids"
expect_eq "$(cmp -s "$TMP/sim-ids" "$TMP/db-ids" && echo same)" same "the contacts are the simulator's"
sim GET '/__sim/requests?path=/crm/v3/objects/contacts$' >"$TMP/log.json"
expect_eq "$(jq length "$TMP/log.json")" 3 "contacts: 3 pages of 100 asked for"
expect_eq "$(jq '[.[] | .args.after // "first"] | unique | length' "$TMP/log.json")" 3 "each page asked for once"
expect_eq "$(jq -r '[.[].args.limit] | unique | join(",")' "$TMP/log.json")" 100 "page size 100"
expect_eq "$(sql "$TMP/out.db" "SELECT json_type(properties), json_extract(properties, '\$.email') IS NOT NULL FROM contacts LIMIT 1")" \
    "object|1" "properties stay a nested object with HubSpot's names"
expect_eq "$(sql "$TMP/out.db" "SELECT typeof(updatedAt), archived FROM deals LIMIT 1")" "text|0" "updatedAt and archived kept"
expect_exit 0 "$SLUICE" state show --json "$TMP/p.json"
max=$(sim GET '/__sim/objects' | jq -r '.contacts.max_updated')
expect_eq "$(jq -r '.cursors.crm.cursor.streams.contacts.since' "$OUT")" "$max" "the contacts cursor is the newest updatedAt"

# --- second run: only what changed, boundary ties included ---------------------
since=$(jq -r '.cursors.crm.cursor.streams.deals.since' "$OUT")
old_deal=$(sql "$TMP/out.db" "SELECT id FROM deals WHERE updatedAt < '$since' ORDER BY id LIMIT 1")
ids=$(jq -c '[.[2:5][].id]' <(sim GET /__sim/records/contacts))
sim POST /__sim/touch "{\"object\": \"contacts\", \"ids\": $ids}" >/dev/null
# a deal changed to exactly the cursor's timestamp: must come, the ones
# already delivered at that timestamp must not come again
sim POST /__sim/touch "{\"object\": \"deals\", \"ids\": [$old_deal], \"updated\": \"$since\"}" >/dev/null
sim DELETE /__sim/requests >/dev/null
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 4 "second run: the 3 touched contacts and the deal at the boundary"
sim GET '/__sim/requests' >"$TMP/log2.json"
expect_eq "$(jq '[.[] | select(.method == "POST" and (.path | endswith("/search")))] | length' "$TMP/log2.json")" 3 \
    "one search per object"
expect_eq "$(jq '[.[] | select(.method == "GET")] | length' "$TMP/log2.json")" 0 "no listing"
expect_eq "$(jq -r '[.[] | select(.path == "/crm/v3/objects/deals/search")][0].json.filterGroups[0].filters[0] | "\(.propertyName) \(.operator)"' "$TMP/log2.json")" \
    "hs_lastmodifieddate GTE" "deals are searched on hs_lastmodifieddate >= the cursor"
expect_eq "$(jq -r '[.[] | select(.path == "/crm/v3/objects/contacts/search")][0].json.filterGroups[0].filters[0].propertyName' "$TMP/log2.json")" \
    lastmodifieddate "contacts on lastmodifieddate"
expect_eq "$(sql "$TMP/out.db" "SELECT updatedAt FROM deals WHERE id = '$old_deal'")" "$since" "the boundary deal was updated"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 0 "third run: nothing changed, nothing read"

# --- a search longer than one page, all records on one timestamp -------------
sim POST /__sim/touch '{"object": "contacts", "first": 230}' >/dev/null
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 230 "230 contacts sharing one timestamp, over 3 search pages"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 0 "and none of them again"

# --- properties selection ------------------------------------------------------
pipeline "$TMP/props.json" ', "properties": {"deals": ["dealname", "amount"]}, "sync": "full"'
sed -i 's/out.db/props.db/; s/hubspot-e2e/hubspot-props/' "$TMP/props.json"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/props.json"
expect_eq "$(sql "$TMP/props.db" "SELECT json_extract(properties, '\$.dealname') IS NOT NULL, json_extract(properties, '\$.dealstage') IS NULL FROM deals LIMIT 1")" \
    "1|1" "deals carry the chosen properties only"
expect_eq "$(sql "$TMP/props.db" "SELECT json_extract(properties, '\$.lifecyclestage') IS NOT NULL FROM contacts LIMIT 1")" \
    1 "other objects keep the default selection"

# --- sync full: everything again, the cursor rewritten -------------------------
pipeline "$TMP/p.json" ', "sync": "full"'
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 400 "sync full reads everything"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*) FROM contacts')" 250 "still 250 contacts (upserted)"

# --- more changes than one search may page through -------------------------------
# (HubSpot stops a search at 10 000 results; this simulator at 250): the
# source restarts the query from the newest timestamp it delivered
sim_start hubspot --records 300 --token "$TOKEN" --hubspot-search-cap 250
cat >"$TMP/cap.json" <<JSON
{"name": "hubspot-cap", "sources": [{"id": "crm", "plugin": "hubspot", "base_url": "$SIM_URL", "token": "$TOKEN",
  "objects": ["contacts"], "search_cap": 250}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["crm"], "path": "cap.db", "key": {"contacts": ["id"]}}]}
JSON
expect_exit 0 "$SLUICE" --log-format json run "$TMP/cap.json"
sim GET /__sim/records/contacts >"$TMP/cap-ids.json"
for g in 0 1 2; do # three groups of 100 on three timestamps
    ids=$(jq -c "[.[$((g * 100)):$((g * 100 + 100))][].id]" "$TMP/cap-ids.json")
    sim POST /__sim/touch "{\"object\": \"contacts\", \"ids\": $ids, \"updated\": \"2030-01-0$((g + 1))T00:00:00Z\"}" >/dev/null
done
sim DELETE /__sim/requests >/dev/null
expect_exit 0 "$SLUICE" --log-format json run "$TMP/cap.json"
expect_eq "$(source_in)" 300 "300 changes, more than one search query may return: all read once"
sim GET /__sim/requests >"$TMP/cap-log.json"
expect_eq "$(jq '[.[] | select(.status != 200)] | length' "$TMP/cap-log.json")" 0 "never paged past the cap (no 400)"
expect_eq "$(jq '[.[].json.filterGroups[0].filters[0].value] | unique | length' "$TMP/cap-log.json")" 2 \
    "the search restarted once, from a newer lower bound"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/cap.json"
expect_eq "$(source_in)" 0 "and nothing again"

# --- a bad token ----------------------------------------------------------------
HUBSPOT_TOKEN=pat-na1-wrong-token-0000 expect_exit 1 "$SLUICE" run "$TMP/p.json"
expect_contains "$ERR" "authentication failed (HTTP 401)"
expect_contains "$ERR" "/crm/v3/objects/"
expect_not_contains "$ERR" "pat-na1-wrong-token-0000"

# --- configuration mistakes fail before any request -----------------------------
pipeline "$TMP/bad.json" ', "objects": ["contacts", "tickets"]'
sed -i 's/"objects": \["contacts", "deals", "products"\] ,/ /' "$TMP/bad.json"
expect_exit 1 "$SLUICE" run "$TMP/bad.json"
expect_contains "$ERR" 'unknown object "tickets"'
