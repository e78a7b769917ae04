//! [`ApiRequest`]: what a client needs to know of one operation's request, written by
//! `cargo xtask codegen` for every operation model, so that a client sends any operation
//! through one generic method.

use serde::de::DeserializeOwned;

use crate::Idempotency;

/// A request of one API operation: its name, HTTP method and path template, its RPC action
/// and version where the API has them, whether it may be repeated, and its parameters by
/// location (formatted for the wire, not percent-encoded).
///
/// The generated request types implement it (`cargo xtask codegen`, from the operation
/// models in `fixtures/`); the provider clients send any of them through one method, which
/// signs and sends the request and decodes [`Response`](ApiRequest::Response).
pub trait ApiRequest: Send + Sync {
    /// The response body's type.
    type Response: DeserializeOwned + Send;
    /// The operation's name, in errors and tracing spans.
    const OPERATION: &'static str;
    /// The HTTP method.
    const METHOD: &'static str;
    /// The path template, `{name}` for path parameters.
    const PATH: &'static str;
    /// The RPC action, for RPC-style APIs.
    const ACTION: Option<&'static str>;
    /// The API version sent with the action, for RPC-style APIs.
    const VERSION: Option<&'static str>;
    /// Whether the operation may be sent again after a failure that may have reached the
    /// service ([`Idempotency::NotIdempotent`] for a create or a delete).
    const IDEMPOTENCY: Idempotency;

    /// The query parameters that are set: wire name and value.
    fn query(&self) -> Vec<(&'static str, String)>;

    /// The headers that are set: name and value.
    fn headers(&self) -> Vec<(&'static str, String)>;

    /// The path placeholders the request fills (not those the client fills, such as a project
    /// id): name and value.
    fn path(&self) -> Vec<(&'static str, String)>;

    /// The members of the JSON body that are set; empty when the operation sends no body.
    fn body(&self) -> Vec<(&'static str, serde_json::Value)>;
}
