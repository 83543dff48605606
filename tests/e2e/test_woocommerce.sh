#!/usr/bin/env bash
# The woocommerce source against the WooCommerce simulator, through the real
# binary into the sqlite sink:
#   - a first run reads every order, customer and product exactly once
#     across numbered pages (each page asked for once, in id order, several
#     at a time once X-WP-TotalPages is known); records keep WooCommerce's
#     names, line items and addresses stay nested;
#   - a second run asks orders and products for modified_after (one second
#     before the cursor: the filter is exclusive) and gets only what was
#     touched, including an order touched to exactly the cursor's timestamp,
#     without repeating the boundary orders already delivered; customers,
#     which cannot be filtered, are compared client-side;
#   - a 429 storm loses no page and every retry waits at least Retry-After;
#   - 5xx until the attempts run out: exit 1, cursor unchanged;
#   - a malformed page fails the run with its URL, cursor unchanged;
#   - the key pair (HTTP Basic, or query parameters with auth_in_query)
#     appears in no log line at -v, state store or output.
. "$(dirname "$0")/lib.sh"

TOKEN=e2e7Xq4w
KEY=ck_$TOKEN
SECRET=cs_$TOKEN
SIM_PIDS=()
trap 'rc=$?; for p in "${SIM_PIDS[@]}"; do kill "$p" 2>/dev/null; done; (exit $rc); _e2e_finish' EXIT

sim_start() { # sim_start ARGS...: a WooCommerce simulator on an ephemeral port; SIM_URL
    local f=$TMP/sim-$RANDOM.url
    python3 "$SLUICE_SOURCE_DIR/tests/sim/sim.py" woocommerce --url-file "$f" "$@" >"$f.out" 2>"$f.err" &
    SIM_PIDS+=($!)
    for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.1; done
    SIM_URL=$(cat "$f")
}
ago() { # ago SECONDS: that long ago, UTC ISO 8601
    date -u -d "$((-$1)) seconds" +%Y-%m-%dT%H:%M:%SZ
}
sim() { # sim METHOD PATH [JSON]: a control request to the simulator
    curl -sf -X "$1" "$SIM_URL$2" ${3:+-H 'Content-Type: application/json' -d "$3"}
}
source_in() { # records the woo source read, from the last --log-format json summary
    grep -F '"msg":"summary"' "$ERR" | tail -n 1 | jq -r '.stages[] | select(.stage == "woo") | .in'
}
cursor() { # cursor STREAM: that stream's part of the committed cursor, compact
    "$SLUICE" state show --json "$P" | jq -c --arg s "$1" '.cursors.woo.cursor.streams[$s]'
}
pipeline() { # pipeline FILE EXTRA_JSON: the woo source (one shared state store)
    cat >"$1" <<JSON
{"name": "woo-e2e", "dead_letter": "dead.jsonl",
 "sources": [{"id": "woo", "plugin": "woocommerce", "base_url": "$SIM_URL",
              "consumer_key": "\${WOO_KEY}", "consumer_secret": "\${WOO_SECRET}", "page_size": 20 $2}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["woo"], "path": "out.db", "key": ["id"]}]}
JSON
}
export WOO_KEY=$KEY WOO_SECRET=$SECRET

sim_start --records 250,customers=120,products=40 --token "$TOKEN" --seed 3 --latency-ms 20
expect_ne "$SIM_URL" "" "the simulator started"
P=$TMP/p.json
pipeline "$P" ""
sim GET /__sim/objects >"$TMP/objects.json"
sim GET '/__sim/records/customers?full=1' | jq -r '.[] | select(.record.role == "customer") | .id' | sort >"$TMP/sim-customers"
ncust=$(wc -l <"$TMP/sim-customers")

# --- first run: everything once ----------------------------------------------
expect_exit 0 "$SLUICE" -v --log-format json run "$P"
cp "$ERR" "$TMP/verbose-1.log"
expect_eq "$(source_in)" $((250 + ncust + 40)) "the source read 250 orders, $ncust customers, 40 products"
for t in orders products; do
    sim GET "/__sim/records/$t" | jq -r '.[].id' | sort >"$TMP/sim-$t"
done
for t in orders customers products; do
    sql "$TMP/out.db" "SELECT id FROM $t" | sort >"$TMP/db-$t"
    expect_eq "$(cmp -s "$TMP/sim-$t" "$TMP/db-$t" && echo same)" same "$t: the simulator's ids, each once"
done
sim GET '/__sim/requests?path=/wc/v3/orders$' >"$TMP/log.json"
expect_eq "$(jq -c '[.[].args.page | tonumber] | sort' "$TMP/log.json")" "[$(seq -s, 1 13)]" \
    "orders: pages 1..13 of 20, each asked for once"
expect_eq "$(jq -r '[.[] | "\(.args.orderby) \(.args.order) \(.args.per_page)"] | unique | join(";")' "$TMP/log.json")" \
    "id asc 20" "in id order, 20 per page"
expect_eq "$(jq '[.[] | select(.headers.Authorization == "Basic ***")] | length' "$TMP/log.json")" 13 "HTTP Basic auth"
expect_eq "$(sim GET /__sim/stats | jq '.max_inflight > 1')" true "pages were fetched in parallel"
expect_eq "$(sql "$TMP/out.db" "SELECT json_type(line_items), json_type(billing), typeof(total) FROM orders LIMIT 1")" \
    "array|object|text" "orders keep line_items and billing nested, money as text"
expect_eq "$(cursor orders | jq -r .since)" "$(jq -r .orders.max_updated "$TMP/objects.json")" \
    "the orders cursor is the newest date_modified_gmt"

# --- second run: only what changed, the boundary included ---------------------
since=$(cursor orders | jq -r .since)
old=$(sql "$TMP/out.db" "SELECT id FROM orders ORDER BY date_modified_gmt LIMIT 1")
ids=$(sim GET /__sim/records/orders | jq -c '[.[10:13][].id]')
sim POST /__sim/touch "{\"object\": \"orders\", \"ids\": $ids, \"updated\": \"$(ago 30)\"}" >/dev/null
sim POST /__sim/touch "{\"object\": \"orders\", \"ids\": [$old], \"updated\": \"$since\"}" >/dev/null
cids=$(head -n 2 "$TMP/sim-customers" | jq -sc .)
sim POST /__sim/touch "{\"object\": \"customers\", \"ids\": $cids, \"updated\": \"$(ago 30)\"}" >/dev/null
sim DELETE /__sim/requests >/dev/null
expect_exit 0 "$SLUICE" --log-format json run "$P"
expect_eq "$(source_in)" 6 "second run: 3 touched orders, the order at the boundary, 2 customers"
expect_eq "$(sim GET '/__sim/requests?path=/wc/v3/orders$' | jq -r '.[0].args | "\(.modified_after) \(.dates_are_gmt)"')" \
    "$(date -u -d "$since 1 second ago" +%Y-%m-%dT%H:%M:%S) true" "orders asked for modified_after = the cursor - 1 s, in GMT"
expect_eq "$(sim GET '/__sim/requests?path=/wc/v3/customers$' | jq -r '.[0].args.modified_after')" null \
    "customers are not filtered by the API (it cannot)"
expect_eq "$(sql "$TMP/out.db" "SELECT date_modified_gmt FROM orders WHERE id = $old")" "$since" "the boundary order was updated"
expect_exit 0 "$SLUICE" --log-format json run "$P"
expect_eq "$(source_in)" 0 "third run: nothing changed, nothing read"

# --- a 429 storm: no page lost, Retry-After honoured ------------------------
pipeline "$TMP/full.json" ', "sync": "full"'
sim POST /__sim/faults '{"storm": {"count": 5, "retry_after": 1.2}}' >/dev/null
sim DELETE /__sim/requests >/dev/null
expect_exit 0 "$SLUICE" --log-format json run "$TMP/full.json"
expect_eq "$(source_in)" $((250 + ncust + 40)) "sync full through a 429 storm: every record"
sim GET /__sim/requests >"$TMP/storm.json"
expect_eq "$(jq '[.[] | select(.status == 429)] | length' "$TMP/storm.json")" 5 "the storm answered 5 requests with 429"
expect_eq "$(jq '[group_by(.path + (.args.page // ""))[] | sort_by(.t) | [range(1; length) as $i
                 | select(.[$i - 1].status == 429) | .[$i].t - .[$i - 1].t] | .[]] | map(select(. < 1.2)) | length' \
                 "$TMP/storm.json")" 0 "every retry after a 429 waited at least 1.2 s"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*) FROM orders')" 250 "still 250 orders"

# --- 5xx until the attempts run out: the cursor stays ---------------------------
# (one page at a time here, so that the faults hit known pages)
pipeline "$TMP/orders.json" ', "objects": ["orders"], "max_attempts": 3, "concurrency": 1'
before=$(cursor orders)
sim POST /__sim/touch "{\"object\": \"orders\", \"ids\": $ids, \"updated\": \"$(ago 20)\"}" >/dev/null
sim POST /__sim/faults '{"next": [{"fault": "503", "path": "orders$"}, {"fault": "500", "path": "orders$"},
                                  {"fault": "503", "path": "orders$"}]}' >/dev/null
sim DELETE /__sim/requests >/dev/null
expect_exit 1 "$SLUICE" run "$TMP/orders.json"
expect_contains "$ERR" "gave up"
expect_contains "$ERR" "/wp-json/wc/v3/orders?per_page=20&page=1"
expect_eq "$(sim GET /__sim/requests | jq -c '[.[].status]')" "[503,500,503]" "3 attempts, all 5xx"
expect_eq "$(cursor orders)" "$before" "the orders cursor did not move"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/orders.json"
expect_eq "$(source_in)" 3 "the next run reads the 3 touched orders"

# --- a malformed page: the run fails with the URL, the cursor stays ------------
before=$(cursor orders)
all=$(sim GET /__sim/records/orders | jq -c '[.[0:50][].id]')
sim POST /__sim/touch "{\"object\": \"orders\", \"ids\": $all, \"updated\": \"$(ago 10)\"}" >/dev/null
sim POST /__sim/faults '{"next": [{"fault": "none", "path": "orders$"}, {"fault": "malformed", "path": "orders$"}]}' >/dev/null
expect_exit 1 "$SLUICE" --log-format json run "$TMP/orders.json"
expect_contains "$ERR" "malformed page"
expect_contains "$ERR" "$SIM_URL/wp-json/wc/v3/orders?per_page=20&page=2&"
expect_eq "$(source_in)" 20 "the first page was delivered, nothing after the bad one"
expect_eq "$(cursor orders)" "$before" "the orders cursor did not move"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/orders.json"
expect_eq "$(source_in)" 50 "the next run reads the 50 touched orders"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/orders.json"
expect_eq "$(source_in)" 0 "and then nothing"

# --- an order deleted while the listing is read: read again, nothing skipped ----
# Page 2 is answered 2 s late; meanwhile the first order goes, so every
# later order moves one place up and page 2 would start one order late.
cat >"$TMP/del.json" <<JSON
{"name": "woo-del", "sources": [{"id": "woo", "plugin": "woocommerce", "base_url": "$SIM_URL",
  "consumer_key": "$KEY", "consumer_secret": "$SECRET", "objects": ["orders"], "page_size": 20,
  "concurrency": 1}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["woo"], "path": "del.db", "key": ["id"]}]}
JSON
first=$(sim GET /__sim/records/orders | jq '.[0].id')
sim POST /__sim/faults '{"next": [{"fault": "none", "path": "orders$"}, {"fault": "slow:2", "path": "orders$"}]}' >/dev/null
sim DELETE /__sim/requests >/dev/null
"$SLUICE" --log-format json run "$TMP/del.json" >"$TMP/del.out" 2>"$TMP/del.err" &
pid=$!
for _ in $(seq 200); do # page 1 answered, page 2 waiting in the simulator
    [ "$(sim GET '/__sim/requests?path=orders$' | jq length)" -ge 1 ] && [ "$(sim GET /__sim/stats | jq .inflight)" -ge 1 ] && break
    sleep 0.05
done
sim POST /__sim/delete "{\"object\": \"orders\", \"ids\": [$first]}" >/dev/null
wait $pid
expect_eq "$?" 0 "the run went through"
expect_contains "$TMP/del.err" "records were deleted while the listing was read; reading it again"
expect_eq "$(sql "$TMP/del.db" 'SELECT count(*) FROM orders')" 250 \
    "all 249 orders left and the deleted one read before it went: none skipped"

# --- keys in the query, customer_role, secrets -----------------------------------
pipeline "$TMP/query.json" ', "auth_in_query": true, "objects": ["customers"], "customer_role": "all", "sync": "full"'
sim DELETE /__sim/requests >/dev/null
expect_exit 0 "$SLUICE" -v --log-format json run "$TMP/query.json"
cp "$ERR" "$TMP/verbose-2.log"
expect_eq "$(source_in)" 120 "customer_role all: every user"
expect_eq "$(sim GET /__sim/requests | jq -r '[.[] | "\(.args.consumer_key) \(.args.consumer_secret) \(.headers.Authorization // "none") \(.args.role)"] | unique | join(";")')" \
    "$KEY *** none all" "auth_in_query: the key pair in the query, no Authorization header"
for log in "$TMP/verbose-1.log" "$TMP/verbose-2.log"; do
    expect_contains "$log" '"level":"DEBUG"'
    expect_not_contains "$log" "$KEY"
    expect_not_contains "$log" "$SECRET"
done
expect_eq "$(grep -rlE "$KEY|$SECRET" "$TMP" --include='*.db*' --include='*.jsonl' | wc -l)" 0 \
    "no state store, database or dead letter holds the key pair"
WOO_SECRET=cs_wrong expect_exit 1 "$SLUICE" run "$P"
expect_contains "$ERR" "authentication failed (HTTP 401)"
expect_not_contains "$ERR" "cs_wrong"
pipeline "$TMP/bad.json" ''
sed -i 's/"page_size": 20/"page_size": 500/' "$TMP/bad.json"
expect_exit 1 "$SLUICE" run "$TMP/bad.json"
expect_contains "$ERR" "page_size: 500 is out of range (1..100)"
