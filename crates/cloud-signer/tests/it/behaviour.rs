//! Behaviour the vectors do not pin: precedence rules, output shapes, and no panics on any
//! input.

use cloud_signer::Credentials;
use cloud_signer::acs3::{self, Acs3Request};
use cloud_signer::encoding::percent_encode;
use cloud_signer::huawei::{self, HuaweiRequest};
use cloud_signer::rpc::{self, CAPITAL_ONLINE_VERSION, RpcFlavor, RpcRequest};
use time::macros::datetime;
use time::{Date, OffsetDateTime, Time, UtcOffset};

fn creds() -> Credentials {
    Credentials::new("testid", "testsecret")
}

#[test]
fn rpc_common_params_win_and_signature_is_last() {
    let request = RpcRequest::new("get")
        .with_param("Action", "DescribeBackups")
        .with_param("Version", CAPITAL_ONLINE_VERSION)
        .with_param("Timestamp", "caller's")
        .with_param("AccessKeyId", "caller's")
        .with_param("Signature", "caller's")
        .with_param("Action", "DescribeBackups2");
    assert_eq!(request.method(), "GET");
    let signed = rpc::sign(
        RpcFlavor::CapitalOnline,
        &request,
        &creds(),
        datetime!(2024-01-01 08:00:00 +08:00),
        "nonce",
    );
    let names: Vec<&str> = signed.params().iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "AccessKeyId",
            "Action",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "Timestamp",
            "Version",
            "Signature"
        ]
    );
    let get = |name: &str| {
        signed
            .params()
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("Timestamp"), Some("2024-01-01T00:00:00Z"));
    assert_eq!(get("AccessKeyId"), Some("testid"));
    assert_eq!(get("Action"), Some("DescribeBackups2"));
    assert_eq!(get("Signature"), Some(signed.signature()));
    assert!(signed.form_body().is_empty());
}

#[test]
fn rpc_token_only_for_aliyun() {
    let request = RpcRequest::new("GET").with_param("Action", "A");
    let creds = creds().with_security_token("tok");
    let at = datetime!(2024-01-01 00:00:00 UTC);
    let cds = rpc::sign(RpcFlavor::CapitalOnline, &request, &creds, at, "n");
    let ali = rpc::sign(RpcFlavor::Aliyun, &request, &creds, at, "n");
    assert!(!cds.params().iter().any(|(k, _)| k == "SecurityToken"));
    assert!(
        ali.params()
            .iter()
            .any(|(k, v)| k == "SecurityToken" && v == "tok")
    );
    // Same text, different keys.
    let plain = rpc::sign(RpcFlavor::Aliyun, &request, &creds.clone(), at, "n");
    assert_eq!(plain, ali);
}

#[test]
fn rpc_form_params_are_signed_but_not_in_the_query() {
    let request = RpcRequest::new("POST")
        .with_param("Action", "A")
        .with_form_param("Body", "x y");
    let signed = rpc::sign(
        RpcFlavor::Aliyun,
        &request,
        &creds(),
        datetime!(2024-01-01 00:00:00 UTC),
        "n",
    );
    assert!(signed.canonical_query().as_str().contains("Body=x%20y"));
    assert!(!signed.query_string().contains("Body"));
    assert_eq!(signed.form_body(), "Body=x%20y");
}

#[test]
fn rpc_signature_is_percent_encoded_in_the_query() {
    // C1: the signature has a '/' and a '='.
    let signed = rpc::sign(
        RpcFlavor::CapitalOnline,
        &RpcRequest::new("GET")
            .with_param("Action", "DescribeBackups")
            .with_param("Version", CAPITAL_ONLINE_VERSION)
            .with_param("InstanceUuid", "0f3c5b4e-1234-4abc-9def-0123456789ab"),
        &creds(),
        datetime!(2024-01-01 00:00:00 UTC),
        "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    );
    assert!(
        signed
            .query_string()
            .ends_with("&Signature=fuxD%2FkAbRWnP9RcXAQntDAveVr8%3D")
    );
}

#[test]
fn acs3_signs_only_host_content_type_and_x_acs() {
    let request = Acs3Request::new("post", "rds.aliyuncs.com")
        .with_action("DescribeBackups")
        .with_version("2014-08-15")
        .with_header("User-Agent", "me")
        .with_header("Accept", "application/json")
        .with_header("Content-Type", "application/json")
        .with_header("X-Acs-Custom", "v")
        .with_header("Host", "rds.cn-hangzhou.aliyuncs.com");
    let signed = acs3::sign(&request, &creds(), datetime!(2024-01-01 00:00:00 UTC), "n");
    assert_eq!(
        signed.signed_headers(),
        "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-custom;x-acs-date;\
         x-acs-signature-nonce;x-acs-version"
    );
    assert!(
        signed
            .canonical_request()
            .as_str()
            .contains("\nhost:rds.cn-hangzhou.aliyuncs.com\n")
    );
    // Unsigned headers are still sent; host is not in the list.
    let names: Vec<&str> = signed.headers().iter().map(|(k, _)| k.as_str()).collect();
    assert!(names.contains(&"user-agent") && names.contains(&"accept"));
    assert!(!names.contains(&"host"));
    assert_eq!(names.last(), Some(&"Authorization"));
}

#[test]
fn acs3_token_adds_both_headers() {
    let signed = acs3::sign(
        &Acs3Request::new("POST", "h"),
        &creds().with_security_token("tok"),
        datetime!(2024-01-01 00:00:00 UTC),
        "n",
    );
    assert!(signed.signed_headers().contains("x-acs-accesskey-id"));
    assert!(signed.signed_headers().contains("x-acs-security-token"));
}

#[test]
fn acs3_query_string_encodes_names_and_values() {
    let signed = acs3::sign(
        &Acs3Request::new("GET", "h")
            .with_query_param("b", "x y")
            .with_query_param("a b", "中"),
        &creds(),
        datetime!(2024-01-01 00:00:00 UTC),
        "n",
    );
    assert_eq!(signed.query_string(), "a%20b=%E4%B8%AD&b=x%20y");
    // The canonical query leaves names as they are, like the official SDK.
    assert!(
        signed
            .canonical_request()
            .as_str()
            .contains("\na b=%E4%B8%AD&b=x%20y\n")
    );
}

#[test]
fn acs3_verification_rejects_a_tampered_body() {
    let creds = creds();
    let request = Acs3Request::new("POST", "h").with_body("original");
    let signed = acs3::sign(&request, &creds, datetime!(2024-01-01 00:00:00 UTC), "n");
    let mut received = Acs3Request::new("POST", "h").with_body("tampered");
    for (k, v) in signed.headers() {
        received = received.with_header(k, v);
    }
    let auth = acs3::parse_authorization(signed.authorization()).unwrap();
    let expected = acs3::compute_signature(&received, auth.signed_headers(), creds.secret());
    assert!(!expected.matches(auth.signature()));
}

#[test]
fn parse_authorization_rejects_other_schemes_and_missing_fields() {
    assert!(acs3::parse_authorization("").is_none());
    assert!(acs3::parse_authorization("ACS3-HMAC-SHA256").is_none());
    assert!(acs3::parse_authorization("ACS3-HMAC-SHA256 Credential=a,Signature=b").is_none());
    assert!(
        acs3::parse_authorization("SDK-HMAC-SHA256 Access=a, SignedHeaders=b, Signature=c")
            .is_none()
    );
    assert!(huawei::parse_authorization("SDK-HMAC-SHA256 Access=a, SignedHeaders=b").is_none());
    let parsed =
        huawei::parse_authorization("SDK-HMAC-SHA256 Signature=c, Access=a, SignedHeaders=b;d")
            .unwrap();
    assert_eq!(
        (
            parsed.access_key_id(),
            parsed.signed_headers(),
            parsed.signature()
        ),
        ("a", "b;d", "c")
    );
}

#[test]
fn huawei_headers_to_send_and_request_uri() {
    let request = HuaweiRequest::new("get", "example.com", "/v3/p/backups")
        .with_header("Content-Type", "text/plain")
        .with_header("host", "example.com:8443")
        .with_header("X-Language", " en-us ")
        .with_header("x-language", "zh-cn")
        .with_query_param("b", "2")
        .with_query_param("a", "1 2")
        .with_project_id("p");
    assert_eq!(request.host(), "example.com:8443");
    let signed = huawei::sign(
        &request,
        &creds().with_security_token("tok"),
        datetime!(2024-01-01 00:00:00 UTC),
    );
    assert_eq!(
        signed.headers(),
        [
            ("Content-Type", "text/plain"),
            ("x-language", "zh-cn"),
            ("X-Project-Id", "p"),
            ("X-Security-Token", "tok"),
            ("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD"),
            ("X-Sdk-Date", "20240101T000000Z"),
            ("Authorization", signed.authorization()),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(
        signed.signed_headers(),
        "content-type;host;x-language;x-project-id;x-sdk-content-sha256;x-sdk-date;x-security-token"
    );
    assert!(
        signed
            .canonical_request()
            .as_str()
            .contains("\nhost:example.com:8443\n")
    );
    assert_eq!(signed.request_uri(), "/v3/p/backups?a=1%202&b=2");
    assert_eq!(signed.query_string(), "a=1%202&b=2");

    let bare = huawei::sign(
        &HuaweiRequest::new("GET", "h", "/x"),
        &creds(),
        datetime!(2024-01-01 00:00:00 UTC),
    );
    assert_eq!(bare.request_uri(), "/x");
}

#[test]
fn huawei_json_content_types_are_hashed() {
    for content_type in [
        "application/json",
        "application/json;charset=UTF-8",
        "application/bson",
        "",
    ] {
        let signed = huawei::sign(
            &HuaweiRequest::new("POST", "h", "/")
                .with_header("Content-Type", content_type)
                .with_body("{}"),
            &creds(),
            datetime!(2024-01-01 00:00:00 UTC),
        );
        assert!(
            !signed.signed_headers().contains("x-sdk-content-sha256"),
            "{content_type}"
        );
        assert!(
            signed
                .canonical_request()
                .as_str()
                .ends_with("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"),
            "{content_type}"
        );
    }
}

#[test]
fn signing_is_deterministic() {
    let at = datetime!(2024-01-01 00:00:00 UTC);
    let request = HuaweiRequest::new("GET", "h", "/").with_query_param("a", "b");
    assert_eq!(
        huawei::sign(&request, &creds(), at),
        huawei::sign(&request, &creds(), at)
    );
    let request = Acs3Request::new("GET", "h").with_query_param("a", "b");
    assert_eq!(
        acs3::sign(&request, &creds(), at, "n"),
        acs3::sign(&request, &creds(), at, "n")
    );
}

#[test]
fn dates_are_converted_to_utc() {
    let local = datetime!(2024-01-01 08:00:00 +08:00);
    assert_eq!(rpc::format_timestamp(local), "2024-01-01T00:00:00Z");
    assert_eq!(acs3::format_date(local), "2024-01-01T00:00:00Z");
    assert_eq!(huawei::format_date(local), "20240101T000000Z");
}

/// Strings chosen to break naive code: empty, lone or truncated `%`, control characters,
/// non-BMP characters, separators of every format, very long.
fn hostile() -> Vec<String> {
    let mut strings: Vec<String> = [
        "",
        "%",
        "%%",
        "%2",
        "%zz",
        "%FF%FE",
        "%E4%B8",
        "/",
        "//",
        "?",
        "#",
        "&",
        "=",
        "&=&=",
        ";",
        ",",
        ":",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\u{0}",
        "\u{1c}",
        "\u{7f}",
        "\u{fffd}",
        "😀",
        "中文",
        "İ",
        "ß",
        "Σ",
        "_",
        "a_b",
        "+",
        "*",
        "~",
        "host",
        "Host",
        "Authorization",
        "x-acs-",
        "X-Sdk-Date",
        "Content-Type",
        "application/json",
        "\u{200b}",
        "\u{3000}",
    ]
    .map(str::to_owned)
    .to_vec();
    strings.push("x".repeat(100_000));
    strings.push("%".repeat(1000));
    strings
}

#[test]
fn no_panic_on_hostile_inputs() {
    let dates = [
        datetime!(2024-01-01 00:00:00 UTC),
        OffsetDateTime::new_in_offset(
            Date::MIN,
            Time::MIDNIGHT,
            UtcOffset::from_hms(23, 59, 59).unwrap(),
        ),
        OffsetDateTime::new_in_offset(
            Date::MAX,
            Time::MAX,
            UtcOffset::from_hms(-23, -59, -59).unwrap(),
        ),
    ];
    for s in hostile() {
        let creds = Credentials::new(s.clone(), s.clone()).with_security_token(s.clone());
        for at in dates {
            for flavor in [RpcFlavor::Aliyun, RpcFlavor::CapitalOnline] {
                let request = RpcRequest::new(s.clone())
                    .with_param(s.clone(), s.clone())
                    .with_form_param(s.clone(), s.clone());
                let signed = rpc::sign(flavor, &request, &creds, at, &s);
                let _ = (
                    signed.query_string(),
                    signed.form_body(),
                    format!("{signed:?}"),
                );
                let _ = rpc::compute_signature(flavor, &s, [(&s, &s)], &s);
            }

            let request = Acs3Request::new(s.clone(), s.clone())
                .with_canonical_uri(s.clone())
                .with_query_param(s.clone(), s.clone())
                .with_header(s.clone(), s.clone())
                .with_body(s.clone());
            let signed = acs3::sign(&request, &creds, at, &s);
            let _ = (signed.query_string(), format!("{signed:?}"));
            let _ = acs3::compute_signature(&request, &s, &s);
            let _ = acs3::parse_authorization(&s);

            let request = HuaweiRequest::new(s.clone(), s.clone(), s.clone())
                .with_query_param(s.clone(), s.clone())
                .with_header(s.clone(), s.clone())
                .with_body(s.clone())
                .with_project_id(s.clone());
            let signed = huawei::sign(&request, &creds, at);
            let _ = (signed.request_uri(), format!("{signed:?}"));
            let _ = huawei::compute_signature(&request, &s, &s);
            let _ = huawei::parse_authorization(&s);
        }
        let _ = percent_encode(&s);
    }
}
