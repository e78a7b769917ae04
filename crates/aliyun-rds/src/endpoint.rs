//! Region to endpoint, and the parsing of an endpoint override.
//!
//! The table is the official Python SDK's (`alibabacloud-rds20140815` 16.0.2,
//! `Client._endpoint_map`, endpoint rule `regional`), as recorded in the project's reference
//! notes (providers.md 2.4).

use cloud_http::Endpoint;

use crate::Error;

/// The regions the official SDK sends to the central endpoint `rds.aliyuncs.com`.
const CENTRAL_REGIONS: &[&str] = &[
    "cn-qingdao",
    "cn-beijing",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-hongkong",
    "ap-southeast-1",
    "us-west-1",
    "us-east-1",
    "cn-shanghai-finance-1",
    "cn-shenzhen-finance-1",
    "cn-north-2-gov-1",
    "ap-northeast-2-pop",
    "cn-beijing-finance-1",
    "cn-beijing-finance-pop",
    "cn-beijing-gov-1",
    "cn-beijing-nu16-b01",
    "cn-edge-1",
    "cn-fujian",
    "cn-haidian-cm12-c01",
    "cn-hangzhou-bj-b01",
    "cn-hangzhou-internal-prod-1",
    "cn-hangzhou-internal-test-1",
    "cn-hangzhou-internal-test-2",
    "cn-hangzhou-internal-test-3",
    "cn-hangzhou-test-306",
    "cn-hongkong-finance-pop",
    "cn-qingdao-nebula",
    "cn-shanghai-et15-b01",
    "cn-shanghai-et2-b01",
    "cn-shanghai-inner",
    "cn-shanghai-internal-test-1",
    "cn-shenzhen-inner",
    "cn-shenzhen-st4-d01",
    "cn-shenzhen-su18-b01",
    "cn-wuhan",
    "cn-yushanfang",
    "cn-zhangbei",
    "cn-zhangbei-na61-b01",
    "cn-zhangjiakou-na62-a01",
    "cn-zhengzhou-nebula-1",
    "eu-west-1-oxs",
    "rus-west-1-pop",
];

/// The host of the RDS endpoint for `region`, as the official SDK picks it: the central
/// `rds.aliyuncs.com` for the regions of its map, `rds-vpc.cn-hangzhou-finance.aliyuncs.com`
/// for `cn-hangzhou-finance`, and `rds.<region>.aliyuncs.com` for every other region.
pub(crate) fn host_for_region(region: &str) -> String {
    if CENTRAL_REGIONS.contains(&region) {
        "rds.aliyuncs.com".to_owned()
    } else if region == "cn-hangzhou-finance" {
        "rds-vpc.cn-hangzhou-finance.aliyuncs.com".to_owned()
    } else {
        format!("rds.{region}.aliyuncs.com")
    }
}

/// The HTTPS endpoint of `region` (requests go to its path `/`); an error when the region
/// does not make a host name.
pub(crate) fn for_region(region: &str) -> Result<Endpoint, Error> {
    Endpoint::parse(&format!("https://{}", host_for_region(region))).map_err(|_| {
        Error::config(format!(
            "the region {region:?} does not make an endpoint host name; give a region id such \
             as cn-hangzhou, or set the endpoint"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_as_in_the_official_sdk() {
        for region in ["cn-hangzhou", "cn-beijing", "ap-southeast-1", "us-east-1"] {
            assert_eq!(host_for_region(region), "rds.aliyuncs.com", "{region}");
        }
        assert_eq!(
            host_for_region("cn-hangzhou-finance"),
            "rds-vpc.cn-hangzhou-finance.aliyuncs.com"
        );
        for region in [
            "cn-zhangjiakou",
            "cn-chengdu",
            "ap-northeast-1",
            "eu-central-1",
        ] {
            assert_eq!(
                host_for_region(region),
                format!("rds.{region}.aliyuncs.com"),
                "{region}"
            );
        }
        assert_eq!(
            for_region("eu-central-1").unwrap().as_str(),
            "https://rds.eu-central-1.aliyuncs.com"
        );
    }

    #[test]
    fn a_region_that_is_no_host_name_is_refused() {
        assert!(for_region("cn-hangzhou/../x").is_err());
        assert!(for_region("a b").is_err());
    }
}
