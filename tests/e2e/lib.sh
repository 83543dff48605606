#!/usr/bin/env bash
# lib.sh - helpers for the end-to-end shell tests. Source it first:
#
#   . "$(dirname "$0")/lib.sh"
#   expect_exit 0 "$SLUICE" run "$SLUICE_SOURCE_DIR/examples/quickstart/pipeline.json"
#   expect_contains "$OUT" "records"
#   expect_eq "$(sqlite3 "$TMP/wh.db" 'SELECT count(*) FROM orders')" 42 "orders loaded"
#
# Every check prints "ok - message" or "FAIL - message" and the test goes
# on; at exit lib.sh prints "N passed, M failed" and the script's exit
# status is non-zero when a check failed, when nothing was checked, or when
# the script itself died. $TMP is a fresh folder removed at exit (kept when
# SLUICE_KEEP_TMP=1, and its path printed). Set SLUICE_E2E_VERBOSE=1 to see
# each command's output.
#
# After expect_exit, $OUT and $ERR name files holding the command's stdout
# and stderr, for expect_contains.

set -u

: "${SLUICE:?run this through ctest, or set SLUICE to the sluice binary}"
SLUICE_SOURCE_DIR=${SLUICE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SLUICE_BUILD_DIR=${SLUICE_BUILD_DIR:-$(dirname "$SLUICE")}
SLUICE_PLUGIN_DIR=${SLUICE_PLUGIN_DIR:-$SLUICE_BUILD_DIR/plugins}
SLUICE_E2E_DIR=${SLUICE_E2E_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
export SLUICE SLUICE_SOURCE_DIR SLUICE_BUILD_DIR SLUICE_PLUGIN_DIR SLUICE_E2E_DIR

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e.XXXXXX")
OUT=$TMP/.stdout
ERR=$TMP/.stderr
: >"$OUT"
: >"$ERR"
_E2E_PASSED=0
_E2E_FAILED=0
_E2E_NCMD=0

_e2e_finish() {
    local rc=$?
    if [ "${SLUICE_KEEP_TMP:-0}" = 1 ]; then
        echo "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    echo "$_E2E_PASSED passed, $_E2E_FAILED failed"
    if [ "$rc" -ne 0 ]; then
        echo "FAIL - the test script exited with status $rc"
    elif [ "$_E2E_FAILED" -gt 0 ]; then
        rc=1
    elif [ "$_E2E_PASSED" -eq 0 ]; then
        echo "FAIL - no checks ran"
        rc=1
    fi
    exit "$rc"
}
trap _e2e_finish EXIT

pass() {
    _E2E_PASSED=$((_E2E_PASSED + 1))
    echo "ok - $*"
}

fail() {
    _E2E_FAILED=$((_E2E_FAILED + 1))
    echo "FAIL - $*"
}

# Shows the tail of a file, indented, when a check on it fails.
_e2e_show() {
    local label=$1 file=$2
    [ -s "$file" ] || return 0
    echo "  --- $label (last 20 lines of $file)"
    tail -n 20 "$file" | sed 's/^/  | /'
}

# expect_eq ACTUAL EXPECTED MESSAGE
expect_eq() {
    if [ "$1" == "$2" ]; then
        pass "$3"
    else
        fail "$3: got '$1', expected '$2'"
    fi
}

# expect_ne ACTUAL UNEXPECTED MESSAGE
expect_ne() {
    if [ "$1" != "$2" ]; then
        pass "$3"
    else
        fail "$3: got '$1', expected anything else"
    fi
}

# expect_exit CODE CMD ARGS...: runs CMD with stdin from /dev/null, its
# stdout in $OUT and stderr in $ERR (both replaced per call).
expect_exit() {
    local want=$1 rc=0
    shift
    _E2E_NCMD=$((_E2E_NCMD + 1))
    OUT=$TMP/.stdout.$_E2E_NCMD
    ERR=$TMP/.stderr.$_E2E_NCMD
    "$@" </dev/null >"$OUT" 2>"$ERR" || rc=$?
    if [ "${SLUICE_E2E_VERBOSE:-0}" = 1 ]; then
        _e2e_show stdout "$OUT"
        _e2e_show stderr "$ERR"
    fi
    if [ "$rc" -eq "$want" ]; then
        pass "exit $want: $*"
    else
        fail "exit $rc, expected $want: $*"
        _e2e_show stdout "$OUT"
        _e2e_show stderr "$ERR"
    fi
}

# How a checked file is named in messages: the last command's streams by
# role, other files by base name.
_e2e_name() {
    case $1 in
    "$OUT") echo stdout ;;
    "$ERR") echo stderr ;;
    *) basename "$1" ;;
    esac
}

# expect_contains FILE TEXT: FILE holds TEXT (a fixed string).
expect_contains() {
    if [ ! -f "$1" ]; then
        fail "$1 does not exist (looked for '$2')"
    elif grep -qF -- "$2" "$1"; then
        pass "$(_e2e_name "$1") contains '$2'"
    else
        fail "$(_e2e_name "$1") lacks '$2'"
        _e2e_show "$(_e2e_name "$1")" "$1"
    fi
}

# expect_not_contains FILE TEXT
expect_not_contains() {
    if [ ! -f "$1" ]; then
        fail "$1 does not exist"
    elif grep -qF -- "$2" "$1"; then
        fail "$(_e2e_name "$1") contains '$2'"
        _e2e_show "$(_e2e_name "$1")" "$1"
    else
        pass "$(_e2e_name "$1") does not contain '$2'"
    fi
}

# expect_lines FILE N: FILE has exactly N lines.
expect_lines() {
    local got
    if [ ! -f "$1" ]; then
        fail "$1 does not exist (expected $2 lines)"
        return 0
    fi
    got=$(wc -l <"$1")
    expect_eq "$got" "$2" "$(_e2e_name "$1") has $2 lines"
}

# sql DB QUERY: prints the result, one row a line, columns separated by |.
sql() {
    sqlite3 -batch -noheader "$1" "$2"
}
