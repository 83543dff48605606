# tests/sim/sim_lib.sh - start API simulators from bash tests (source it).
#
#   . "$SLUICE_SOURCE_DIR/tests/sim/sim_lib.sh"
#   trap sim_stop_all EXIT                  # or call it from your own EXIT trap
#   sim_start hubspot --records 250 --token "$TOKEN"     # sets SIM_URL, SIM_PID
#   sim POST /__sim/touch '{"object": "contacts", "first": 5}'
#   sim GET /__sim/requests | jq length
#
# Several simulators at once: sim_start sets SIM_URL for the last one
# started; copy it (HS=$SIM_URL) before starting the next, and use
# sim_at URL METHOD PATH [JSON] for control requests to a given one.
# Files go to $SIM_TMP (default: $TMP, else a fresh mktemp -d).

SIM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIM_PIDS=${SIM_PIDS:-}

# sim_start API [FLAGS...]: starts tests/sim/sim.py API on an ephemeral
# port, waits (up to 10 s) for its URL; SIM_URL and SIM_PID are set.
sim_start() {
    local api=$1 dir f i
    shift
    dir=${SIM_TMP:-${TMP:-}}
    [ -n "$dir" ] || { dir=$(mktemp -d); SIM_TMP=$dir; }
    f=$dir/sim-$api-$$-$RANDOM.url
    python3 "$SIM_LIB_DIR/sim.py" "$api" --url-file "$f" "$@" >"$f.out" 2>"$f.err" &
    SIM_PID=$!
    SIM_PIDS="$SIM_PIDS $SIM_PID"
    for i in $(seq 200); do
        [ -s "$f" ] && break
        kill -0 "$SIM_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -s "$f" ]; then
        echo "sim_start: the $api simulator did not start:" >&2
        cat "$f.err" >&2
        return 1
    fi
    SIM_URL=$(cat "$f")
}

# sim METHOD PATH [JSON]: a control (or any) request to the last simulator.
sim() {
    sim_at "$SIM_URL" "$@"
}

# sim_at URL METHOD PATH [JSON]
sim_at() {
    local url=$1 method=$2 path=$3
    if [ $# -ge 4 ]; then
        curl -sSf -X "$method" "$url$path" -H 'Content-Type: application/json' -d "$4"
    else
        curl -sSf -X "$method" "$url$path"
    fi
}

# sim_stop_all: stops every simulator this shell started (by pid).
sim_stop_all() {
    local p
    for p in $SIM_PIDS; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    SIM_PIDS=
}
