#!/usr/bin/env bash
# The commerceml source end to end, into SQLite: record counts equal what
# xmllint counts in the same files, Cyrillic intact, group paths, price
# types, the three generations of stock, imports read before offers, the
# delta flag, windows-1251, refused XXE and entity bombs, a malformed file
# (exit 1, file:line, nothing from it with all_or_nothing), and the cursor
# (an unchanged file is not read again; a failed one is).
. "$(dirname "$0")/lib.sh"

DATA=$SLUICE_SOURCE_DIR/tests/data/xml
command -v xmllint >/dev/null || { fail "xmllint is missing (apt package libxml2-utils)"; exit 1; }

# The fixtures, decompressed.
mkdir -p "$TMP/in"
for f in "$DATA"/commerceml/*; do
    case $f in
    *malformed*) ;;
    *.gz) gunzip -c "$f" >"$TMP/in/$(basename "${f%.gz}")" ;;
    *) cp "$f" "$TMP/in/" ;;
    esac
done

# pipeline FILE PATH [SOURCE-OPTIONS] [SINK-OPTIONS]: commerceml -> sqlite
# out.db; the pipeline (and its state store) is named after FILE.
pipeline() {
    cat >"$1" <<JSON
{
  "name": "$(basename "$1" .json)",
  "dead_letter": "dead.jsonl",
  "sources": [{"id": "c", "plugin": "commerceml", "path": "$2" ${3:+, $3}}],
  "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["c"], "path": "out.db" ${4:+, $4}}]
}
JSON
}

# rows DB TABLE: its row count, 0 when the table was never created.
rows() {
    if [ "$(sql "$1" "SELECT count(*) FROM sqlite_master WHERE name = '$2'")" = 1 ]; then
        sql "$1" "SELECT count(*) FROM \"$2\""
    else
        echo 0
    fi
}

# ---- counts against xmllint ------------------------------------------------
L() { echo "*[local-name()='$1']"; }
XP_GROUPS="count(//$(L Классификатор)//$(L Группа))"
XP_PRODUCTS="count(//$(L Каталог)/$(L Товары)/$(L Товар)[$(L Ид)])"
XP_OFFERS="count(//$(L ПакетПредложений)/$(L Предложения)/$(L Предложение)[$(L Ид)])"
XP_PRICES="count(//$(L Предложение)[$(L Ид)]/$(L Цены)/$(L Цена))"
# A stock row per warehouse (old attributes or Остатки/Остаток/Склад), else
# one per offer with a total (Количество or Остатки/Остаток/Количество).
XP_WH="count(//$(L Предложение)/$(L Склад)[@ИдСклада]) + count(//$(L Предложение)/$(L Остатки)/$(L Остаток)/$(L Склад))"
XP_TOTAL="count(//$(L Предложение)[not($(L Склад)[@ИдСклада]) and not($(L Остатки)/$(L Остаток)/$(L Склад))][$(L Количество) or $(L Остатки)/$(L Остаток)/$(L Количество)])"
xsum() { # XPATH: the sum over every file in $TMP/in
    local total=0 f n
    for f in "$TMP"/in/*.xml; do
        n=$(xmllint --xpath "$1" "$f")
        total=$((total + n))
    done
    echo "$total"
}

mkdir -p "$TMP/counts" && cd "$TMP/counts" || exit 1
pipeline p.json "$TMP/in"
expect_exit 0 "$SLUICE" run p.json
expect_eq "$(sql out.db 'SELECT count(*) FROM product_groups')" "$(xsum "$XP_GROUPS")" "groups = xmllint"
expect_eq "$(sql out.db 'SELECT count(*) FROM products')" "$(xsum "$XP_PRODUCTS")" "products = xmllint"
expect_eq "$(sql out.db 'SELECT count(*) FROM offers')" "$(xsum "$XP_OFFERS")" "offers = xmllint"
expect_eq "$(sql out.db 'SELECT count(*) FROM prices')" "$(xsum "$XP_PRICES")" "prices = xmllint"
expect_eq "$(sql out.db 'SELECT count(*) FROM stock')" "$(xsum "($XP_WH) + $XP_TOTAL")" "stock rows = xmllint"
expect_eq "$(xsum "$XP_OFFERS")" 3193 "the fixtures hold 3193 offers with an Ид"
expect_eq "$(sql out.db "SELECT count(*) FROM offers WHERE id = 'bd72d910-55bc-11d9-848a-00112f43529a#3df1947d-7886-11df-b33a-0011955cba6b'")" 1 "offer id kept whole"

# Imports are read before offers whatever their names (bitrix-module-6_prices
# sorts first but is an offers package).
first=$(grep -o '/in/[^:]*: [0-9]* records' "$ERR" | head -n 1)
expect_contains "$ERR" "bitrix-module-6_prices.xml: 172 records"
case $first in
*cs-cart_import.xml*) pass "the first file read is an import ($first)" ;;
*) fail "the first file read is not an import: $first" ;;
esac

# The offer without Ид in gens_offers.xml is dead-lettered, not lost.
expect_eq "$(jq -r 'select(.stream == "offers") | .reason' dead.jsonl)" "offer (Предложение) without Ид" "offer without Ид dead-lettered"

# ---- values ---------------------------------------------------------------
expect_eq "$(sql out.db "SELECT name || '|' || sku || '|' || unit || '|' || unit_code || '|' || group_path FROM products WHERE id = 'bd72d910-55bc-11d9-848a-00112f43529a'")" \
    "Женские ботфорты|Б-130001|пар|715|Обувь / Женская обувь" "product: Cyrillic, unit, resolved group path"
expect_eq "$(sql out.db "SELECT path FROM product_groups WHERE id = 'bd72d90e-55bc-11d9-848a-00112f43529a'")" "Обувь / Женская обувь" "group path"
expect_eq "$(sql out.db "SELECT parent_id FROM product_groups WHERE id = 'bd72d90e-55bc-11d9-848a-00112f43529a'")" "bd72d90d-55bc-11d9-848a-00112f43529a" "group parent"
expect_eq "$(sql out.db "SELECT json_extract(characteristics, '\$.Размер') FROM offers WHERE id = 'bd72d910-55bc-11d9-848a-00112f43529a#3df1947d-7886-11df-b33a-0011955cba6b'")" 43 "characteristics as JSON"
expect_eq "$(sql out.db "SELECT product_id || ' ' || variant_id FROM offers WHERE id = 'bd72d910-55bc-11d9-848a-00112f43529a#3df1947d-7886-11df-b33a-0011955cba6b'")" \
    "bd72d910-55bc-11d9-848a-00112f43529a 3df1947d-7886-11df-b33a-0011955cba6b" "product#variant split"
# Default price type: the first the file declares (Интернет, ec19169a...).
expect_eq "$(sql out.db "SELECT price || ' ' || currency || ' ' || price_type_id FROM offers WHERE id = 'bd72d910-55bc-11d9-848a-00112f43529a#3df1947d-7886-11df-b33a-0011955cba6b'")" \
    "3159.00 RUB ec19169a-c400-11e3-853d-00248cae1f0f" "offer price from the first declared price type"
expect_eq "$(sql out.db "SELECT price_type FROM prices WHERE id = 'bd72d910-55bc-11d9-848a-00112f43529a#3df1947d-7886-11df-b33a-0011955cba6b|9f591aa6-8ea2-11e3-b0fa-00248cae1f0f'")" "инет" "price type name resolved"
expect_eq "$(sql out.db "SELECT deleted FROM offers WHERE status = 'Удален' LIMIT 1")" 1 "Статус Удален marks deleted"
# The 1,438 interier offers: sum and negative stock as the dataset's notes say.
expect_eq "$(sql out.db "SELECT printf('%.1f', sum(p.price)) FROM prices p JOIN offers o ON o.id = p.offer_id WHERE o.catalog_id = (SELECT catalog_id FROM offers WHERE name LIKE 'Ламинат%' LIMIT 1)")" "1346488.2" "interier: price sum"
expect_eq "$(sql out.db "SELECT count(*) FROM stock s JOIN offers o ON o.id = s.offer_id WHERE o.catalog_id = (SELECT catalog_id FROM offers WHERE name LIKE 'Ламинат%' LIMIT 1) AND CAST(s.quantity AS REAL) < 0")" 8 "interier: 8 negative stock rows"

# Stock generations (gens_offers.xml).
expect_eq "$(sql out.db "SELECT quantity FROM stock WHERE id = 'p1'")" 7 "Количество: one total row"
expect_eq "$(sql out.db "SELECT warehouse || '=' || quantity FROM stock WHERE id = 'p2#v1|wh-msk'")" "Москва=3" "Склад attributes: per warehouse, name resolved"
expect_eq "$(sql out.db "SELECT quantity IS NULL FROM stock WHERE id = 'p2#v1|wh-spb'")" 1 "empty КоличествоНаСкладе is NULL"
expect_eq "$(sql out.db "SELECT count(*) FROM stock WHERE offer_id = 'p2#v1'")" 2 "no extra total row beside warehouses"
expect_eq "$(sql out.db "SELECT quantity FROM offers WHERE id = 'p2#v1'")" 5 "offer quantity: the total"
expect_eq "$(sql out.db "SELECT group_concat(quantity, ' ') FROM (SELECT quantity FROM stock WHERE offer_id = 'p3' ORDER BY id)")" "2.5 -1" "Остатки/Остаток/Склад"
expect_eq "$(sql out.db "SELECT quantity FROM offers WHERE id = 'p3'")" 1.5 "offer quantity: sum over warehouses"
expect_eq "$(sql out.db "SELECT quantity FROM stock WHERE id = 'p4'")" 12 "Остатки/Остаток/Количество"
expect_eq "$(sql out.db "SELECT price || ' ' || currency FROM offers WHERE id = 'p1'")" "1234.50 RUB" "decimal comma and spaces; currency from the price type"

# Delta flag: the 3.1 split files and gens_offers say СодержитТолькоИзменения="true".
expect_eq "$(sql out.db "SELECT DISTINCT full_refresh || ' ' || catalog_id FROM stock WHERE offer_id LIKE '235ccc6d-ab81-11e4-944a-00155d020201%'")" \
    "0 3471fae0-92bc-47f5-8234-db142906215a" "delta files: full_refresh false, catalogue id"
expect_eq "$(sql out.db "SELECT DISTINCT full_refresh FROM products WHERE catalog_id = '4bda4442-08dd-49c3-ae90-587e45ca65ce'")" 1 "full files: full_refresh true"

# ---- price_type option ----------------------------------------------------
mkdir -p "$TMP/pt" && cd "$TMP/pt" || exit 1
pipeline p.json "$TMP/in/[cg]*offers.xml" '"price_type": "инет"'
expect_exit 0 "$SLUICE" run -q p.json
expect_eq "$(sql out.db "SELECT price_type_id FROM offers WHERE id = 'bd72d910-55bc-11d9-848a-00112f43529a#3df1947d-7886-11df-b33a-0011955cba6b'")" \
    "9f591aa6-8ea2-11e3-b0fa-00248cae1f0f" "price_type by name"
pipeline p2.json "$TMP/in/gens_offers.xml" '"price_type": "pt-opt"'
sed -i 's/out.db/out2.db/' p2.json
expect_exit 0 "$SLUICE" run -q p2.json
expect_eq "$(sql out2.db "SELECT price || ' ' || currency FROM offers WHERE id = 'p1'")" "10.5 USD" "price_type by Ид"
expect_eq "$(sql out2.db "SELECT count(price) FROM offers WHERE id = 'p2#v1'")" 0 "no price of that type: none"

# ---- windows-1251 -----------------------------------------------------------
mkdir -p "$TMP/cp" && cd "$TMP/cp" || exit 1
sed '1s/.*/<?xml version="1.0" encoding="windows-1251"?>/' "$TMP/in/off-doc-1c_import.xml" | iconv -f UTF-8 -t WINDOWS-1251 >import-1251.xml
expect_ne "$(grep -c 'Мебель' import-1251.xml)" 1 "the copy is not UTF-8 any more"
pipeline p.json import-1251.xml
expect_exit 0 "$SLUICE" run -q p.json
expect_eq "$(sql out.db "SELECT group_concat(name, ',') FROM (SELECT DISTINCT name FROM products ORDER BY name)")" "Стол обеденный,Стулья" "windows-1251 decoded"
expect_eq "$(sql out.db "SELECT path FROM product_groups")" "Мебель" "windows-1251 group"

# ---- unsafe documents ---------------------------------------------------------
mkdir -p "$TMP/unsafe" && cd "$TMP/unsafe" || exit 1
# A listener that records any connection: the http entity must never be fetched.
port_file=$TMP/unsafe/port
python3 - "$port_file" "$TMP/unsafe/contacted" <<'PY' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(20)
try:
    c, _ = s.accept(); open(sys.argv[2], "w").write("contacted"); c.close()
except OSError:
    pass
PY
listener=$!
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
sed "s/XXEPORT/$(cat "$port_file")/" "$DATA/unsafe/xxe.xml" >xxe.xml
pipeline p.json xxe.xml
expect_exit 1 "$SLUICE" run p.json
expect_contains "$ERR" "xxe.xml:"
expect_contains "$ERR" "refused"
expect_eq "$(rows out.db products)" 0 "XXE: no record"
expect_not_contains "$ERR" "root:x:0:0"
[ -e out.db ] && expect_eq "$(grep -c 'root:x:0' out.db)" 0 "XXE: /etc/passwd not in the database"
sleep 0.3
expect_eq "$([ -e contacted ] && echo yes || echo no)" no "XXE: the http:// entity was never fetched"
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null

cp "$DATA/unsafe/billion_laughs.xml" lol.xml
pipeline lol.json lol.xml
start=$(date +%s)
expect_exit 1 timeout 20 "$SLUICE" run lol.json
expect_eq "$(( $(date +%s) - start < 5 ))" 1 "billion laughs refused within 5 s"
expect_contains "$ERR" "lol.xml:"
expect_contains "$ERR" "entit"

python3 "$DATA/unsafe/gen_quadratic.py" commerceml quad.xml
pipeline quad.json quad.xml
start=$(date +%s)
expect_exit 1 timeout 20 "$SLUICE" run quad.json
expect_eq "$(( $(date +%s) - start < 5 ))" 1 "quadratic blow-up refused within 5 s"
expect_contains "$ERR" "quad.xml:3: refused: the document's DTD declares entities (<!ENTITY a"

# A text node over libxml2's 10 MB limit (no XML_PARSE_HUGE).
python3 -c "
import sys
sys.stdout.write('<КоммерческаяИнформация><Каталог><Товары><Товар><Ид>h</Ид><Описание>' + 'x' * 11000000 + '</Описание></Товар></Товары></Каталог></КоммерческаяИнформация>')
" >huge.xml
pipeline huge.json huge.xml
expect_exit 1 "$SLUICE" run huge.json
expect_contains "$ERR" "huge.xml:1: xmlSAX2Characters: huge text node"

# Not CommerceML at all.
cp "$DATA/yml/simplified.xml" notcml.xml
pipeline not.json notcml.xml
expect_exit 1 "$SLUICE" run not.json
expect_contains "$ERR" "not a CommerceML file: the root element is <yml_catalog>"

# ---- malformed file ---------------------------------------------------------
mkdir -p "$TMP/bad" && cd "$TMP/bad" || exit 1
cp "$DATA/commerceml/malformed_import.xml" "$TMP/in/off-doc-1c_offers.xml" .
pipeline p.json .
expect_exit 1 "$SLUICE" run p.json
expect_contains "$ERR" "malformed_import.xml:8: Opening and ending tag mismatch"
expect_eq "$(rows out.db products)" 0 "all_or_nothing: nothing from the malformed file"
expect_eq "$(sql out.db "SELECT count(*) FROM offers")" 2 "the good file of the run is still loaded"
pipeline p2.json malformed_import.xml '"all_or_nothing": false'
sed -i 's/out.db/out2.db/' p2.json
expect_exit 1 "$SLUICE" run p2.json
expect_eq "$(sql out2.db "SELECT group_concat(name, ',') FROM products")" "Первый,Второй" "all_or_nothing false: records before the error kept"

# ---- cursor: unchanged files are not read again -------------------------------
mkdir -p "$TMP/cur/in" && cd "$TMP/cur" || exit 1
cp "$TMP/in/off-doc-1c_import.xml" "$TMP/in/off-doc-1c_offers.xml" in/
pipeline p.json in
expect_exit 0 "$SLUICE" run p.json
expect_eq "$(sql out.db 'SELECT count(*) FROM products')" 4 "first run loads"
sql out.db 'DELETE FROM products; DELETE FROM offers'
expect_exit 0 "$SLUICE" run p.json
expect_contains "$ERR" "off-doc-1c_import.xml: unchanged since it was last read, skipped"
expect_eq "$(sql out.db 'SELECT count(*) FROM products') $(sql out.db 'SELECT count(*) FROM offers')" "0 0" "second run reads nothing"
# A changed file is read again, the other still skipped.
sed -i 's/Стол обеденный/Стол кухонный/' in/off-doc-1c_import.xml
expect_exit 0 "$SLUICE" run p.json
expect_eq "$(sql out.db "SELECT count(*) FROM products WHERE name = 'Стол кухонный'")" 2 "changed file read again"
expect_eq "$(sql out.db 'SELECT count(*) FROM offers')" 0 "unchanged offers still skipped"
# A failing file does not advance the cursor: it is tried again.
cp "$DATA/commerceml/malformed_import.xml" in/
expect_exit 1 "$SLUICE" run p.json
expect_exit 1 "$SLUICE" run p.json
expect_contains "$ERR" "malformed_import.xml:8:"
sed -i 's/Наименованиe>/Наименование>/' in/malformed_import.xml
expect_exit 0 "$SLUICE" run p.json
expect_eq "$(sql out.db "SELECT count(*) FROM products WHERE catalog_id = 'bad-cat'")" 4 "fixed file read on the next run"
