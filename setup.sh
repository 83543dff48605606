#!/usr/bin/env bash
# setup.sh - install dependencies, build, test and try sluice on Debian 12.
#
# Usage: ./setup.sh [options] COMMAND
#
# Commands:
#   deps        install the apt packages sluice needs (skipped when present)
#   build       deps, then configure and build into $BUILD_DIR
#   test        build, then run the whole test suite with ctest
#   quickstart  build, then run examples/quickstart and show what it loaded
#
# Options:
#   --werror    treat compiler warnings as errors (implied by CI=true)
#   --bench     deps also installs what bench/run.sh uses (miller, time)
#   -h, --help  show this help
#
# Environment:
#   BUILD_DIR          build folder (default: build), relative to the repository
#   SLUICE_CMAKE_ARGS  extra arguments for the cmake configure step,
#                      e.g. "-DSLUICE_SANITIZE=ON"
#   CMAKE_BUILD_TYPE   default RelWithDebInfo
#   JOBS               parallel build jobs (default: nproc)
#   CTEST_ARGS         extra arguments for ctest, e.g. "-R e2e"
#   CI=true            non-interactive run with warnings as errors
#
# Needs root, or sudo, only when packages are missing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"

BUILD_DIR=${BUILD_DIR:-build}
CMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
WERROR=OFF
[ "${CI:-}" = true ] && WERROR=ON
BENCH=0

# Build and runtime libraries, then the tools the tests and the quickstart
# call (sqlite3 and jq to inspect results, python3 for the API simulators).
PACKAGES=(build-essential cmake pkg-config
    libjansson-dev libzmq3-dev libjemalloc-dev libsqlite3-dev libcurl4-openssl-dev libxml2-dev
    libmicrohttpd-dev libpq-dev
    sqlite3 python3 jq curl libxml2-utils postgresql openssl tzdata chromium)
BENCH_PACKAGES=(miller time)

QUICKSTART_TABLES=(contacts deals orders inventory)

usage() {
    # The comment block at the top of this file is the help text.
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"
}

say() {
    printf '==> %s\n' "$*"
}

die() {
    printf 'setup.sh: %s\n' "$*" >&2
    exit 1
}

# Prints the packages of "$@" that dpkg does not report as installed.
missing_packages() {
    local p
    for p in "$@"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
            printf '%s\n' "$p"
        fi
    done
}

# Runs a command as root: directly, through sudo, or not at all.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "need root to run: $* (run as root, or install sudo)"
    fi
}

cmd_deps() {
    local wanted=("${PACKAGES[@]}") missing
    [ "$BENCH" = 1 ] && wanted+=("${BENCH_PACKAGES[@]}")
    if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
        say "not a Debian system: skipping apt; make sure these are installed: ${wanted[*]}"
        return 0
    fi
    mapfile -t missing < <(missing_packages "${wanted[@]}")
    if [ "${#missing[@]}" -eq 0 ]; then
        say "dependencies already installed"
        return 0
    fi
    say "installing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

cmd_build() {
    cmd_deps
    local extra=()
    # Word splitting on purpose: SLUICE_CMAKE_ARGS is a list of -D flags.
    # shellcheck disable=SC2206
    [ -n "${SLUICE_CMAKE_ARGS:-}" ] && extra=(${SLUICE_CMAKE_ARGS})
    say "configuring $BUILD_DIR ($CMAKE_BUILD_TYPE, warnings as errors: $WERROR${extra[*]:+, ${extra[*]}})"
    # SLUICE_WERROR is always passed so an old cache cannot keep a stale
    # value; SLUICE_CMAKE_ARGS comes last and wins.
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$CMAKE_BUILD_TYPE" \
        -DSLUICE_WERROR="$WERROR" "${extra[@]}"
    say "building with $JOBS jobs"
    cmake --build "$BUILD_DIR" -j "$JOBS"
}

cmd_test() {
    cmd_build
    local extra=()
    # shellcheck disable=SC2206
    [ -n "${CTEST_ARGS:-}" ] && extra=(${CTEST_ARGS})
    say "running the tests"
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "${extra[@]}"
}

# Row counts per table, as the first query of queries.sql shows them; used
# only when queries.sql is missing.
quickstart_counts() {
    local db=$1 t sql=""
    for t in "${QUICKSTART_TABLES[@]}"; do
        if [ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='$t'")" = 1 ]; then
            sql+="${sql:+ UNION ALL }SELECT '$t' AS tbl, COUNT(*) AS n FROM $t"
        else
            printf 'warning: table %s is missing from %s\n' "$t" "$db" >&2
        fi
    done
    [ -n "$sql" ] || die "no quickstart tables in $db"
    sqlite3 -header -column "$db" "$sql;"
}

cmd_quickstart() {
    cmd_build
    local dir=examples/quickstart
    [ -f "$dir/pipeline.json" ] || die "$dir/pipeline.json is missing"
    say "running $BUILD_DIR/sluice run $dir/pipeline.json"
    "$BUILD_DIR/sluice" run "$dir/pipeline.json"
    [ -f "$dir/out/warehouse.db" ] || die "the run finished but $dir/out/warehouse.db was not written"
    say "what landed in $dir/out/warehouse.db"
    if [ -f "$dir/queries.sql" ]; then
        # The same queries the README walks through; paths in it are
        # relative to the example's folder.
        (cd "$dir" && sqlite3 -bail out/warehouse.db <queries.sql)
    else
        quickstart_counts "$dir/out/warehouse.db"
    fi
    cat <<EOF

Explore further:
  (cd $dir && sqlite3 out/warehouse.db < queries.sql)
  sqlite3 -header -column $dir/out/warehouse.db 'SELECT * FROM orders LIMIT 5;'
EOF
}

main() {
    local cmd=""
    while [ $# -gt 0 ]; do
        case $1 in
        -h | --help | help) usage; exit 0 ;;
        --werror) WERROR=ON ;;
        --bench) BENCH=1 ;;
        deps | build | test | quickstart)
            [ -z "$cmd" ] || die "one command at a time (got $cmd and $1)"
            cmd=$1 ;;
        *) die "unknown argument: $1 (see ./setup.sh --help)" ;;
        esac
        shift
    done
    [ -n "$cmd" ] || { usage >&2; exit 2; }
    "cmd_$cmd"
}

main "$@"
