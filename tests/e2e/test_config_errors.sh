#!/usr/bin/env bash
# Bad configurations: exit 2 with a message naming file, JSON path and,
# where known, line:column. Nothing is run.
. "$(dirname "$0")/lib.sh"

printf 'a,b\n1,2\n' >"$TMP/in.csv"
good() {
    cat <<JSON
{
  "name": "t",
  "sources": [{"id": "in", "plugin": "file", "path": "in.csv"}],
  "sinks": [{"id": "out", "plugin": "file", "inputs": ["in"], "path": "out.jsonl"}]
}
JSON
}
good >"$TMP/good.json"
expect_exit 0 "$SLUICE" validate "$TMP/good.json"
expect_contains "$OUT" "ok"

# A missing required option names the path of the stage.
cat >"$TMP/missing.json" <<'JSON'
{
  "sources": [{"id": "in", "plugin": "file", "format": "csv"}],
  "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["in"]}]
}
JSON
expect_exit 2 "$SLUICE" validate "$TMP/missing.json"
expect_contains "$ERR" "missing.json:2:"
expect_contains "$ERR" "sources[0].path: required option missing"
expect_exit 2 "$SLUICE" run "$TMP/missing.json"

# A typo is an error, not ignored.
cat >"$TMP/typo.json" <<'JSON'
{
  "sources": [{"id": "in", "plugin": "file", "pth": "in.csv"}],
  "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["in"]}]
}
JSON
expect_exit 2 "$SLUICE" validate "$TMP/typo.json"
expect_contains "$ERR" "typo.json:2:"
expect_contains "$ERR" "sources[0].pth"
expect_contains "$ERR" "unknown option"

cat >"$TMP/toptypo.json" <<'JSON'
{
  "sources": [{"id": "in", "plugin": "file", "path": "in.csv"}],
  "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["in"]}],
  "dead_leter": "x"
}
JSON
expect_exit 2 "$SLUICE" validate "$TMP/toptypo.json"
expect_contains "$ERR" "dead_leter"

# Syntax error: file:line:column.
printf '{\n  "sources": [\n    {"id": "in",, }\n  ]\n}\n' >"$TMP/syntax.json"
expect_exit 2 "$SLUICE" validate "$TMP/syntax.json"
expect_contains "$ERR" "syntax.json:3:"

# Graph errors.
cat >"$TMP/dangling.json" <<'JSON'
{
  "sources": [{"id": "in", "plugin": "file", "path": "in.csv"}],
  "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["nowhere"]}]
}
JSON
expect_exit 2 "$SLUICE" validate "$TMP/dangling.json"
expect_contains "$ERR" "sinks[0].inputs"
expect_contains "$ERR" "nowhere"

cat >"$TMP/dup.json" <<'JSON'
{
  "sources": [{"id": "in", "plugin": "file", "path": "in.csv"}, {"id": "in", "plugin": "file", "path": "in.csv"}],
  "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["in"]}]
}
JSON
expect_exit 2 "$SLUICE" validate "$TMP/dup.json"
expect_contains "$ERR" "sources[1].id"

cat >"$TMP/cycle.json" <<'JSON'
{
  "sources": [{"id": "in", "plugin": "file", "path": "in.csv"}],
  "transforms": [{"id": "a", "plugin": "map", "inputs": ["in", "b"]},
                 {"id": "b", "plugin": "map", "inputs": ["a"]}],
  "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["b"]}]
}
JSON
expect_exit 2 "$SLUICE" validate "$TMP/cycle.json"
expect_contains "$ERR" "cycle"

# Unknown plugin, wrong type, bad choice.
cat >"$TMP/noplugin.json" <<'JSON'
{
  "sources": [{"id": "in", "plugin": "nosuch", "path": "in.csv"}],
  "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["in"]}]
}
JSON
expect_exit 2 "$SLUICE" validate "$TMP/noplugin.json"
expect_contains "$ERR" "nosuch"

cat >"$TMP/type.json" <<'JSON'
{
  "sources": [{"id": "in", "plugin": "file", "path": "in.csv", "format": "xml"}],
  "sinks": [{"id": "out", "plugin": "stdout", "inputs": ["in"]}]
}
JSON
expect_exit 2 "$SLUICE" validate "$TMP/type.json"
expect_contains "$ERR" "sources[0].format"

# Environment interpolation: set, default, unset.
cat >"$TMP/env.json" <<'JSON'
{
  "sources": [{"id": "in", "plugin": "file", "path": "${IN_FILE}"}],
  "sinks": [{"id": "out", "plugin": "file", "inputs": ["in"], "path": "${OUT_DIR:-outdir}/o.jsonl"}]
}
JSON
expect_exit 2 env -u IN_FILE "$SLUICE" validate "$TMP/env.json"
expect_contains "$ERR" "IN_FILE"
expect_exit 0 env IN_FILE=in.csv "$SLUICE" run -q "$TMP/env.json"
expect_lines "$TMP/outdir/o.jsonl" 1

# Usage errors are exit 2 too.
expect_exit 2 "$SLUICE" run
expect_exit 2 "$SLUICE" frobnicate
expect_exit 2 "$SLUICE" --bogus-flag plugins
