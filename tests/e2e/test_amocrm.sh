#!/usr/bin/env bash
# The amocrm source against the amoCRM simulator, through the real binary
# into sqlite: every lead, contact and company exactly once across pages
# (a last full page followed by 204 No Content included), each page asked
# for once, within amoCRM's 7 requests/s (no 429); records keep the HAL
# shape (_embedded with the `with=contacts` links) and Cyrillic text; a
# second run asks filter[updated_at][from]=<cursor> and gets only what
# changed, records on the cursor's second included, delivered ones not
# repeated; "sync": "full"; a bad token; configuration mistakes.
. "$(dirname "$0")/lib.sh"

TOKEN=amo-e2e-longlived-3c9d1f
. "$SLUICE_SOURCE_DIR/tests/sim/sim_lib.sh" # sim_start, sim, sim_stop_all
trap 'rc=$?; sim_stop_all; (exit $rc); _e2e_finish' EXIT
source_in() {
    grep -F '"msg":"summary"' "$ERR" | tail -n 1 | jq -r '.stages[] | select(.stage == "crm") | .in'
}

sim_start amocrm --records 600,contacts=500,companies=120 --token "$TOKEN" --seed 3
expect_ne "$SIM_URL" "" "the simulator started"
export AMO_TOKEN=$TOKEN
pipeline() { # pipeline FILE EXTRA_JSON
    cat >"$1" <<JSON
{"name": "amocrm-e2e", "dead_letter": "dead.jsonl",
 "sources": [{"id": "crm", "plugin": "amocrm", "base_url": "$SIM_URL", "token": "\${AMO_TOKEN}" $2}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["crm"], "path": "out.db",
            "key": {"leads": ["id"], "contacts": ["id"], "companies": ["id"]}}]}
JSON
}
pipeline "$TMP/p.json" ""

# --- first run -------------------------------------------------------------------
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 1220 "600 leads + 500 contacts + 120 companies read, no more"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*), count(DISTINCT id) FROM leads')" "600|600" "600 distinct leads"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*) FROM contacts')" 500 "500 contacts"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*) FROM companies')" 120 "120 companies"
sim GET /__sim/requests >"$TMP/log.json"
expect_eq "$(jq -r '[.[] | select(.path == "/api/v4/leads") | .args.page] | join(",")' "$TMP/log.json")" "1,2,3" \
    "leads: pages 1, 2, 3, each once"
expect_eq "$(jq -r '[.[] | select(.path == "/api/v4/contacts") | "\(.args.page):\(.status)"] | join(",")' "$TMP/log.json")" \
    "1:200,2:200,3:204" "contacts: two full pages, then 204 ends the stream"
expect_eq "$(jq -r '[.[] | select(.path == "/api/v4/leads")][0].args | "\(.limit) \(.with) \(.["order[updated_at]"])"' "$TMP/log.json")" \
    "250 contacts asc" "250 a page, with=contacts, ordered by updated_at"
expect_eq "$(sim GET /__sim/stats | jq '.status_429')" 0 "no 429: the client keeps under 7 requests/s"
expect_eq "$(sql "$TMP/out.db" "SELECT json_type(_embedded, '\$.contacts') FROM leads WHERE json_array_length(_embedded, '\$.contacts') > 0 LIMIT 1")" \
    array "leads keep _embedded.contacts (with=contacts)"
expect_ne "$(sql "$TMP/out.db" "SELECT count(*) FROM contacts WHERE name GLOB '*[А-Яа-я]*'")" 0 "contacts with Cyrillic names (sent as \\u escapes)"
expect_eq "$(sql "$TMP/out.db" "SELECT typeof(updated_at), typeof(price) FROM leads LIMIT 1")" "integer|integer" \
    "numbers stay numbers"

# --- second run: only the changes, boundary second included ---------------------
expect_exit 0 "$SLUICE" state show --json "$TMP/p.json"
since=$(jq -r '.cursors.crm.cursor.streams.companies.since' "$OUT")
expect_eq "$since" "$(sim GET /__sim/objects | jq '.companies.max_updated')" "the companies cursor is the newest updated_at"
other=$(sql "$TMP/out.db" "SELECT id FROM companies WHERE updated_at < $since ORDER BY id LIMIT 1")
sim POST /__sim/touch '{"object": "leads", "first": 3}' >/dev/null
sim POST /__sim/touch "{\"object\": \"companies\", \"ids\": [$other], \"updated\": $since}" >/dev/null
sim DELETE /__sim/requests >/dev/null
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 4 "second run: 3 touched leads and the company on the cursor's second"
sim GET /__sim/requests >"$TMP/log2.json"
expect_eq "$(jq -r '[.[] | select(.path == "/api/v4/companies")][0].args["filter[updated_at][from]"]' "$TMP/log2.json")" \
    "$since" "companies asked from the cursor (filter[updated_at][from])"
expect_eq "$(sql "$TMP/out.db" "SELECT updated_at FROM companies WHERE id = $other")" "$since" "the company on the boundary was updated"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/p.json"
expect_eq "$(source_in)" 0 "third run: nothing"

# --- sync full ----------------------------------------------------------------------
pipeline "$TMP/full.json" ', "sync": "full", "objects": ["companies"], "with": {}'
expect_exit 0 "$SLUICE" --log-format json run "$TMP/full.json"
expect_eq "$(source_in)" 120 "sync full: every company again"

# --- bad token, configuration mistakes -----------------------------------------------
AMO_TOKEN=not-the-token-000000 expect_exit 1 "$SLUICE" run "$TMP/p.json"
expect_contains "$ERR" "authentication failed (HTTP 401)"
expect_contains "$ERR" "$SIM_URL/api/v4/"
expect_not_contains "$ERR" "not-the-token-000000"
cat >"$TMP/nobase.json" <<'JSON'
{"sources": [{"id": "crm", "plugin": "amocrm", "token": "x"}],
 "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["crm"]}]}
JSON
expect_exit 1 "$SLUICE" run "$TMP/nobase.json"
expect_contains "$ERR" "set subdomain (the account) or base_url"
pipeline "$TMP/bad.json" ', "page_size": 500'
expect_exit 1 "$SLUICE" run "$TMP/bad.json"
expect_contains "$ERR" "page_size: 500 is out of range (1..250)"
