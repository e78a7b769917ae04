//! [`ApiError`] (private): an error answer before each provider dresses it in its own body.

/// An API error: HTTP status, the provider's code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
    /// How long until the call would be admitted, for a call over the rate.
    pub(crate) retry_after: Option<std::time::Duration>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same error, saying how long until a call would be admitted.
    pub(crate) fn with_retry_after(mut self, wait: Option<std::time::Duration>) -> Self {
        self.retry_after = wait;
        self
    }
}

/// The result of an API step.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
