#!/usr/bin/env python3
"""An object store server for the tests of `sync --to obs://` and `--to oss://`: Huawei
Cloud OBS or Alibaba Cloud OSS (the FLAVOR argument), objects kept as files under a directory.

Every request must carry a valid signature in the flavor's header form, checked as the
providers document it: OBS (`Authorization: OBS AK:Signature`, "Authentication of Signature in
a Header", https://support.huaweicloud.com/intl/en-us/api-obs/obs_04_0010.html) and OSS's
V1 signature (`Authorization: OSS AK:Signature`, "Include a V1 signature in the Authorization
header", https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header):

    StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n
                   CanonicalizedHeaders CanonicalizedResource
    Signature = Base64(HMAC-SHA1(SK, UTF-8(StringToSign)))

where CanonicalizedHeaders are the `x-obs-` (`x-oss-`) headers, lower-cased, sorted,
`name:value\n`; Date must be within 15 minutes of the server's clock (OBS: empty when
`x-obs-date` is sent, which then carries the time); CanonicalizedResource is
`/<bucket>/<object>` followed by the flavor's sub-resources (`uploads`, `uploadId`,
`partNumber`, ...) sorted, as `?a&b=c`. OBS is reached through a user domain (the endpoint's
host stands for the bucket, as with a domain bound to a bucket: OpenDAL sends the requests of
a custom endpoint so), and its resource keeps the object name as sent; OSS is reached path
style (`/<bucket>/<object>`), and its resource has the name decoded. A request that fails gets
403 with the provider's XML error (`SignatureDoesNotMatch`, `InvalidAccessKeyId`,
`RequestTimeTooSkewed`).

The OBS check was compared with the signer of Huawei's official Python OBS SDK
(esdk-obs-python 3.26.6, `obs.auth.Authentication` in user-domain mode): it accepts what that
signer makes (object PUT with `x-obs-meta-` headers, GET, HEAD, DELETE, listing, multipart
initiate, part, complete) and refuses a wrong secret.

Operations: PUT, GET (with Range), HEAD and DELETE of an object; multipart uploads (initiate,
upload part, complete, abort), whose parts stay out of sight until completed; listing, V1
(`marker`) and V2 (`list-type=2`, `continuation-token`, `start-after`). ETags are S3's: the
MD5 of the object, or for a multipart upload the MD5 of its parts' MD5s followed by `-N`; OSS
writes them in upper case, as OSS does.

Usage: store_server.py FLAVOR HOST PORT DIRECTORY ACCESS_KEY SECRET_KEY
Objects are kept in DIRECTORY/objects/<bucket>/<key> (OBS: the bucket is the endpoint's host).
Prints `ready` on stdout once it listens; logs each request on stderr; exits when its stdin
closes (the test that started it ended).
"""

import base64
import email.utils
import hashlib
import hmac
import os
import re
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OBS_SUB_RESOURCES = {
    "acl", "append", "attname", "backtosource", "cors", "customdomain", "delete",
    "deletebucket", "directcoldaccess", "encryption", "inventory", "length", "lifecycle",
    "location", "logging", "metadata", "modify", "name", "notification", "partNumber",
    "policy", "position", "quota", "rename", "replication", "response-cache-control",
    "response-content-disposition", "response-content-encoding", "response-content-language",
    "response-content-type", "response-expires", "restore", "storageClass", "storagePolicy",
    "storageinfo", "tagging", "torrent", "truncate", "uploadId", "uploads", "versionId",
    "versioning", "versions", "website", "x-image-process", "x-image-save-bucket",
    "x-image-save-object", "x-obs-security-token",
}

# The sub-resources of OSS's V1 signature (Alibaba Cloud's list, as its SDKs carry it).
OSS_SUB_RESOURCES = {
    "acl", "uploads", "location", "cors", "logging", "website", "referer", "lifecycle",
    "delete", "append", "tagging", "objectMeta", "uploadId", "partNumber", "security-token",
    "position", "img", "style", "styleName", "replication", "replicationProgress",
    "replicationLocation", "cname", "bucketInfo", "comp", "qos", "live", "status", "vod",
    "startTime", "endTime", "symlink", "x-oss-process", "response-content-type",
    "x-oss-traffic-limit", "response-content-language", "response-expires",
    "response-cache-control", "response-content-disposition", "response-content-encoding",
    "udf", "udfName", "udfImage", "udfId", "udfImageDesc", "udfApplication",
    "udfApplicationLog", "restore", "callback", "callback-var", "qosInfo", "policy", "stat",
    "encryption", "versions", "versioning", "versionId", "requestPayment", "x-oss-request-payer",
    "sequential", "inventory", "inventoryId", "continuation-token", "asyncFetch", "worm",
    "wormId", "wormExtend", "withHashContext", "x-oss-enable-md5", "x-oss-enable-sha1",
    "x-oss-enable-sha256", "x-oss-hash-ctx", "x-oss-md5-ctx", "transferAcceleration",
    "regionList", "cloudboxes", "x-oss-ac-source-ip", "x-oss-ac-subnet-mask", "x-oss-ac-vpc-id",
    "x-oss-ac-forward-allow", "metaQuery", "resourceGroup", "rtc", "x-oss-async-process",
    "responseHeader",
}

FLAVORS = {
    "obs": {"name": "OBS", "prefix": "x-obs-", "date": "x-obs-date", "subs": OBS_SUB_RESOURCES,
            "upper_etags": False},
    "oss": {"name": "OSS", "prefix": "x-oss-", "date": None, "subs": OSS_SUB_RESOURCES,
            "upper_etags": True},
}

FLAVOR = FLAVORS[sys.argv[1]]
HOST, PORT, ROOT, ACCESS_KEY, SECRET_KEY = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
OBJECTS = os.path.join(ROOT, "objects")
UPLOADS = os.path.join(ROOT, "uploads")
ETAGS = os.path.join(ROOT, "etags")
LOCK = threading.Lock()
COUNTS = {"signed": 0, "refused": 0}


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def object_path(bucket, key):
    parts = [bucket] + key.split("/")
    if not key or any(p in ("", ".", "..") for p in parts):
        return None
    return os.path.join(OBJECTS, *parts)


def modified(path):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(os.path.getmtime(path)))


def shown_etag(etag):
    return etag.upper() if FLAVOR["upper_etags"] else etag


def etag_path(path):
    return os.path.join(ETAGS, os.path.relpath(path, OBJECTS))


def md5_file(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("store_server: " + (fmt % args) + "\n")

    # --- answers ---

    def answer(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header(FLAVOR["prefix"] + "request-id", uuid.uuid4().hex)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message):
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Error><Code>{code}</Code><Message>{xml_escape(message)}</Message>"
            f"<RequestId>{uuid.uuid4().hex}</RequestId></Error>"
        ).encode()
        self.answer(status, body, {"Content-Type": "application/xml"})

    # --- the signature ---

    def authorized(self, resource, query):
        auth = self.headers.get("Authorization", "")
        match = re.fullmatch(FLAVOR["name"] + r" ([^:]+):(.+)", auth)
        if not match:
            self.error(403, "AccessDenied", "an " + FLAVOR["name"] + " signature is required")
            return False
        if match.group(1) != ACCESS_KEY:
            self.error(403, "InvalidAccessKeyId", "the access key id does not exist")
            return False
        own = {}
        for name, value in self.headers.items():
            lower = name.lower()
            if lower.startswith(FLAVOR["prefix"]):
                value = value.strip()
                own[lower] = own[lower] + "," + value if lower in own else value
        overridden = FLAVOR["date"] is not None and FLAVOR["date"] in own
        date = "" if overridden else self.headers.get("Date", "")
        sent = own[FLAVOR["date"]] if overridden else self.headers.get("Date", "")
        try:
            when = email.utils.parsedate_to_datetime(sent).timestamp()
        except (TypeError, ValueError):
            self.error(403, "AccessDenied", "no valid Date")
            return False
        if abs(when - time.time()) > 15 * 60:
            self.error(403, "RequestTimeTooSkewed", "the request's time is more than 15 minutes off")
            return False
        canonical_headers = "".join(f"{k}:{own[k]}\n" for k in sorted(own))
        subs = sorted((k, v) for k, v in query if k in FLAVOR["subs"])
        if subs:
            resource += "?" + "&".join(k if v == "" else f"{k}={v}" for k, v in subs)
        to_sign = "\n".join([
            self.command,
            self.headers.get("Content-MD5", ""),
            self.headers.get("Content-Type", ""),
            date,
            "",
        ]) + canonical_headers + resource
        want = base64.b64encode(hmac.new(SECRET_KEY.encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(want, match.group(2)):
            with LOCK:
                COUNTS["refused"] += 1
            self.error(403, "SignatureDoesNotMatch", "the signature does not match; StringToSign: " + to_sign)
            return False
        with LOCK:
            COUNTS["signed"] += 1
        return True

    # --- dispatch ---

    def handle_any(self):
        raw_path, _, raw_query = self.path.partition("?")
        query = urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
        params = dict(query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if FLAVOR["name"] == "OBS":
            # A user domain: the host is the bucket; the object name as sent.
            self.bucket = (self.headers.get("Host") or "").split(":")[0]
            key_path = raw_path
            resource = f"/{self.bucket}{raw_path}"
        else:
            # Path style: /<bucket>/<object>; the object name decoded.
            self.bucket, _, rest = raw_path.lstrip("/").partition("/")
            key_path = "/" + rest
            resource = urllib.parse.unquote(raw_path)
            if not self.bucket:
                return self.error(400, "InvalidBucketName", "no bucket in the path")
        if not self.authorized(resource, query):
            return
        key = urllib.parse.unquote(key_path.lstrip("/"))
        if key == "":
            if self.command == "GET":
                return self.list(params)
            return self.error(405, "MethodNotAllowed", "not on the bucket")
        path = object_path(self.bucket, key)
        if path is None:
            return self.error(400, "InvalidURI", "a bad object name")
        if self.command == "POST" and "uploads" in params:
            upload = uuid.uuid4().hex
            os.makedirs(os.path.join(UPLOADS, upload))
            with open(os.path.join(UPLOADS, upload, "key"), "w") as f:
                f.write(self.bucket + "/" + key)
            result = (
                '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult>'
                f"<Bucket>{self.bucket}</Bucket><Key>{xml_escape(key)}</Key>"
                f"<UploadId>{upload}</UploadId></InitiateMultipartUploadResult>"
            )
            return self.answer(200, result.encode(), {"Content-Type": "application/xml"})
        if "uploadId" in params:
            return self.multipart(key, path, params, body)
        if self.command == "PUT":
            if "Content-MD5" in self.headers:
                if base64.b64encode(hashlib.md5(body).digest()).decode() != self.headers["Content-MD5"]:
                    return self.error(400, "BadDigest", "Content-MD5 does not match")
            self.store(path, [body])
            try:
                os.remove(etag_path(path))
            except FileNotFoundError:
                pass
            return self.answer(200, b"", {"ETag": f'"{shown_etag(hashlib.md5(body).hexdigest())}"'})
        if self.command in ("GET", "HEAD"):
            return self.read(path)
        if self.command == "DELETE":
            for gone in (path, etag_path(path)):
                try:
                    os.remove(gone)
                except FileNotFoundError:
                    pass
            return self.answer(204)
        return self.error(405, "MethodNotAllowed", self.command)

    def store(self, path, pieces):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        staging = os.path.join(ROOT, "staging-" + uuid.uuid4().hex)
        with open(staging, "wb") as f:
            for piece in pieces:
                if isinstance(piece, bytes):
                    f.write(piece)
                else:
                    with open(piece, "rb") as part:
                        for block in iter(lambda: part.read(1 << 20), b""):
                            f.write(block)
        os.replace(staging, path)

    def etag_of(self, path):
        try:
            with open(etag_path(path)) as f:
                return f.read()
        except FileNotFoundError:
            return md5_file(path).hexdigest()

    def read(self, path):
        if not os.path.isfile(path):
            return self.error(404, "NoSuchKey", "the object does not exist")
        size = os.path.getsize(path)
        start, end = 0, size - 1
        status = 200
        headers = {
            "ETag": f'"{shown_etag(self.etag_of(path))}"',
            "Last-Modified": email.utils.formatdate(os.path.getmtime(path), usegmt=True),
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if wanted and size > 0:
            first, last = wanted.groups()
            if first:
                start = int(first)
                end = min(int(last), size - 1) if last else size - 1
            elif last:
                start = max(size - int(last), 0)
            if start >= size:
                return self.error(416, "InvalidRange", "the range is beyond the object")
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read(end - start + 1) if size else b""
        if self.command == "HEAD":
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return
        self.answer(status, data, headers)

    def multipart(self, key, path, params, body):
        upload = params["uploadId"]
        folder = os.path.join(UPLOADS, upload)
        if not re.fullmatch(r"[0-9a-f]{32}", upload) or not os.path.isdir(folder):
            return self.error(404, "NoSuchUpload", "no such upload")
        with open(os.path.join(folder, "key")) as f:
            if f.read() != self.bucket + "/" + key:
                return self.error(400, "InvalidArgument", "the upload is of another object")
        if self.command == "PUT":
            number = int(params.get("partNumber", "0"))
            if not 1 <= number <= 10000:
                return self.error(400, "InvalidArgument", "partNumber")
            part = os.path.join(folder, f"{number:05}")
            with open(part + ".tmp", "wb") as f:
                f.write(body)
            os.replace(part + ".tmp", part)
            return self.answer(200, b"", {"ETag": f'"{shown_etag(hashlib.md5(body).hexdigest())}"'})
        if self.command == "DELETE":
            for name in os.listdir(folder):
                os.remove(os.path.join(folder, name))
            os.rmdir(folder)
            return self.answer(204)
        if self.command == "POST":
            listed = re.findall(
                r"<Part>\s*<PartNumber>(\d+)</PartNumber>\s*<ETag>(?:\"|&quot;)?([0-9a-fA-F]{32})(?:\"|&quot;)?</ETag>\s*</Part>",
                body.decode(errors="replace"),
            )
            if not listed:
                return self.error(400, "MalformedXML", "no parts")
            pieces, digests = [], []
            for number, etag in listed:
                part = os.path.join(folder, f"{int(number):05}")
                etag = etag.lower()
                if not os.path.isfile(part) or md5_file(part).hexdigest() != etag:
                    return self.error(400, "InvalidPart", f"part {number} is missing or differs")
                pieces.append(part)
                digests.append(bytes.fromhex(etag))
            numbers = [int(n) for n, _ in listed]
            if numbers != sorted(numbers):
                return self.error(400, "InvalidPartOrder", "parts out of order")
            for part in pieces[:-1]:
                if os.path.getsize(part) < 5 * 1024 * 1024:
                    return self.error(400, "EntityTooSmall", "a part under 5 MiB before the last")
            etag = f"{hashlib.md5(b''.join(digests)).hexdigest()}-{len(pieces)}"
            self.store(path, pieces)
            os.makedirs(os.path.dirname(etag_path(path)), exist_ok=True)
            with open(etag_path(path), "w") as f:
                f.write(etag)
            for name in os.listdir(folder):
                os.remove(os.path.join(folder, name))
            os.rmdir(folder)
            result = (
                '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult>'
                f"<Bucket>{self.bucket}</Bucket><Key>{xml_escape(key)}</Key>"
                f'<ETag>"{shown_etag(etag)}"</ETag></CompleteMultipartUploadResult>'
            )
            return self.answer(200, result.encode(), {"Content-Type": "application/xml"})
        return self.error(405, "MethodNotAllowed", self.command)

    def list(self, params):
        v2 = params.get("list-type") == "2"
        prefix = params.get("prefix", "")
        delimiter = params.get("delimiter", "")
        if v2:
            marker = params.get("continuation-token") or params.get("start-after", "")
        else:
            marker = params.get("marker", "")
        limit = min(int(params.get("max-keys", "1000") or 1000), 1000)
        root = os.path.join(OBJECTS, self.bucket)
        keys = []
        for folder, _, names in os.walk(root):
            for name in names:
                full = os.path.join(folder, name)
                keys.append(os.path.relpath(full, root).replace(os.sep, "/"))
        keys.sort()
        contents, prefixes, next_marker = [], [], ""
        for key in keys:
            if not key.startswith(prefix) or key <= marker:
                continue
            rest = key[len(prefix):]
            if delimiter and delimiter in rest:
                common = prefix + rest.split(delimiter)[0] + delimiter
                if common not in prefixes and common > marker:
                    prefixes.append(common)
                continue
            if len(contents) + len(prefixes) >= limit:
                next_marker = contents[-1][0] if contents else prefixes[-1]
                break
            contents.append((key, os.path.getsize(os.path.join(root, key))))
        items = "".join(
            f"<Contents><Key>{xml_escape(k)}</Key><Size>{s}</Size>"
            f"<LastModified>{modified(os.path.join(root, k))}</LastModified>"
            f"<ETag>\"{shown_etag(self.etag_of(os.path.join(root, k)))}\"</ETag></Contents>"
            for k, s in contents
        ) + "".join(f"<CommonPrefixes><Prefix>{xml_escape(p)}</Prefix></CommonPrefixes>" for p in prefixes)
        truncated = "true" if next_marker else "false"
        if v2:
            paging = f"<KeyCount>{len(contents) + len(prefixes)}</KeyCount>" + (
                f"<NextContinuationToken>{xml_escape(next_marker)}</NextContinuationToken>" if next_marker else ""
            )
        else:
            paging = f"<Marker>{xml_escape(marker)}</Marker>" + (
                f"<NextMarker>{xml_escape(next_marker)}</NextMarker>" if next_marker else ""
            )
        result = (
            '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>'
            f"<Name>{self.bucket}</Name><Prefix>{xml_escape(prefix)}</Prefix>"
            f"<MaxKeys>{limit}</MaxKeys><IsTruncated>{truncated}</IsTruncated>"
            + paging + items + "</ListBucketResult>"
        )
        return self.answer(200, result.encode(), {"Content-Type": "application/xml"})

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def main():
    os.makedirs(OBJECTS, exist_ok=True)
    os.makedirs(UPLOADS, exist_ok=True)
    os.makedirs(ETAGS, exist_ok=True)
    server = ThreadingHTTPServer((HOST, PORT), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    # The test holds our stdin: when it ends (or dies), so do we.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
