#!/usr/bin/env bash
# bench/commerceml/run.sh - the commerceml source on a large generated
# import.xml: throughput (MB/s) beside `xmllint --stream --noout` on the same
# file, and peak memory.
#
#   bench/commerceml/run.sh [N]      N products (default 500000, ~220 MB)
#
# Options:
#   --out DIR   where the data and outputs go (default: bench/out/commerceml)
#   --keep      keep the SQLite databases (default: deleted once checked)
# Environment: SLUICE (default: build/sluice), CC (default: cc).
#
# Rows, each timed with /usr/bin/time (wall clock, CPU time of all threads,
# maximum resident set size); "x xmllint" is the row's time over xmllint's:
#   xmllint          xmllint --stream --noout import.xml: the floor, a bare
#                    xmlTextReader pass
#   sluice-sqlite    commerceml -> sqlite (upsert on id), all_or_nothing (the
#                    default: a validation pass, then the pass that emits)
#   sluice-sqlite-1p the same with all_or_nothing false (one pass)
#   sluice-null      commerceml -> file sink on /dev/null, all_or_nothing
#                    false: the source and the engine without SQLite
# Checks: N products and 240 groups in each database, peak RSS of every
# sluice row under 64 MiB. Exits non-zero when a check fails.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
SLUICE=${SLUICE:-$ROOT/build/sluice}
CC=${CC:-cc}
OUT=$ROOT/bench/out/commerceml
N=500000
KEEP=0
RSS_LIMIT_KB=$((64 * 1024))
FAILED=0

usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"; }
die() { echo "bench: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --out) [ $# -ge 2 ] || die "--out needs a folder"; OUT=$2; shift ;;
    --keep) KEEP=1 ;;
    -*) die "unknown option $1" ;;
    *) N=$1 ;;
    esac
    shift
done
case $N in '' | *[!0-9]*) die "N must be a number" ;; esac
[ -x "$SLUICE" ] || die "no sluice binary at $SLUICE (build first, or set SLUICE)"
[ -x /usr/bin/time ] || die "GNU time is missing (apt-get install time)"
command -v xmllint >/dev/null || die "xmllint is missing (apt-get install libxml2-utils)"
command -v sqlite3 >/dev/null || die "sqlite3 is missing"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DATA=$OUT/import-$N.xml

"$CC" -O2 -o "$OUT/gen_cml" "$BENCH_DIR/gen_cml.c"
if [ ! -s "$DATA" ]; then
    echo "generating $N products into $DATA"
    "$OUT/gen_cml" "$N" >"$DATA.tmp"
    mv "$DATA.tmp" "$DATA"
fi
BYTES=$(stat -c %s "$DATA")
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
cat "$DATA" >/dev/null # every tool reads from the page cache

load=$(cut -d' ' -f1 /proc/loadavg)
cpus=$(nproc)
echo "input: $DATA, $MB MiB, $N products; load average $load on $cpus CPUs"
if awk -v l="$load" -v c="$cpus" 'BEGIN { exit !(l > c / 2) }'; then
    echo "warning: the machine is busy (load $load): figures will be low and noisy"
fi

declare -A WALL RSS CPU
# timed NAME CMD...: runs CMD under /usr/bin/time, keeps wall seconds, KB
# and CPU seconds (user + system, all threads).
timed() {
    local name=$1 tf=$OUT/$1.time
    shift
    if ! /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; then
        echo "bench: $name failed, see $OUT/$name.err" >&2
        FAILED=1
    fi
    local user sys
    read -r WALL[$name] RSS[$name] user sys <"$tf"
    CPU[$name]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}

pipeline() { # NAME AON SINK-JSON
    cat >"$OUT/$1.json" <<JSON
{
  "name": "$1",
  "state": "$OUT/state-$1.db",
  "sources": [{"id": "cml", "plugin": "commerceml", "path": "$DATA", "all_or_nothing": $2}],
  "sinks": [$3]
}
JSON
}

sqlite_sink() { echo "{\"id\": \"db\", \"plugin\": \"sqlite\", \"inputs\": [\"cml\"], \"path\": \"$OUT/$1.db\", \"key\": [\"id\"]}"; }

check_db() { # NAME
    local db=$OUT/$1.db products groups
    products=$(sqlite3 "$db" 'SELECT count(*) FROM products')
    groups=$(sqlite3 "$db" 'SELECT count(*) FROM product_groups')
    if [ "$products" != "$N" ] || [ "$groups" != 240 ]; then
        echo "bench: $1 loaded $products products and $groups groups, expected $N and 240" >&2
        FAILED=1
    fi
    [ "$KEEP" = 1 ] || rm -f "$db" "$db-wal" "$db-shm"
}

run_sluice() { # NAME AON SINK-JSON
    rm -f "$OUT/$1.db" "$OUT/$1.db-wal" "$OUT/$1.db-shm" "$OUT/state-$1.db"* # a fresh cursor: read everything
    pipeline "$1" "$2" "$3"
    timed "$1" "$SLUICE" -q run "$OUT/$1.json"
}

timed xmllint xmllint --stream --noout "$DATA"
run_sluice sluice-sqlite true "$(sqlite_sink sluice-sqlite)"
check_db sluice-sqlite
run_sluice sluice-sqlite-1p false "$(sqlite_sink sluice-sqlite-1p)"
check_db sluice-sqlite-1p
run_sluice sluice-null false '{"id": "null", "plugin": "file", "inputs": ["cml"], "path": "/dev/null"}'

printf '\n%-18s %8s %8s %10s %8s %10s %13s\n' tool "wall s" "MB/s" "x xmllint" "CPU s" "x xmllint" "peak RSS MiB"
for t in xmllint sluice-sqlite sluice-sqlite-1p sluice-null; do
    awk -v t="$t" -v w="${WALL[$t]}" -v c="${CPU[$t]}" -v r="${RSS[$t]}" -v mb="$MB" -v bw="${WALL[xmllint]}" \
        -v bc="${CPU[xmllint]}" 'BEGIN {
        printf "%-18s %8.2f %8.1f %10.2f %8.2f %10.2f %13.1f\n", t, w, (w > 0 ? mb / w : 0), (bw > 0 ? w / bw : 0),
               c, (bc > 0 ? c / bc : 0), r / 1024 }'
    if [ "$t" != xmllint ] && [ "${RSS[$t]}" -ge "$RSS_LIMIT_KB" ]; then
        echo "bench: $t peak RSS ${RSS[$t]} KB is not under 64 MiB" >&2
        FAILED=1
    fi
done
exit "$FAILED"
