//! The shared HTTP runtime of the cloud backup SDK crates.

pub mod lenient;
