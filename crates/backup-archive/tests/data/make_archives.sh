#!/bin/bash
# Reproduces the test archives in this directory.
# Debian 12 (bookworm), as root, after:  apt-get update && apt-get install -y mariadb-server mariadb-backup
# Uses a throwaway server in /tmp/mdb (NOT the system service).
set -euo pipefail
OUT=${OUT:-/work/research/archives}
M=/tmp/mdb
rm -rf "$M"; mkdir -p "$M/tmp"

cat > "$M/my.cnf" <<'CNF'
[mysqld]
user=root
datadir=/tmp/mdb/data
socket=/tmp/mdb/sock
port=3399
bind-address=127.0.0.1
skip-networking=0
# smallest values 10.11 accepts (log file: min 4M; log buffer: min 2M;
# ibdata1 is created at 10M by bootstrap regardless of the :1M here)
innodb_log_file_size=4M
innodb_log_buffer_size=2M
innodb_buffer_pool_size=8M
innodb_data_file_path=ibdata1:1M:autoextend
innodb_temp_data_file_path=ibtmp1:1M:autoextend
innodb_autoextend_increment=1
innodb_undo_tablespaces=0
log_error=/tmp/mdb/error.log
pid_file=/tmp/mdb/mdb.pid
[client]
socket=/tmp/mdb/sock
user=root
[mariabackup]
socket=/tmp/mdb/sock
user=root
CNF

mariadb-install-db --defaults-file=$M/my.cnf --user=root --datadir=$M/data \
    --auth-root-authentication-method=normal --skip-test-db > $M/install.log 2>&1

mariadbd --defaults-file=$M/my.cnf > $M/mariadbd.out 2>&1 &
trap 'mariadb-admin --defaults-file=$M/my.cnf shutdown 2>/dev/null || true' EXIT
for i in $(seq 1 30); do mariadb-admin --defaults-file=$M/my.cnf ping >/dev/null 2>&1 && break; sleep 1; done

# Shrink: the help tables (~2.5 MB help_topic.MAD) and the sys schema (~0.5 MB in mysql.proc)
# dominate the datadir and are irrelevant for the tests.
mariadb --defaults-file=$M/my.cnf <<'SQL'
TRUNCATE mysql.help_topic; TRUNCATE mysql.help_keyword; TRUNCATE mysql.help_relation; TRUNCATE mysql.help_category;
DROP DATABASE sys;
OPTIMIZE TABLE mysql.proc;
SQL

mariadb --defaults-file=$M/my.cnf <<'SQL'
CREATE DATABASE shop;
USE shop;
CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  email VARCHAR(128) NOT NULL,
  balance DECIMAL(10,2) NOT NULL DEFAULT 0,
  created DATETIME NOT NULL,
  note TEXT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1,
  KEY idx_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  amount DECIMAL(10,2) NOT NULL,
  status ENUM('new','paid','shipped') NOT NULL DEFAULT 'new',
  KEY (customer_id)
) ENGINE=InnoDB;
CREATE TABLE audit_log (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  msg VARCHAR(255) NOT NULL
) ENGINE=Aria;
CREATE TABLE settings (
  k VARCHAR(32) NOT NULL PRIMARY KEY,
  v VARCHAR(255) NOT NULL
) ENGINE=MyISAM;
INSERT INTO customers (name, email, balance, created, note, active)
SELECT CONCAT('Customer ', seq, IF(seq % 7 = 0, ' Müller-Øresund', '')),
       CONCAT('user', seq, '@example.', ELT(1 + seq % 3, 'com', 'org', 'net')),
       ROUND((seq * 37.13) % 10000, 2) - 500,
       '2024-01-01 00:00:00' + INTERVAL (seq * 7919) MINUTE,
       IF(seq % 5 = 0, NULL, REPEAT(CONCAT('note-', seq, ' '), 1 + seq % 9)),
       seq % 4 <> 0
FROM seq_1_to_300;
INSERT INTO audit_log (ts, msg) VALUES
  ('2024-05-01 10:00:00', 'created shop schema'),
  ('2024-05-01 10:00:01', 'imported 300 customers'),
  ('2024-05-01 10:00:02', 'orders table left empty');
INSERT INTO settings VALUES ('currency','EUR'), ('vat_rate','0.19'), ('shop_name','Test Shop');
SQL

# Restart so that InnoDB checkpoints at the end of the redo log. Otherwise mariabackup's
# DDL tracking sees the CREATE TABLE redo records after the checkpoint and streams
# shop/customers.ibd and shop/orders.ibd as "customers.new"/"orders.new" instead of .ibd.
mariadb-admin --defaults-file=$M/my.cnf shutdown
while [ -e $M/mdb.pid ]; do sleep 0.5; done
mariadbd --defaults-file=$M/my.cnf >> $M/mariadbd.out 2>&1 &
for i in $(seq 1 30); do mariadb-admin --defaults-file=$M/my.cnf ping >/dev/null 2>&1 && break; sleep 1; done

cd "$OUT"
# a. plain xbstream
mariabackup --defaults-file=$M/my.cnf --backup --stream=xbstream --user=root --socket=$M/sock \
    --target-dir=$M/tmp > full.xb 2> $M/full.log
# b. xbstream with deprecated QuickLZ/qpress compression (.qp members)
mariabackup --defaults-file=$M/my.cnf --backup --stream=xbstream --compress --user=root --socket=$M/sock \
    --target-dir=$M/tmp > full_qp.xb 2> $M/full_qp.log
# extraction checks
mkdir -p $M/x_full $M/x_qp
mbstream -x -C $M/x_full < full.xb && echo "mbstream -x full.xb: OK"
mbstream -x -C $M/x_qp < full_qp.xb && echo "mbstream -x full_qp.xb: OK"
# c. a standalone qpress file
cp $M/x_qp/shop/customers.ibd.qp standalone.qp && chmod 644 standalone.qp
# d. logical dump
mariadb-dump --socket=$M/sock -uroot --databases shop | gzip -9 > shop.sql.gz
# e. GNU tar of the extracted uncompressed backup
tar -czf backup.tar.gz -C $M/x_full .

# full.xb is ~12 MB (mostly the zero-filled 10 MiB ibdata1): keep only the gzipped copy
gzip -9 -k -f full.xb
rm full.xb
