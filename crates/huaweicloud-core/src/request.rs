//! One operation's request, independent of the wire: method, path template and parameters.

use cloud_http::Error;
use cloud_http::{ApiRequest, Idempotency};
use cloud_signer::encoding::percent_encode;

use crate::Result;

/// An operation to send: its name (for errors and tracing), HTTP method, path template
/// (`/v3/{project_id}/instances/{instance_id}/backups`), path parameters, query parameters and
/// headers, all unencoded. The generated request types give each part (`METHOD`, `PATH`,
/// `path_params()`, `query_params()`, `header_params()`).
///
/// ```
/// use huaweicloud_core::OperationRequest;
///
/// let request = OperationRequest::new("ShowInstanceBackups", "GET", "/v3/{project_id}/instances/{instance_id}/backups")
///     .with_path_params(vec![("instance_id", "61a4ea66210545909d74a05c27a7179ein07".to_owned())])
///     .with_query_params(vec![("offset", "0".to_owned()), ("limit", "100".to_owned())])
///     .with_headers(vec![("X-Language", "en-us".to_owned())]);
/// assert_eq!(
///     request.path("619d3e78f61b4be68bc5aa0b59edcf7b")?,
///     "/v3/619d3e78f61b4be68bc5aa0b59edcf7b/instances/61a4ea66210545909d74a05c27a7179ein07/backups"
/// );
/// # Ok::<(), cloud_http::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationRequest {
    operation: &'static str,
    method: &'static str,
    path_template: &'static str,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    idempotency: Idempotency,
}

impl OperationRequest {
    /// An operation named `operation` (e.g. `ListBackups`), sent with `method` to
    /// `path_template`, without parameters.
    pub fn new(operation: &'static str, method: &'static str, path_template: &'static str) -> Self {
        Self {
            operation,
            method,
            path_template,
            path_params: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idempotency: Idempotency::Idempotent,
        }
    }

    /// The operation of a generated request ([`ApiRequest`]): its name, method, path
    /// template, path, query and header parameters, its JSON body (when it has members) and
    /// whether it may be repeated.
    pub fn of<R: ApiRequest>(request: &R) -> Self {
        let body = request.body();
        let mut operation = Self::new(R::OPERATION, R::METHOD, R::PATH)
            .with_path_params(request.path())
            .with_query_params(request.query())
            .with_headers(request.headers())
            .with_idempotency(R::IDEMPOTENCY);
        if !body.is_empty() {
            let object: serde_json::Map<String, serde_json::Value> = body
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect();
            operation = operation.with_json_body(&serde_json::Value::Object(object));
        }
        operation
    }

    /// Sets the JSON body.
    pub fn with_json_body(mut self, body: &serde_json::Value) -> Self {
        self.body = Some(body.to_string().into_bytes());
        self
    }

    /// Sets whether the operation may be sent again after a failure that may have reached
    /// the service (default [`Idempotency::Idempotent`]).
    pub fn with_idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// The JSON body, when the operation sends one.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// Whether the operation may be sent again after a failure that may have reached it.
    pub fn idempotency(&self) -> Idempotency {
        self.idempotency
    }

    /// Sets the path parameters: `{name}` placeholders and their values (not encoded).
    pub fn with_path_params(mut self, params: Vec<(&'static str, String)>) -> Self {
        self.path_params = params;
        self
    }

    /// Sets the query parameters (not encoded; the signer sorts and encodes them).
    pub fn with_query_params(mut self, params: Vec<(&'static str, String)>) -> Self {
        self.query = params;
        self
    }

    /// Sets the operation's own headers, e.g. `X-Language`.
    pub fn with_headers(mut self, headers: Vec<(&'static str, String)>) -> Self {
        self.headers = headers;
        self
    }

    /// The operation's name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The path template.
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }

    /// The query parameters.
    pub fn query_params(&self) -> &[(&'static str, String)] {
        &self.query
    }

    /// The operation's own headers.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The path to send: the template with `{project_id}` and the path parameters substituted,
    /// each value percent-encoded as one segment (RFC 3986, as the signer's canonical URI
    /// encodes it, so `/` in a value becomes `%2F`).
    ///
    /// Fails with a [`Config`](cloud_http::ErrorKind::Config) error when a value is empty
    /// (it would change the path), or when a placeholder has no value.
    pub fn path(&self, project_id: &str) -> Result<String> {
        let mut path = String::with_capacity(self.path_template.len() + 64);
        let mut rest = self.path_template;
        while let Some(start) = rest.find('{') {
            path.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                return Err(Error::config(format!(
                    "{}: unbalanced braces in the path template {}",
                    self.operation, self.path_template
                )));
            };
            let name = &rest[start + 1..start + end];
            let value = if name == "project_id" {
                Some(project_id)
            } else {
                self.path_params
                    .iter()
                    .find(|(param, _)| *param == name)
                    .map(|(_, value)| value.as_str())
            };
            match value {
                Some(value) if !value.trim().is_empty() => path.push_str(&percent_encode(value)),
                Some(_) => {
                    return Err(Error::config(format!(
                        "{}: {name} must not be empty",
                        self.operation
                    )));
                }
                None => {
                    return Err(Error::config(format!(
                        "{}: no value for the path parameter {name}",
                        self.operation
                    )));
                }
            }
            rest = &rest[start + end + 1..];
        }
        path.push_str(rest);
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_as_one_segment() {
        let request = OperationRequest::new(
            "Op",
            "GET",
            "/v3/{project_id}/instances/{instance_id}/backups",
        )
        .with_path_params(vec![("instance_id", "a/b c中".to_owned())]);
        assert_eq!(
            request.path("p").unwrap(),
            "/v3/p/instances/a%2Fb%20c%E4%B8%AD/backups"
        );
    }

    #[test]
    fn missing_and_empty_values_are_config_errors() {
        let request = OperationRequest::new(
            "Op",
            "GET",
            "/v3/{project_id}/instances/{instance_id}/backups",
        );
        let error = request.path("p").unwrap_err();
        assert_eq!(error.kind(), cloud_http::ErrorKind::Config);
        assert!(error.to_string().contains("instance_id"), "{error}");
        let request = request.with_path_params(vec![("instance_id", " ".to_owned())]);
        assert!(
            request
                .path("p")
                .unwrap_err()
                .to_string()
                .contains("must not be empty")
        );
        assert!(
            OperationRequest::new("Op", "GET", "/v3/{project_id}")
                .path("")
                .is_err()
        );
        assert!(
            OperationRequest::new("Op", "GET", "/v3/{project_id")
                .path("p")
                .is_err()
        );
    }
}
