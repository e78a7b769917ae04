//! What the fuzz target `signers` (`fuzz/` in the repository) and its stable replay call: the
//! three signing algorithms over any method, host, path, query, header and body bytes. Not
//! part of the API.

use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::{acs3, encoding, huawei, rpc};

/// A recognisable secret and token: no signer output's `Debug` may show them.
const SECRET: &str = "Zq7SecretKeyForFuzzing";
const TOKEN: &str = "Zq7SecurityTokenForFuzzing";
const ACCESS_KEY: &str = "AKIDfuzz";

/// The request parts in `data`: fields separated by NUL bytes, the first three the method,
/// host and path, then `(kind, name, value)` triples where `kind`'s first byte puts the pair in
/// the query (even) or the headers (odd), and the last field the body.
struct Parts {
    method: String,
    host: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn parts(data: &[u8]) -> Parts {
    let mut fields = data.split(|&b| b == 0);
    let mut text = || String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let (method, host, path) = (text(), text(), text());
    let rest: Vec<&[u8]> = data.split(|&b| b == 0).skip(3).collect();
    let (triples, body) = match rest.split_last() {
        Some((body, triples)) => (triples, body.to_vec()),
        None => (&[][..], Vec::new()),
    };
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for triple in triples.chunks(3) {
        let [kind, name, value] = triple else { break };
        let pair = (
            String::from_utf8_lossy(name).into_owned(),
            String::from_utf8_lossy(value).into_owned(),
        );
        if kind.first().is_some_and(|b| b % 2 == 1) {
            headers.push(pair);
        } else {
            query.push(pair);
        }
    }
    Parts {
        method,
        host,
        path,
        query,
        headers,
        body,
    }
}

/// Signs the request in `data` with each algorithm: never a panic; the same input signs the
/// same; the `Authorization` a verifier parses names our key and the signature; no `Debug`
/// shows the secret or the token; percent-encoding round-trips.
pub fn signers(data: &[u8]) {
    let p = parts(data);
    let credentials = Credentials::new(ACCESS_KEY, SECRET).with_security_token(TOKEN);
    let date =
        OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let no_secret = |debug: String| {
        assert!(!debug.contains(SECRET) && !debug.contains(TOKEN), "{debug}");
    };
    no_secret(format!("{credentials:?}"));

    let mut request = acs3::Acs3Request::new(p.method.clone(), p.host.clone())
        .with_action("DescribeBackups")
        .with_version("2014-08-15")
        .with_canonical_uri(p.path.clone())
        .with_body(p.body.clone());
    for (name, value) in &p.query {
        request = request.with_query_param(name.clone(), value.clone());
    }
    for (name, value) in &p.headers {
        request = request.with_header(name.clone(), value.clone());
    }
    let signed = acs3::sign(&request, &credentials, date, "nonce");
    assert_eq!(
        signed.signature(),
        acs3::sign(&request, &credentials, date, "nonce").signature()
    );
    // A verifier reads back what we signed, for every request that can be sent (header names
    // are HTTP tokens: a name with a comma or space cannot go on the wire).
    let sendable = p.headers.iter().all(|(name, _)| is_token(name));
    if sendable {
        let parsed = acs3::parse_authorization(signed.authorization()).expect("our own header");
        assert_eq!(parsed.access_key_id(), ACCESS_KEY);
        assert_eq!(parsed.signature(), signed.signature());
    }
    let _ = signed.query_string();
    no_secret(format!("{signed:?}"));

    let mut request = huawei::HuaweiRequest::new(p.method.clone(), p.host.clone(), p.path.clone())
        .with_body(p.body.clone());
    for (name, value) in &p.query {
        request = request.with_query_param(name.clone(), value.clone());
    }
    for (name, value) in &p.headers {
        request = request.with_header(name.clone(), value.clone());
    }
    let signed = huawei::sign(&request, &credentials, date);
    assert_eq!(
        signed.signature(),
        huawei::sign(&request, &credentials, date).signature()
    );
    if sendable {
        let parsed = huawei::parse_authorization(signed.authorization()).expect("our own header");
        assert_eq!(parsed.access_key_id(), ACCESS_KEY);
        assert_eq!(parsed.signature(), signed.signature());
    }
    let _ = (signed.query_string(), signed.request_uri());
    no_secret(format!("{signed:?}"));

    for flavor in [rpc::RpcFlavor::Aliyun, rpc::RpcFlavor::CapitalOnline] {
        let mut request = rpc::RpcRequest::new(p.method.clone());
        for (name, value) in &p.query {
            request = request.with_param(name.clone(), value.clone());
        }
        for (name, value) in &p.headers {
            request = request.with_form_param(name.clone(), value.clone());
        }
        let signed = rpc::sign(flavor, &request, &credentials, date, "nonce");
        let again = rpc::sign(flavor, &request, &credentials, date, "nonce");
        assert_eq!(signed.signature(), again.signature());
        no_secret(format!("{signed:?}"));
    }

    for text in [&p.method, &p.host, &p.path] {
        assert_eq!(
            encoding::percent_decode(&encoding::percent_encode(text)).as_deref(),
            Some(text.as_str())
        );
        let _ = encoding::percent_decode_lossy(text);
    }
}

/// Whether `name` is an HTTP token (RFC 9110 `tchar`s), what a header name must be.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
