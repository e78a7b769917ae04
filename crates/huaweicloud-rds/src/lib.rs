//! Async client (types for now).

pub mod generated;
