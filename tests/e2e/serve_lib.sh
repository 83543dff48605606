#!/usr/bin/env bash
# serve_lib.sh - helpers for the `sluice serve` tests (test_serve*.sh), on
# top of lib.sh. Source lib.sh first, then this file.
#
#   probe_pipeline FILE NAME SCHEDULE [EXTRA_JSON_MEMBERS [SOURCE_OPTIONS]]
#                       writes a pipeline: the probe source (tests/serve/
#                       probe_source.c) into a file sink appending to
#                       $TMP/NAME.out.jsonl, state in $TMP/state/NAME.db
#   start_serve ARGS... starts `sluice serve --listen 127.0.0.1:0 ARGS` in the
#                       background (log in $SERVE_LOG), waits until it
#                       listens; sets SERVE_PID, PORT and BASE
#   stop_serve [SIG]    signals it (TERM by default), waits, sets SERVE_RC
#   wait_until DESC SECONDS CMD...  polls CMD every 50 ms; a check that fails
#                       after SECONDS
#   finished_runs PIPELINE.json     runs of it that ended (any status)
#   idle NAME           the server has no run of pipeline NAME going on (it
#                       reaped and counted the last one)
#   http METHOD PATH [CURL_ARGS...] prints the HTTP status; body in $TMP/body
#
# Every wait polls with a timeout: nothing sleeps a fixed time and hopes.

PROBE_DIR=$SLUICE_BUILD_DIR/test-plugins/serve
export PROBE_DIR
if [ ! -f "$PROBE_DIR/source_probe.so" ]; then
    echo "FAIL - $PROBE_DIR/source_probe.so is missing: build the serve_source_probe target"
    exit 1
fi
SERVE_LOG=$TMP/serve.log
SERVE_PID=
SERVE_RC=

probe_pipeline() {
    local file=$1 name=$2 schedule=$3 extra=${4:-} source_opts=${5:-}
    cat >"$file" <<JSON
{
  "name": "$name",
  "plugin_path": "\${PROBE_DIR}",
  "state": "$TMP/state/$name.db",
  "schedule": "$schedule"${extra:+,
  $extra},
  "sources": [{"id": "src", "plugin": "probe"${source_opts:+, $source_opts}}],
  "sinks": [{"id": "out", "plugin": "file", "inputs": ["src"], "path": "$TMP/$name.out.jsonl", "mode": "append"}]
}
JSON
}

wait_until() {
    local desc=$1 secs=$2 i
    shift 2
    for ((i = 0; i < secs * 20; i++)); do
        if "$@" >/dev/null 2>&1; then
            pass "$desc"
            return 0
        fi
        sleep 0.05
    done
    fail "$desc (not within $secs s)"
    _e2e_show "serve log" "$SERVE_LOG"
    return 1
}

start_serve() {
    : >"$SERVE_LOG"
    "$SLUICE" serve --listen 127.0.0.1:0 "$@" </dev/null >>"$SERVE_LOG" 2>&1 &
    SERVE_PID=$!
    local i
    PORT=
    for ((i = 0; i < 200; i++)); do
        PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$SERVE_LOG" | head -1)
        [ -n "$PORT" ] && break
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.05
    done
    BASE=http://127.0.0.1:$PORT
    if [ -n "$PORT" ]; then
        pass "serve listens on 127.0.0.1:$PORT"
    else
        fail "serve did not start listening"
        _e2e_show "serve log" "$SERVE_LOG"
        return 1
    fi
}

stop_serve() {
    local sig=${1:-TERM}
    SERVE_RC=0
    kill -s "$sig" "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID" || SERVE_RC=$?
    # sanitizer builds: the runs (children) report here too
    if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$SERVE_LOG"; then
        fail "sanitizer report in the serve log"
        grep -E -A5 "ERROR: (Address|Leak)Sanitizer|runtime error:" "$SERVE_LOG" | head -20 | sed 's/^/  | /'
    fi
}

# Kills a server a failed test left behind, so the script ends.
_serve_cleanup() {
    if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
        kill -s KILL "$SERVE_PID" 2>/dev/null
    fi
}
trap '_serve_rc=$?; _serve_cleanup; (exit $_serve_rc); _e2e_finish' EXIT

finished_runs() {
    "$SLUICE" status --json -n 1000 "$1" 2>/dev/null |
        jq '[.pipelines[0].runs[] | select(.status != "running")] | length'
}

# at_least N CMD...: CMD prints a number >= N
at_least() {
    local n=$1 got
    shift
    got=$("$@") || return 1
    [ -n "$got" ] && [ "$got" -ge "$n" ]
}

idle() {
    curl -s "$BASE/runs?pipeline=$1&limit=1" | jq -e '.pipelines[0].running == null'
}

http() {
    local method=$1 path=$2
    shift 2
    curl -s -o "$TMP/body" -w '%{http_code}' -X "$method" "$@" "$BASE$path"
}
