#!/usr/bin/env bash
# Runs every fuzz target for RUNS executions (default 10 million) or MAX_SECONDS (default 1800),
# two at a time, each starting from its corpus; prints one line per target for FUZZING.md.
#
#   cargo +nightly fuzz build -O && fuzz/run_all.sh [TARGET...]
#
# New inputs go to target/fuzz-found/<target>/ (merge them into corpus/<target>/ with
# `cargo +nightly fuzz cmin` or libFuzzer's -merge=1 when they add coverage); a crash is
# written to artifacts/<target>/ and ends that target's run.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-10000000}
MAX_SECONDS=${MAX_SECONDS:-1800}
JOBS=${JOBS:-2}
BIN=${BIN:-target/x86_64-unknown-linux-gnu/release}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    mapfile -t TARGETS < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v cloud-backup-fuzz)
fi
mkdir -p logs
run_one() {
    local t=$1
    mkdir -p "target/fuzz-found/$t" "artifacts/$t"
    local status=ok
    "$BIN/$t" "target/fuzz-found/$t" "corpus/$t" -runs="$RUNS" -max_total_time="$MAX_SECONDS" \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" -rss_limit_mb=2048 \
        >"logs/$t.log" 2>&1 || status=CRASH
    local runs secs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -1)
    # Stopped from outside (no final stats): the last progress line's count.
    [ -n "$runs" ] || runs=$(grep -o '^#[0-9]*' "logs/$t.log" | tail -1 | tr -d '#')
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "logs/$t.log" | tail -1)
    local cov
    cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | cut -d' ' -f2)
    printf '%s\t%s\t%s\t%s\t%s\n' "$t" "${runs:-?}" "${secs:-?}" "${cov:-?}" "$status"
}
export -f run_one
export BIN RUNS MAX_SECONDS
printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {}'
