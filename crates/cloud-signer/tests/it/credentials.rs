//! Secrets never show in `Debug` or `Display`.

use cloud_signer::Credentials;
use cloud_signer::acs3::{self, Acs3Request};
use cloud_signer::huawei::{self, HuaweiRequest};
use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};
use time::macros::datetime;

const SECRET: &str = "SUPER-SECRET-KEY";
const TOKEN: &str = "VERY-SECRET-TOKEN";

#[test]
fn credentials_debug_and_display_redact_secret_and_token() {
    let creds = Credentials::new("testid", SECRET).with_security_token(TOKEN);
    assert_eq!(
        format!("{creds:?}"),
        r#"Credentials { access_key_id: "testid", secret: "** redacted **", security_token: Some("** redacted **") }"#
    );
    assert_eq!(format!("{creds:#?}").matches("** redacted **").count(), 2);
    assert_eq!(creds.to_string(), "testid (secret redacted)");

    let plain = Credentials::new("testid", SECRET);
    assert_eq!(
        format!("{plain:?}"),
        r#"Credentials { access_key_id: "testid", secret: "** redacted **", security_token: None }"#
    );
    assert_eq!(plain.to_string(), "testid (secret redacted)");
}

#[test]
fn credentials_getters() {
    let creds = Credentials::new("ak", "sk").with_security_token("tok");
    assert_eq!(creds.access_key_id(), "ak");
    assert_eq!(creds.secret(), "sk");
    assert_eq!(creds.security_token(), Some("tok"));
    assert_eq!(creds.clone(), creds);
    // An empty token is no token.
    assert_eq!(
        Credentials::new("ak", "sk")
            .with_security_token("")
            .security_token(),
        None
    );
}

#[test]
fn signed_outputs_never_show_secret_or_token_in_debug() {
    let creds = Credentials::new("testid", SECRET).with_security_token(TOKEN);
    let at = datetime!(2024-01-01 00:00:00 UTC);

    let signed = rpc::sign(
        RpcFlavor::Aliyun,
        &RpcRequest::new("GET").with_param("Action", "X"),
        &creds,
        at,
        "n",
    );
    let acs3 = acs3::sign(
        &Acs3Request::new("POST", "h").with_action("X"),
        &creds,
        at,
        "n",
    );
    let huawei = huawei::sign(&HuaweiRequest::new("GET", "h", "/p"), &creds, at);

    for debug in [
        format!("{signed:?}"),
        format!("{signed:#?}"),
        format!("{:?}", signed.stages()),
        format!("{acs3:?}"),
        format!("{:?}", acs3.stages()),
        format!("{huawei:?}"),
        format!("{:?}", huawei.stages()),
    ] {
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(!debug.contains(TOKEN), "{debug}");
        assert!(debug.contains("** redacted **"), "{debug}");
    }

    // The token is sent (that is its purpose), and is part of the signed text.
    assert!(
        signed
            .params()
            .iter()
            .any(|(k, v)| k == "SecurityToken" && v == TOKEN)
    );
    assert!(signed.string_to_sign().to_string().contains(TOKEN));
    assert!(
        acs3.headers()
            .iter()
            .any(|(k, v)| k == "x-acs-security-token" && v == TOKEN)
    );
    assert!(
        huawei
            .headers()
            .iter()
            .any(|(k, v)| k == "X-Security-Token" && v == TOKEN)
    );
    // The secret is never in any output.
    for text in [
        signed.query_string(),
        acs3.canonical_request().to_string(),
        acs3.authorization().to_owned(),
        huawei.canonical_request().to_string(),
        huawei.authorization().to_owned(),
    ] {
        assert!(!text.contains(SECRET));
    }
}

#[test]
fn requests_redact_received_tokens_in_debug() {
    let acs3 = Acs3Request::new("POST", "h").with_header("X-Acs-Security-Token", TOKEN);
    let huawei = HuaweiRequest::new("GET", "h", "/").with_header("x-security-token", TOKEN);
    let rpc = RpcRequest::new("GET").with_param("SecurityToken", TOKEN);
    for debug in [
        format!("{acs3:?}"),
        format!("{huawei:?}"),
        format!("{rpc:?}"),
    ] {
        assert!(!debug.contains(TOKEN), "{debug}");
        assert!(debug.contains("** redacted **"), "{debug}");
    }
}
