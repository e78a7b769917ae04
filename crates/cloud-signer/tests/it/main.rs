//! Integration tests of `cloud-signer`: the known-answer vectors of `test-vectors/`, checked
//! stage by stage (one `#[test]` per case), and behaviour that the vectors do not pin.

mod behaviour;
mod cases;
mod credentials;
mod vectors;
