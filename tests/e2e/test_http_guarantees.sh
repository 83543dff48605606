#!/usr/bin/env bash
# Delivery guarantees of the HTTP sources (hubspot, amocrm, bitrix24),
# each against its simulator, through the real binary into sqlite:
#   - a 429 storm loses no page, and each retry waits at least Retry-After
#     (request log timestamps);
#   - 5xx until the attempts run out: exit 1, cursor unchanged;
#   - a failure half-way through an incremental stream leaves the cursor at
#     the last page delivered, and the next run reads the rest exactly once;
#   - a malformed page fails the run with its URL, cursor not advanced past
#     the previous page;
#   - the credential appears in no log line (at -v), dead letter, state
#     store or output.
. "$(dirname "$0")/lib.sh"

. "$SLUICE_SOURCE_DIR/tests/sim/sim_lib.sh" # sim_start, sim, sim_stop_all
trap 'rc=$?; sim_stop_all; (exit $rc); _e2e_finish' EXIT
source_in() {
    grep -F '"msg":"summary"' "$ERR" | tail -n 1 | jq -r '.stages[] | select(.stage == "crm") | .in'
}
cursor() { # the crm source's committed cursor, compact
    "$SLUICE" state show --json "$P" | jq -c '.cursors.crm.cursor'
}

# check_api NAME SOURCE_JSON PAGE_RE FIRST IDS REST KEY URL: the scenarios against
# one simulator (started by the caller, 250 contacts); SOURCE_JSON is the
# crm source's plugin-specific options; PAGE_RE matches the paths of
# contacts pages. When the second request of an incremental run of 150
# records fails, FIRST records were delivered, the cursor then holds IDS
# boundary ids, and the next run reads REST: a source whose API returns
# records ordered by modification time (hubspot search, amocrm) keeps the
# first page (100, 100, 50); one that pages in id order (bitrix24) can only
# move its watermark once the stream is complete (50, 5, 150). KEY is the
# records' id field, URL what error messages show of a page's URL.
check_api() {
    local api=$1 opts=$2 re=$3 first=$4 ids=$5 rest=$6 key=$7 url=$8 t
    P=$TMP/$api.json
    cat >"$P" <<JSON
{"name": "guarantees-$api", "dead_letter": "$api-dead.jsonl",
 "sources": [{"id": "crm", $opts}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["crm"], "path": "$api.db", "key": {"contacts": ["$key"]}}]}
JSON
    echo "# $api"

    # 429 storm on the first requests: every page still arrives, once
    sim POST /__sim/faults '{"storm": {"count": 3, "retry_after": 0.5}}' >/dev/null
    expect_exit 0 "$SLUICE" -v --log-format json run "$P"
    expect_eq "$(source_in)" 250 "$api: all 250 contacts despite the 429 storm"
    expect_eq "$(sql "$TMP/$api.db" "SELECT count(DISTINCT $key) FROM contacts")" 250 "$api: 250 distinct rows"
    sim GET /__sim/requests >"$TMP/$api-log.json"
    expect_eq "$(jq '[.[] | select(.status == 429)] | length' "$TMP/$api-log.json")" 3 "$api: the simulator sent 3 429s"
    # the request after each 429 with the same method, path, query and body
    # came at least Retry-After (0.5 s) later
    t=$(jq '[. as $all | .[] | select(.status == 429) | . as $x
             | ([$all[] | select(.seq > $x.seq and .method == $x.method and .path == $x.path and .query == $x.query
                                 and (.json | tostring) == ($x.json | tostring))][0].t - $x.t)] | min' "$TMP/$api-log.json")
    expect_eq "$(jq -n --argjson t "$t" '$t >= 0.48')" true "$api: retried no sooner than Retry-After 0.5 s (min gap ${t}s)"
    expect_eq "$(jq --arg re "$re" '[.[] | select(.status == 200 and (.path | test($re)))] | length' "$TMP/$api-log.json")" \
        "$(jq --arg re "$re" '[.[] | select(.status == 200 and (.path | test($re))) | "\(.query) \(.json)"] | unique | length' "$TMP/$api-log.json")" \
        "$api: each contacts page answered once"

    # 5xx until the attempts (2 here) run out: exit 1, the cursor as it was
    before=$(cursor)
    jq '.sources[0].max_attempts = 2' "$P" >"$TMP/$api-2.json"
    sim POST /__sim/touch '{"object": "contacts", "first": 5}' >/dev/null
    sim POST /__sim/faults '{"error_rate": 1, "error_statuses": [503]}' >/dev/null
    expect_exit 1 "$SLUICE" run "$TMP/$api-2.json"
    expect_contains "$ERR" "after 2 attempts: HTTP 503"
    expect_eq "$(cursor)" "$before" "$api: 5xx: the cursor did not move"
    # a single 5xx is retried: the next run succeeds and reads the changes
    sim DELETE /__sim/faults >/dev/null
    sim POST /__sim/faults '{"next": ["502"]}' >/dev/null
    sim DELETE /__sim/requests >/dev/null
    expect_exit 0 "$SLUICE" --log-format json run "$P"
    expect_eq "$(source_in)" 5 "$api: the next run reads the 5 changed contacts"
    expect_eq "$(sim GET /__sim/requests | jq -c '[.[0].status, .[1].status, .[0].query == .[1].query and .[0].json == .[1].json]')" \
        '[502,200,true]' "$api: the 502 was retried with the same request"

    # 5xx half-way through an incremental stream (150 records on one
    # timestamp of their own, so the boundary ids are exactly page 1's)
    sim POST /__sim/touch '{"object": "contacts", "first": 150, "updated": "2030-01-01T00:00:00Z"}' >/dev/null
    sim POST /__sim/faults "{\"next\": [{\"fault\": \"none\", \"path\": \"$re\"}, {\"fault\": \"503\", \"path\": \"$re\"},
                              {\"fault\": \"503\", \"path\": \"$re\"}]}" >/dev/null
    expect_exit 1 "$SLUICE" --log-format json run "$TMP/$api-2.json"
    expect_eq "$(source_in)" "$first" "$api: the first page ($first) was delivered before the failure"
    expect_eq "$("$SLUICE" state show --json "$P" | jq '.cursors.crm.cursor.streams.contacts.ids | length')" "$ids" \
        "$api: the cursor stands where the delivered pages allow ($ids boundary ids)"
    sim DELETE /__sim/faults >/dev/null
    expect_exit 0 "$SLUICE" --log-format json run "$P"
    expect_eq "$(source_in)" "$rest" "$api: the next run reads $rest"

    # a malformed page: reported with its URL, cursor at the page before
    sim POST /__sim/touch '{"object": "contacts", "first": 150, "updated": "2030-01-02T00:00:00Z"}' >/dev/null
    sim POST /__sim/faults "{\"next\": [{\"fault\": \"none\", \"path\": \"$re\"}, {\"fault\": \"malformed\", \"path\": \"$re\"}]}" >/dev/null
    expect_exit 1 "$SLUICE" run "$P"
    expect_contains "$ERR" "malformed page"
    expect_contains "$ERR" "$url"
    if [ "$ids" = 5 ]; then ids=150; fi # the cursor after the last phase
    expect_eq "$("$SLUICE" state show --json "$P" | jq '.cursors.crm.cursor.streams.contacts.ids | length')" "$ids" \
        "$api: malformed: the cursor stands where the good pages allow"
    sim DELETE /__sim/faults >/dev/null
    expect_exit 0 "$SLUICE" --log-format json run "$P"
    expect_eq "$(source_in)" "$rest" "$api: then the rest ($rest)"
}

# check_secret API TOKEN FIELD URL: a full run at -v whose records are all
# dead-lettered (FIELD cast to int fails), so the dead letters carry each
# record's origin URL (showing URL); then the credential must be nowhere
# it could leak.
check_secret() {
    local api=$1 tok=$2 field=$3 url=$4 f hits=0
    jq --arg f "$field" '.sources[0].sync = "full" | .transforms = [{"id": "m", "plugin": "map", "inputs": ["crm"],
        "cast": {($f): "int"}}] | .sinks[0].inputs = ["m"]' "$P" >"$TMP/$api-secret.json"
    expect_exit 0 "$SLUICE" -v run "$TMP/$api-secret.json"
    expect_eq "$(wc -l <"$TMP/$api-dead.jsonl")" 250 "$api: every record dead-lettered on purpose"
    expect_contains "$TMP/$api-dead.jsonl" "$url"
    for f in "$TMP"/.stderr.* "$TMP/$api-dead.jsonl" "$TMP/$api.db" "$TMP"/state/*; do
        [ -f "$f" ] && grep -qaF -- "$tok" "$f" && { hits=$((hits + 1)); echo "  token found in $f"; }
    done
    expect_eq "$hits" 0 "$api: the credential is in no log, dead letter, state store or table"
}

# --- hubspot --------------------------------------------------------------------
TOKEN=pat-na1-guarantees-7d41e0c2
sim_start hubspot --records 250 --token "$TOKEN"
check_api hubspot "\"plugin\": \"hubspot\", \"base_url\": \"$SIM_URL\", \"token\": \"$TOKEN\", \"objects\": [\"contacts\"]" \
    '^/crm/v3/objects/contacts' 100 100 50 id "$SIM_URL/crm/v3/objects/contacts"
check_secret hubspot "$TOKEN" updatedAt "$SIM_URL/crm/v3/objects/contacts"

# --- amocrm ----------------------------------------------------------------------
TOKEN=amo-longlived-guarantees-55aa10
sim_start amocrm --records 250 --token "$TOKEN"
check_api amocrm "\"plugin\": \"amocrm\", \"base_url\": \"$SIM_URL\", \"token\": \"$TOKEN\", \"objects\": [\"contacts\"], \"page_size\": 100" \
    '^/api/v4/contacts$' 100 100 50 id "$SIM_URL/api/v4/contacts?page=2"
check_secret amocrm "$TOKEN" name "$SIM_URL/api/v4/contacts?page=2"

# --- bitrix24 (incoming webhook: the secret is part of every URL) ----------------
TOKEN=b24hook7f3a9c2e5d
sim_start bitrix24 --records 250 --token "$TOKEN"
check_api bitrix24 "\"plugin\": \"bitrix24\", \"webhook_url\": \"$SIM_URL/rest/1/$TOKEN/\", \"objects\": [\"contacts\"]" \
    '/batch\\.json$' 50 5 150 ID "batch.json"
check_secret bitrix24 "$TOKEN" NAME "batch.json#crm.contact.list"
