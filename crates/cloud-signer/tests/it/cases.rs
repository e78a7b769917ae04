//! One `#[test]` per case folder of `test-vectors/`, named after it. The official vectors come
//! first; the `gen_*` ones were produced by `test-vectors/generate.py` with the official SDKs.

use crate::vectors::vectors;

/// Capital Online (RPC HMAC-SHA1, key = secret).
mod capitalonline {
    use super::vectors;

    vectors! {
        c1_describe_backups_get => "capitalonline/c1-describe-backups-get",
        c1_create_backup_post => "capitalonline/c1-create-backup-post",
        gen_chinese_value => "capitalonline/gen-chinese-value",
        gen_empty_value => "capitalonline/gen-empty-value",
        gen_post_special_secret => "capitalonline/gen-post-special-secret",
        gen_reserved_characters => "capitalonline/gen-reserved-characters",
        gen_sort_by_byte_order => "capitalonline/gen-sort-by-byte-order",
        gen_space_plus_star_tilde => "capitalonline/gen-space-plus-star-tilde",
        gen_token_ignored => "capitalonline/gen-token-ignored",
    }
}

/// Alibaba Cloud RPC (signature V2, HMAC-SHA1, key = secret + "&").
mod aliyun_rpc {
    use super::vectors;

    vectors! {
        a1_ecs_describe_regions => "aliyun-rpc/a1-ecs-describe-regions",
        a2_describe_dedicated_hosts => "aliyun-rpc/a2-describe-dedicated-hosts",
        a4_rds_describe_backups => "aliyun-rpc/a4-rds-describe-backups",
        ali_util_test_get_rpc_signature => "aliyun-rpc/ali-util-test-get-rpc-signature",
        gen_chinese_and_empty => "aliyun-rpc/gen-chinese-and-empty",
        gen_post_form_body => "aliyun-rpc/gen-post-form-body",
        gen_reserved_characters => "aliyun-rpc/gen-reserved-characters",
        gen_sdk_url_get => "aliyun-rpc/gen-sdk-url-get",
        gen_sdk_url_security_token => "aliyun-rpc/gen-sdk-url-security-token",
        gen_security_token => "aliyun-rpc/gen-security-token",
        gen_space_plus_star_tilde => "aliyun-rpc/gen-space-plus-star-tilde",
        gen_special_secret => "aliyun-rpc/gen-special-secret",
    }
}

/// Alibaba Cloud V3 (ACS3-HMAC-SHA256).
mod aliyun_acs3 {
    use super::vectors;

    vectors! {
        a3_run_instances => "aliyun-acs3/a3-run-instances",
        a4_rds_describe_backups => "aliyun-acs3/a4-rds-describe-backups",
        gen_empty_query_value => "aliyun-acs3/gen-empty-query-value",
        gen_form_body => "aliyun-acs3/gen-form-body",
        gen_header_case_and_trim => "aliyun-acs3/gen-header-case-and-trim",
        gen_json_body => "aliyun-acs3/gen-json-body",
        gen_query_name_not_encoded => "aliyun-acs3/gen-query-name-not-encoded",
        gen_query_special_values => "aliyun-acs3/gen-query-special-values",
        gen_roa_path_get => "aliyun-acs3/gen-roa-path-get",
        gen_secret_special => "aliyun-acs3/gen-secret-special",
        gen_security_token => "aliyun-acs3/gen-security-token",
    }
}

/// Huawei Cloud (SDK-HMAC-SHA256).
mod huaweicloud {
    use super::vectors;

    vectors! {
        h1_test_signer1 => "huaweicloud/h1-test-signer1",
        h1_test_signer2 => "huaweicloud/h1-test-signer2",
        h2_signing_guide_vpcs => "huaweicloud/h2-signing-guide-vpcs",
        h3_list_backups_a => "huaweicloud/h3-list-backups-a",
        h3_list_backups_b => "huaweicloud/h3-list-backups-b",
        gen_encoded_path => "huaweicloud/gen-encoded-path",
        gen_headers_trim_underscore => "huaweicloud/gen-headers-trim-underscore",
        gen_host_with_port_bson => "huaweicloud/gen-host-with-port-bson",
        gen_invalid_percent_path => "huaweicloud/gen-invalid-percent-path",
        gen_json_body_post => "huaweicloud/gen-json-body-post",
        gen_query_special_values => "huaweicloud/gen-query-special-values",
        gen_repeated_query_keys => "huaweicloud/gen-repeated-query-keys",
        gen_security_token => "huaweicloud/gen-security-token",
        gen_unsigned_payload => "huaweicloud/gen-unsigned-payload",
        gen_unsigned_payload_empty_body => "huaweicloud/gen-unsigned-payload-empty-body",
    }
}

/// Every case folder on disk has a test above, and every test has a folder.
#[test]
fn every_case_folder_has_a_test() {
    let mut on_disk = Vec::new();
    for provider in std::fs::read_dir(crate::vectors::root()).unwrap() {
        let provider = provider.unwrap();
        if !provider.file_type().unwrap().is_dir() {
            continue;
        }
        for case in std::fs::read_dir(provider.path()).unwrap() {
            let case = case.unwrap();
            if case.file_type().unwrap().is_dir() {
                on_disk.push(format!(
                    "{}/{}",
                    provider.file_name().to_string_lossy(),
                    case.file_name().to_string_lossy()
                ));
            }
        }
    }
    on_disk.sort();
    let mut tested: Vec<String> = [
        capitalonline::CASES,
        aliyun_rpc::CASES,
        aliyun_acs3::CASES,
        huaweicloud::CASES,
    ]
    .concat()
    .into_iter()
    .map(str::to_owned)
    .collect();
    tested.sort();
    assert_eq!(on_disk, tested);
}

/// At least 5 SDK-generated hostile cases per algorithm, 20 in all.
#[test]
fn enough_generated_cases() {
    let generated = |cases: &[&str]| cases.iter().filter(|c| c.contains("/gen-")).count();
    let rpc_cds = generated(capitalonline::CASES);
    let rpc_ali = generated(aliyun_rpc::CASES);
    let acs3 = generated(aliyun_acs3::CASES);
    let huawei = generated(huaweicloud::CASES);
    assert!(rpc_cds >= 5 && rpc_ali >= 5 && acs3 >= 5 && huawei >= 5);
    assert!(rpc_cds + rpc_ali + acs3 + huawei >= 20);
}
