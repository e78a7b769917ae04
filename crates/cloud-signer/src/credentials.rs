//! The access key pair (and optional security token) a request is signed with.

use std::fmt;

use crate::common::REDACTED;

/// An access key id, its secret, and an optional security token (STS / temporary credentials).
///
/// `Debug` and `Display` never show the secret or the token:
///
/// ```
/// use cloud_signer::Credentials;
///
/// let creds = Credentials::new("testid", "testsecret").with_security_token("tok");
/// assert_eq!(
///     format!("{creds:?}"),
///     r#"Credentials { access_key_id: "testid", secret: "** redacted **", security_token: Some("** redacted **") }"#
/// );
/// assert_eq!(creds.to_string(), "testid (secret redacted)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret: String,
    security_token: Option<String>,
}

impl Credentials {
    /// Credentials from an access key id (AK) and its secret (SK), without a security token.
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret: secret.into(),
            security_token: None,
        }
    }

    /// Adds a security token (temporary credentials). An empty token means "no token": the
    /// providers' SDKs send none in that case either.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        let token = token.into();
        self.security_token = if token.is_empty() { None } else { Some(token) };
        self
    }

    /// The access key id (AK). It is not a secret: it is sent with every request.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret (SK). This exposes the secret, for signing: do not log or print it.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The security token, if any. It is sent with the request (and signed), but treat it as
    /// a secret: it is half of a temporary credential.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &REDACTED)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| REDACTED),
            )
            .finish()
    }
}

/// Shows the access key id followed by `(secret redacted)`.
impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (secret redacted)", self.access_key_id)
    }
}
