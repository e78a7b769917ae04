//! GaussDB for MySQL responses, as `aliyun_rds`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    huaweicloud_gaussdb::generated::fuzz_decode(data);
});
