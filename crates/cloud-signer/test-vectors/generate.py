#!/usr/bin/env python3
"""Writes the hostile-input test vectors (the `gen-*` case folders) with the official Python SDKs.

Not run by CI (it needs PyPI); run it by hand after changing a case below, then review the diff:

    python3 -m venv /tmp/sigvenv
    /tmp/sigvenv/bin/pip install aliyun-python-sdk-core==2.16.1 alibabacloud-openapi-util==0.2.4 \
        alibabacloud-tea-openapi==0.4.6 huaweicloudsdkcore==3.1.219 cds-python-sdk==0.14
    /tmp/sigvenv/bin/python crates/cloud-signer/test-vectors/generate.py

Produced with those versions (test-vectors/README.md has the whole `pip freeze`) on Python 3.11.

It deletes and rewrites every `gen-*` folder under test-vectors/<provider>/ and touches nothing
else (the official vectors are hand-copied from the providers' documents). Every signature and
every stage comes from the packages' own functions; this script only builds their inputs, pins
the time and the nonce, and captures intermediate stages by wrapping the packages' own helpers:

* capitalonline: cds-python-sdk `capitalonline.common.sign.Sign.get_signature` (the whole URL).
* aliyun-rpc:    aliyunsdkcore `auth.composer.rpc_signature_composer` (`get_signed_url`,
                 `__compose_string_to_sign`, `__get_signature`), cross-checked with
                 alibabacloud-openapi-util `Client.get_rpcsignature`.
* aliyun-acs3:   alibabacloud-openapi-util `Client.get_authorization`, cross-checked with
                 alibabacloud-tea-openapi `Utils.get_authorization`.
* huaweicloud:   huaweicloudsdkcore `BasicCredentials.sign_request` (-> `signer.Signer.sign`).
"""

import base64
import hashlib
import hmac
import json
import os
import shutil
import types
from urllib.parse import parse_qs, unquote

import alibabacloud_openapi_util.client as ali_util
import capitalonline.common.sign as cds_sign
from aliyunsdkcore.auth.composer import rpc_signature_composer as ali_core
from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer as HwSigner

ROOT = os.path.dirname(os.path.abspath(__file__))

NONCE = "6b3a5f2c-9d1e-4c7a-8f00-123456789abc"
TIMESTAMP = "2024-05-06T07:08:09Z"  # RPC Timestamp / x-acs-date
HW_DATE = "20240506T070809Z"  # X-Sdk-Date, the same instant


def write_case(provider, name, request, **files):
    """Writes test-vectors/<provider>/gen-<name>/: request.json plus one .txt per stage."""
    folder = os.path.join(ROOT, provider, "gen-" + name)
    os.makedirs(folder)
    with open(os.path.join(folder, "request.json"), "w", encoding="utf-8") as f:
        json.dump(request, f, ensure_ascii=False, indent=2)
        f.write("\n")
    for stage, content in files.items():
        if stage == "headers":
            with open(os.path.join(folder, "headers.json"), "w", encoding="utf-8") as f:
                json.dump(content, f, ensure_ascii=False, indent=2)
                f.write("\n")
            continue
        with open(os.path.join(folder, stage.replace("_", "-") + ".txt"), "w", encoding="utf-8", newline="") as f:
            f.write(content + "\n")


def clean():
    for provider in ("capitalonline", "aliyun-rpc", "aliyun-acs3", "huaweicloud"):
        base = os.path.join(ROOT, provider)
        os.makedirs(base, exist_ok=True)
        for entry in os.listdir(base):
            if entry.startswith("gen-"):
                shutil.rmtree(os.path.join(base, entry))


# --------------------------------------------------------------------------------------------
# Capital Online: Sign.get_signature(action, ak, secret, method, url, param) with the clock,
# uuid1 and HMAC pinned/captured. (`base64.encodestring` was removed in Python 3.9; it was an
# alias of `encodebytes`, which the shim restores.)
# --------------------------------------------------------------------------------------------

def cds_case(name, description, method, action, params, secret="testsecret", ak="testid", token=None):
    captured = {}

    def capture_new(key, msg, digestmod):
        captured["key"], captured["msg"] = key, msg
        return hmac.new(key, msg, digestmod)

    cds_sign.time = types.SimpleNamespace(strftime=lambda fmt, t: TIMESTAMP, gmtime=lambda: None)
    cds_sign.uuid = types.SimpleNamespace(uuid1=lambda: NONCE)
    cds_sign.base64 = types.SimpleNamespace(encodestring=base64.encodebytes)
    cds_sign.hmac = types.SimpleNamespace(new=capture_new)

    url = cds_sign.Sign.get_signature(action, ak, secret, method, "https://cdsapi.capitalonline.net/mysql", dict(params))
    query = url.split("/?", 1)[1]
    string_to_sign = captured["msg"].decode("utf-8")
    assert captured["key"] == secret.encode("utf-8")
    signature = parse_qs(query, keep_blank_values=True)["Signature"][0]
    write_case("capitalonline", name, {
        "description": description,
        "flavor": "capitalonline", "method": method,
        "access_key_id": ak, "secret": secret, "security_token": token,
        "timestamp": TIMESTAMP, "nonce": NONCE,
        "params": [["Action", action], ["Version", "2019-08-08"]] + [list(p) for p in params],
    },
        # The SDK does not return the canonical query; it is the third field of its string to
        # sign, percent-decoded.
        canonical_query=unquote(string_to_sign.split("&", 2)[2]),
        string_to_sign=string_to_sign,
        signature=signature,
        url_query=query,
    )


def capitalonline():
    cds_case("space-plus-star-tilde", "Values with space, + * ~ / % & = (GET).", "GET", "DescribeBackups",
             [("InstanceUuid", "a b+c*d~e"), ("Desc", "x/y%z&w=v")])
    cds_case("chinese-value", "Chinese characters in a value (GET).", "GET", "DescribeBackups",
             [("InstanceUuid", "0f3c5b4e-1234-4abc-9def-0123456789ab"), ("Desc", "每日 备份")])
    cds_case("empty-value", "An empty value (GET).", "GET", "DownloadBackup",
             [("InstanceUuid", "0f3c5b4e"), ("BackupId", "")])
    cds_case("post-special-secret", "POST with no query parameters; a secret with + / = & and Chinese (raw key, no '&').",
             "POST", "DeleteBackup", [], secret="s+e/c=r&e t密钥")
    cds_case("sort-by-byte-order", "Names that sort differently by byte order and by case-folding.", "GET", "DescribeBackups",
             [("a", "1"), ("B", "2"), ("_x", "3"), ("Z9", "4"), ("aa", "5"), ("DBList.1", "db1"), ("DBList.0", "db0")])
    cds_case("reserved-characters", "RFC 3986 reserved and other ASCII characters: ! ' ( ) : @ # ? [ ] , ; $ and a literal %20.",
             "GET", "DescribeBackups", [("Desc", "!'():@#?[],;$ %20\"<>\\^`{|}")])
    cds_case("token-ignored", "Credentials with a security token: Capital Online sends and signs none (the SDK has no token).",
             "GET", "DescribeBackups", [("InstanceUuid", "abc")], token="sts-token+/=")


# --------------------------------------------------------------------------------------------
# Alibaba Cloud RPC (V2).
# --------------------------------------------------------------------------------------------

compose_string_to_sign = getattr(ali_core, "__compose_string_to_sign")
get_signature = getattr(ali_core, "__get_signature")


def ali_rpc_via_signed_url(name, description, method, params, body_params=None, secret="testsecret", ak="testid",
                           token=None, accept_format="JSON"):
    """The whole aliyunsdkcore flow: get_signed_url (which also adds SignatureType='' and Format)."""
    ali_core.helper.get_iso_8061_date = lambda: TIMESTAMP
    ali_core.helper.get_uuid = lambda: NONCE
    query_params = dict(params)
    if token is not None:
        query_params["SecurityToken"] = token  # what StsTokenSigner does (add_query_param)
    url, string_to_sign = ali_core.get_signed_url(query_params, ak, secret, accept_format, method, dict(body_params or []))
    query = url.split("/?", 1)[1]
    signature = parse_qs(query, keep_blank_values=True)["Signature"][0]
    sign_params = {k: v for k, v in query_params.items() if k != "Signature"}
    sign_params.update(dict(body_params or []))
    assert ali_util.Client.get_rpcsignature(sign_params, method, secret) == signature
    write_case("aliyun-rpc", name, {
        "description": description,
        "flavor": "aliyun", "method": method,
        "access_key_id": ak, "secret": secret, "security_token": token,
        "timestamp": TIMESTAMP, "nonce": NONCE,
        "params": [list(p) for p in params] + [["Format", accept_format], ["SignatureType", ""]],
        "form_params": [list(p) for p in (body_params or [])],
    },
        canonical_query=unquote(string_to_sign.split("&", 2)[2]),
        string_to_sign=string_to_sign,
        signature=signature,
        url_query=query,
    )


def ali_rpc_via_util(name, description, method, params, secret="testsecret", ak="testid", token=None):
    """alibabacloud-openapi-util get_rpcsignature on the full parameter set (common parameters
    included, as tea-openapi's do_rpcrequest builds it), cross-checked with aliyunsdkcore."""
    full = dict(params)
    full.update({"AccessKeyId": ak, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
                 "SignatureNonce": NONCE, "Timestamp": TIMESTAMP})
    if token is not None:
        full["SecurityToken"] = token
    captured = {}
    real_hmac = ali_util.hmac

    def capture_new(key, msg, digestmod):
        captured["key"], captured["msg"] = key, msg
        return real_hmac.new(key, msg, digestmod=digestmod)

    ali_util.hmac = types.SimpleNamespace(new=capture_new)
    try:
        signature = ali_util.Client.get_rpcsignature(full, method, secret)
    finally:
        ali_util.hmac = real_hmac
    string_to_sign = captured["msg"].decode("utf-8")
    assert captured["key"] == (secret + "&").encode("utf-8")
    assert compose_string_to_sign(method, full) == string_to_sign
    assert get_signature(string_to_sign, secret) == signature
    write_case("aliyun-rpc", name, {
        "description": description,
        "flavor": "aliyun", "method": method,
        "access_key_id": ak, "secret": secret, "security_token": token,
        "timestamp": TIMESTAMP, "nonce": NONCE,
        "params": [list(p) for p in params],
    },
        canonical_query=unquote(string_to_sign.split("&", 2)[2]),
        string_to_sign=string_to_sign,
        signature=signature,
    )


def aliyun_rpc():
    common = [("Action", "DescribeBackups"), ("Version", "2014-08-15"), ("Format", "JSON"), ("RegionId", "cn-hangzhou")]
    ali_rpc_via_util("space-plus-star-tilde", "Values with space, + * ~ / % & = (GET).", "GET",
                     common + [("DBInstanceId", "a b+c*d~e"), ("BackupId", "x/y%z&w=v")])
    ali_rpc_via_util("chinese-and-empty", "Chinese characters and an empty value (GET).", "GET",
                     common + [("DBInstanceDescription", "生产库 备份"), ("BackupStatus", "")])
    ali_rpc_via_util("security-token", "STS credentials: SecurityToken (with + / =) is sent and signed.", "GET",
                     common + [("DBInstanceId", "rm-uf6wjk5xxxxxxx")],
                     ak="STS.NTestAccessKeyId", token="CAIS+token/with=chars&and space")
    ali_rpc_via_util("special-secret", "A secret with & + / = and Chinese (key is secret + '&').", "POST",
                     common + [("DBInstanceId", "rm-1")], secret="s&e+c/r=e t密钥")
    ali_rpc_via_util("reserved-characters", "RFC 3986 reserved and other ASCII characters, a literal %20, names with . and -.", "GET",
                     common + [("Tag.1.Key", "!'():@#?[],;$ %20"), ("Tag.1.Value", "\"<>\\^`{|}"), ("x-y_z", "~")])
    ali_rpc_via_signed_url("sdk-url-get", "aliyunsdkcore get_signed_url, GET, the full URL it builds.", "GET",
                           [("Action", "DescribeBackups"), ("Version", "2014-08-15"), ("RegionId", "cn-hangzhou"),
                            ("DBInstanceId", "rm-uf6 wjk+5*~"), ("StartTime", "2024-01-01T00:00Z")])
    ali_rpc_via_signed_url("post-form-body", "POST with form-body parameters, signed with the query ones (aliyunsdkcore get_signed_url).",
                           "POST", [("Action", "CreateBackup"), ("Version", "2014-08-15"), ("RegionId", "cn-hangzhou")],
                           body_params=[("DBInstanceId", "rm-1"), ("BackupMethod", "Physical"), ("DBName", "db 1,db&2=中")])
    ali_rpc_via_signed_url("sdk-url-security-token", "aliyunsdkcore get_signed_url with an STS token, XML format.", "GET",
                           [("Action", "DescribeRegions"), ("Version", "2014-08-15")],
                           token="STS+/=token 令牌", ak="STS.key", accept_format="XML")


# --------------------------------------------------------------------------------------------
# Alibaba Cloud V3 (ACS3-HMAC-SHA256): get_authorization with the headers tea-openapi's
# do_request would send (host, x-acs-*, content-type); Client.hash and signature_method are
# wrapped to capture the canonical request and the string to sign.
# --------------------------------------------------------------------------------------------

class _Req:
    def __init__(self, method, pathname, query, headers):
        self.method, self.pathname, self.query, self.headers = method, pathname, query, headers


def acs3_case(name, description, method, host, action, version, query=(), headers=(), body=b"",
              canonical_uri="/", ak="testid", secret="testsecret", token=None):
    sign_type = "ACS3-HMAC-SHA256"
    payload = ali_util.Client.hash(body, sign_type).hex()
    sdk_headers = {"host": host, "x-acs-action": action, "x-acs-version": version}
    sdk_headers.update(dict(headers))
    sdk_headers.update({"x-acs-date": TIMESTAMP, "x-acs-signature-nonce": NONCE, "x-acs-content-sha256": payload})
    if token is not None:
        sdk_headers["x-acs-accesskey-id"] = ak
        sdk_headers["x-acs-security-token"] = token
    request = _Req(method, canonical_uri, dict(query), sdk_headers)

    captured = {}
    real_hash, real_sig = ali_util.Client.hash, ali_util.signature_method

    def capture_hash(raw, st):
        captured["canonical_request"] = raw.decode("utf-8")
        return real_hash(raw, st)

    def capture_sig(key, source, st):
        captured["string_to_sign"] = source
        out = real_sig(key, source, st)
        captured["signature"] = out.hex()
        return out

    ali_util.Client.hash = staticmethod(capture_hash)
    ali_util.signature_method = capture_sig
    try:
        authorization = ali_util.Client.get_authorization(request, sign_type, payload, ak, secret)
    finally:
        ali_util.Client.hash = staticmethod(real_hash)
        ali_util.signature_method = real_sig
    assert TeaUtils.get_authorization(request, sign_type, payload, ak, secret) == authorization
    write_case("aliyun-acs3", name, {
        "description": description,
        "method": method, "host": host, "canonical_uri": canonical_uri,
        "query": [list(p) for p in query],
        "headers": [["x-acs-action", action], ["x-acs-version", version]] + [list(h) for h in headers],
        "body": body.decode("utf-8"),
        "access_key_id": ak, "secret": secret, "security_token": token,
        "date": TIMESTAMP, "nonce": NONCE,
    },
        canonical_request=captured["canonical_request"],
        string_to_sign=captured["string_to_sign"],
        signature=captured["signature"],
        authorization=authorization,
    )


def aliyun_acs3():
    rds = ("rds.aliyuncs.com", "DescribeBackups", "2014-08-15")
    acs3_case("query-special-values", "Query values with space, + * ~ / % & = and Chinese.", "POST", *rds,
              query=[("DBInstanceId", "a b+c*d~e"), ("BackupId", "x/y%z&w=v"), ("Desc", "中文 备份")])
    acs3_case("empty-query-value", "An empty query value gives 'name='.", "POST", *rds,
              query=[("DBInstanceId", "rm-1"), ("BackupStatus", ""), ("PageSize", "30")])
    acs3_case("security-token", "STS credentials: x-acs-accesskey-id and x-acs-security-token are sent and signed.", "POST", *rds,
              query=[("DBInstanceId", "rm-1")], ak="STS.NTestKey", token="CAIS+token/with=chars")
    acs3_case("json-body", "POST with a JSON body (content-type signed, body hashed).", "POST",
              "ecs.cn-hangzhou.aliyuncs.com", "CreateThing", "2014-05-26",
              headers=[("content-type", "application/json; charset=utf-8")],
              body='{"name":"备份 1","tags":["a+b","c/d"]}'.encode("utf-8"))
    acs3_case("form-body", "POST with a form-encoded body.", "POST", *rds,
              headers=[("content-type", "application/x-www-form-urlencoded")],
              body=b"DBInstanceId=rm-1&Desc=a%20b%2Bc")
    acs3_case("roa-path-get", "A ROA-style GET with an encoded path (taken as given) and a sorted query.", "GET",
              "cs.cn-hangzhou.aliyuncs.com", "DescribeClusters", "2015-12-15",
              canonical_uri="/api/v1/clusters/%E4%B8%AD%20x~y", query=[("zeta", "1"), ("Alpha", "2"), ("alpha", "3")])
    acs3_case("header-case-and-trim", "Mixed-case header names are lower-cased; values are trimmed, inner spaces kept.", "POST", *rds,
              query=[("DBInstanceId", "rm-1")],
              headers=[("Content-Type", "  text/plain  "), ("X-Acs-Resource-Group", "\t rg-1  x \t")], body=b"plain text")
    acs3_case("query-name-not-encoded", "Query names with a space and Chinese: the SDK encodes the values only, not the names.", "POST", *rds,
              query=[("Tag 1.Key", "a b"), ("标签", "值"), ("DBInstanceId", "rm-1")])
    acs3_case("secret-special", "A secret with & + / = and Chinese (raw key, no '&'); many parameters.", "POST", *rds,
              query=[("PageNumber", "1"), ("PageSize", "100"), ("DBInstanceId", "rm-1"), ("StartTime", "2024-01-01T00:00Z"),
                     ("EndTime", "2024-02-01T00:00Z")], secret="s&e+c/r=e t密钥")


# --------------------------------------------------------------------------------------------
# Huawei Cloud SDK-HMAC-SHA256: BasicCredentials(ak, sk, project_id).sign_request(SdkRequest)
# with X-Sdk-Date pinned; Signer's stage methods are wrapped to capture their results.
# --------------------------------------------------------------------------------------------

def huawei_case(name, description, method, host, path, query=(), headers=(), body=b"", project_id=None,
                ak="AKTESTAKTEST", sk="SKTESTSKTEST", token=None):
    captured = {}
    real_cr, real_sts = HwSigner._process_canonical_request, HwSigner._process_string_to_sign
    real_sign = HwSigner._sign_string_to_sign

    def cr(self, request, signed_headers):
        captured["canonical_request"] = real_cr(self, request, signed_headers)
        return captured["canonical_request"]

    def sts(self, canonical_request, t):
        captured["string_to_sign"] = real_sts(self, canonical_request, t)
        return captured["string_to_sign"]

    def sig(self, string_to_sign, key):
        captured["signature"] = real_sign(self, string_to_sign, key)
        return captured["signature"]

    HwSigner._process_canonical_request, HwSigner._process_string_to_sign, HwSigner._sign_string_to_sign = cr, sts, sig
    try:
        credentials = BasicCredentials(ak, sk, project_id)
        if token is not None:
            credentials = credentials.with_security_token(token)
        header_params = dict(headers)
        header_params["X-Sdk-Date"] = HW_DATE
        request = SdkRequest(method=method, schema="https", host=host, resource_path=path,
                             query_params=[tuple(q) for q in query], header_params=header_params, body=body)
        request = credentials.sign_request(request)
    finally:
        HwSigner._process_canonical_request, HwSigner._process_string_to_sign = real_cr, real_sts
        HwSigner._sign_string_to_sign = real_sign
    # The SDK re-encodes header values as UTF-8 bytes read as Latin-1 for its HTTP library;
    # undo that to record the text values.
    sent = [[k, v.encode("iso-8859-1").decode("utf-8")] for k, v in request.header_params.items() if k.lower() != "host"]
    write_case("huaweicloud", name, {
        "description": description,
        "method": method, "host": host, "path": path,
        "query": [list(q) for q in query], "headers": [list(h) for h in headers],
        "body": body.decode("utf-8"), "project_id": project_id,
        "access_key_id": ak, "secret": sk, "security_token": token,
        "date": TIMESTAMP,
    },
        canonical_request=captured["canonical_request"],
        string_to_sign=captured["string_to_sign"],
        signature=captured["signature"],
        authorization=request.header_params["Authorization"],
        request_uri=request.uri,
        headers=sent,
    )


def huaweicloud():
    host = "rds.cn-north-4.myhuaweicloud.com"
    pid = "0483b6b16e954cb88930a360d2c4e663"
    backups = f"/v3/{pid}/backups"
    huawei_case("repeated-query-keys", "Repeated query names, sorted by name then value.", "GET", host, backups,
                query=[("multi", "2"), ("instance_id", "i-1"), ("multi", "1"), ("multi", "10"), ("a", "z"), ("a", "")],
                project_id=pid)
    huawei_case("query-special-values", "Query values with space ( & = ? ! # % . * ) + ~ / and Chinese, an empty value.", "GET", host,
                backups, query=[("test", "一 (&=?!#%.*)"), ("path", "/tmp/123"), ("plus", "a+b~c"), ("empty", ""),
                                ("名", "值")], project_id=pid)
    huawei_case("encoded-path", "A path with encoded characters: decoded, split on '/', re-encoded (%2F becomes a separator).",
                "GET", host, f"/v3/{pid}/backups/%E4%B8%AD%20x~y/a%2Fb/c+d", project_id=pid)
    huawei_case("invalid-percent-path", "A path with invalid UTF-8 (%FF, truncated %E4%B8) and a stray %: replaced / kept like Python's unquote.",
                "GET", host, "/v3/p/%FF/%E4%B8x/%zz/100%", project_id=pid)
    huawei_case("unsigned-payload", "POST with a non-JSON Content-Type: X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is added, signed, and is the payload hash.",
                "POST", host, f"/v3/{pid}/backups/upload", headers=[("Content-Type", "application/octet-stream")],
                body=b"raw bytes \x00\x01 not json".decode("latin-1").encode("utf-8"), project_id=pid)
    huawei_case("unsigned-payload-empty-body", "Non-JSON Content-Type and no body: the header is added and signed, the payload hash is the empty hash.",
                "GET", host, backups, headers=[("Content-Type", "text/plain")], project_id=pid)
    huawei_case("json-body-post", "POST with Content-Type application/json;charset=UTF-8: the body's SHA-256 is signed.", "POST", host,
                backups, headers=[("Content-Type", "application/json;charset=UTF-8"), ("X-Language", "en-us")],
                body='{"instance_id":"i-1","name":"备份 1","description":"a+b/c"}'.encode("utf-8"), project_id=pid)
    huawei_case("security-token", "Temporary credentials: X-Security-Token (with + / =) is added and signed.", "GET", host, backups,
                query=[("instance_id", "i-1")], project_id=pid, token="gQpjbi1ub3J0aC00+token/with==")
    huawei_case("headers-trim-underscore", "Mixed-case names, values trimmed, a name with '_' sent but not signed, an X-Language header.",
                "GET", host, backups, headers=[("X-Language", "  zh-cn  "), ("X_Custom_Header", "skipped"),
                                               ("x-Custom-Mixed", "\tv  1 ")], project_id=pid)
    huawei_case("host-with-port-bson", "A Host with a port; application/bson is not UNSIGNED-PAYLOAD; no project id; PUT.",
                "PUT", "gaussdb.example.com:8443", "/v3/p/instances/i-1/backups/policy",
                headers=[("Content-Type", "application/bson")], body=b"\x16\x00\x00\x00".decode("latin-1").encode("utf-8"))


def main():
    clean()
    capitalonline()
    aliyun_rpc()
    aliyun_acs3()
    huaweicloud()


if __name__ == "__main__":
    main()
