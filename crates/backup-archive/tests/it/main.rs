//! The readers against archives laid out byte by byte as the format documents say, and their
//! failures: a byte flipped, the input cut short, hostile headers.

mod build;
mod extract;
mod formats;
mod fuzz_corpus;
mod hostile;
mod real;
