#!/usr/bin/env bash
# The onec_exchange source plays the web site in 1C's "exchange with a
# site" protocol. This test plays 1C with curl, request by request as 1C
# sends them (Basic credentials on every call, the cookie checkauth named,
# files in several POSTs of at most file_limit bytes), and checks the
# replies byte for byte: checkauth, init, type=sale query/success, uploads
# (chunked, size-bounded, names sanitised), a malformed file's failure, and
# import answered `success` only once the records are in the SQLite sink.
. "$(dirname "$0")/lib.sh"

DATA=$SLUICE_SOURCE_DIR/tests/data/onec
USER_1C=exchange
PASS_1C='pa55:w0rd-Секрет'
LIMIT=4096

if [ ! -f "$SLUICE_PLUGIN_DIR/source_onec_exchange.so" ]; then
    fail "source_onec_exchange.so was not built (is connectors/commerceml/cml_sources.cmake there?)"
    exit 0
fi

sqlite3 "$TMP/warehouse.db" <"$DATA/orders.sql"
# The sink writes the same file while the test reads it: wait for its locks.
wsql() { sqlite3 -batch -noheader -cmd '.timeout 10000' "$1" "$2"; }
mkdir "$TMP/up"
cat >"$TMP/p.json" <<JSON
{
  "name": "onec",
  "dead_letter": "dead.jsonl",
  "sources": [{"id": "site", "plugin": "onec_exchange", "listen": "127.0.0.1:0", "url_file": "url.txt",
               "user": "$USER_1C", "password": "$PASS_1C", "file_limit": $LIMIT, "once": true,
               "upload_dir": "up", "orders_db": "warehouse.db"}],
  "sinks": [{"id": "wh", "plugin": "sqlite", "inputs": ["site"], "path": "warehouse.db",
             "key": {"products": ["id"], "offers": ["id"], "prices": ["id"], "stock": ["id"],
                     "product_groups": ["id"]}}]
}
JSON

"$SLUICE" run "$TMP/p.json" </dev/null >"$TMP/run.out" 2>"$TMP/run.err" &
PID=$!
for _ in $(seq 1 400); do # up to 20 s: sanitizer builds start slowly
    [ -s "$TMP/url.txt" ] && break
    sleep 0.05
done
URL=$(cat "$TMP/url.txt" 2>/dev/null)
expect_ne "$URL" "" "the endpoint wrote its URL to url_file"
case $URL in
http://127.0.0.1:[0-9]*/1c_exchange.php) pass "URL is http://127.0.0.1:PORT/1c_exchange.php ($URL)" ;;
*) fail "unexpected URL '$URL'" ;;
esac

# call NAME QUERY [curl args]: one request as 1C makes it; the body lands in
# $TMP/NAME.body, headers in $TMP/NAME.hdr; prints the HTTP status.
COOKIE=""
call() {
    local name=$1 query=$2
    shift 2
    curl -sS -o "$TMP/$name.body" -D "$TMP/$name.hdr" -w '%{http_code}' \
        -u "$USER_1C:$PASS_1C" ${COOKIE:+-H "Cookie: $COOKIE"} "$@" "$URL?$query"
}
# body NAME: the reply with its newlines made visible, for exact comparison.
body() { od -An -c "$TMP/$1.body" | tr -s ' \n' ' '; }
expect_body() { expect_eq "$(body "$1")" "$(printf '%b' "$2" | od -An -c | tr -s ' \n' ' ')" "$3"; }
line() { sed -n "${2}p" "$TMP/$1.body"; }

# ---- checkauth ----
st=$(curl -sS -o "$TMP/noauth.body" -D "$TMP/noauth.hdr" -w '%{http_code}' "$URL?type=catalog&mode=checkauth")
expect_eq "$st" 401 "checkauth without credentials: 401"
st=$(curl -sS -o "$TMP/wrong.body" -D "$TMP/wrong.hdr" -w '%{http_code}' -u "$USER_1C:wrong" \
    "$URL?type=catalog&mode=checkauth")
expect_eq "$st" 401 "checkauth with a wrong password: 401"
expect_body wrong 'failure\nwrong user or password\n' "wrong password: failure and the reason"
expect_contains "$TMP/wrong.hdr" 'WWW-Authenticate: Basic realm="1C exchange"'

st=$(call auth "type=catalog&mode=checkauth")
expect_eq "$st" 200 "checkauth: 200"
expect_eq "$(line auth 1)" success "checkauth line 1: success"
expect_eq "$(line auth 2)" SLUICE1C "checkauth line 2: the cookie's name"
expect_eq "$(line auth 3 | grep -cE '^[0-9a-f]{32}$')" 1 "checkauth line 3: a 32-hex-digit cookie value"
expect_eq "$(wc -l <"$TMP/auth.body")" 3 "checkauth: three lines"
expect_contains "$TMP/auth.hdr" "Set-Cookie: SLUICE1C=$(line auth 3); Path=/; HttpOnly"
SESSION="$(line auth 2)=$(line auth 3)"

# ---- every later call needs the session ----
st=$(call nocookie "type=catalog&mode=init")
expect_body nocookie 'failure\nno session: call mode=checkauth first and send its cookie\n' \
    "init without the cookie: failure"
COOKIE="SLUICE1C=0123456789abcdef0123456789abcdef"
call badcookie "type=catalog&mode=init" >/dev/null
expect_eq "$(line badcookie 1)" failure "init with a made-up cookie: failure"
COOKIE=$SESSION

st=$(call init "type=catalog&mode=init")
expect_eq "$st" 200 "init: 200"
expect_body init "zip=no\nfile_limit=$LIMIT\n" "init: zip=no and file_limit"

# ---- type=sale: orders go to 1C ----
call sauth "type=sale&mode=checkauth" >/dev/null
expect_eq "$(line sauth 1)" success "sale checkauth: success"
COOKIE="$(line sauth 2)=$(line sauth 3)"
call sinit "type=sale&mode=init" >/dev/null
expect_body sinit "zip=no\nfile_limit=$LIMIT\n" "sale init: zip=no and file_limit"
st=$(call query "type=sale&mode=query")
expect_eq "$st" 200 "sale query: 200"
expect_contains "$TMP/query.hdr" "Content-Type: application/xml; charset=utf-8"
if xmllint --noout "$TMP/query.body" 2>"$TMP/xmllint.err"; then
    pass "sale query: a well-formed XML document"
else
    fail "sale query: not well-formed: $(head -c 300 "$TMP/xmllint.err")"
fi
xp() { xmllint --xpath "$1" "$TMP/$2.body" 2>/dev/null; }
expect_eq "$(xp 'name(/*)' query)" "КоммерческаяИнформация" "root is КоммерческаяИнформация"
expect_eq "$(xp 'count(/*/Документ)' query)" 3 "three orders, one Документ each"
expect_eq "$(xp 'string(/*/Документ[Ид="SO-240001"]/Сумма)' query)" 5969.60 "SO-240001 total: 3 x 1590.00 + 4 x 299.90"
expect_eq "$(xp 'count(/*/Документ[Ид="SO-240001"]/Товары/Товар)' query)" 2 "SO-240001 has its two lines"
expect_eq "$(xp 'string(/*/Документ[Ид="SO-240002"]/Сумма)' query)" 0.55 "SO-240002 total, exact: 2.5 x 0.10 + 3 x 0.10"
expect_eq "$(xp 'string(/*/Документ[Ид="SO-240002"]/Контрагенты/Контрагент/Наименование)' query)" \
    'ООО "Рога & Копыта" <опт>' "customer name with & < \" survives escaping"
expect_eq "$(xp 'string(/*/Документ[Ид="SO-240003"]/Дата)' query)" 2024-06-14 "SO-240003 date"
expect_eq "$(xp 'string(/*/Документ[Ид="SO-240003"]/Товары/Товар/Артикул)' query)" SKU-1017 "SO-240003 line sku"
st=$(call ok "type=sale&mode=success")
expect_body ok 'success\n' "sale success: success"
expect_eq "$(wsql "$TMP/warehouse.db" 'SELECT group_concat(order_id) FROM (SELECT order_id FROM onec_exported_orders ORDER BY 1)')" \
    "SO-240001,SO-240002,SO-240003" "confirmed orders recorded as exported"
call query2 "type=sale&mode=query" >/dev/null
expect_eq "$(xp 'count(/*/Документ)' query2)" 0 "a second query sends no order again"
xmllint --noout "$TMP/query2.body" 2>/dev/null && pass "the empty document is well-formed" ||
    fail "the empty document is not well-formed"
printf '<КоммерческаяИнформация ВерсияСхемы="2.05"/>\n' >"$TMP/changes.xml"
st=$(call sfile "type=sale&mode=file&filename=orders-1.xml" -X POST --data-binary @"$TMP/changes.xml")
expect_body sfile 'success\n' "sale file (order changes from 1C): success"
cmp -s "$TMP/changes.xml" "$TMP/up/sale-orders-1.xml" && pass "... kept as sale-orders-1.xml" ||
    fail "order changes not kept in upload_dir"
COOKIE=$SESSION

# ---- uploads: bounded, names sanitised ----
head -c $((LIMIT + 1)) "$DATA/import.xml" >"$TMP/big.part"
st=$(call big "type=catalog&mode=file&filename=big.xml" -X POST --data-binary @"$TMP/big.part")
expect_eq "$st" 413 "a body over file_limit: 413"
expect_body big "failure\nrequest body larger than file_limit ($LIMIT bytes)\n" "over file_limit: failure and why"
call bigimp "type=catalog&mode=import&filename=big.xml" >/dev/null
expect_eq "$(line bigimp 1)" failure "the refused upload left no file to import"
[ ! -e "$TMP/up/big.xml" ] && pass "... nor a file in upload_dir" || fail "big.xml left in upload_dir"
printf 'x' >"$TMP/x.part"
st=$(call evil "type=catalog&mode=file&filename=..%2F..%2Fevil.xml" -X POST --data-binary @"$TMP/x.part")
expect_body evil 'success\n' "upload named ../../evil.xml accepted"
[ -f "$TMP/up/evil.xml" ] && pass "... stored as evil.xml inside upload_dir" || fail "evil.xml not in upload_dir"
[ ! -e "$TMP/evil.xml" ] && [ ! -e "$(dirname "$TMP")/evil.xml" ] && pass "... nothing written outside upload_dir" ||
    fail "a file escaped upload_dir"
st=$(call dots "type=catalog&mode=file&filename=..%2F.." -X POST --data-binary @"$TMP/x.part")
expect_eq "$(line dots 1)" failure "filename ../.. refused"
call notup "type=catalog&mode=import&filename=never.xml" >/dev/null
expect_body notup 'failure\nnever.xml was not uploaded in this exchange (mode=file first)\n' \
    "import of a file never uploaded: failure"

# upload FILE NAME: sends FILE in chunks of file_limit bytes, as 1C does.
upload() {
    local file=$1 name=$2 n=0 ok=0 c
    rm -rf "$TMP/chunks"
    mkdir "$TMP/chunks"
    split -b "$LIMIT" -d -a 3 "$file" "$TMP/chunks/c."
    for c in "$TMP/chunks"/c.*; do
        n=$((n + 1))
        call up "type=catalog&mode=file&filename=$name" -X POST \
            -H 'Content-Type: application/octet-stream' --data-binary @"$c" >/dev/null
        [ "$(body up)" = "$(printf 'success\n' | od -An -c | tr -s ' \n' ' ')" ] && ok=$((ok + 1))
    done
    expect_eq "$ok/$n" "$n/$n" "$name: every chunk answered success"
    expect_ne "$n" 1 "$name: sent in several chunks ($n)"
}

# import NAME: asks until the reply is no longer `progress`, as 1C does.
import() {
    local name=$1 i
    PROGRESS=0
    for i in $(seq 1 100); do
        call imp "type=catalog&mode=import&filename=$name" >/dev/null
        [ "$(line imp 1)" = progress ] || return 0
        PROGRESS=$((PROGRESS + 1))
    done
}

# ---- a malformed file: failure with a reason, nothing imported ----
upload "$DATA/bad.xml" bad.xml
import bad.xml
expect_eq "$(line imp 1)" failure "malformed bad.xml: import answers failure"
reason=$(line imp 2)
expect_ne "$reason" "" "... with a reason ($reason)"
case $reason in
bad.xml*) pass "... the reason names the file as 1C sent it" ;;
*) fail "... the reason does not start with bad.xml: '$reason'" ;;
esac
call imp "type=catalog&mode=import&filename=bad.xml" >/dev/null
expect_eq "$(line imp 1)" failure "asking again still answers failure"
expect_eq "$(wsql "$TMP/warehouse.db" "SELECT count(*) FROM sqlite_master WHERE name='products'")" 0 \
    "nothing of the malformed file reached the warehouse"

# ---- a new exchange: init clears the last one's files ----
call init2 "type=catalog&mode=init" >/dev/null
expect_body init2 "zip=no\nfile_limit=$LIMIT\n" "second init"
[ ! -e "$TMP/up/evil.xml" ] && [ ! -e "$TMP/up/bad.xml" ] && pass "init removed the earlier uploads" ||
    fail "init left earlier uploads: $(ls "$TMP/up")"

# ---- the catalogue: import.xml then offers.xml ----
upload "$DATA/import.xml" import.xml
upload "$DATA/offers.xml" offers.xml
cmp -s "$DATA/import.xml" "$TMP/up/import.xml" && pass "import.xml reassembled byte for byte" ||
    fail "import.xml differs after the chunked upload"
cmp -s "$DATA/offers.xml" "$TMP/up/offers.xml" && pass "offers.xml reassembled byte for byte" ||
    fail "offers.xml differs after the chunked upload"
import import.xml
expect_eq "$(line imp 1)" success "import.xml: success (after $PROGRESS progress replies)"
products=$(grep -c '<Товар>' "$DATA/import.xml")
expect_eq "$(wsql "$TMP/warehouse.db" 'SELECT count(*) FROM products')" "$products" \
    "products are committed when import.xml answers success ($products)"
kill -0 "$PID" 2>/dev/null && pass "once: the run goes on while offers.xml waits" ||
    fail "once: the run ended with offers.xml still to import"
import offers.xml
expect_eq "$(line imp 1)" success "offers.xml: success (after $PROGRESS progress replies)"
offers=$(grep -c '<Предложение>' "$DATA/offers.xml")
prices=$(grep -c '<Цена>' "$DATA/offers.xml")
stock=$(grep -c '<Количество>' "$DATA/offers.xml")
expect_eq "$(wsql "$TMP/warehouse.db" 'SELECT count(*) FROM offers')" "$offers" "offers in the warehouse ($offers)"
expect_eq "$(wsql "$TMP/warehouse.db" 'SELECT count(*) FROM prices')" "$prices" "prices in the warehouse ($prices)"
expect_eq "$(wsql "$TMP/warehouse.db" 'SELECT count(*) FROM stock')" "$stock" "stock rows in the warehouse ($stock)"

# ---- once: the exchange is over, the run ends by itself ----
rc=none
for _ in $(seq 1 300); do
    if ! kill -0 "$PID" 2>/dev/null; then
        rc=0
        wait "$PID" || rc=$?
        break
    fi
    sleep 0.1
done
if [ "$rc" = none ]; then
    kill "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
fi
expect_eq "$rc" 0 "once: sluice run ended with status 0 after the last import"
expect_contains "$TMP/run.err" "1C exchange endpoint listening on $URL"
expect_not_contains "$TMP/run.err" "pa55:w0rd"
expect_not_contains "$TMP/run.err" "Секрет"
[ -f "$TMP/up/import.xml" ] && pass "a configured upload_dir keeps the last exchange's files" ||
    fail "upload_dir lost import.xml"
