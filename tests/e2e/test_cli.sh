#!/usr/bin/env bash
# The binary starts and answers the basic questions.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$SLUICE" --version
expect_contains "$OUT" "sluice"

expect_exit 0 "$SLUICE" --help
expect_contains "$OUT" "run"
