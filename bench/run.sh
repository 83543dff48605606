#!/usr/bin/env bash
# bench/run.sh - throughput and peak memory of sluice against jq, Miller and
# the sqlite3 shell's .import, on the same generated order lines.
#
#   bench/run.sh [N]                      one size (default 1000000 records)
#   bench/run.sh --sizes 1000000,5000000  several sizes: peak RSS per size
#
# Options:
#   --tools LIST  comma list out of: sluice-map,jq,mlr,sluice-sqlite,sqlite-import
#                 (default: all of them)
#   --out DIR     where data and outputs go (default: bench/out, gitignored)
#   --keep        keep every output file (default: deleted once verified, so
#                 a 5M run does not fill the disk)
# Environment: SLUICE (default: build/sluice), CC (default: cc).
#
# Every run is timed with /usr/bin/time -v (wall clock, maximum resident set
# size) and its output is checked: N lines for the JSONL transforms, N rows
# for the SQLite loads. Exits non-zero when a tool fails or its output is
# wrong. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
ALL_TOOLS="sluice-map,jq,mlr,sluice-sqlite,sqlite-import"

SLUICE=${SLUICE:-$ROOT/build/sluice}
CC=${CC:-cc}
OUT=$BENCH_DIR/out
SIZES=1000000
TOOLS=$ALL_TOOLS
KEEP=0
FAILED=0

# The transform every tool performs: rename customer_email to email, drop
# discount, add pipeline="bench".
JQ_FILTER='.email = .customer_email | del(.customer_email) | del(.discount) | .pipeline = "bench"'
# shellcheck disable=SC2016 # $pipeline is Miller's, not ours
MLR_VERBS=(rename 'customer_email,email' 'then' cut -x -f discount 'then' put '$pipeline="bench"')

declare -A WALL RSS STATUS

usage() {
    # The comment block at the top of this file is the help text.
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"
}

die() {
    echo "bench: $*" >&2
    exit 2
}

parse_args() {
    while [ $# -gt 0 ]; do
        case $1 in
        -h | --help) usage; exit 0 ;;
        --sizes) [ $# -ge 2 ] || die "--sizes needs a list"; SIZES=$2; shift ;;
        --sizes=*) SIZES=${1#*=} ;;
        --tools) [ $# -ge 2 ] || die "--tools needs a list"; TOOLS=$2; shift ;;
        --tools=*) TOOLS=${1#*=} ;;
        --out) [ $# -ge 2 ] || die "--out needs a folder"; OUT=$2; shift ;;
        --out=*) OUT=${1#*=} ;;
        --keep) KEEP=1 ;;
        [0-9]*) SIZES=$1 ;;
        *) usage >&2; exit 2 ;;
        esac
        shift
    done
    SIZES=${SIZES//,/ }
    TOOLS=${TOOLS//,/ }
    local n t
    for n in $SIZES; do
        [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a record count: $n"
    done
    for t in $TOOLS; do
        [[ ,$ALL_TOOLS, == *,$t,* ]] || die "unknown tool '$t' (known: $ALL_TOOLS)"
    done
}

check_tools() {
    [ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install time"
    command -v jq >/dev/null || die "jq is missing: apt-get install jq (also used to write the pipelines)"
    command -v "$CC" >/dev/null || die "no C compiler ($CC): apt-get install build-essential"
}

# Why a tool cannot run here, or nothing when it can.
unavailable() {
    case $1 in
    sluice-*) [ -x "$SLUICE" ] || echo "no sluice binary at $SLUICE (build it: ./setup.sh build, or set SLUICE=)" ;;
    mlr) command -v mlr >/dev/null || echo "mlr not installed (apt-get install miller)" ;;
    sqlite-import) command -v sqlite3 >/dev/null || echo "sqlite3 not installed (apt-get install sqlite3)" ;;
    jq) ;;
    esac
}

build_generator() {
    GEN=$OUT/gen_orders
    if [ ! -x "$GEN" ] || [ "$BENCH_DIR/gen_orders.c" -nt "$GEN" ]; then
        "$CC" -O2 -std=c11 -Wall -Wextra -o "$GEN" "$BENCH_DIR/gen_orders.c"
    fi
}

# Generates (once per size and generator version) the JSONL input, and the
# CSV one when the .import baseline is among the tools.
generate() {
    local n=$1 f files
    DATA_JSONL=$OUT/data/orders-$n.jsonl
    DATA_CSV=$OUT/data/orders-$n.csv
    files=("$DATA_JSONL")
    [[ " $TOOLS " == *" sqlite-import "* ]] && files+=("$DATA_CSV")
    mkdir -p "$OUT/data"
    for f in "${files[@]}"; do
        if [ ! -s "$f" ] || [ "$GEN" -nt "$f" ]; then
            echo "generating $(basename "$f")..." >&2
            if [ "$f" = "$DATA_CSV" ]; then
                "$GEN" --csv "$n" >"$f.tmp"
            else
                "$GEN" "$n" >"$f.tmp"
            fi
            mv "$f.tmp" "$f"
        fi
    done
    # Warm the page cache so the first tool does not pay for the disk alone.
    cat "${files[@]}" >/dev/null
}

write_configs() {
    local dir=$1
    jq -n --arg in "$DATA_JSONL" '{
        name: "bench-map",
        sources: [{id: "in", plugin: "file", path: $in, format: "jsonl", stream: "orders"}],
        transforms: [{id: "map", plugin: "map", inputs: ["in"],
                      rename: {customer_email: "email"}, drop: ["discount"],
                      set: {pipeline: "bench"}}],
        sinks: [{id: "out", plugin: "file", inputs: ["map"], path: "out.jsonl", format: "jsonl"}]
    }' >"$dir/map.json"
    jq -n --arg in "$DATA_JSONL" '{
        name: "bench-sqlite",
        sources: [{id: "in", plugin: "file", path: $in, format: "jsonl", stream: "orders"}],
        sinks: [{id: "wh", plugin: "sqlite", inputs: ["in"], path: "bench.db",
                 key: {orders: ["order_id", "line_no"]}}]
    }' >"$dir/sqlite.json"
    # Same columns as the records, text like the CSV values, same key.
    cat >"$dir/import.sql" <<EOF
.bail on
CREATE TABLE orders(
  order_id TEXT NOT NULL, line_no INTEGER NOT NULL, created_at TEXT, status TEXT,
  customer_email TEXT, customer_name TEXT, sku TEXT, product TEXT, qty TEXT,
  unit_price TEXT, discount TEXT, currency TEXT, warehouse TEXT,
  PRIMARY KEY (order_id, line_no));
.import --csv --skip 1 '$DATA_CSV' orders
EOF
}

# run_timed TOOL DIR STDOUT CMD...: runs CMD in DIR under /usr/bin/time -v,
# its stdout into STDOUT, and records WALL and RSS for TOOL.
run_timed() {
    local tool=$1 dir=$2 out=$3
    shift 3
    local tf="$dir/$tool.time" rc=0
    (cd "$dir" && /usr/bin/time -v -o "$tf" "$@" >"$out" 2>"$dir/$tool.err") || rc=$?
    if [ $rc -ne 0 ]; then
        echo "bench: $tool exited with $rc; last lines of its stderr:" >&2
        tail -n 5 "$dir/$tool.err" >&2
        return 1
    fi
    # "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34" -> seconds
    CUR_WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]
        printf "%.2f", s }' "$tf")
    CUR_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tf")
}

expect_lines() {
    local file=$1 n=$2 got
    [ -f "$file" ] || { echo "bench: $file was not written" >&2; return 1; }
    got=$(wc -l <"$file")
    [ "$got" -eq "$n" ] || { echo "bench: $file has $got lines, expected $n" >&2; return 1; }
    # The transform itself: first and last record renamed, dropped, set.
    local check='has("email") and (has("customer_email") or has("discount") | not) and .pipeline == "bench"'
    for line in "$(head -n 1 "$file")" "$(tail -n 1 "$file")"; do
        jq -e "$check" <<<"$line" >/dev/null || { echo "bench: $file: bad record: $line" >&2; return 1; }
    done
}

expect_rows() {
    local db=$1 n=$2 table got
    # The sluice sink names the table after the stream ("orders"); fall back
    # to the only table there is should that ever change.
    [ -f "$db" ] || { echo "bench: $db was not written" >&2; return 1; }
    table=$(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name='orders' DESC LIMIT 1")
    [ -n "$table" ] || { echo "bench: $db has no table" >&2; return 1; }
    got=$(sqlite3 "$db" "SELECT count(*) FROM \"$table\"")
    [ "$got" -eq "$n" ] || { echo "bench: $db: $table has $got rows, expected $n" >&2; return 1; }
}

# bench_tool TOOL N DIR: runs one tool on the N-record data, checks its output.
bench_tool() {
    local tool=$1 n=$2 dir=$3 why
    why=$(unavailable "$tool")
    if [ -n "$why" ]; then
        STATUS[$tool@$n]="skipped: $why"
        return 0
    fi
    echo "running $tool on $n records..." >&2
    local ok=0
    case $tool in
    sluice-map)
        run_timed "$tool" "$dir" /dev/null "$SLUICE" -q run map.json &&
            expect_lines "$dir/out.jsonl" "$n" && ok=1
        [ $KEEP = 1 ] || rm -f "$dir/out.jsonl" ;;
    jq)
        run_timed "$tool" "$dir" "$dir/jq.jsonl" jq -c "$JQ_FILTER" "$DATA_JSONL" &&
            expect_lines "$dir/jq.jsonl" "$n" && ok=1
        [ $KEEP = 1 ] || rm -f "$dir/jq.jsonl" ;;
    mlr)
        run_timed "$tool" "$dir" "$dir/mlr.jsonl" mlr --ijsonl --ojsonl "${MLR_VERBS[@]}" "$DATA_JSONL" &&
            expect_lines "$dir/mlr.jsonl" "$n" && ok=1
        [ $KEEP = 1 ] || rm -f "$dir/mlr.jsonl" ;;
    sluice-sqlite)
        rm -f "$dir"/bench.db*
        run_timed "$tool" "$dir" /dev/null "$SLUICE" -q run sqlite.json &&
            expect_rows "$dir/bench.db" "$n" && ok=1
        [ $KEEP = 1 ] || rm -f "$dir"/bench.db* ;;
    sqlite-import)
        rm -f "$dir/import.db"
        run_timed "$tool" "$dir" /dev/null sh -c 'exec sqlite3 -batch import.db <import.sql' &&
            expect_rows "$dir/import.db" "$n" && ok=1
        [ $KEEP = 1 ] || rm -f "$dir/import.db" ;;
    esac
    if [ $ok = 1 ]; then
        STATUS[$tool@$n]=ok
        WALL[$tool@$n]=$CUR_WALL
        RSS[$tool@$n]=$CUR_RSS
    else
        STATUS[$tool@$n]=FAILED
        FAILED=1
    fi
}

print_table() {
    local n=$1 t
    printf '\n%s records (%s MiB of JSONL)\n' "$n" "$(du -m "$OUT/data/orders-$n.jsonl" | cut -f1)"
    printf '%-15s %12s %10s %14s\n' tool records/s wall_s peak_RSS_MiB
    for t in $TOOLS; do
        if [ "${STATUS[$t@$n]}" = ok ]; then
            awk -v t="$t" -v n="$n" -v w="${WALL[$t@$n]}" -v r="${RSS[$t@$n]}" 'BEGIN {
                printf "%-15s %12s %10.2f %14.1f\n", t, (w > 0 ? sprintf("%.0f", n / w) : "-"), w, r / 1024 }'
        else
            printf '%-15s %s\n' "$t" "${STATUS[$t@$n]}"
        fi
    done
    print_ratio "$n" sluice-map jq
    print_ratio "$n" sluice-map mlr
    print_ratio "$n" sluice-sqlite sqlite-import
}

# Throughput and memory of A relative to B (x > 1: A is faster / uses more).
print_ratio() {
    local n=$1 a=$2 b=$3
    [ "${STATUS[$a@$n]:-}" = ok ] && [ "${STATUS[$b@$n]:-}" = ok ] || return 0
    awk -v a="$a" -v b="$b" -v wa="${WALL[$a@$n]}" -v wb="${WALL[$b@$n]}" \
        -v ra="${RSS[$a@$n]}" -v rb="${RSS[$b@$n]}" 'BEGIN {
        printf "%s / %s: throughput %sx, peak RSS %.2fx\n", a, b,
            (wa > 0 ? sprintf("%.2f", wb / wa) : "-"), ra / rb }'
}

# With several sizes: peak RSS per tool and size, the flatness check.
print_rss_by_size() {
    local t n
    printf '\npeak RSS (MiB) by input size\n%-15s' tool
    for n in $SIZES; do printf ' %12s' "$n"; done
    printf '\n'
    for t in $TOOLS; do
        printf '%-15s' "$t"
        for n in $SIZES; do
            if [ "${STATUS[$t@$n]}" = ok ]; then
                awk -v r="${RSS[$t@$n]}" 'BEGIN { printf " %12.1f", r / 1024 }'
            else
                printf ' %12s' -
            fi
        done
        printf '\n'
    done
}

main() {
    parse_args "$@"
    check_tools
    # Other work on the machine skews every figure; say so next to them.
    LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$LOAD_START" -v c="$(nproc)" 'BEGIN { exit !(l > c / 2) }'; then
        echo "bench: warning: load average is $LOAD_START on $(nproc) CPUs; figures will be noisy" >&2
    fi
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)
    build_generator
    local n t dir
    for n in $SIZES; do
        generate "$n"
        dir=$OUT/run-$n
        rm -rf "$dir"
        mkdir -p "$dir"
        write_configs "$dir"
        for t in $TOOLS; do
            bench_tool "$t" "$n" "$dir"
        done
    done
    for n in $SIZES; do print_table "$n"; done
    [ "$(wc -w <<<"$SIZES")" -gt 1 ] && print_rss_by_size
    if [ -x "$SLUICE" ]; then
        printf '\nsluice: %s (%s)\n' "$SLUICE" "$("$SLUICE" --version 2>/dev/null | head -n 1 || true)"
    fi
    printf 'machine: %s, %s CPUs, %s; load average %s at start, %s at end\n' \
        "$(uname -m)" "$(nproc)" "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
        "$LOAD_START" "$(cut -d' ' -f1 /proc/loadavg)"
    return $FAILED
}

main "$@"
