//! Types for the Huawei Cloud RDS backup API.
//!
//! For now this crate holds the generated request and response types (see
//! [`generated`]); the client comes later.

pub mod generated;

pub use generated::*;
