#!/usr/bin/env bash
# The file source resumes where the last run's committed cursor says: lines
# appended since are the only ones read; `sluice state show` prints the
# cursor and `sluice state reset --source` forgets it; a CSV resume keeps
# the header (and line numbers); a truncated or replaced file is read again
# from the start with a warning; a glob reads new files and new lines only;
# a SIGTERM'd run and its successor read every line exactly once.
. "$(dirname "$0")/lib.sh"

# source_in SOURCE: the "in" count of stage SOURCE in the last command's
# --log-format json summary (stderr).
source_in() {
    grep -F '"msg":"summary"' "$ERR" | tail -n 1 | jq -r --arg s "$1" '.stages[] | select(.stage == $s) | .in'
}

orders() { # orders FROM TO: JSON Lines orders FROM..TO
    seq "$1" "$2" | awk '{printf "{\"id\": %d, \"name\": \"n%d\"}\n", $1, $1}'
}

# --- JSON Lines: append, re-run, only the new lines --------------------------
orders 1 100 >"$TMP/orders.jsonl"
cat >"$TMP/jsonl.json" <<'JSON'
{"name": "resume-jsonl", "dead_letter": "dead.jsonl",
 "sources": [{"id": "shop", "plugin": "file", "path": "orders.jsonl", "stream": "orders"}],
 "transforms": [{"id": "m", "plugin": "map", "inputs": ["shop"], "set": {"seen": true}}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["m"], "path": "out.db", "key": {"orders": ["id"]}}]}
JSON
expect_exit 0 "$SLUICE" --log-format json run "$TMP/jsonl.json"
expect_eq "$(source_in shop)" 100 "first run reads 100 lines"
orders 101 150 >>"$TMP/orders.jsonl"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/jsonl.json"
expect_eq "$(source_in shop)" 50 "second run reads only the 50 appended lines"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*), min(id), max(id) FROM orders')" "150|1|150" "the sink has all 150"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/jsonl.json"
expect_eq "$(source_in shop)" 0 "nothing new: nothing read"

# --- state show / reset ------------------------------------------------------
size=$(stat -c %s "$TMP/orders.jsonl")
expect_exit 0 "$SLUICE" state show "$TMP/jsonl.json"
expect_contains "$OUT" "shop"
expect_contains "$OUT" "orders.jsonl\":{\"offset\":$size,\"line\":151,"
expect_exit 0 "$SLUICE" state show --json "$TMP/jsonl.json"
abs=$(realpath "$TMP/orders.jsonl")
expect_eq "$(jq -r --arg f "$abs" '.cursors.shop.cursor.files[$f].offset' "$OUT")" "$size" \
    "state show --json: the offset is the file's size"
expect_eq "$(jq -r --arg f "$abs" '.cursors.shop.cursor.files[$f].ino' "$OUT")" "$(stat -c %i "$TMP/orders.jsonl")" \
    "state show --json: the inode is the file's"
expect_exit 0 "$SLUICE" state reset "$TMP/jsonl.json" --source shop
expect_contains "$OUT" "forgot 1 cursor"
expect_exit 0 "$SLUICE" state show "$TMP/jsonl.json"
expect_contains "$OUT" "(none"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/jsonl.json"
expect_eq "$(source_in shop)" 150 "after state reset, everything is read again"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*) FROM orders')" 150 "keyed sink: still 150 rows"

# --- truncated: shorter than the offset, same inode --------------------------
ino=$(stat -c %i "$TMP/orders.jsonl")
orders 900 902 >"$TMP/orders.jsonl" # ">" truncates in place: same inode
expect_eq "$(stat -c %i "$TMP/orders.jsonl")" "$ino" "truncated in place (same inode)"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/jsonl.json"
expect_eq "$(source_in shop)" 3 "a truncated file is read from the start"
expect_contains "$ERR" "truncated, reading it from the start"
expect_eq "$(sql "$TMP/out.db" 'SELECT count(*) FROM orders WHERE id >= 900')" 3 "its lines landed"

# --- replaced: another inode, longer than the offset -------------------------
orders 2001 2300 >"$TMP/orders.new"
mv "$TMP/orders.new" "$TMP/orders.jsonl"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/jsonl.json"
expect_eq "$(source_in shop)" 300 "a replaced file is read from the start"
expect_contains "$ERR" "another file than the last run read"
orders 2301 2310 >>"$TMP/orders.jsonl"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/jsonl.json"
expect_eq "$(source_in shop)" 10 "and then resumed as usual"
expect_not_contains "$ERR" "from the start"

# --- dead letters after a resume name the right line -------------------------
echo '{"id": 2311, "broken": ' >>"$TMP/orders.jsonl"
orders 2312 2312 >>"$TMP/orders.jsonl"
rm -f "$TMP/dead.jsonl"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/jsonl.json"
expect_eq "$(source_in shop)" 2 "the bad line and the good one after it"
expect_eq "$(jq -r .line "$TMP/dead.jsonl")" 311 "the dead letter names line 311 of the file"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/jsonl.json"
expect_eq "$(source_in shop)" 0 "a rejected line is handled: not read again"

# --- CSV: the header is read again, fields stay right ------------------------
# CRLF line ends, a quoted field holding a line break, a byte order mark.
printf '\xef\xbb\xbfid;name;note\r\n1;Анна;"two\r\nlines"\r\n2;Борис;plain\r\n' >"$TMP/people.csv"
cat >"$TMP/csv.json" <<'JSON'
{"name": "resume-csv", "dead_letter": "dead-csv.jsonl",
 "sources": [{"id": "crm", "plugin": "file", "path": "people.csv", "delimiter": ";", "stream": "people"}],
 "sinks": [{"id": "db", "plugin": "sqlite", "inputs": ["crm"], "path": "csv.db", "key": {"people": ["id"]}}]}
JSON
expect_exit 0 "$SLUICE" --log-format json run "$TMP/csv.json"
expect_eq "$(source_in crm)" 2 "csv: first run reads 2 rows"
printf '3;Вера;"x;y"\r\n4;Глеб;too;many\r\n5;Дарья;last\r\n' >>"$TMP/people.csv"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/csv.json"
expect_eq "$(source_in crm)" 3 "csv: second run reads the 3 new rows (one of them bad)"
expect_eq "$(sql "$TMP/csv.db" "SELECT id || '=' || name || '=' || replace(note, char(13, 10), '/') FROM people ORDER BY id" | tr '\n' ' ')" \
    "1=Анна=two/lines 2=Борис=plain 3=Вера=x;y 5=Дарья=last " "csv: fields named by the header after the resume"
expect_eq "$(jq -r '.line' "$TMP/dead-csv.jsonl")" 6 "csv: the bad row is reported on line 6 of the file"
expect_eq "$(jq -r '.reason' "$TMP/dead-csv.jsonl")" "expected 3 fields, got 4" "csv: its reason"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/csv.json"
expect_eq "$(source_in crm)" 0 "csv: nothing new, nothing read"
expect_exit 0 "$SLUICE" state show --json "$TMP/csv.json"
expect_eq "$(jq -r '.cursors.crm.cursor.files[] | .offset' "$OUT")" "$(stat -c %s "$TMP/people.csv")" \
    "csv: the offset is after the last row's CRLF"

# --- glob: new files and appended lines, in sorted order ---------------------
mkdir -p "$TMP/drop"
orders 1 10 >"$TMP/drop/b.jsonl"
orders 11 20 >"$TMP/drop/a.jsonl"
cat >"$TMP/glob.json" <<'JSON'
{"name": "resume-glob",
 "sources": [{"id": "drop", "plugin": "file", "path": "drop/*.jsonl"}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["drop"], "path": "glob-out.jsonl", "mode": "append"}]}
JSON
expect_exit 0 "$SLUICE" --log-format json run "$TMP/glob.json"
expect_eq "$(source_in drop)" 20 "glob: both files"
orders 21 25 >>"$TMP/drop/a.jsonl"
orders 26 30 >"$TMP/drop/c.jsonl"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/glob.json"
expect_eq "$(source_in drop)" 10 "glob: 5 appended lines and a new file of 5"
expect_eq "$(jq -r .id "$TMP/glob-out.jsonl" | tr '\n' ' ')" \
    "$(seq 11 20 | tr '\n' ' ')$(seq 1 10 | tr '\n' ' ')$(seq 21 30 | tr '\n' ' ')" \
    "glob: every line once, files in sorted order (a, b, then a's tail and c)"
rm "$TMP/drop/b.jsonl"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/glob.json"
expect_eq "$(source_in drop)" 0 "glob: a file gone is no reason to read the others again"
expect_exit 0 "$SLUICE" state show --json "$TMP/glob.json"
expect_eq "$(jq -r '.cursors.drop.cursor.files | keys | map(split("/") | last) | join(" ")' "$OUT")" "a.jsonl c.jsonl" \
    "glob: the cursor keeps only the files still matched"

# --- SIGTERM, then resume: every line exactly once ---------------------------
n=400000
seq 1 $n | awk '{printf "{\"n\": %d, \"pad\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n", $1}' >"$TMP/big.jsonl"
cat >"$TMP/sig.json" <<'JSON'
{"name": "resume-sig",
 "sources": [{"id": "big", "plugin": "file", "path": "big.jsonl"}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["big"], "path": "sig-out.jsonl", "mode": "append"}]}
JSON
"$SLUICE" --log-format json run "$TMP/sig.json" </dev/null >/dev/null 2>"$TMP/sig.err" &
pid=$!
for _ in $(seq 1 200); do
    [ -s "$TMP/sig-out.jsonl" ] && break
    sleep 0.02
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
expect_eq "$rc" 1 "SIGTERM: exit 1 (interrupted)"
first=$(wc -l <"$TMP/sig-out.jsonl")
expect_ne "$first" $n "SIGTERM: stopped before the end"
expect_exit 0 "$SLUICE" --log-format json run "$TMP/sig.json"
expect_eq "$(source_in big)" $((n - first)) "after SIGTERM the next run reads exactly the rest"
expect_eq "$(jq -r .n "$TMP/sig-out.jsonl" | md5sum)" "$(seq 1 $n | md5sum)" \
    "SIGTERM + resume: every line exactly once, in order (a non-keyed sink)"
