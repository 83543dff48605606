#!/usr/bin/env bash
# The generic xml source end to end, into SQLite: record paths (absolute,
# //name, a prefixed name in a default namespace), XPath fields (text,
# attributes, count(), booleans, several nodes), the whole-element
# conversion, counts equal xmllint's on a real CommerceML file, bad options
# refused before reading, a malformed file and an entity bomb.
. "$(dirname "$0")/lib.sh"

DATA=$SLUICE_SOURCE_DIR/tests/data/xml
command -v xmllint >/dev/null || { fail "xmllint is missing (apt package libxml2-utils)"; exit 1; }

rows() {
    if [ "$(sql "$1" "SELECT count(*) FROM sqlite_master WHERE name = '$2'")" = 1 ]; then
        sql "$1" "SELECT count(*) FROM \"$2\""
    else
        echo 0
    fi
}
pipeline() { # FILE SOURCES-JSON
    cat >"$1" <<JSON
{
  "name": "$(basename "$1" .json)",
  "sources": $2,
  "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["x"], "path": "out.db"}]
}
JSON
}

cd "$TMP" || exit 1
cp "$DATA"/xml/*.xml .

# Namespaced orders: the default namespace needs a prefix, as in XPath.
pipeline ns.json '[{"id": "x", "plugin": "xml", "path": "orders_ns.xml", "record": "/o:Export/o:Orders/o:Order",
  "stream": "orders", "namespaces": {"o": "urn:example:orders", "x": "urn:example:extra"},
  "fields": {"id": "@id", "status": "@status", "customer": "o:Customer", "email": "o:Customer/@email",
             "total": "number(o:Total)", "currency": "o:Total/@currency", "lines": "count(o:Line)",
             "skus": "o:Line/@sku", "paid": "@status = '"'"'paid'"'"'", "note": "x:Note"}}]'
expect_exit 0 "$SLUICE" run ns.json
expect_eq "$(rows out.db orders)" "$(xmllint --xpath "count(/*[local-name()='Export']/*[local-name()='Orders']/*[local-name()='Order'])" orders_ns.xml)" "absolute path: records = xmllint"
expect_eq "$(sql out.db "SELECT customer || '|' || email || '|' || total || '|' || currency || '|' || lines || '|' || paid FROM orders WHERE id = '1001'")" \
    "Анна Иванова|anna@example.ru|1500|RUB|2|1" "fields: text, attribute, number, count, boolean"
expect_eq "$(sql out.db "SELECT skus FROM orders WHERE id = '1001'")" '["A-1","B-7"]' "several nodes: a list"
expect_eq "$(sql out.db "SELECT note FROM orders WHERE id = '1001'")" "позвонить заранее" "second namespace"
expect_eq "$(sql out.db "SELECT count(note) FROM orders WHERE id = '1002'")" 0 "no node: field left out"

# //name finds records at any depth; unprefixed names in a default namespace match nothing (with a hint).
rm -f out.db
pipeline any.json '[{"id": "x", "plugin": "xml", "path": "orders_ns.xml", "record": "//o:Order", "stream": "orders",
  "namespaces": {"o": "urn:example:orders"}, "fields": {"id": "@id"}}]'
expect_exit 0 "$SLUICE" run -q any.json
expect_eq "$(sql out.db "SELECT group_concat(id, ',') FROM orders")" "1001,1002,900" "//name: every depth, document order"
pipeline nons.json '[{"id": "x", "plugin": "xml", "path": "orders_ns.xml", "record": "//Order", "fields": {"id": "@id"}}]'
expect_exit 0 "$SLUICE" run nons.json
expect_contains "$ERR" "no element matched record \"//Order\" (the document is in namespace urn:example:orders"

# Whole-element conversion; records inside records are not searched.
rm -f out.db
pipeline plain.json '[{"id": "x", "plugin": "xml", "path": "plain.xml", "record": "//item", "stream": "items"}]'
expect_exit 0 "$SLUICE" run -q plain.json
expect_eq "$(rows out.db items)" "$(xmllint --xpath 'count(//item)' plain.xml)" "//item = xmllint"
expect_eq "$(sql out.db "SELECT code || '|' || name || '|' || price || '|' || json_extract(tags, '\$.tag[1]') FROM items WHERE code = '1'")" "1|Стол|100|b" "attributes, children, repeats as lists"
expect_eq "$(sql out.db "SELECT _text FROM items WHERE code = '2'")" "mixed text" "text beside children"

# A real CommerceML file through the generic source.
gunzip -c "$DATA/commerceml/cs-cart_offers.xml.gz" >offers.xml
rm -f out.db
pipeline cml.json '[{"id": "x", "plugin": "xml", "path": "offers.xml", "stream": "offers",
  "record": "/КоммерческаяИнформация/ПакетПредложений/Предложения/Предложение",
  "fields": {"id": "Ид", "name": "Наименование", "prices": "count(Цены/Цена)", "qty": "Количество"}}]'
expect_exit 0 "$SLUICE" run -q cml.json
expect_eq "$(rows out.db offers)" "$(xmllint --xpath 'count(//Предложение)' offers.xml)" "CommerceML offers = xmllint"
expect_eq "$(sql out.db 'SELECT sum(prices) FROM offers')" "$(xmllint --xpath 'count(//Предложение/Цены/Цена)' offers.xml)" "count() per record = xmllint"
expect_eq "$(sql out.db 'SELECT count(qty) FROM offers')" "$(xmllint --xpath 'count(//Предложение/Количество)' offers.xml)" "optional field"

# Options are checked before anything is read.
pipeline bad1.json '[{"id": "x", "plugin": "xml", "path": "plain.xml", "record": "//item[1]"}]'
expect_exit 1 "$SLUICE" run bad1.json
expect_contains "$ERR" "predicates"
pipeline bad2.json '[{"id": "x", "plugin": "xml", "path": "plain.xml", "record": "//p:item"}]'
expect_exit 1 "$SLUICE" run bad2.json
expect_contains "$ERR" "prefix \"p\" is not declared in namespaces"
pipeline bad3.json '[{"id": "x", "plugin": "xml", "path": "plain.xml", "record": "//item", "fields": {"n": "name[[["}}]'
expect_exit 1 "$SLUICE" run bad3.json
expect_contains "$ERR" "fields.n: invalid XPath"
pipeline bad4.json '[{"id": "x", "plugin": "xml", "path": "plain.xml", "record": "//item", "fields": {"n": "q:name"}}]'
expect_exit 1 "$SLUICE" run bad4.json
expect_contains "$ERR" "fields.n:"

# Malformed, and an entity bomb.
printf '<?xml version="1.0"?>\n<catalog>\n<item code="1"/>\n<item code="2">\n</catalog>\n' >broken.xml
rm -f out.db
pipeline broken.json '[{"id": "x", "plugin": "xml", "path": "broken.xml", "record": "//item", "stream": "items"}]'
expect_exit 1 "$SLUICE" run broken.json
expect_contains "$ERR" "broken.xml:5:"
expect_eq "$(rows out.db items)" 0 "all_or_nothing: nothing from the broken file"
python3 "$DATA/unsafe/gen_quadratic.py" xml quad.xml
pipeline quad.json '[{"id": "x", "plugin": "xml", "path": "quad.xml", "record": "//item", "stream": "items"}]'
start=$(date +%s)
expect_exit 1 timeout 20 "$SLUICE" run quad.json
expect_eq "$(( $(date +%s) - start < 5 ))" 1 "quadratic blow-up refused within 5 s"
expect_contains "$ERR" "refused: the document's DTD declares entities"
