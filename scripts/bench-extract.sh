#!/usr/bin/env bash
# Extraction benchmark (issue 16): `cloud-backup extract` against the real tools on real
# mariabackup archives of about 1 GiB, made here by a throwaway MariaDB server:
#   plain xbstream:    mbstream -x                                   vs  cloud-backup extract
#   --compress (.qp):  mbstream -x, then mariabackup --decompress
#                      --remove-original (which runs qpress -dio)    vs  cloud-backup extract
# Wall time and peak memory (GNU time) of each, median of $RUNS runs, page cache warm (each
# archive is read once first); every result is compared with the tools' (diff -r).
#
#   scripts/bench-extract.sh                 # ROWS=1000000 (about 1.2 GiB of InnoDB data)
#   ROWS=200000 RUNS=1 scripts/bench-extract.sh
#   RUNS=0 scripts/bench-extract.sh          # only make the archives (in $WORK)
#
# Needs (Debian 12): mariadb-server, mariadb-backup, /usr/bin/time, and a `qpress` on PATH for
# mariabackup --decompress (Debian has none; qpress 1.1 builds from its sources with
# `g++ -O3 -o qpress -x c quicklz.c -x c++ qpress.cpp aio.cpp utilities.cpp -lpthread`).
# Without qpress the compressed archive is timed for cloud-backup and mbstream -x only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/bench-extract}
M=$WORK/server
mkdir -p "$WORK"

cargo build --release -q -p cloud-backup --manifest-path "$ROOT/Cargo.toml"
OURS=$ROOT/target/release/cloud-backup

if [ ! -s "$WORK/full.xb" ] || [ ! -s "$WORK/full_qp.xb" ] || [ "$(cat "$WORK/rows" 2>/dev/null)" != "$ROWS" ]; then
    rm -rf "$M"; mkdir -p "$M/tmp"
    cat > "$M/my.cnf" <<CNF
[mysqld]
user=root
datadir=$M/data
socket=$M/sock
port=3398
bind-address=127.0.0.1
innodb_buffer_pool_size=512M
innodb_log_file_size=256M
log_error=$M/error.log
pid_file=$M/mdb.pid
[client]
socket=$M/sock
user=root
CNF
    mariadb-install-db --defaults-file="$M/my.cnf" --user=root --datadir="$M/data" \
        --auth-root-authentication-method=normal --skip-test-db > "$M/install.log" 2>&1
    mariadbd --defaults-file="$M/my.cnf" > "$M/mariadbd.out" 2>&1 &
    trap 'mariadb-admin --defaults-file="$M/my.cnf" shutdown 2>/dev/null || true' EXIT
    for _ in $(seq 1 60); do mariadb-admin --defaults-file="$M/my.cnf" ping >/dev/null 2>&1 && break; sleep 1; done
    # Rows of about 1 KiB: a third random bytes, the rest repetitive text (compresses about
    # as a real table does).
    mariadb --defaults-file="$M/my.cnf" <<SQL
CREATE DATABASE bench;
USE bench;
CREATE TABLE orders (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  customer VARCHAR(64) NOT NULL,
  placed DATETIME NOT NULL,
  payload VARBINARY(1200) NOT NULL
) ENGINE=InnoDB;
INSERT INTO orders
SELECT seq, CONCAT('customer-', seq % 5000), '2024-01-01' + INTERVAL seq MINUTE,
       CONCAT(RANDOM_BYTES(320), REPEAT(CONCAT('item=', seq % 977, ';qty=', seq % 13, ';status=paid;'), 22))
FROM seq_1_to_$ROWS;
SQL
    mariabackup --defaults-file="$M/my.cnf" --backup --stream=xbstream --target-dir="$M/tmp" \
        > "$WORK/full.xb" 2> "$M/full.log"
    mariabackup --defaults-file="$M/my.cnf" --backup --stream=xbstream --compress \
        --target-dir="$M/tmp" > "$WORK/full_qp.xb" 2> "$M/full_qp.log"
    mariadb-admin --defaults-file="$M/my.cnf" shutdown
    trap - EXIT
    echo "$ROWS" > "$WORK/rows"
fi
ls -l "$WORK/full.xb" "$WORK/full_qp.xb"
[ "$RUNS" = 0 ] && exit 0                            # RUNS=0: only make the archives
cat "$WORK/full.xb" "$WORK/full_qp.xb" > /dev/null   # warm the page cache

# time_of NAME COMMAND...: runs it, prints "NAME seconds max-rss-KiB".
time_of() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > /dev/null 2> "$WORK/stderr" \
        || { cat "$WORK/stderr"; exit 1; }
    printf '%s %s\n' "$name" "$(cat "$WORK/time")"
}
fresh() { rm -rf "$WORK/$1"; mkdir -p "$WORK/$1"; }

RESULTS=$WORK/results
: > "$RESULTS"
for run in $(seq 1 "$RUNS"); do
    fresh mb; time_of "xb mbstream" sh -c "cd $WORK/mb && mbstream -x < $WORK/full.xb" >> "$RESULTS"
    fresh ours; time_of "xb cloud-backup" "$OURS" extract "$WORK/full.xb" --to "$WORK/ours" >> "$RESULTS"
    diff -r "$WORK/mb" "$WORK/ours"
    fresh mbqp; time_of "qp mbstream" sh -c "cd $WORK/mbqp && mbstream -x < $WORK/full_qp.xb" >> "$RESULTS"
    if command -v qpress > /dev/null; then
        time_of "qp decompress" mariabackup --decompress --remove-original --target-dir="$WORK/mbqp" >> "$RESULTS"
    fi
    fresh oursqp; time_of "qp cloud-backup" "$OURS" extract "$WORK/full_qp.xb" --to "$WORK/oursqp" >> "$RESULTS"
    if command -v qpress > /dev/null; then
        diff -r "$WORK/mbqp" "$WORK/oursqp"
    fi
    echo "run $run done" >&2
done
python3 - "$RESULTS" "$WORK/full.xb" "$WORK/full_qp.xb" <<'PY'
import collections, os, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    *name, secs, rss = line.split()
    rows[" ".join(name)].append((float(secs), int(rss)))
med = {k: (statistics.median(s for s, _ in v), max(r for _, r in v)) for k, v in rows.items()}
xb, qp = os.path.getsize(sys.argv[2]), os.path.getsize(sys.argv[3])
print(f"| archive | tool | seconds (median of {len(rows['xb mbstream'])}) | MiB/s of archive | peak RSS |")
print("|---|---|---:|---:|---:|")
def row(archive, size, tool, secs, rss):
    print(f"| {archive} | {tool} | {secs:.2f} | {size / secs / 2**20:.0f} | {rss / 1024:.1f} MiB |")
row(f"plain xbstream, {xb / 2**20:.0f} MiB", xb, "`mbstream -x`", *med["xb mbstream"])
row("", xb, "`cloud-backup extract`", *med["xb cloud-backup"])
tools = med["qp mbstream"][0]
rss = med["qp mbstream"][1]
label = "`mbstream -x`"
if "qp decompress" in med:
    tools += med["qp decompress"][0]
    rss = max(rss, med["qp decompress"][1])
    label += " + `mariabackup --decompress --remove-original`"
row(f"--compress (.qp members), {qp / 2**20:.0f} MiB", qp, label, tools, rss)
row("", qp, "`cloud-backup extract`", *med["qp cloud-backup"])
PY
