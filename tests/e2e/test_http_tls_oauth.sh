#!/usr/bin/env bash
# The HTTP client as connectors use it, end to end:
#   - a self-signed HTTPS simulator fails without ca_file and passes with it
#     (verification is never switched off);
#   - an expired access token (401) triggers exactly one refresh, the
#     rotated refresh token is kept in the state store and the next run uses
#     it (the one in the config has stopped working by then);
#   - neither the client secret nor any refresh token reaches the logs.
. "$(dirname "$0")/lib.sh"
. "$SLUICE_SOURCE_DIR/tests/sim/sim_lib.sh"
trap 'rc=$?; sim_stop_all; (exit $rc); _e2e_finish' EXIT

# --- TLS ---------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
sim_start hubspot --records 120 --token tls-token-123 --tls "$TMP/cert.pem" "$TMP/key.pem"
expect_eq "${SIM_URL%%://*}" https "the simulator serves HTTPS"
tls_pipeline() { # $1 = file, $2 = extra source options
    cat >"$TMP/$1" <<JSON
{"sources": [{"id": "crm", "plugin": "hubspot", "base_url": "$SIM_URL", "token": "tls-token-123",
              "objects": ["contacts"], "max_attempts": 2 $2}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["crm"], "path": "${1%.json}.db", "key": {"contacts": ["id"]}}]}
JSON
}
tls_pipeline noca.json ''
expect_exit 1 "$SLUICE" run "$TMP/noca.json"
if grep -qiE "certificate|SSL|TLS" "$ERR"; then pass "the failure names the certificate problem"; else fail "no TLS reason in stderr"; fi
expect_eq "$(sql "$TMP/noca.db" 'SELECT count(*) FROM contacts' 2>/dev/null || echo 0)" 0 "nothing fetched without the CA"
tls_pipeline withca.json ", \"ca_file\": \"$TMP/cert.pem\""
expect_exit 0 "$SLUICE" run "$TMP/withca.json"
expect_eq "$(sql "$TMP/withca.db" 'SELECT count(*) FROM contacts')" 120 "all contacts over HTTPS with ca_file"
sim_stop_all

# --- OAuth2 refresh token: one refresh per 401, rotation persisted ---------------------
sim_start oauth --records 90 --access-ttl-requests 2 --refresh-token r-initial-456 --client-secret cs-secret-789
cat >"$TMP/oauth.json" <<JSON
{"name": "oauth", "sources": [{"id": "src", "plugin": "rest", "base_url": "$SIM_URL", "url": "/api/items", "stream": "items",
   "auth": {"type": "oauth2_refresh", "token_url": "/oauth/token", "client_id": "sim-client",
            "client_secret": "cs-secret-789", "refresh_token": "r-initial-456"},
   "query": {"limit": 30}, "records": "/data",
   "pagination": {"type": "cursor", "cursor": "/next_cursor", "param": "cursor"}}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["src"], "path": "oauth.db", "key": {"items": ["id"]}}]}
JSON
expect_exit 0 "$SLUICE" -v run "$TMP/oauth.json"
expect_eq "$(sql "$TMP/oauth.db" 'SELECT count(*) FROM items')" 90 "all items despite expiring tokens"
stats=$(sim GET /__sim/stats)
refreshes=$(jq '.refreshes' <<<"$stats")
expect_eq "$(jq '.refresh_failures' <<<"$stats")" 0 "no refresh was refused"
# 3 pages + the first token: every 2 API requests the token dies, one refresh each time
expect_eq "$(jq -n --argjson r "$refreshes" '$r >= 2 and $r <= 3')" true "one refresh per expired token ($refreshes)"
expect_eq "$(sim GET '/__sim/requests?path=/api/items' | jq '[.[] | select(.status == 401)] | length')" \
    "$(jq -n --argjson r "$refreshes" '$r - 1')" "each 401 answered by exactly one refresh"
kv=$(sqlite3 "$TMP/state/oauth.db" "SELECT value FROM kv WHERE stage = 'src' AND key = 'oauth_refresh_token'" | jq -r .)
expect_ne "$kv" "" "the rotated refresh token is kept in the state store"
expect_ne "$kv" "r-initial-456" "... and it is the newest one, not the config's"
# The config's refresh token is dead now (rotation): a second run works only
# because it starts from the stored one.
expect_exit 0 "$SLUICE" -v run "$TMP/oauth.json"
expect_eq "$(jq '.refresh_failures' <<<"$(sim GET /__sim/stats)")" 0 "second run refreshed with the stored token"
for secret in cs-secret-789 r-initial-456 "$kv"; do
    expect_not_contains "$ERR" "$secret"
done
