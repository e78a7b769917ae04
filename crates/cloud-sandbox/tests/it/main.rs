//! The integration tests: the sandbox driven by the workspace's real clients (`aliyun-rds`
//! with both signatures, `capitalonline-mysql`, `huaweicloud-rds`, `huaweicloud-gaussdb`) and by
//! raw requests signed with `cloud-signer` where a client refuses to send what is tested.
//! Everything talks to 127.0.0.1 only; no test asserts timings.

mod aliyun;
mod archives;
mod capitalonline;
mod checksums;
mod faults;
mod files;
mod huawei;
mod instances;
mod links;
mod sandbox;
mod support;
