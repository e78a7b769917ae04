//! Lenient JSON decoding helpers.
