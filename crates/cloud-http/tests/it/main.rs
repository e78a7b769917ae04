//! Integration tests of cloud-http: the transport against wiremock (and raw sockets) on
//! 127.0.0.1, decoding, error display, paging, downloads.

mod decode;
mod download;
mod errors;
mod listing;
mod paging;
mod ranged;
mod sink;
mod support;
mod transport;
