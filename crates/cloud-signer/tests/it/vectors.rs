//! Loads a case folder of `test-vectors/` and checks it stage by stage.
//!
//! A folder holds `request.json` (the inputs) and one file per stage that the source gives:
//! `canonical-query.txt`, `canonical-request.txt`, `string-to-sign.txt`, `signature.txt`,
//! `authorization.txt`, `url-query.txt`, `request-uri.txt`, `headers.json`. Every file present
//! is checked; the text files end with one newline that is not part of the stage.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cloud_signer::Credentials;
use cloud_signer::acs3::{self, Acs3Request};
use cloud_signer::huawei::{self, HuaweiRequest};
use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Files a checker knows; anything else in a case folder is an error (a typo would otherwise
/// silently skip a stage).
const KNOWN_FILES: &[&str] = &[
    "request.json",
    "canonical-query.txt",
    "canonical-request.txt",
    "string-to-sign.txt",
    "signature.txt",
    "authorization.txt",
    "url-query.txt",
    "request-uri.txt",
    "headers.json",
];

/// `test-vectors/` of this crate.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors")
}

/// One case being checked: collects every differing stage, then fails naming them all.
struct Case {
    name: String,
    dir: PathBuf,
    request: Value,
    checked: Vec<&'static str>,
    failures: String,
}

impl Case {
    fn load(name: &str) -> Self {
        let dir = root().join(name);
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("case {name}: {e}")) {
            let file = entry.expect("a directory entry").file_name();
            let file = file.to_string_lossy();
            assert!(
                KNOWN_FILES.contains(&file.as_ref()),
                "case {name}: unknown file {file}"
            );
        }
        let json = std::fs::read_to_string(dir.join("request.json"))
            .unwrap_or_else(|e| panic!("case {name}: request.json: {e}"));
        let request = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("case {name}: request.json: {e}"));
        Self {
            name: name.to_owned(),
            dir,
            request,
            checked: Vec::new(),
            failures: String::new(),
        }
    }

    /// The content of stage file `file`, without its final newline, if the case has it.
    fn expected(&self, file: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.dir.join(file)).ok()?;
        Some(text.strip_suffix('\n').unwrap_or(&text).to_owned())
    }

    /// Compares stage `file` (if present) with `actual`.
    fn stage(&mut self, file: &'static str, actual: &str) {
        let Some(expected) = self.expected(file) else {
            return;
        };
        self.checked.push(file);
        if expected != actual {
            let _ = write!(
                self.failures,
                "\n--- {file} differs\n  expected: {expected:?}\n  actual:   {actual:?}\n"
            );
        }
    }

    /// Records a failure that is not a text comparison.
    fn fail(&mut self, what: &str) {
        let _ = write!(self.failures, "\n--- {what}\n");
    }

    fn str(&self, key: &str) -> &str {
        self.request[key]
            .as_str()
            .unwrap_or_else(|| panic!("case {}: request.json: `{key}` is not a string", self.name))
    }

    fn opt_str(&self, key: &str) -> Option<&str> {
        self.request.get(key).and_then(Value::as_str)
    }

    fn pairs(&self, key: &str) -> Vec<(String, String)> {
        pairs(self.request.get(key).unwrap_or(&Value::Null))
    }

    fn time(&self, key: &str) -> OffsetDateTime {
        OffsetDateTime::parse(self.str(key), &Rfc3339)
            .unwrap_or_else(|e| panic!("case {}: `{key}` is not RFC 3339: {e}", self.name))
    }

    fn credentials(&self) -> Credentials {
        let creds = Credentials::new(self.str("access_key_id"), self.str("secret"));
        match self.opt_str("security_token") {
            Some(token) => creds.with_security_token(token),
            None => creds,
        }
    }

    fn finish(self) {
        assert!(
            !self.checked.is_empty(),
            "case {}: no stage file to check",
            self.name
        );
        assert!(
            self.failures.is_empty(),
            "case {} (checked {:?}):{}",
            self.name,
            self.checked,
            self.failures
        );
    }
}

/// `[[name, value], ...]` as pairs.
fn pairs(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|pair| {
                    let s = |i: usize| pair[i].as_str().expect("[name, value] strings").to_owned();
                    (s(0), s(1))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Checks one case folder (`<provider>/<case>`), dispatching on the provider.
pub(crate) fn check(name: &str) {
    let mut case = Case::load(name);
    match name.split('/').next() {
        Some("capitalonline" | "aliyun-rpc") => check_rpc(&mut case),
        Some("aliyun-acs3") => check_acs3(&mut case),
        Some("huaweicloud") => check_huawei(&mut case),
        _ => panic!("case {name}: unknown provider"),
    }
    case.finish();
}

fn check_rpc(case: &mut Case) {
    let flavor = match case.str("flavor") {
        "aliyun" => RpcFlavor::Aliyun,
        "capitalonline" => RpcFlavor::CapitalOnline,
        other => panic!("case {}: unknown flavor {other}", case.name),
    };
    let method = case.str("method").to_owned();

    if case.request.get("received_params").is_some() {
        // Every parameter is given as received: the verification path alone.
        let received = case.pairs("received_params");
        let stages = rpc::compute_signature(flavor, &method, &received, case.str("secret"));
        case.stage("canonical-query.txt", stages.canonical_query().as_str());
        case.stage("string-to-sign.txt", stages.string_to_sign().as_str());
        case.stage("signature.txt", stages.signature());
        if let Some(expected) = case.expected("signature.txt")
            && !stages.matches(&expected)
        {
            case.fail("RpcSignature::matches rejects the expected signature");
        }
        return;
    }

    let mut request = RpcRequest::new(method.clone());
    for (k, v) in case.pairs("params") {
        request = request.with_param(k, v);
    }
    for (k, v) in case.pairs("form_params") {
        request = request.with_form_param(k, v);
    }
    let signed = rpc::sign(
        flavor,
        &request,
        &case.credentials(),
        case.time("timestamp"),
        case.str("nonce"),
    );
    case.stage("canonical-query.txt", signed.canonical_query().as_str());
    case.stage("string-to-sign.txt", signed.string_to_sign().as_str());
    case.stage("signature.txt", signed.signature());
    if let Some(expected) = case.expected("url-query.txt") {
        case.checked.push("url-query.txt");
        let ours = signed.query_string();
        if decode_query(&expected) != decode_query(&ours) {
            case.fail(&format!(
                "url-query.txt: different parameters\n  expected: {expected:?}\n  actual:   {ours:?}"
            ));
        }
        if !is_rfc3986_query(&ours) {
            case.fail(&format!("query_string() is not RFC 3986 encoded: {ours:?}"));
        }
    }

    // A server recomputing from every received parameter gets the same signature.
    let received: Vec<(String, String)> = signed
        .params()
        .iter()
        .chain(signed.form_params())
        .cloned()
        .collect();
    let recomputed =
        rpc::compute_signature(flavor, &method, &received, case.credentials().secret());
    if recomputed.signature() != signed.signature() || !recomputed.matches(signed.signature()) {
        case.fail("rpc::compute_signature over the sent parameters disagrees with rpc::sign");
    }
}

fn check_acs3(case: &mut Case) {
    let mut request = Acs3Request::new(case.str("method"), case.str("host"))
        .with_canonical_uri(case.opt_str("canonical_uri").unwrap_or("/"))
        .with_body(case.str("body").as_bytes().to_vec());
    for (k, v) in case.pairs("query") {
        request = request.with_query_param(k, v);
    }
    for (k, v) in case.pairs("headers") {
        request = request.with_header(k, v);
    }
    let credentials = case.credentials();
    let signed = acs3::sign(&request, &credentials, case.time("date"), case.str("nonce"));
    case.stage("canonical-request.txt", signed.canonical_request().as_str());
    case.stage("string-to-sign.txt", signed.string_to_sign().as_str());
    case.stage("signature.txt", signed.signature());
    case.stage("authorization.txt", signed.authorization());

    // A server rebuilding the request from what was sent gets the same signature.
    let mut received = Acs3Request::new(request.method(), host_of(request.headers()))
        .with_canonical_uri(request.canonical_uri())
        .with_body(request.body().to_vec());
    for (k, v) in request.query() {
        received = received.with_query_param(k, v);
    }
    for (k, v) in signed.headers() {
        received = received.with_header(k, v);
    }
    let auth = acs3::parse_authorization(signed.authorization());
    match auth {
        Some(auth) if auth.access_key_id() == credentials.access_key_id() => {
            let recomputed =
                acs3::compute_signature(&received, auth.signed_headers(), credentials.secret());
            if !recomputed.matches(auth.signature())
                || recomputed.canonical_request() != signed.canonical_request()
            {
                case.fail(
                    "acs3::compute_signature over the sent request disagrees with acs3::sign",
                );
            }
        }
        _ => case.fail("acs3::parse_authorization failed on our own header"),
    }
}

fn host_of(headers: &[(String, String)]) -> &str {
    headers
        .iter()
        .find(|(k, _)| k == "host")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

fn check_huawei(case: &mut Case) {
    let mut request = HuaweiRequest::new(case.str("method"), case.str("host"), case.str("path"))
        .with_body(case.str("body").as_bytes().to_vec());
    for (k, v) in case.pairs("query") {
        request = request.with_query_param(k, v);
    }
    for (k, v) in case.pairs("headers") {
        request = request.with_header(k, v);
    }
    if let Some(project_id) = case.opt_str("project_id") {
        request = request.with_project_id(project_id);
    }
    let credentials = case.credentials();
    let signed = huawei::sign(&request, &credentials, case.time("date"));
    case.stage("canonical-request.txt", signed.canonical_request().as_str());
    case.stage("string-to-sign.txt", signed.string_to_sign().as_str());
    case.stage("signature.txt", signed.signature());
    case.stage("authorization.txt", signed.authorization());
    case.stage("request-uri.txt", &signed.request_uri());
    if let Ok(json) = std::fs::read_to_string(case.dir.join("headers.json")) {
        case.checked.push("headers.json");
        let mut expected = pairs(&serde_json::from_str(&json).expect("headers.json is JSON"));
        let mut ours = signed.headers().to_vec();
        expected.sort();
        ours.sort();
        if expected != ours {
            case.fail(&format!(
                "headers.json: different headers to send\n  expected: {expected:?}\n  actual:   {ours:?}"
            ));
        }
    }

    // A server rebuilding the request from what was sent gets the same signature.
    let mut received = HuaweiRequest::new(request.method(), request.host(), request.path())
        .with_body(request.body().to_vec());
    for (k, v) in request.query() {
        received = received.with_query_param(k, v);
    }
    for (k, v) in signed.headers() {
        received = received.with_header(k, v);
    }
    match huawei::parse_authorization(signed.authorization()) {
        Some(auth) if auth.access_key_id() == credentials.access_key_id() => {
            let recomputed =
                huawei::compute_signature(&received, auth.signed_headers(), credentials.secret());
            if !recomputed.matches(auth.signature())
                || recomputed.canonical_request() != signed.canonical_request()
            {
                case.fail(
                    "huawei::compute_signature over the sent request disagrees with huawei::sign",
                );
            }
        }
        _ => case.fail("huawei::parse_authorization failed on our own header"),
    }
}

/// The decoded `(name, value)` pairs of a query string, sorted; `+` is read as a space (the
/// official SDKs' URLs are built with Python's `urlencode`).
fn decode_query(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .expect("a UTF-8 query")
            .into_owned()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    pairs.sort();
    pairs
}

/// Only unreserved characters, `%XY` escapes, `=` and `&`.
fn is_rfc3986_query(query: &str) -> bool {
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'=' | b'&' => {}
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                i += 2;
            }
            _ => return false,
        }
        i += 1;
    }
    true
}

/// Defines one `#[test]` per case folder, and `CASES`, the list of them all.
macro_rules! vectors {
    ($($test:ident => $case:literal,)*) => {
        $(
            #[test]
            fn $test() {
                crate::vectors::check($case);
            }
        )*

        /// Every case folder that has a test.
        pub(crate) const CASES: &[&str] = &[$($case),*];
    };
}

pub(crate) use vectors;
