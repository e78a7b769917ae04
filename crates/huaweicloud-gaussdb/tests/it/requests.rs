use huaweicloud_gaussdb::ShowInstanceBackupsRequest;

fn owned(params: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    params
        .iter()
        .map(|(name, value)| (*name, (*value).to_owned()))
        .collect()
}

#[test]
fn constants() {
    assert_eq!(ShowInstanceBackupsRequest::METHOD, "GET");
    assert_eq!(
        ShowInstanceBackupsRequest::PATH,
        "/v3/{project_id}/instances/{instance_id}/backups"
    );
    assert_eq!(
        ShowInstanceBackupsRequest::CLIENT_PATH_PARAMS,
        ["project_id"]
    );
}

#[test]
fn as_in_the_docs_request_example() {
    // Seed 004, 请求示例:
    // GET https://{endpoint}/v3/619d3e78f61b4be68bc5aa0b59edcf7b/instances/61a4ea66210545909d74a05c27a7179ein07/backups?offset=0&limit=100
    let request = ShowInstanceBackupsRequest::new("61a4ea66210545909d74a05c27a7179ein07")
        .with_offset(0)
        .with_limit(100);
    assert_eq!(
        request.path_params(),
        owned(&[("instance_id", "61a4ea66210545909d74a05c27a7179ein07")])
    );
    assert_eq!(
        request.query_params(),
        owned(&[("offset", "0"), ("limit", "100")])
    );
    assert!(request.header_params().is_empty());
    assert!(request.body_params().is_empty());
}

#[test]
fn every_parameter_in_the_model_order() {
    let request = ShowInstanceBackupsRequest::new("i")
        .with_x_language("zh-cn")
        .with_filter_content("daily")
        .with_filter_field("name")
        .with_order_rule("desc")
        .with_order_field("beginTime")
        .with_limit(50)
        .with_offset(100);
    assert_eq!(
        request.query_params(),
        owned(&[
            ("offset", "100"),
            ("limit", "50"),
            ("order_field", "beginTime"),
            ("order_rule", "desc"),
            ("filter_field", "name"),
            ("filter_content", "daily"),
        ])
    );
    assert_eq!(request.header_params(), owned(&[("X-Language", "zh-cn")]));
    assert_eq!(request.path_params(), owned(&[("instance_id", "i")]));
}
