//! Capital Online MySQL responses, as `aliyun_rds`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    capitalonline_mysql::generated::fuzz_decode(data);
});
