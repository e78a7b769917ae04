//! Huawei Cloud RDS responses, as `aliyun_rds`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    huaweicloud_rds::generated::fuzz_decode(data);
});
