#!/usr/bin/env bash
# crash_lib.sh - the kill -9 loop the crash tests share. Source it after
# lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/crash_lib.sh"
#   crash_generate "$TMP/orders.jsonl"          # input + its keys, in order
#   crash_reference "$TMP/ref.json"             # one uninterrupted run, timed
#   crash_kill_loop "$TMP/test.json" "$TMP/state/test.db" shop "$TMP/orders.jsonl" my_missing my_rows
#   crash_finish "$TMP/test.json" shop          # the run to completion
#
# A test supplies two functions for its sink: MISSING L prints how many of
# the keys of the first L input lines are not in the sink (the keys are in
# $CRASH_KEYS, a CSV of seq,order_id,line_no, seq = the 1-based input line);
# ROWS prints the sink's row count.
#
# Environment:
#   SLUICE_CRASH_RECORDS  order lines to generate (default 1000000)
#   SLUICE_CRASH_KILLS    how many runs to kill (default 10)
#   SLUICE_CRASH_SEED     seed of $RANDOM, i.e. of the kill moments (default
#                         20261127); printed, so a failure can be replayed
#   CC                    C compiler for bench/gen_orders.c (default cc)
#
# The check after every kill is "the state was never ahead of the data":
# every line before the committed cursor's offset has its key in the sink.

CRASH_RECORDS=${SLUICE_CRASH_RECORDS:-1000000}
CRASH_KILLS=${SLUICE_CRASH_KILLS:-10}
CRASH_SEED=${SLUICE_CRASH_SEED:-20261127}
CRASH_MS=0       # duration of the reference run, set by crash_reference
CRASH_LAST_LINES=0 # lines before the last committed offset, set by the loop

_crash_now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# crash_generate FILE: $CRASH_RECORDS order lines (bench/gen_orders.c,
# deterministic) into FILE, and their keys into $CRASH_KEYS.
crash_generate() {
    local file=$1
    "${CC:-cc}" -O2 -std=c11 -o "$TMP/gen_orders" "$SLUICE_SOURCE_DIR/bench/gen_orders.c" ||
        { fail "cannot build bench/gen_orders.c"; exit 1; }
    "$TMP/gen_orders" "$CRASH_RECORDS" >"$file"
    expect_lines "$file" "$CRASH_RECORDS"
    # {"order_id":"SO-...","line_no":N,... : split on '"', $4 is the order
    # id and $7 is ":N,".
    CRASH_KEYS=$TMP/keys.csv
    awk -F'"' '{ split($7, a, /[:,]/); print NR "," $4 "," a[2] }' "$file" >"$CRASH_KEYS"
    expect_eq "$(awk -F, '$2 == "" || $3 !~ /^[0-9]+$/' "$CRASH_KEYS" | head -n 1)" "" "every line has a key"
    echo "# $CRASH_RECORDS order lines, $(($(stat -c %s "$file") / 1048576)) MiB"
}

# crash_reference PIPELINE: runs it once to completion, checks exit 0 and
# sets CRASH_MS to how long it took.
crash_reference() {
    local t0
    t0=$(_crash_now_ms)
    expect_exit 0 "$SLUICE" -q run "$1"
    CRASH_MS=$(($(_crash_now_ms) - t0))
    echo "# reference run: ${CRASH_MS} ms for $CRASH_RECORDS records"
}

# crash_committed STATE_DB SOURCE FILE: prints "OFFSET LINE" of FILE in the
# cursor SOURCE committed, "0 1" when there is none (yet).
crash_committed() {
    local state=$1 source=$2 file=$3 row="" key
    key=$(realpath "$file") # the file source keys its cursor by absolute path
    if [ -f "$state" ]; then
        row=$(sqlite3 -batch -noheader -separator ' ' "$state" \
            "SELECT json_extract(cursor, '\$.files.\"$key\".offset'), json_extract(cursor, '\$.files.\"$key\".line')
             FROM cursors WHERE source = '$source'")
    fi
    [ -n "$row" ] && echo "$row" || echo "0 1"
}

# crash_lines_before FILE OFFSET: the complete lines in FILE's first OFFSET bytes.
crash_lines_before() {
    head -c "$2" "$1" | wc -l
}

# _crash_at_line_start FILE OFFSET: OFFSET is 0 or just after a '\n'.
_crash_at_line_start() {
    [ "$2" -eq 0 ] && return 0
    [ "$(tail -c +"$2" "$1" | head -c 1 | od -An -tx1 | tr -d ' ')" = 0a ]
}

# crash_kill_loop PIPELINE STATE_DB SOURCE INPUT MISSING ROWS
# Starts `sluice run PIPELINE` $CRASH_KILLS times and kill -9s it at a
# random moment within the time the rest of the input should take (from the
# reference run: what the committed cursor leaves, plus 300 ms to start and
# commit), so the kills spread over the whole input. After each kill the committed
# cursor must be at a line start, never behind the last one, and every key
# before it must be in the sink.
crash_kill_loop() {
    local pipeline=$1 state=$2 source=$3 input=$4 missing_fn=$5 rows_fn=$6
    local k window ms pid rc offset line lines missing prev=0 killed=0 done=0
    RANDOM=$CRASH_SEED
    echo "# kill loop: $CRASH_KILLS kills, seed $CRASH_SEED" \
        "(replay: SLUICE_CRASH_SEED=$CRASH_SEED SLUICE_CRASH_RECORDS=$CRASH_RECORDS)"
    for k in $(seq 1 "$CRASH_KILLS"); do
        window=$((CRASH_MS * (CRASH_RECORDS - CRASH_LAST_LINES) / CRASH_RECORDS + 300))
        ms=$((window * RANDOM / 32768))
        "$SLUICE" -q run "$pipeline" </dev/null >/dev/null 2>"$TMP/kill.$k.err" &
        pid=$!
        sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
        kill -KILL "$pid" 2>/dev/null
        rc=0
        wait "$pid" || rc=$?
        case $rc in
        137) killed=$((killed + 1)) ;;
        0) done=$((done + 1)) ;; # finished before the kill: fine
        *) fail "kill $k: sluice exited with $rc before the kill"; _e2e_show stderr "$TMP/kill.$k.err" ;;
        esac
        read -r offset line < <(crash_committed "$state" "$source" "$input")
        lines=$(crash_lines_before "$input" "$offset")
        missing=$("$missing_fn" "$lines")
        echo "# kill $k: at ${ms} ms of a ${window} ms window, exit $rc; committed offset $offset" \
            "($lines lines, $((lines * 100 / CRASH_RECORDS))%), sink has $("$rows_fn") rows, $missing keys missing"
        _crash_at_line_start "$input" "$offset" && pass "kill $k: the committed offset is at a line start" ||
            fail "kill $k: the committed offset $offset is inside a line"
        expect_eq "$line" $((lines + 1)) "kill $k: the cursor's line number matches its offset"
        [ "$offset" -ge "$prev" ] && pass "kill $k: the cursor never moves back" ||
            fail "kill $k: the cursor moved back from $prev to $offset"
        expect_eq "$missing" 0 "kill $k: the state is not ahead of the data (all $lines keys before the cursor are in the sink)"
        prev=$offset
        CRASH_LAST_LINES=$lines
    done
    echo "# $killed runs killed mid-way, $done finished before their kill"
}

# crash_finish PIPELINE SOURCE INPUT STATE_DB: runs to completion; exit 0,
# the run reads exactly the lines after the committed cursor, and the
# cursor ends at the end of the input.
crash_finish() {
    local pipeline=$1 source=$2 input=$3 state=$4 offset line
    expect_exit 0 "$SLUICE" --log-format json run "$pipeline"
    expect_eq "$(grep -F '"msg":"summary"' "$ERR" | jq -r --arg s "$source" '.stages[] | select(.stage == $s) | .in')" \
        $((CRASH_RECORDS - CRASH_LAST_LINES)) "the last run reads exactly the lines after the committed cursor"
    read -r offset line < <(crash_committed "$state" "$source" "$input")
    expect_eq "$offset $line" "$(stat -c %s "$input") $((CRASH_RECORDS + 1))" "the cursor ends at the end of the input"
}
