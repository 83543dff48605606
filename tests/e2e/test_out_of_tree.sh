#!/usr/bin/env bash
# A plugin built out of tree against the installed header and sluice.pc
# only, then loaded by the installed sluice.
. "$(dirname "$0")/lib.sh"

PREFIX=$TMP/prefix
expect_exit 0 cmake --install "$SLUICE_BUILD_DIR" --prefix "$PREFIX"
expect_eq "$(test -x "$PREFIX/bin/sluice" && echo yes)" yes "sluice installed"
expect_eq "$(test -f "$PREFIX/include/sluice/plugin.h" && echo yes)" yes "header installed"
pc=$(find "$PREFIX" -name sluice.pc | head -1)
expect_ne "$pc" "" "sluice.pc installed"
export PKG_CONFIG_PATH=$(dirname "$pc")

mkdir -p "$TMP/outside"
cp "$SLUICE_SOURCE_DIR/examples/plugin-template/transform_tag.c" "$SLUICE_SOURCE_DIR/examples/plugin-template/Makefile" "$TMP/outside/"
# Nothing from the source tree on the include path: only what pkg-config says.
expect_exit 0 make -C "$TMP/outside" CFLAGS="-O2 -Wall -Wextra -Werror"
expect_eq "$(test -f "$TMP/outside/transform_tag.so" && echo yes)" yes "plugin built out of tree"
inc=$(pkg-config --variable=includedir sluice)
expect_eq "$(cd "$inc" && pwd -P)" "$(cd "$PREFIX/include" && pwd -P)" "pkg-config points at the installed headers"

echo '{"name": "Ольга"}' >"$TMP/outside/in.jsonl"
cat >"$TMP/outside/p.json" <<'JSON'
{"plugin_path": ["."],
 "sources": [{"id": "in", "plugin": "file", "path": "in.jsonl"}],
 "transforms": [{"id": "t", "plugin": "tag", "inputs": ["in"], "field": "team", "value": "sales"}],
 "sinks": [{"id": "out", "plugin": "file", "inputs": ["t"], "path": "out.jsonl"}]}
JSON
# The installed binary finds its installed plugins (file source and sink) by itself.
expect_exit 0 env -u SLUICE_PLUGIN_PATH "$PREFIX/bin/sluice" run "$TMP/outside/p.json"
expect_eq "$(cat "$TMP/outside/out.jsonl")" '{"name":"Ольга","team":"sales"}' "out-of-tree transform applied"
expect_exit 0 env SLUICE_PLUGIN_PATH="$TMP/outside" "$PREFIX/bin/sluice" describe tag
expect_contains "$OUT" "field"
expect_contains "$OUT" "required"
expect_exit 0 env SLUICE_PLUGIN_PATH="$TMP/outside" "$PREFIX/bin/sluice" plugins
expect_contains "$OUT" "tag"
# ... and it takes its built-in plugins from the installed tree, not the build tree.
expect_exit 0 env -u SLUICE_PLUGIN_PATH "$PREFIX/bin/sluice" describe sink/file
expect_contains "$OUT" "$(cd "$PREFIX" && pwd -P)/"
