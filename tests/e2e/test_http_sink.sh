#!/usr/bin/env bash
# The http sink through the real binary, from the file source to a small
# test endpoint (http_endpoint.py) and to the generic OAuth2 simulator:
#   - record mode: one request per record, the URL filled from the record
#     (URL-encoded), a body template keeping the fields' JSON types, headers
#     from the record, bearer auth;
#   - a record without a URL field, and a record the endpoint refuses with a
#     4xx, go to the dead-letter file (the 4xx with its status and body);
#   - 5xx are retried; when the retries run out the run fails, nothing is
#     acknowledged (the source's cursor stays) and the next run sends all;
#   - batch mode: one JSON array per batch; an array refused with a 4xx is
#     split by the core until the bad record stands alone, the others land
#     exactly once;
#   - a refused token fails the run; OAuth2 client credentials fetch a token;
#   - no secret reaches a log line at -v; bad options fail before sending.
. "$(dirname "$0")/lib.sh"

TOKEN=tok-e2e-http-7d2a91
EP_PIDS=()
trap 'rc=$?; for p in "${EP_PIDS[@]}"; do kill "$p" 2>/dev/null; done; (exit $rc); _e2e_finish' EXIT

# endpoint NAME ARGS...: starts http_endpoint.py logging to $TMP/NAME.log; EP_URL
endpoint() {
    local name=$1 f=$TMP/$1.port
    shift
    python3 "$SLUICE_E2E_DIR/http_endpoint.py" --port-file "$f" --log "$TMP/$name.log" "$@" 2>"$TMP/$name.err" &
    EP_PIDS+=($!)
    EP_PID=$!
    for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.05; done
    EP_URL=http://127.0.0.1:$(cat "$f")
}
stop_endpoint() { kill "$EP_PID" 2>/dev/null; wait "$EP_PID" 2>/dev/null; }
# pipeline FILE SINK_JSON: file source (stock.jsonl) -> the http sink
pipeline() {
    cat >"$1" <<JSON
{"name": "$(basename "$1" .json)", "dead_letter": "dead-$(basename "$1" .json).jsonl",
 "sources": [{"id": "src", "plugin": "file", "path": "stock.jsonl", "stream": "stock"}],
 "sinks": [{"id": "crm", "plugin": "http", "inputs": ["src"] $2}]}
JSON
}
dead() { # dead NAME: the reasons in that pipeline's dead-letter file
    jq -r .reason "$TMP/dead-$1.jsonl" 2>/dev/null
}

cat >"$TMP/stock.jsonl" <<'EOF'
{"id": 1, "sku": "A/1", "qty": 5, "name": "Чайник", "price": "1990.00"}
{"id": 2, "sku": "B 2", "qty": 0, "name": "Kettle", "price": "10.50"}
{"id": 3, "qty": 7, "name": "no sku"}
{"id": 4, "sku": "Ж-4", "qty": 12, "name": "Утюг", "price": "3500.00", "refuse": true}
{"id": 5, "sku": "E5", "qty": 1, "name": "Toaster", "price": "25.00"}
EOF

# --- record mode: templated URL, body and headers -------------------------------
endpoint rec --token "$TOKEN"
pipeline "$TMP/rec.json" ", \"url\": \"$EP_URL/api/products/{sku}/stock\", \"method\": \"PUT\",
  \"body\": {\"quantity\": \"{qty}\", \"label\": \"{name} ({sku})\", \"item\": {\"id\": \"{id}\", \"price\": \"{price}\"}},
  \"headers\": {\"X-Record\": \"{id}\"}, \"auth\": {\"type\": \"bearer\", \"token\": \"\${HTTP_TOKEN}\"}"
export HTTP_TOKEN=$TOKEN
expect_exit 0 "$SLUICE" -v run "$TMP/rec.json"
cp "$ERR" "$TMP/verbose-rec.log"
expect_eq "$(jq -r '.path' "$TMP/rec.log" | sort | paste -sd' ')" \
    "/api/products/%D0%96-4/stock /api/products/A%2F1/stock /api/products/B%202/stock /api/products/E5/stock" \
    "4 PUTs, one per record with a sku, the sku URL-encoded"
expect_eq "$(jq -r 'select(.headers["x-record"] == "1") | [.method, .headers.authorization, (.body | tojson)] | join(" ")' "$TMP/rec.log")" \
    "PUT Bearer $TOKEN {\"quantity\":5,\"label\":\"Чайник (A/1)\",\"item\":{\"id\":1,\"price\":\"1990.00\"}}" \
    "the body template keeps the fields' types, headers and auth are sent"
expect_eq "$(dead rec)" "missing field sku" "the record without a sku is dead-lettered"
expect_eq "$(jq -r .record.id "$TMP/dead-rec.jsonl")" 3 "... as it was"
stop_endpoint

# --- record mode: the record itself; a 4xx is dead-lettered with status and body --
endpoint plain
pipeline "$TMP/plain.json" ", \"url\": \"$EP_URL/api/contacts\", \"concurrency\": 2"
expect_exit 0 "$SLUICE" run "$TMP/plain.json"
expect_eq "$(jq -c '.body.id' "$TMP/plain.log" | sort | paste -sd,)" "1,2,3,4,5" "every record POSTed as it is"
expect_eq "$(jq -r .record.id "$TMP/dead-plain.jsonl")" 4 "the refused record is dead-lettered"
expect_contains "$TMP/dead-plain.jsonl" "HTTP 422 from POST $EP_URL/api/contacts"
expect_contains "$TMP/dead-plain.jsonl" 'refused: refuse is set'
expect_lines "$TMP/dead-plain.jsonl" 1
stop_endpoint

# --- 5xx: retried by the client -----------------------------------------------------
head -n 2 "$TMP/stock.jsonl" >"$TMP/two.jsonl"
endpoint retry --fail-first 3
pipeline "$TMP/retry.json" ", \"url\": \"$EP_URL/api/stock\", \"max_attempts\": 4, \"concurrency\": 1"
sed -i 's/stock.jsonl/two.jsonl/' "$TMP/retry.json"
expect_exit 0 "$SLUICE" run "$TMP/retry.json"
expect_eq "$(jq -r '.status' "$TMP/retry.log" | sort | uniq -c | sed 's/^ *//' | paste -sd,)" "2 200,3 503" \
    "5 requests: 3 answered 503"
expect_eq "$(jq -r 'select(.status == 200) | .body.id' "$TMP/retry.log" | sort | paste -sd,)" "1,2" "then both landed"
expect_eq "$(wc -l <"$TMP/dead-retry.jsonl" 2>/dev/null || echo 0)" 0 "nothing dead-lettered"
stop_endpoint

# --- 5xx until the retries run out: nothing acknowledged, the next run sends all ----
endpoint down --fail-first 1000
pipeline "$TMP/down.json" ", \"url\": \"$EP_URL/api/stock\", \"max_attempts\": 2, \"retry\": {\"attempts\": 2, \"initial_ms\": 50}"
expect_exit 1 "$SLUICE" run "$TMP/down.json"
expect_contains "$ERR" "gave up on POST $EP_URL/api/stock after 2 attempts: HTTP 503"
expect_exit 0 "$SLUICE" state show --json "$TMP/down.json"
expect_eq "$(jq -c '.cursors.src.cursor.files // {} | [.[].line]' "$OUT")" "[]" "the source's cursor was not committed"
stop_endpoint
sed -i "s|$EP_URL|http://127.0.0.1:PORT|" "$TMP/down.json"
endpoint up
sed -i "s|http://127.0.0.1:PORT|$EP_URL|" "$TMP/down.json"
expect_exit 0 "$SLUICE" run "$TMP/down.json"
expect_eq "$(jq -r '.body.id' "$TMP/up.log" | sort | paste -sd,)" "1,2,3,4,5" "the next run sends every record"
stop_endpoint

# --- batch mode: JSON arrays, a refused array split by the core -------------------
endpoint batch
pipeline "$TMP/batch.json" ", \"url\": \"$EP_URL/api/bulk\", \"mode\": \"batch\", \"method\": \"PATCH\""
expect_exit 0 "$SLUICE" run "$TMP/batch.json"
expect_eq "$(jq -c '[.method, (.body | map(.id))]' "$TMP/batch.log" | head -n 1)" '["PATCH",[1,2,3,4,5]]' \
    "the whole batch in one array"
expect_eq "$(jq -r 'select(.body | all(.refuse != true)) | .body[].id' "$TMP/batch.log" | sort | paste -sd,)" "1,2,3,5" \
    "the arrays the endpoint accepted hold every good record exactly once"
expect_eq "$(jq -r .record.id "$TMP/dead-batch.jsonl")" 4 "the refused record stands alone in the dead-letter file"
expect_contains "$TMP/dead-batch.jsonl" "HTTP 422 from PATCH $EP_URL/api/bulk"
expect_contains "$TMP/dead-batch.jsonl" 'refused: refuse is set'
stop_endpoint
endpoint batch5xx --fail-first 2
pipeline "$TMP/batch5xx.json" ", \"url\": \"$EP_URL/api/bulk\", \"mode\": \"batch\", \"max_attempts\": 2,
  \"body\": {\"sku\": \"{sku}\", \"qty\": \"{qty}\"}, \"retry\": {\"attempts\": 3, \"initial_ms\": 50}"
expect_exit 0 "$SLUICE" run "$TMP/batch5xx.json"
expect_eq "$(jq -c '[.status, (.body | map(.sku))]' "$TMP/batch5xx.log" | uniq -c | sed 's/^ *//' | paste -sd'|')" \
    '2 [503,["A/1","B 2","Ж-4","E5"]]|1 [200,["A/1","B 2","Ж-4","E5"]]' "503 twice (the client gives up), the core sends the batch again: it lands"
expect_eq "$(dead batch5xx)" "missing field sku" "the record without a sku is dead-lettered before sending"
stop_endpoint

# --- auth: a refused token fails the run; OAuth2 client credentials ---------------
endpoint auth --token "$TOKEN"
pipeline "$TMP/auth.json" ", \"url\": \"$EP_URL/api/x\", \"auth\": {\"type\": \"bearer\", \"token\": \"wrong-token-42\"}"
expect_exit 1 "$SLUICE" -v run "$TMP/auth.json"
expect_contains "$ERR" "authentication failed (HTTP 401) at POST $EP_URL/api/x"
expect_not_contains "$ERR" "wrong-token-42"
expect_eq "$(wc -l <"$TMP/dead-auth.jsonl" 2>/dev/null || echo 0)" 0 "nothing dead-lettered for a bad token"
stop_endpoint

f=$TMP/oauth.url
python3 "$SLUICE_SOURCE_DIR/tests/sim/sim.py" oauth --url-file "$f" --client-secret "cs-e2e-5b8e" >"$TMP/oauth.out" 2>"$TMP/oauth.err" &
EP_PIDS+=($!)
for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.1; done
OAUTH=$(cat "$f")
pipeline "$TMP/oauth.json" ", \"url\": \"$OAUTH/api/echo\", \"method\": \"PATCH\",
  \"auth\": {\"type\": \"oauth2_client\", \"token_url\": \"$OAUTH/oauth/token\", \"client_id\": \"sim-client\",
           \"client_secret\": \"cs-e2e-5b8e\", \"scope\": \"write\"}"
expect_exit 0 "$SLUICE" -v run "$TMP/oauth.json"
cp "$ERR" "$TMP/verbose-oauth.log"
curl -sf "$OAUTH/__sim/requests" >"$TMP/oauth-log.json"
expect_eq "$(jq '[.[] | select(.path == "/oauth/token")] | length' "$TMP/oauth-log.json")" 1 "one token request"
expect_eq "$(jq -r '[.[] | select(.path == "/api/echo") | "\(.method) \(.status) \(.headers.Authorization)"] | unique | join(";")' "$TMP/oauth-log.json")" \
    "PATCH 200 Bearer ***" "every record PATCHed with the fetched bearer token"
expect_eq "$(jq '[.[] | select(.path == "/api/echo")] | length' "$TMP/oauth-log.json")" 5 "5 records sent"

# --- no secret in any log line ---------------------------------------------------
for log in "$TMP/verbose-rec.log" "$TMP/verbose-oauth.log"; do
    expect_contains "$log" "DEBUG"
    expect_not_contains "$log" "$TOKEN"
    expect_not_contains "$log" "cs-e2e-5b8e"
done
expect_eq "$(grep -lF -e "$TOKEN" -e cs-e2e-5b8e "$TMP"/dead-*.jsonl "$TMP"/state/*.db* 2>/dev/null | wc -l)" 0 \
    "no dead letter or state store holds a secret"

# --- options checked before anything is sent ------------------------------------
pipeline "$TMP/bad1.json" ", \"url\": \"http://127.0.0.1:9/api/{sku}\", \"mode\": \"batch\""
expect_exit 1 "$SLUICE" run "$TMP/bad1.json"
expect_contains "$ERR" 'url: {field} placeholders need mode "record"'
pipeline "$TMP/bad2.json" ", \"url\": \"http://127.0.0.1:9/api/{sku\""
expect_exit 1 "$SLUICE" run "$TMP/bad2.json"
expect_contains "$ERR" "url: unclosed or empty placeholder"
pipeline "$TMP/bad3.json" ", \"url\": \"http://127.0.0.1:9/api\", \"auth\": {\"type\": \"kerberos\"}"
expect_exit 1 "$SLUICE" run "$TMP/bad3.json"
expect_contains "$ERR" 'auth.type: unknown type "kerberos"'
pipeline "$TMP/bad4.json" ", \"url\": \"http://127.0.0.1:9/api\", \"auth\": {\"type\": \"basic\", \"username\": \"u\"}"
expect_exit 1 "$SLUICE" run "$TMP/bad4.json"
expect_contains "$ERR" "auth.password: required for auth type basic"
pipeline "$TMP/bad5.json" ", \"url\": \"ftp://127.0.0.1/api\""
expect_exit 1 "$SLUICE" run "$TMP/bad5.json"
expect_contains "$ERR" "url: expected an http:// or https:// URL"
