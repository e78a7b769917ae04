#!/usr/bin/env bash
# End-to-end benchmarks (issues 6 and 14): listing 10,000 backups and downloading a 100 MiB and a
# 1 GiB file from the sandbox on 127.0.0.1, ours against the official Python SDKs, plain
# reqwest + serde_json, curl and aria2c; the 100 MiB file again over links capped at
# $CAP bytes a second per connection (the sandbox's bandwidth fault), against curl and
# `aria2c -x8 -s8`; and the memory of a 4 GiB download. Prints Markdown tables of medians and
# of ratios taken within each run.
#
#   scripts/bench.sh                      # 5 listing runs, 3 download runs
#   LIST_RUNS=3 DOWNLOAD_RUNS=1 scripts/bench.sh
#   PHASES="capped large" scripts/bench.sh   # only some phases (list download capped large fleet sync)
#   FLEET=500 FLEET_BACKUPS=20 scripts/bench.sh   # the fleet phase's instances (default 200) and backups each (default 50)
#   CAP=8M scripts/bench.sh               # another per-connection cap (K, M, G: powers of 1024)
#
# Needs: cargo, python3 (with venv), curl, openssl, sync (coreutils), /usr/bin/time (GNU time;
# `apt-get install time`); aria2c (Debian's aria2, installed here when missing and apt-get can).
# The official SDKs go into a venv under target/bench/venv (never committed); pip needs PyPI.
# Our binaries are built in release mode. The criterion benches are separate:
#   cargo bench -p cloud-signer; cargo bench -p aliyun-rds --bench decode; ...
set -euo pipefail

LIST_RUNS=${LIST_RUNS:-5}
DOWNLOAD_RUNS=${DOWNLOAD_RUNS:-3}
PHASES=${PHASES:-list download capped large fleet sync}
FLEET=${FLEET:-200}
FLEET_BACKUPS=${FLEET_BACKUPS:-50}
FLEET_RUNS=${FLEET_RUNS:-$LIST_RUNS}
CAP=${CAP:-16M}
phase() { case " $PHASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK="$ROOT/target/bench"
VENV="$WORK/venv"
mkdir -p "$WORK"
cd "$ROOT"

for tool in cargo python3 curl openssl sync /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench.sh: $tool is missing" >&2; exit 1; }
done
/usr/bin/time -f %M true 2>/dev/null || { echo "bench.sh: /usr/bin/time is not GNU time" >&2; exit 1; }
if ! command -v aria2c >/dev/null && command -v apt-get >/dev/null; then
    echo "== installing aria2 (Debian)"
    { apt-get install -y -qq aria2 || { apt-get update -qq && apt-get install -y -qq aria2; }; } >/dev/null 2>&1 || true
fi
HAVE_ARIA2=0
command -v aria2c >/dev/null && HAVE_ARIA2=1
[ "$HAVE_ARIA2" = 1 ] || echo "bench.sh: aria2c is missing (apt-get install aria2): its rows are skipped" >&2

if phase list || phase fleet; then
    echo "== official SDKs (venv $VENV)"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check alibabacloud-rds20140815 huaweicloudsdkrds
    echo "installed:"
    "$VENV/bin/pip" list --disable-pip-version-check 2>/dev/null \
        | grep -Ei '^((alibabacloud|huaweicloud)[-a-z0-9]*|requests|urllib3) ' | sed 's/^/  /'
    echo "  $("$VENV/bin/python" --version)"
fi

echo "== building (release)"
CLI="$ROOT/target/release/cloud-backup"
if ! cargo build --release -p cloud-backup --bin cloud-backup >"$WORK/build-cli.log" 2>&1; then
    echo "  cloud-backup did not build (see $WORK/build-cli.log): its download is skipped"
    rm -f "$CLI"
fi
E2E=$(cargo bench -p cloud-sandbox --bench e2e --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "e2e" and m.get("executable"):
        print(m["executable"])')
[ -x "$E2E" ] || { echo "bench.sh: could not build the e2e helper" >&2; exit 1; }
HAVE_CLI_DOWNLOAD=0
if [ -x "$CLI" ] && "$CLI" aliyun-rds download --help >/dev/null 2>&1; then HAVE_CLI_DOWNLOAD=1; fi

echo "== starting the sandbox"
INFO="$WORK/info.json"
rm -f "$INFO"
"$E2E" serve --info "$INFO" --max-seconds 3600 >"$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
trap 'kill "$SANDBOX_PID" 2>/dev/null || true; rm -rf "$WORK/dl"' EXIT
for _ in $(seq 1 100); do [ -s "$INFO" ] && break; sleep 0.1; done
[ -s "$INFO" ] || { echo "bench.sh: the sandbox did not start" >&2; cat "$WORK/sandbox.log" >&2; exit 1; }
ENDPOINT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$INFO")
echo "sandbox at $ENDPOINT"

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
# measure KIND CASE IMPL RUN BYTES -- COMMAND...: runs COMMAND under GNU time, appends
# KIND CASE IMPL RUN inner_ms wall_s maxrss_kb bytes to the results.
measure() {
    local kind=$1 case=$2 impl=$3 run=$4 bytes=$5
    shift 6
    local out="$WORK/out.txt" tm="$WORK/time.txt"
    if ! /usr/bin/time -f '%e %M' -o "$tm" "$@" >"$out" 2>"$WORK/err.txt"; then
        echo "bench.sh: $kind $case $impl failed:" >&2
        tail -5 "$WORK/err.txt" "$out" >&2
        exit 1
    fi
    local inner
    inner=$(sed -n 's/^RESULT .*elapsed_ms=\([0-9.]*\).*/\1/p' "$out")
    read -r wall rss <"$tm"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$case" "$impl" "$run" "${inner:--}" "$wall" "$rss" "$bytes" >>"$RESULTS"
    printf '  %-8s %-7s %-9s run %s: %8s ms inside, %6s s wall, %7s KiB max RSS\n' "$kind" "$case" "$impl" "$run" "${inner:--}" "$wall" "$rss"
}

phase list && echo "== listing 10,000 backups ($LIST_RUNS runs, pages of 100)"
phase list || LIST_RUNS=0
for run in $(seq 1 "$LIST_RUNS"); do
    for provider in aliyun huawei; do
        measure list "$provider" ours "$run" 0 -- "$E2E" list-ours "$provider" "$ENDPOINT"
        measure list "$provider" official "$run" 0 -- "$VENV/bin/python" scripts/bench_official.py "$provider" "$INFO"
        measure list "$provider" floor "$run" 0 -- "$E2E" list-floor "$provider" "$ENDPOINT"
    done
done

mkdir -p "$WORK/dl"
export ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET
read -r ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET < <(python3 -c \
    'import json,sys; print(*json.load(open(sys.argv[1]))["aliyun_credentials"])' "$INFO")
INSTANCE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["aliyun_instance"])' "$INFO")
# file INDEX: the backup id, size and signed link of the sandbox's file INDEX.
file() {
    python3 -c 'import json,sys
f = json.load(open(sys.argv[1]))["files"][int(sys.argv[2])]
print(f["backup_id"], f["size"], f["url"])' "$INFO" "$1"
}
# ours KIND CASE IMPL RUN ID SIZE [ARGS...]: cloud-backup download of backup ID, checked for
# SIZE bytes.
ours() {
    local kind=$1 case=$2 impl=$3 run=$4 id=$5 size=$6
    shift 6
    rm -rf "$WORK/dl/ours"
    measure "$kind" "$case" "$impl" "$run" "$size" -- "$CLI" aliyun-rds download \
        --endpoint "$ENDPOINT" --instance "$INSTANCE" --backup "$id" --out "$WORK/dl/ours" --quiet "$@"
    got=$(du -sb "$WORK/dl/ours" | cut -f1)
    [ "$got" = "$size" ] || { echo "bench.sh: cloud-backup wrote $got bytes, expected $size" >&2; exit 1; }
    rm -rf "$WORK/dl/ours"
}
# aria KIND CASE RUN URL SIZE: aria2c -x8 -s8 (eight connections, eight pieces).
aria() {
    local kind=$1 case=$2 run=$3 url=$4 size=$5
    rm -f "$WORK/dl/aria"*
    measure "$kind" "$case" aria2c "$run" "$size" -- aria2c --quiet --no-conf -x8 -s8 \
        --allow-overwrite=true --auto-file-renaming=false --dir "$WORK/dl" -o aria "$url"
    got=$(stat -c %s "$WORK/dl/aria")
    [ "$got" = "$size" ] || { echo "bench.sh: aria2c wrote $got bytes, expected $size" >&2; exit 1; }
    rm -f "$WORK/dl/aria"*
}
# plain_curl KIND CASE RUN URL SIZE
plain_curl() {
    local kind=$1 case=$2 run=$3 url=$4 size=$5
    measure "$kind" "$case" curl "$run" "$size" -- curl --silent --show-error --fail --noproxy '*' -o "$WORK/dl/curl" "$url"
    got=$(stat -c %s "$WORK/dl/curl")
    [ "$got" = "$size" ] || { echo "bench.sh: curl wrote $got bytes, expected $size" >&2; exit 1; }
    rm -f "$WORK/dl/curl"
}
faults() {
    curl --silent --show-error --fail --noproxy '*' -X POST "$ENDPOINT/_sandbox/faults" -d "$1" >/dev/null
}

phase download && echo "== downloads ($DOWNLOAD_RUNS runs)"
phase download || DOWNLOAD_RUNS_NOW=0
for run in $(seq 1 "${DOWNLOAD_RUNS_NOW:-$DOWNLOAD_RUNS}"); do
    for index in 1 0; do
        read -r id size url < <(python3 -c 'import json,sys
f = json.load(open(sys.argv[1]))["files"][int(sys.argv[2])]
print(f["backup_id"], f["size"], f["url"])' "$INFO" "$index")
        label=$([ "$size" -ge $((1 << 30)) ] && echo 1GiB || echo 100MiB)
        if [ "$HAVE_CLI_DOWNLOAD" = 1 ]; then
            rm -rf "$WORK/dl/ours"
            measure download "$label" cli "$run" "$size" -- "$CLI" aliyun-rds download \
                --endpoint "$ENDPOINT" --instance "$INSTANCE" --backup "$id" --out "$WORK/dl/ours"
            got=$(du -sb "$WORK/dl/ours" | cut -f1)
            [ "$got" = "$size" ] || { echo "bench.sh: cloud-backup wrote $got bytes, expected $size" >&2; exit 1; }
            rm -rf "$WORK/dl/ours"
        fi
        rm -f "$WORK/dl/lib"
        measure download "$label" library "$run" "$size" -- "$E2E" download-lib "$url" "$WORK/dl/lib" "$size"
        rm -f "$WORK/dl/lib"
        measure download "$label" curl "$run" "$size" -- curl --silent --show-error --fail --noproxy '*' -o "$WORK/dl/curl" "$url"
        got=$(stat -c %s "$WORK/dl/curl")
        [ "$got" = "$size" ] || { echo "bench.sh: curl wrote $got bytes, expected $size" >&2; exit 1; }
        rm -f "$WORK/dl/curl"
        # Ours also hashes the file (SHA-256, DownloadOutcome::sha256) and fsyncs it before the
        # rename: the floor doing the same work is curl into tee and openssl, then sync.
        measure download "$label" curl+sha "$run" "$size" -- sh -c \
            'curl --silent --show-error --fail --noproxy "*" "$1" | tee "$2" | openssl dgst -sha256 >/dev/null && sync "$2"' \
            sh "$url" "$WORK/dl/curl"
        got=$(stat -c %s "$WORK/dl/curl")
        [ "$got" = "$size" ] || { echo "bench.sh: curl | tee | openssl wrote $got bytes, expected $size" >&2; exit 1; }
        rm -f "$WORK/dl/curl"
        [ "$HAVE_ARIA2" = 1 ] && aria download "$label" "$run" "$url" "$size"
        [ "$HAVE_CLI_DOWNLOAD" = 1 ] && ours download "$label" cli-1 "$run" "$id" "$size" --connections 1
    done
done
[ "$HAVE_CLI_DOWNLOAD" = 1 ] || echo "  (cloud-backup has no download command yet: only the library path was measured)"

if phase capped && [ "$HAVE_CLI_DOWNLOAD" = 1 ]; then
    # The sandbox's rate in bytes a second, from CAP (16M, 8M, 1G, 500K or plain bytes).
    RATE=$(python3 -c 'import sys
t = sys.argv[1].strip().upper().removesuffix("IB").removesuffix("B")
scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(t[-1:], 1)
print(int(t.rstrip("KMG")) * scale)' "$CAP")
    echo "== downloads over links capped at $CAP/s a connection ($DOWNLOAD_RUNS runs, 100 MiB)"
    faults "{\"bandwidth\": $RATE}"
    read -r id size url < <(file 1)
    for run in $(seq 1 "$DOWNLOAD_RUNS"); do
        ours capped "100MiB-$CAP" cli "$run" "$id" "$size"
        [ "$HAVE_ARIA2" = 1 ] && aria capped "100MiB-$CAP" "$run" "$url" "$size"
        plain_curl capped "100MiB-$CAP" "$run" "$url" "$size"
    done
    # 1 GiB: every aria2c piece is then over its 20 MiB minimum; curl would take a minute a
    # run at 16 MiB/s, so it is left out here.
    read -r id size url < <(file 0)
    for run in $(seq 1 "$DOWNLOAD_RUNS"); do
        ours capped "1GiB-$CAP" cli "$run" "$id" "$size"
        [ "$HAVE_ARIA2" = 1 ] && aria capped "1GiB-$CAP" "$run" "$url" "$size"
    done
    faults '{"bandwidth": null}'
fi

if phase fleet && [ "$HAVE_CLI_DOWNLOAD" = 1 ]; then
    echo "== listing every backup of a fleet of $FLEET instances, $FLEET_BACKUPS backups each ($FLEET_RUNS runs)"
    FLEET_INFO="$WORK/fleet.json"
    rm -f "$FLEET_INFO"
    "$E2E" serve-fleet --info "$FLEET_INFO" --fleet "$FLEET" --backups "$FLEET_BACKUPS" >"$WORK/fleet.log" 2>&1 &
    FLEET_PID=$!
    for _ in $(seq 1 100); do [ -s "$FLEET_INFO" ] && break; sleep 0.1; done
    [ -s "$FLEET_INFO" ] || { echo "bench.sh: the fleet sandbox did not start" >&2; exit 1; }
    FLEET_ENDPOINT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$FLEET_INFO")
    FLEET_TOTAL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fleet_backups"])' "$FLEET_INFO")
    # Each run twice: with the sandbox's flow control on (100 calls a second per API, then the
    # provider's throttling answer, as the issue asks), and off (how each client uses its
    # connections, the rate out of the way).
    for run in $(seq 1 "$FLEET_RUNS"); do
        for flow in throttled open; do
            rate=$([ "$flow" = throttled ] && echo null || echo 0)
            curl --silent --show-error --fail --noproxy '*' -X POST "$FLEET_ENDPOINT/_sandbox/faults" -d "{\"rate\": $rate}" >/dev/null
            sleep 1 # a full bucket for each contender
            measure fleet "$FLEET-$flow" cli "$run" 0 -- sh -c '"$1" aliyun-rds list --all-instances --endpoint "$2" --json >"$3"' \
                sh "$CLI" "$FLEET_ENDPOINT" "$WORK/fleet-ours.json"
            got=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/fleet-ours.json")
            [ "$got" = "$FLEET_TOTAL" ] || { echo "bench.sh: cloud-backup listed $got backups, expected $FLEET_TOTAL" >&2; exit 1; }
            sleep 1
            measure fleet "$FLEET-$flow" official "$run" 0 -- "$VENV/bin/python" scripts/bench_official.py aliyun-fleet "$FLEET_INFO"
        done
    done
    kill "$FLEET_PID" 2>/dev/null || true
fi

if phase sync && [ "$HAVE_CLI_DOWNLOAD" = 1 ]; then
    # The newest backup of every Alibaba Cloud instance of a fleet of 50 (51 files, about
    # 75 MB): `sync` into a directory and into moto's S3 server, against the script of loops
    # users wrote before it (one `cloud-backup download` per backup, one after another).
    echo "== sync of a fleet of 50 instances ($DOWNLOAD_RUNS runs)"
    SYNC_INFO="$WORK/sync-fleet.json"
    rm -f "$SYNC_INFO"
    "$E2E" serve-fleet --info "$SYNC_INFO" --fleet 50 >"$WORK/sync-fleet.log" 2>&1 &
    SYNC_PID=$!
    for _ in $(seq 1 100); do [ -s "$SYNC_INFO" ] && break; sleep 0.1; done
    [ -s "$SYNC_INFO" ] || { echo "bench.sh: the fleet sandbox did not start" >&2; exit 1; }
    SYNC_ENDPOINT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$SYNC_INFO")
    # The newest backup of each instance, as `list --all-instances` gives them.
    "$CLI" --endpoint "$SYNC_ENDPOINT" aliyun-rds list --all-instances --json >"$WORK/sync-list.json"
    python3 -c 'import json,sys
newest = {}
for b in json.load(open(sys.argv[1])):
    if b["status"] == "Success" and (b["instance_id"] not in newest or b["started_at"] > newest[b["instance_id"]]["started_at"]):
        newest[b["instance_id"]] = b
for b in newest.values():
    print(b["instance_id"], b["backup_id"], b["started_at"])' "$WORK/sync-list.json" >"$WORK/sync-newest.txt"
    SIZE=0
    MOTO_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    HAVE_MOTO=0
    if command -v moto_server >/dev/null; then
        moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
        MOTO_PID=$!
        for _ in $(seq 1 100); do
            curl --silent --noproxy '*' -X PUT "http://127.0.0.1:$MOTO_PORT/bench" >/dev/null 2>&1 && { HAVE_MOTO=1; break; }
            sleep 0.1
        done
    fi
    [ "$HAVE_MOTO" = 1 ] || echo "bench.sh: moto_server is missing (pip install 'moto[server]'): the S3 rows are skipped" >&2
    for run in $(seq 1 "$DOWNLOAD_RUNS"); do
        rm -rf "$WORK/sync-local"
        measure sync fleet50 local "$run" 0 -- "$CLI" --endpoint "$SYNC_ENDPOINT" sync --from aliyun-rds \
            --all-instances --keep-last 1 --to "$WORK/sync-local" --json
        SIZE=$(du -sb --exclude=.cloud-backup "$WORK/sync-local" | cut -f1)
        if [ "$HAVE_MOTO" = 1 ]; then
            measure sync fleet50 s3 "$run" 0 -- env AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret \
                AWS_REGION=us-east-1 "$CLI" --endpoint "$SYNC_ENDPOINT" sync --from aliyun-rds \
                --all-instances --keep-last 1 --to "s3://bench/run$run" \
                --to-endpoint "http://127.0.0.1:$MOTO_PORT" --json
        fi
        rm -rf "$WORK/sync-loop"
        mkdir -p "$WORK/sync-loop"
        measure sync fleet50 loop "$run" 0 -- sh -c 'while read -r instance backup _; do
                "$1" --endpoint "$2" aliyun-rds download --instance "$instance" --backup "$backup" \
                    --out "$3/$instance-$backup" --quiet >/dev/null || exit 1
            done <"$4"' sh "$CLI" "$SYNC_ENDPOINT" "$WORK/sync-loop" "$WORK/sync-newest.txt"
    done
    echo "  $(wc -l <"$WORK/sync-newest.txt") files, $SIZE bytes"
    printf '%s\n' "$SIZE" >"$WORK/sync-bytes.txt"
    [ "$HAVE_MOTO" = 1 ] && kill "$MOTO_PID" 2>/dev/null
    kill "$SYNC_PID" 2>/dev/null || true
    rm -rf "$WORK/sync-local" "$WORK/sync-loop"
fi

if phase large && [ "$HAVE_CLI_DOWNLOAD" = 1 ]; then
    echo "== one 4 GiB download (memory)"
    read -r id size url < <(file 2)
    ours large 4GiB cli 1 "$id" "$size"
fi

echo
echo "== results ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -sr))"
python3 scripts/bench_report.py "$RESULTS"
