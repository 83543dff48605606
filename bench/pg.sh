#!/usr/bin/env bash
# bench/pg.sh - sluice's postgres sink against a hand-written bulk load
# (psql \copy into a staging table, then INSERT ... ON CONFLICT), on the
# same generated order lines, into a throwaway PostgreSQL server.
#
#   bench/pg.sh [N]          N records (default 1000000)
#
# Options:
#   --out DIR       where data and outputs go (default: bench/out, gitignored)
#   --fast          server with fsync=off, full_page_writes=off (default: the
#                   server's durable defaults, as a real database runs)
#   --batch-sizes LIST  the pipelines' batch_size, records per sink
#                   transaction: one sluice load per value (default:
#                   1000,10000; 1000 is sluice's default)
#   --repeat R      run every load R times (tables emptied in between) and
#                   keep the fastest: on a busy machine the least disturbed
#   --nice N        run the server and the loads at niceness N (as root, e.g.
#                   -10): on a machine shared with other work, the figures
#                   then suffer less from it (applies to all loads alike).
#                   With the kernel's autogroup scheduling (Debian's
#                   default) niceness only counts within a session, so the
#                   autogroups of this script and of the server get N too
#                   for the duration of the benchmark
#   --keep          keep the server's folder (its log) and the pipeline files
# Environment: SLUICE (default: build/sluice), CC (default: cc), PG_BIN
# (server binaries; default: the newest /usr/lib/postgresql/*/bin).
#
# Both loads start from an empty keyed table (PRIMARY KEY (order_id,
# line_no)) on the same server; each is timed with /usr/bin/time -v (wall
# clock, peak RSS and CPU time of the client process: sluice, or psql),
# with the CPU time the server spent on it beside, and checked: N rows,
# and the tables hold the same values (checksum). Exits non-zero when a
# load fails or the tables differ. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
SLUICE=${SLUICE:-$ROOT/build/sluice}
CC=${CC:-cc}
OUT=$BENCH_DIR/out
N=1000000
FAST=0
BATCHES="1000,10000"
KEEP=0
NICE=
REPEAT=1
COLUMNS_SQL="order_id text NOT NULL, line_no bigint NOT NULL, created_at text, status text,
  customer_email text, customer_name text, sku text, product text, qty text, unit_price text,
  discount text, currency text, warehouse text"
UPDATE_SQL="created_at = EXCLUDED.created_at, status = EXCLUDED.status,
  customer_email = EXCLUDED.customer_email, customer_name = EXCLUDED.customer_name,
  sku = EXCLUDED.sku, product = EXCLUDED.product, qty = EXCLUDED.qty,
  unit_price = EXCLUDED.unit_price, discount = EXCLUDED.discount,
  currency = EXCLUDED.currency, warehouse = EXCLUDED.warehouse"

declare -A WALL RSS CPU SCPU ALL

usage() {
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
        --out) [ $# -ge 2 ] || die "--out needs a folder"; OUT=$2; shift ;;
        --out=*) OUT=${1#*=} ;;
        --fast) FAST=1 ;;
        --batch-sizes) [ $# -ge 2 ] || die "--batch-sizes needs a list"; BATCHES=$2; shift ;;
        --batch-sizes=*) BATCHES=${1#*=} ;;
        --nice) [ $# -ge 2 ] || die "--nice needs a number"; NICE=$2; shift ;;
        --nice=*) NICE=${1#*=} ;;
        --repeat) [ $# -ge 2 ] || die "--repeat needs a number"; REPEAT=$2; shift ;;
        --repeat=*) REPEAT=${1#*=} ;;
        --keep) KEEP=1 ;;
        [0-9]*) N=$1 ;;
        *) usage >&2; exit 2 ;;
        esac
        shift
    done
    [[ $N =~ ^[1-9][0-9]*$ ]] || die "not a record count: $N"
    [ -z "$NICE" ] || [[ $NICE =~ ^-?[0-9]+$ ]] || die "not a niceness: $NICE"
    [[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "not a repeat count: $REPEAT"
    BATCHES=${BATCHES//,/ }
    local b
    for b in $BATCHES; do
        [[ $b =~ ^[1-9][0-9]*$ ]] || die "not a batch size: $b"
    done
}

check_tools() {
    [ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install time"
    command -v jq >/dev/null || die "jq is missing: apt-get install jq"
    command -v "$CC" >/dev/null || die "no C compiler ($CC): apt-get install build-essential"
    [ -x "$SLUICE" ] || die "no sluice binary at $SLUICE (build it: ./setup.sh build, or set SLUICE=)"
    "$SLUICE" plugins 2>/dev/null | grep -qw postgres ||
        die "$SLUICE has no postgres sink (was libpq-dev installed when it was built?)"
}

# The data, shared with bench/run.sh (same generator, same file names).
generate() {
    local gen=$OUT/gen_orders f
    mkdir -p "$OUT/data"
    if [ ! -x "$gen" ] || [ "$BENCH_DIR/gen_orders.c" -nt "$gen" ]; then
        "$CC" -O2 -std=c11 -Wall -Wextra -o "$gen" "$BENCH_DIR/gen_orders.c"
    fi
    DATA_JSONL=$OUT/data/orders-$N.jsonl
    DATA_CSV=$OUT/data/orders-$N.csv
    for f in "$DATA_JSONL" "$DATA_CSV"; do
        if [ ! -s "$f" ] || [ "$gen" -nt "$f" ]; then
            echo "generating $(basename "$f")..." >&2
            if [ "$f" = "$DATA_CSV" ]; then "$gen" --csv "$N" >"$f.tmp"; else "$gen" "$N" >"$f.tmp"; fi
            mv "$f.tmp" "$f"
        fi
    done
    cat "$DATA_JSONL" "$DATA_CSV" >/dev/null # into the page cache
}

write_files() {
    local dir=$1 b
    for b in $BATCHES; do
        jq -n --arg in "$DATA_JSONL" --argjson batch "$b" '{
            name: "bench-postgres-\($batch)",
            batch_size: $batch,
            sources: [{id: "in", plugin: "file", path: $in, format: "jsonl", stream: "orders"}],
            sinks: [{id: "pg", plugin: "postgres", inputs: ["in"], table: "orders_sluice_\($batch)",
                     key: {orders: ["order_id", "line_no"]}}]
        }' >"$dir/postgres-$b.json"
    done
    # The hand-written load: what one would type to bulk-upsert a CSV.
    cat >"$dir/copy.sql" <<EOF
\\set ON_ERROR_STOP 1
BEGIN;
CREATE TEMP TABLE stage ($COLUMNS_SQL) ON COMMIT DROP;
\\copy stage FROM '$DATA_CSV' WITH (FORMAT csv, HEADER true)
INSERT INTO orders_copy SELECT * FROM stage
  ON CONFLICT (order_id, line_no) DO UPDATE SET $UPDATE_SQL;
COMMIT;
EOF
}

# CPU seconds the server's ended processes used (the postmaster's
# children: a connection's backend is counted once it has exited).
server_cpu() {
    local pid
    pid=$(head -n 1 "$PG_DATA/postmaster.pid")
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat"
}

# Waits until the server has no client backend left (the last load's).
wait_backends_gone() {
    local i
    for i in $(seq 1 100); do
        [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")" = 0 ] && break
        sleep 0.05
    done
    sleep 0.2 # and the postmaster has reaped it
}

# run_timed NAME DIR CMD...: WALL[NAME], RSS[NAME] (KiB), CPU[NAME] (the
# client's user + system seconds), SCPU[NAME] (the server's); called again
# for the same NAME (--repeat), keeps the fastest run's figures and lists
# every wall time in ALL[NAME].
run_timed() {
    local name=$1 dir=$2 tf rc=0 cpu0 scpu wall
    shift 2
    tf=$dir/$name.time
    wait_backends_gone
    cpu0=$(server_cpu)
    local nice=()
    [ -z "$NICE" ] || nice=(nice -n "$NICE")
    (cd "$dir" && "${nice[@]}" /usr/bin/time -v -o "$tf" "$@" >"$dir/$name.out" 2>"$dir/$name.err") || rc=$?
    if [ $rc -ne 0 ]; then
        echo "bench: $name exited with $rc; last lines of its stderr:" >&2
        tail -n 10 "$dir/$name.err" >&2
        return 1
    fi
    wait_backends_gone
    scpu=$(awk -v a="$cpu0" -v b="$(server_cpu)" 'BEGIN { printf "%.2f", b - a }')
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]
        printf "%.2f", s }' "$tf")
    ALL[$name]="${ALL[$name]:+${ALL[$name]} }$wall"
    if [ -n "${WALL[$name]:-}" ] && awk -v a="$wall" -v b="${WALL[$name]}" 'BEGIN { exit !(a >= b) }'; then
        return 0
    fi
    WALL[$name]=$wall
    SCPU[$name]=$scpu
    RSS[$name]=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tf")
    CPU[$name]=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$tf")
}

# Gives the server (its backends are forked by the postmaster and inherit
# its niceness) and this script's session the niceness $NICE, also as
# autogroups (the postmaster leads a session of its own).
set_priority() {
    local postmaster=$1
    renice -n "$NICE" -p "$postmaster" >/dev/null
    if [ -w /proc/self/autogroup ]; then
        SESSION_AUTOGROUP_NICE=$(sed -n 's/.* nice //p' /proc/self/autogroup)
        echo "$NICE" >"/proc/$postmaster/autogroup" 2>/dev/null || true
        echo "$NICE" >/proc/self/autogroup 2>/dev/null || true
    fi
}

restore_priority() {
    [ -n "${SESSION_AUTOGROUP_NICE:-}" ] && echo "$SESSION_AUTOGROUP_NICE" >/proc/self/autogroup 2>/dev/null
    return 0
}

checksum() {
    pg_sql "SELECT md5(string_agg(concat_ws('/', order_id, line_no, created_at, status, customer_email,
        customer_name, sku, product, qty, unit_price, discount, currency, warehouse), ','
        ORDER BY order_id, line_no)) FROM $1"
}

expect_rows() {
    local got
    got=$(pg_sql "SELECT count(*) FROM $1")
    [ "$got" -eq "$N" ] || { echo "bench: $1 has $got rows, expected $N" >&2; return 1; }
}

print_results() {
    printf '\n%s records into PostgreSQL %s (%s)\n' "$N" "$(pg_sql 'SHOW server_version')" \
        "$([ $FAST = 1 ] && echo "fsync=off" || echo "durable defaults")"
    printf '%-20s %10s %8s %13s %13s %13s\n' load records/s wall_s client_cpu_s server_cpu_s peak_RSS_MiB
    local t b
    for t in psql-copy-upsert $(for b in $BATCHES; do echo "sluice-batch-$b"; done); do
        awk -v t="$t" -v n="$N" -v w="${WALL[$t]}" -v r="${RSS[$t]}" -v c="${CPU[$t]}" -v sc="${SCPU[$t]}" 'BEGIN {
            printf "%-20s %10s %8.2f %13.2f %13.2f %13.1f\n", t, (w > 0 ? sprintf("%.0f", n / w) : "-"), w, c, sc,
                r / 1024 }'
    done
    if [ "$REPEAT" -gt 1 ]; then
        printf 'fastest of %s runs each; all wall times:\n' "$REPEAT"
        for t in psql-copy-upsert $(for b in $BATCHES; do echo "sluice-batch-$b"; done); do
            printf '  %-20s %s\n' "$t" "${ALL[$t]}"
        done
    fi
    for b in $BATCHES; do
        awk -v b="$b" -v a="${WALL[sluice-batch-$b]}" -v c="${WALL[psql-copy-upsert]}" 'BEGIN {
            printf "sluice (batch_size %s) / psql: wall time %.2fx (target: at most 1.50x), throughput %.2fx\n",
                b, a / c, c / a }'
    done
}

main() {
    parse_args "$@"
    check_tools
    trap restore_priority EXIT # pg.sh chains its cleanup in front of it
    # shellcheck source=../tests/lib/pg.sh
    . "$ROOT/tests/lib/pg.sh"
    pg_require
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$load" -v c="$(nproc)" 'BEGIN { exit !(l > c / 2) }'; then
        echo "bench: warning: load average is $load on $(nproc) CPUs; figures will be noisy" >&2
    fi
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)
    generate
    local dir=$OUT/pg-$N
    rm -rf "$dir"
    mkdir -p "$dir"
    write_files "$dir"
    if [ $FAST = 1 ]; then pg_start; else pg_start --durable; fi
    if [ $KEEP = 1 ]; then export SLUICE_KEEP_TMP=1; fi
    [ -z "$NICE" ] || set_priority "$(head -n 1 "$PG_DATA/postmaster.pid")"
    # Room for a million-row load without checkpoints every few seconds,
    # as any server tuned for loads has; the same for both loads.
    pg_sql "ALTER SYSTEM SET max_wal_size = '4GB'" && pg_sql "SELECT pg_reload_conf()" >/dev/null
    pg_sql "CREATE TABLE orders_copy ($COLUMNS_SQL, PRIMARY KEY (order_id, line_no))"

    local want="" b got rep
    for rep in $(seq 1 "$REPEAT"); do
        # Interleaved, so every load meets the same moods of a shared machine.
        pg_sql "TRUNCATE orders_copy" && pg_sql "CHECKPOINT"
        echo "[$rep/$REPEAT] psql \\copy + INSERT ... ON CONFLICT on $N records..." >&2
        run_timed psql-copy-upsert "$dir" "$PG_BIN/psql" -X -q -f copy.sql
        expect_rows orders_copy
        [ -n "$want" ] || want=$(checksum orders_copy)
        for b in $BATCHES; do
            pg_sql "DROP TABLE IF EXISTS orders_sluice_$b" && pg_sql "CHECKPOINT"
            rm -rf "$dir/state" # no committed cursor: read the file from the start
            echo "[$rep/$REPEAT] sluice file -> postgres (batch_size $b) on $N records..." >&2
            run_timed "sluice-batch-$b" "$dir" "$SLUICE" -q run "postgres-$b.json"
            expect_rows "orders_sluice_$b"
            if [ "$rep" = 1 ]; then
                got=$(checksum "orders_sluice_$b")
                [ "$got" = "$want" ] || { echo "bench: orders_sluice_$b differs from orders_copy ($got, $want)" >&2; exit 1; }
            fi
        done
    done
    restore_priority
    print_results
    printf 'tables identical (md5 of every value: %s)\n' "$want"
    printf 'sluice: %s (%s)\n' "$SLUICE" "$("$SLUICE" --version 2>/dev/null | head -n 1 || true)"
    [ -z "$NICE" ] || printf 'niceness %s for the server and the loads\n' "$NICE"
    printf 'machine: %s, %s CPUs, %s; load average %s at start, %s at end\n' \
        "$(uname -m)" "$(nproc)" "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
        "$load" "$(cut -d' ' -f1 /proc/loadavg)"
}

main "$@"
