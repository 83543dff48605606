#!/usr/bin/env bash
# The yml source end to end, into SQLite: counts equal xmllint's on the same
# feeds, category paths (parents listed after children, a self-parent),
# vendor.model names, params, prices with currency rates, stock from count
# and outlets, windows-1251, a refused entity bomb, a malformed feed.
. "$(dirname "$0")/lib.sh"

DATA=$SLUICE_SOURCE_DIR/tests/data/xml
command -v xmllint >/dev/null || { fail "xmllint is missing (apt package libxml2-utils)"; exit 1; }

pipeline() { # FILE PATH [SOURCE-OPTIONS]
    cat >"$1" <<JSON
{
  "name": "$(basename "$1" .json)",
  "dead_letter": "dead.jsonl",
  "sources": [{"id": "y", "plugin": "yml", "path": "$2" ${3:+, $3}}],
  "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["y"], "path": "out.db"}]
}
JSON
}
rows() {
    if [ "$(sql "$1" "SELECT count(*) FROM sqlite_master WHERE name = '$2'")" = 1 ]; then
        sql "$1" "SELECT count(*) FROM \"$2\""
    else
        echo 0
    fi
}
xsum() { # XPATH: summed over the feeds in $TMP/in
    local total=0 f
    for f in "$TMP"/in/*.xml; do total=$((total + $(xmllint --xpath "$1" "$f"))); done
    echo "$total"
}

mkdir -p "$TMP/in" "$TMP/run"
cp "$DATA"/yml/*.xml "$TMP/in/"
cd "$TMP/run" || exit 1
pipeline p.json "$TMP/in"
expect_exit 0 "$SLUICE" run p.json
expect_eq "$(rows out.db categories)" "$(xsum 'count(/yml_catalog/shop/categories/category[@id])')" "categories = xmllint"
expect_eq "$(rows out.db products)" "$(xsum 'count(/yml_catalog/shop/offers/offer[@id])')" "products = xmllint"
expect_eq "$(rows out.db prices)" "$(xsum 'count(/yml_catalog/shop/offers/offer[@id][price])')" "prices = xmllint"
expect_eq "$(rows out.db stock)" "$(xsum 'count(/yml_catalog/shop/offers/offer[@id]/count) + count(/yml_catalog/shop/offers/offer[@id]/outlets/outlet[@id])')" "stock = xmllint"
expect_eq "$(jq -r .reason dead.jsonl)" "offer without id" "offer without id dead-lettered"

# Values.
expect_eq "$(sql out.db "SELECT path FROM categories WHERE name = 'Лазерные принтеры'")" "Оргтехника / Принтеры / Лазерные принтеры" "category path"
expect_eq "$(sql out.db "SELECT path FROM categories WHERE id = '20' AND name = 'Смартфоны'")" "Телефоны / Смартфоны" "parent listed after the child"
expect_eq "$(sql out.db "SELECT path FROM categories WHERE name = 'SelfParent'")" "SelfParent" "self-parent does not loop"
expect_eq "$(sql out.db "SELECT name || '|' || vendor_code || '|' || category_path FROM products WHERE id = '12341'")" \
    "Принтер НP Color LaserJet 3000|Q7533A|Оргтехника / Принтеры / Лазерные принтеры" "vendor.model name composed"
expect_eq "$(sql out.db "SELECT available || ' ' || price || ' ' || oldprice FROM products WHERE id = 'A-1'")" "1 19990.00 24990" "available, prices normalised"
expect_eq "$(sql out.db "SELECT json_array_length(params) || ' ' || json_extract(params, '\$[2].unit') FROM products WHERE id = 'A-1'")" "3 г" "params keep repeats and units"
expect_eq "$(sql out.db "SELECT description FROM products WHERE id = 'A-1'")" '<p>Экран <b>6,1"</b> &amp; NFC</p>' "CDATA description intact"
expect_eq "$(sql out.db "SELECT json_array_length(pictures) FROM products WHERE id = 'A-1'")" 2 "pictures"
expect_eq "$(sql out.db "SELECT author FROM products WHERE id = '12342'")" "Александра Маринина" "other elements keep their names"
expect_eq "$(sql out.db "SELECT currency || ' ' || currency_rate FROM prices WHERE id = 'A-2'")" "USD CBRF" "price currency rate"
expect_eq "$(sql out.db "SELECT quantity || ' ' || available FROM stock WHERE id = 'A-1'")" "12 1" "stock from count"
expect_eq "$(sql out.db "SELECT group_concat(warehouse_id || '=' || quantity, ' ') FROM (SELECT * FROM stock WHERE offer_id = 'A-1' AND warehouse_id IS NOT NULL ORDER BY id)")" \
    "msk-1=7 spb-2=5" "stock per outlet"
expect_eq "$(sql out.db "SELECT count(*) FROM products WHERE id = 'A-2' AND category_path IS NULL")" 1 "unknown category: no path"

# windows-1251.
mkdir -p "$TMP/cp" && cd "$TMP/cp" || exit 1
sed '1s/.*/<?xml version="1.0" encoding="windows-1251"?>/' "$DATA/yml/outlets.xml" | iconv -f UTF-8 -t WINDOWS-1251 >feed.xml
pipeline p.json feed.xml
expect_exit 0 "$SLUICE" run -q p.json
expect_eq "$(sql out.db "SELECT name FROM products WHERE id = 'A-1'")" "Смартфон Альфа 128 ГБ" "windows-1251 decoded"
expect_eq "$(sql out.db "SELECT path FROM categories WHERE id = '20'")" "Телефоны / Смартфоны" "windows-1251 categories"

# Unsafe and broken feeds.
mkdir -p "$TMP/bad" && cd "$TMP/bad" || exit 1
python3 "$DATA/unsafe/gen_quadratic.py" yml quad.xml
pipeline q.json quad.xml
start=$(date +%s)
expect_exit 1 timeout 20 "$SLUICE" run q.json
expect_eq "$(( $(date +%s) - start < 5 ))" 1 "quadratic blow-up refused within 5 s"
expect_contains "$ERR" "quad.xml:2: refused: the document's DTD declares entities"
expect_eq "$(rows out.db products)" 0 "nothing from the bomb"

head -n 30 "$DATA/yml/yml.xml" >cut.xml # ends inside <categories>
pipeline c.json cut.xml
expect_exit 1 "$SLUICE" run c.json
expect_contains "$ERR" "cut.xml:"
expect_eq "$(rows out.db categories)" 0 "all_or_nothing: nothing from the cut feed"
pipeline c2.json cut.xml '"all_or_nothing": false'
expect_exit 1 "$SLUICE" run c2.json
expect_eq "$(rows out.db categories)" 0 "categories are emitted when their list is complete, so none here either"
