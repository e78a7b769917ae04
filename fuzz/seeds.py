#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets that read what servers and files send.

    python3 fuzz/seeds.py

Seeds come from the wire examples in `fixtures/` (every provider response and error body) and
from the shapes the tests use (headers, XML errors, records, manifests, endpoints). Each seed
is named `seed-<sha1>`, so running this again adds nothing that is there. The fuzzer adds its
own finds to the same directories (`cargo +nightly fuzz run <target>`); the stable replay
(`cargo test -p cloud-backup --test it fuzz_corpus`) reads them all.
"""

import hashlib
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
PROVIDERS = {
    # target: (fixtures directory, generated module, provider selector of `records`)
    "capitalonline_mysql": ("capitalonline-mysql", 1),
    "aliyun_rds": ("aliyun-rds", 0),
    "huaweicloud_rds": ("huaweicloud-rds", 2),
    "huaweicloud_gaussdb": ("huaweicloud-gaussdb", 3),
}


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"seed-{hashlib.sha1(data).hexdigest()}").write_bytes(data)


def response_types(krate):
    text = (ROOT / "crates" / krate / "src" / "generated" / "mod.rs").read_text()
    return int(re.search(r"match selector % (\d+)", text).group(1))


def objects_in_arrays(value, found):
    """The first object of every array of objects in `value`, and `value` itself."""
    if isinstance(value, dict):
        found.append(value)
        for inner in value.values():
            objects_in_arrays(inner, found)
    elif isinstance(value, list):
        for inner in value[:1]:
            objects_in_arrays(inner, found)
    return found


for target, (krate, selector) in PROVIDERS.items():
    count = response_types(krate)
    for example in sorted((ROOT / "fixtures" / krate / "examples").glob("*.json")):
        body = example.read_bytes()
        status = 2 if example.name.startswith("error.") else 0
        for index in range(count):
            write(target, bytes([index, status]) + body)
        for record in objects_in_arrays(json.loads(body), []):
            write("records", bytes([selector]) + json.dumps(record).encode())
        write("http_body", body)

for headers in [
    "Content-Range: bytes 0-0/1073741824\nETag: \"5B3C1A2E053D763E1B002CC607C5A0FE\"\n"
    "x-oss-hash-crc64ecma: 11051210869376104954\nLast-Modified: Fri, 21 Nov 2026 02:11:23 GMT\n",
    "Content-Length: 104857600\nContent-MD5: 1B2M2Y8AsgTpgAmY7PhCfg==\nETag: \"d41d8cd98f00b204e9800998ecf8427e\"\n",
    "Content-Range: bytes */1000\nRetry-After: 120\nx-acs-retry-after: 2000\n",
    "Retry-After: Sun, 06 Nov 1994 08:49:37 GMT\nTransfer-Encoding: chunked\n",
    "ETag: W/\"weak\"\nx-obs-server-side-encryption: kms\nETag: \"abc-3\"\n",
]:
    write("http_headers", headers)

for xml in [
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>AccessDenied</Code>\n"
    "  <Message>Request has expired.</Message>\n  <RequestId>5C3D9175B6FC201293AD4D8B</RequestId>\n"
    "  <HostId>bucket.oss-cn-hangzhou.aliyuncs.com</HostId>\n</Error>",
    "<Error><Code>NoSuchKey</Code><Message> </Message></Error>",
    "<html><head><title>502 Bad Gateway</title></head></html>",
]:
    write("error_xml", xml)

for body in ["", "<!DOCTYPE html><html><title>Error</title></html>", "{\"a\": [1, 2.5, \"3\"]}",
             "null", "\"74464.0\"", "{\"Code\": \"Throttling\", \"Signature=abc\": 1}"]:
    write("http_body", body)

for endpoint in ["rds.aliyuncs.com", "https://rds.cn-hangzhou.aliyuncs.com",
                 "http://127.0.0.1:8080/", "https://[::1]:443", "rds.ap-southeast-1.myhuaweicloud.com",
                 "cdsapi.capitalonline.net/mysql", "ftp://x", "https://user:pw@host/"]:
    write("endpoint", endpoint)

for time in ["2019-02-13T12:20:37Z\n", "2026-11-21T02:11:23+0800\n", "2026-11-21 02:11:23\n+08:00",
             "2026-11-21T02:11:23.123Z\nUTC", "1700000000000\n", "2026-13-45T99:99:99Z\n"]:
    write("times", time)

for text in ["\x00GET /?Action=X&Signature=abc%2Bdef%3D&Nonce=1", "\x05Authorization: SDK-HMAC-SHA256 x",
             "\x0a{\"authorization\": \"ACS3 Credential=x\"}", "\x03SignatureMethod%3DHMAC-SHA1%26"]:
    write("redact", text)

record = {
    "format": "cloud-http/resume-1", "identity": {"file": "big.bin"},
    "url": "http://127.0.0.1/files/a", "etag": "\"abc\"", "last_modified": None, "total": 33554432,
    "checksums": [{"kind": "crc64", "value": "123", "source": "x-oss-hash-crc64ecma"}],
    "ranges": [{"start": 0, "end": 16777216, "next": 16777216},
               {"start": 16777216, "end": 33554432, "next": 20000000}],
}
write("resume_record", json.dumps(record))
record["ranges"] = [{"start": 0, "end": None, "next": None}]
write("resume_record", json.dumps(record))

for parts in [
    [b"POST", b"rds.aliyuncs.com", b"/", b"\x00", b"PageSize", b"100", b"\x01", b"content-type",
     b"application/json", b"{}"],
    [b"GET", b"rds.cn-north-4.myhuaweicloud.com", b"/v3/0123/instances/i-1/backups", b"\x00",
     b"limit", b"100", b"\x00", b"a b", b"\xe4\xb8\xad", b""],
    [b"get", b"", b"", b""],
]:
    write("signers", b"\x00".join(parts))

entry = {
    "format": "cloud-backup/manifest-1", "provider": "aliyun-rds", "instance_id": "rm-demo",
    "backup_id": "401000409", "kind": "full",
    "path": "aliyun-rds/rm-demo/full/401000409/hins_data_qp.xb", "bytes": 4096,
    "sha256": "00" * 32, "checks": [{"check": "size", "value": "4096", "sources": ["api"]}],
    "files_in_backup": 1, "started_at": "2026-11-21T02:11:23Z", "finished_at": None,
    "copied_at": "2026-11-22T00:00:00Z",
}
write("manifest", b"\x01" + json.dumps(entry).encode())
entry["path"] = "aliyun-rds/rm-demo/../../victim"
write("manifest", b"\x01" + json.dumps(entry).encode())

for links in [
    b"hins_data_qp.xb\x00https://oss.example.com/b/hins_data_qp.xb?Expires=1&Signature=x",
    b"\x00https://x/a%2F..%2Fb\x01\x00https://x/..\x01..\x00https://x/",
    b"A.xb\x00https://x/a.xb\x01a.XB\x00https://x/b\x01\x00not a url",
]:
    write("file_names", links)
