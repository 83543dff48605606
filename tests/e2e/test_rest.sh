#!/usr/bin/env bash
# The declarative `rest` source, configured by hand against the simulators,
# through the real binary:
#   - HubSpot-style cursor pagination (paging.next.after into ?after=) gives
#     the same rows as the hubspot connector;
#   - HubSpot's search as a POST body (cursor and lower bound written into
#     the body, unix_ms), incremental: the second run gets only the changes;
#   - WooCommerce-style page pagination with X-WP-TotalPages, pages fetched
#     4 at a time, every page once: the simulator's records exactly; the
#     same through the Link header; modified_after (exclusive) with a
#     lookback, boundary second included, nothing repeated;
#   - amoCRM-style next URL from the body (_links.next.href) up to a 204:
#     the same rows as the amocrm connector;
#   - offset pagination (Bitrix24 start/total) with the token as a query
#     parameter, never shown in logs or dead letters;
#   - a generic OAuth2 API (client credentials, a token expiring mid-run),
#     incremental on updated_since;
#   - configuration mistakes are refused before any request.
. "$(dirname "$0")/lib.sh"

. "$SLUICE_SOURCE_DIR/tests/sim/sim_lib.sh" # sim_start, sim, sim_stop_all
trap 'rc=$?; sim_stop_all; (exit $rc); _e2e_finish' EXIT
source_in() {
    grep -F '"msg":"summary"' "$ERR" | tail -n 1 | jq -r '.stages[] | select(.stage == "src") | .in'
}
# run_source NAME SOURCE_JSON SINK_JSON: writes NAME.json with one source
# "src" and one sink, and runs it (--log-format json)
run_source() {
    cat >"$TMP/$1.json" <<JSON
{"name": "$1", "dead_letter": "$1-dead.jsonl", "sources": [$2], "sinks": [$3]}
JSON
    expect_exit 0 "$SLUICE" --log-format json run "$TMP/$1.json"
}
same_table() { # same_table DB1 DB2 TABLE KEY: identical rows
    local a b
    a=$(sql "$1" "SELECT json_group_array(json_array(*)) FROM (SELECT * FROM $3 ORDER BY $4)" | md5sum)
    b=$(sql "$2" "SELECT json_group_array(json_array(*)) FROM (SELECT * FROM $3 ORDER BY $4)" | md5sum)
    expect_eq "$a" "$b" "$3: the same rows in $(basename "$1") and $(basename "$2")"
}

# --- HubSpot: cursor pagination = the hubspot connector -------------------------------------
export HS_TOKEN=pat-na1-rest-e2e-5b8e21
sim_start hubspot --records 230 --token "$HS_TOKEN"
PROPS=email,firstname,lastname,phone,company,lifecyclestage,hubspot_owner_id,createdate,lastmodifieddate,hs_object_id
run_source hs-list "{\"id\": \"src\", \"plugin\": \"rest\", \"base_url\": \"$SIM_URL\", \"url\": \"/crm/v3/objects/contacts\",
    \"stream\": \"contacts\", \"auth\": {\"type\": \"bearer\", \"token\": \"\${HS_TOKEN}\"},
    \"query\": {\"limit\": 100, \"archived\": false, \"properties\": \"$PROPS\"}, \"records\": \"/results\",
    \"pagination\": {\"type\": \"cursor\", \"cursor\": \"/paging/next/after\", \"param\": \"after\"}}" \
    '{"id": "db", "plugin": "sqlite", "inputs": ["src"], "path": "hs-rest.db", "key": {"contacts": ["id"]}}'
expect_eq "$(source_in)" 230 "rest: 230 contacts over 3 cursor pages"
expect_eq "$(sim GET '/__sim/requests?path=/crm/v3/objects/contacts$' | jq '[.[] | .args.after // "first"] | unique | length')" 3 \
    "each page asked for once"
run_source hs-dedicated "{\"id\": \"src\", \"plugin\": \"hubspot\", \"base_url\": \"$SIM_URL\", \"token\": \"\${HS_TOKEN}\",
    \"objects\": [\"contacts\"]}" \
    '{"id": "db", "plugin": "sqlite", "inputs": ["src"], "path": "hs-dedicated.db", "key": {"contacts": ["id"]}}'
same_table "$TMP/hs-rest.db" "$TMP/hs-dedicated.db" contacts id

# --- HubSpot search: POST body, incremental ----------------------------------------------------
SEARCH="{\"id\": \"src\", \"plugin\": \"rest\", \"base_url\": \"$SIM_URL\", \"url\": \"/crm/v3/objects/contacts/search\",
    \"method\": \"POST\", \"stream\": \"contacts\", \"auth\": {\"type\": \"bearer\", \"token\": \"\${HS_TOKEN}\"},
    \"body\": {\"filterGroups\": [{\"filters\": [{\"propertyName\": \"lastmodifieddate\", \"operator\": \"GTE\", \"value\": \"0\"}]}],
             \"sorts\": [{\"propertyName\": \"lastmodifieddate\", \"direction\": \"ASCENDING\"}], \"limit\": 100},
    \"records\": \"results\", \"pagination\": {\"type\": \"cursor\", \"cursor\": \"paging.next.after\", \"body_field\": \"/after\"},
    \"incremental\": {\"field\": \"/updatedAt\", \"body_field\": \"/filterGroups/0/filters/0/value\", \"format\": \"unix_ms\",
                    \"ordered\": true}}"
SEARCH_SINK='{"id": "db", "plugin": "sqlite", "inputs": ["src"], "path": "hs-search.db", "key": {"contacts": ["id"]}}'
run_source hs-search "$SEARCH" "$SEARCH_SINK"
expect_eq "$(source_in)" 230 "search, first run: everything"
newest=$(sim GET /__sim/objects | jq -r '.contacts.max_updated_ms')
sim POST /__sim/touch '{"object": "contacts", "first": 3}' >/dev/null
sim DELETE /__sim/requests >/dev/null
run_source hs-search "$SEARCH" "$SEARCH_SINK"
expect_eq "$(source_in)" 3 "search, second run: the 3 touched contacts"
expect_eq "$(sim GET /__sim/requests | jq -r '.[0].json.filterGroups[0].filters[0].value')" "$newest" \
    "the body's lower bound is the previous run's newest updatedAt, in ms"
run_source hs-search "$SEARCH" "$SEARCH_SINK"
expect_eq "$(source_in)" 0 "search, third run: nothing"

# --- WooCommerce: page numbers with X-WP-TotalPages, 4 pages at a time --------------------------
sim_start woocommerce --records 250 --token wookey1 --seed 11
WOO_AUTH='"auth": {"type": "basic", "username": "ck_wookey1", "password": "cs_wookey1"}'
run_source woo-pages "{\"id\": \"src\", \"plugin\": \"rest\", \"base_url\": \"$SIM_URL/wp-json/wc/v3\", \"url\": \"orders\",
    \"stream\": \"orders\", $WOO_AUTH, \"query\": {\"orderby\": \"id\", \"order\": \"asc\"}, \"concurrency\": 4,
    \"pagination\": {\"type\": \"page\", \"size_param\": \"per_page\", \"size\": 20, \"total_pages_header\": \"X-WP-TotalPages\"}}" \
    '{"id": "out", "plugin": "file", "inputs": ["src"], "path": "woo-pages.jsonl"}'
expect_eq "$(source_in)" 250 "250 orders over 13 pages"
sim GET '/__sim/requests?path=/orders$' >"$TMP/woo-log.json"
expect_eq "$(jq -r '[.[].args.page | tonumber] | sort | map(tostring) | join(",")' "$TMP/woo-log.json")" \
    "1,2,3,4,5,6,7,8,9,10,11,12,13" "pages 1..13, each once"
expect_eq "$(jq '[.[1:5][].t] | max - min < 0.5' "$TMP/woo-log.json")" true "pages 2-5 went out together"
sim GET '/__sim/records/orders?full=1' | jq -cS '.[].record' | sort >"$TMP/woo-sim.jsonl"
jq -cS . "$TMP/woo-pages.jsonl" | sort >"$TMP/woo-got.jsonl"
expect_eq "$(cmp -s "$TMP/woo-sim.jsonl" "$TMP/woo-got.jsonl" && echo same)" same "the records are exactly the simulator's"

sim DELETE /__sim/requests >/dev/null
run_source woo-link "{\"id\": \"src\", \"plugin\": \"rest\", \"base_url\": \"$SIM_URL/wp-json/wc/v3\", \"url\": \"orders\",
    \"stream\": \"orders\", $WOO_AUTH, \"query\": {\"orderby\": \"id\", \"order\": \"asc\", \"per_page\": 100},
    \"pagination\": {\"type\": \"link\"}}" \
    '{"id": "out", "plugin": "file", "inputs": ["src"], "path": "woo-link.jsonl"}'
expect_eq "$(sim GET '/__sim/requests?path=/orders$' | jq length)" 3 "Link rel=next: 3 pages of 100"
jq -cS . "$TMP/woo-link.jsonl" | sort >"$TMP/woo-got2.jsonl"
expect_eq "$(cmp -s "$TMP/woo-sim.jsonl" "$TMP/woo-got2.jsonl" && echo same)" same "the same records following Link"

# modified_after is exclusive in WooCommerce: a 1 s lookback, and the ids
# delivered at the boundary are skipped
WOO_INC="{\"id\": \"src\", \"plugin\": \"rest\", \"base_url\": \"$SIM_URL/wp-json/wc/v3\", \"url\": \"orders\",
    \"stream\": \"orders\", $WOO_AUTH, \"query\": {\"orderby\": \"modified\", \"order\": \"asc\", \"dates_are_gmt\": true},
    \"pagination\": {\"type\": \"page\", \"size_param\": \"per_page\", \"size\": 100, \"total_pages_header\": \"X-WP-TotalPages\"},
    \"incremental\": {\"param\": \"modified_after\", \"field\": \"/date_modified_gmt\", \"format\": \"iso8601\",
                    \"lookback_s\": 1, \"ordered\": true}}"
WOO_DB='{"id": "db", "plugin": "sqlite", "inputs": ["src"], "path": "woo-inc.db", "key": {"orders": ["id"]}}'
run_source woo-inc "$WOO_INC" "$WOO_DB"
expect_eq "$(source_in)" 250 "incremental, first run: 250"
expect_exit 0 "$SLUICE" state show --json "$TMP/woo-inc.json"
since=$(jq -r '.cursors.src.cursor.streams.orders.since' "$OUT")
other=$(sql "$TMP/woo-inc.db" "SELECT id FROM orders WHERE date_modified_gmt < '$since' ORDER BY id DESC LIMIT 1")
sim POST /__sim/touch '{"object": "orders", "first": 2}' >/dev/null
sim POST /__sim/touch "{\"object\": \"orders\", \"ids\": [$other], \"updated\": \"${since}Z\"}" >/dev/null
sim DELETE /__sim/requests >/dev/null
run_source woo-inc "$WOO_INC" "$WOO_DB"
expect_eq "$(source_in)" 3 "second run: the 2 touched orders and the one on the boundary second"
expect_contains "$TMP/woo-inc.json" "modified_after"
expect_eq "$(sim GET '/__sim/requests?path=/orders$' | jq -r '.[0].args.modified_after')" \
    "$(date -u -d "@$(( $(date -u -d "${since}Z" +%s) - 1 ))" +%Y-%m-%dT%H:%M:%SZ)" "modified_after = the cursor minus 1 s"
run_source woo-inc "$WOO_INC" "$WOO_DB"
expect_eq "$(source_in)" 0 "third run: nothing"

# --- amoCRM: the next URL from the body, a 204 at the end = the amocrm connector -------------------
export AMO_TOKEN=amo-rest-e2e-77aa01
sim_start amocrm --records 500 --token "$AMO_TOKEN"
run_source amo-rest "{\"id\": \"src\", \"plugin\": \"rest\", \"base_url\": \"$SIM_URL\", \"url\": \"/api/v4/leads\",
    \"stream\": \"leads\", \"auth\": {\"type\": \"bearer\", \"token\": \"\${AMO_TOKEN}\"},
    \"query\": {\"limit\": 250, \"with\": \"contacts\"}, \"records\": \"/_embedded/leads\",
    \"pagination\": {\"type\": \"next_url\", \"next_url\": \"/_links/next/href\"}}" \
    '{"id": "db", "plugin": "sqlite", "inputs": ["src"], "path": "amo-rest.db", "key": {"leads": ["id"]}}'
expect_eq "$(source_in)" 500 "500 leads following _links.next"
expect_eq "$(sim GET '/__sim/requests?path=/api/v4/leads$' | jq -r '[.[].status] | join(",")')" "200,200,204" \
    "two full pages, then the 204 ends it"
run_source amo-dedicated "{\"id\": \"src\", \"plugin\": \"amocrm\", \"base_url\": \"$SIM_URL\", \"token\": \"\${AMO_TOKEN}\",
    \"objects\": [\"leads\"]}" \
    '{"id": "db", "plugin": "sqlite", "inputs": ["src"], "path": "amo-dedicated.db", "key": {"leads": ["id"]}}'
same_table "$TMP/amo-rest.db" "$TMP/amo-dedicated.db" leads id

# --- Bitrix24: offset pagination, token in the query ----------------------------------------------
CODE=b24restquerytoken99
sim_start bitrix24 --records 120 --token "$CODE"
cat >"$TMP/b24.json" <<JSON
{"name": "b24", "dead_letter": "b24-dead.jsonl",
 "sources": [{"id": "src", "plugin": "rest", "base_url": "$SIM_URL/rest/", "url": "crm.deal.list.json", "stream": "deals",
              "auth": {"type": "query", "name": "auth", "token": "$CODE"}, "query": {"order[ID]": "ASC"},
              "records": "/result", "pagination": {"type": "offset", "param": "start", "limit": 50, "total": "/total"}}],
 "transforms": [{"id": "m", "plugin": "map", "inputs": ["src"], "cast": {"TITLE": "int"}}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["m"], "path": "b24.db", "key": {"deals": ["ID"]}}]}
JSON
expect_exit 0 "$SLUICE" -v --log-format json run "$TMP/b24.json"
expect_eq "$(source_in)" 120 "120 deals over start=0, 50, 100"
expect_eq "$(sim GET '/__sim/requests' | jq -r '[.[].args.start] | join(",")')" "0,50,100" "each offset once"
expect_eq "$(wc -l <"$TMP/b24-dead.jsonl")" 120 "every deal dead-lettered on purpose (TITLE is no number)"
expect_contains "$TMP/b24-dead.jsonl" "crm.deal.list.json?"
expect_not_contains "$TMP/b24-dead.jsonl" "$CODE"
expect_not_contains "$ERR" "$CODE"

# --- a generic OAuth2 API: client credentials, a token that expires mid-run ------------------------
sim_start oauth --records 200 --access-ttl-requests 3
OA="{\"id\": \"src\", \"plugin\": \"rest\", \"base_url\": \"$SIM_URL\", \"url\": \"/api/items\", \"stream\": \"items\",
    \"auth\": {\"type\": \"oauth2_client\", \"token_url\": \"/oauth/token\", \"client_id\": \"sim-client\",
             \"client_secret\": \"sim-secret\"},
    \"query\": {\"limit\": 40, \"sort\": \"updated_at\"}, \"records\": \"/data\",
    \"pagination\": {\"type\": \"cursor\", \"cursor\": \"/next_cursor\", \"param\": \"cursor\"},
    \"incremental\": {\"param\": \"updated_since\", \"field\": \"/updated_at\", \"ordered\": true}}"
OA_DB='{"id": "db", "plugin": "sqlite", "inputs": ["src"], "path": "oauth.db", "key": {"items": ["id"]}}'
run_source oauth "$OA" "$OA_DB"
expect_eq "$(source_in)" 200 "200 items over 5 cursor pages"
expect_eq "$(sim GET /__sim/stats | jq '.token_requests.client_credentials >= 2 and .by_status["200"] >= 5')" true \
    "a new token when the first expired, no page lost"
sim POST /__sim/touch '{"object": "items", "first": 3}' >/dev/null
sim DELETE /__sim/requests >/dev/null
run_source oauth "$OA" "$OA_DB"
expect_eq "$(source_in)" 3 "second run: the 3 touched items (updated_since, raw)"
expect_eq "$(sim GET '/__sim/requests?path=/api/items' | jq -r '.[0].args.updated_since')" \
    "$(sql "$TMP/oauth.db" "SELECT max(updated_at) FROM items WHERE id NOT IN (SELECT id FROM items ORDER BY updated_at DESC LIMIT 3)")" \
    "updated_since is the first run's newest updated_at, as the API wrote it"
expect_not_contains "$ERR" "sim-secret"

# --- configuration mistakes --------------------------------------------------------------------------
bad() { # bad SOURCE_JSON MESSAGE
    cat >"$TMP/bad.json" <<JSON
{"sources": [$1], "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["src"]}]}
JSON
    expect_exit 1 "$SLUICE" run "$TMP/bad.json"
    expect_contains "$ERR" "$2"
}
bad '{"id": "src", "plugin": "rest", "url": "http://127.0.0.1:9/x", "pagination": {"type": "pages"}}' \
    'pagination.type: expected none, cursor, next_url, link, page or offset, got "pages"'
bad '{"id": "src", "plugin": "rest", "url": "http://127.0.0.1:9/x", "pagination": {"type": "cursor", "param": "after"}}' \
    'pagination: type cursor needs "cursor"'
bad '{"id": "src", "plugin": "rest", "url": "http://127.0.0.1:9/x", "pagination": {"type": "page", "sise": 10}}' \
    'pagination.sise: unknown key'
bad '{"id": "src", "plugin": "rest", "url": "http://127.0.0.1:9/x", "incremental": {"param": "since"}}' \
    'incremental: needs "field"'
bad '{"id": "src", "plugin": "rest", "url": "/x"}' 'url: a path needs base_url'
bad '{"id": "src", "plugin": "rest", "url": "http://127.0.0.1:9/x", "auth": {"type": "bearer"}}' \
    'auth: type bearer needs "token"'
