//! [`ApiError`] (private): an error answer before each provider dresses it in its own body.

/// An API error: HTTP status, the provider's code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The result of an API step.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
