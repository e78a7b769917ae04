#!/bin/bash
# Writes extracted.tsv (beside this file): every file the real tools leave when they unpack
# the test archives, with its size and SHA-256, the reference `cloud-backup extract` is
# compared with (tests/it/extract.rs).
#
# Debian 12 (bookworm), after:  apt-get install -y mariadb-backup   (mbstream, mariabackup)
# and a `qpress` on PATH (not packaged by Debian; built from the qpress 1.1 sources with
# `g++ -O3 -o qpress -x c quicklz.c -x c++ qpress.cpp aio.cpp utilities.cpp -lpthread`):
# `mariabackup --decompress` runs `qpress -dio` for every .qp file.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
command -v mbstream >/dev/null && command -v mariabackup >/dev/null && command -v qpress >/dev/null
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK"/full.xb.gz "$WORK"/full_qp.xb "$WORK"/backup.tar.gz "$WORK"/standalone.qp "$WORK"/shop.sql.gz
# xbstream: mbstream -x.
(cd "$WORK"/full.xb.gz && gzip -dc "$HERE"/full.xb.gz | mbstream -x)
# xbstream of .qp members: mbstream -x, then mariabackup --decompress --remove-original.
(cd "$WORK"/full_qp.xb && mbstream -x < "$HERE"/full_qp.xb)
mariabackup --decompress --remove-original --target-dir="$WORK"/full_qp.xb 2>"$WORK"/decompress.log \
    || { cat "$WORK"/decompress.log; exit 1; }
# tar in gzip: GNU tar.
tar -xzf "$HERE"/backup.tar.gz -C "$WORK"/backup.tar.gz
# A qpress file: qpress -d.
qpress -d "$HERE"/standalone.qp "$WORK"/standalone.qp
# gzip of a dump: gunzip's name.
gzip -dc "$HERE"/shop.sql.gz > "$WORK"/shop.sql.gz/shop.sql
{
    printf 'archive\tpath\tbytes\tsha256\n'
    for archive in full.xb.gz full_qp.xb backup.tar.gz standalone.qp shop.sql.gz; do
        (cd "$WORK/$archive" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
            printf '%s\t%s\t%s\t%s\n' "$archive" "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"
        done)
    done
} > "$HERE"/extracted.tsv
# Directories (empty ones included), for the comparison of trees.
{
    for archive in full.xb.gz full_qp.xb backup.tar.gz; do
        (cd "$WORK/$archive" && find . -mindepth 1 -type d | sed 's|^\./||' | LC_ALL=C sort | sed "s|^|$archive\t|")
    done
} > "$HERE"/extracted-dirs.tsv
wc -l "$HERE"/extracted.tsv "$HERE"/extracted-dirs.tsv
