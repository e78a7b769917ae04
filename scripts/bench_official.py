"""List every backup of the benchmark instance through a provider's official Python SDK;
or, with `aliyun-fleet`, every backup of every Alibaba Cloud instance (a fleet), the
instances from DescribeDBInstances and their backups listed by a thread pool of 8 workers, as
a script around the official SDK would. The SDK does not retry a throttling answer
(`Throttling.User`): such a script must, so this one retries it with the backoff our client
uses (full jitter, a ceiling of 200 ms doubling up to 20 s, at most 10 throttled retries a
call), which keeps the comparison to how each client uses its connections.

Run by scripts/bench.sh inside its venv:

    python bench_official.py aliyun|huawei|aliyun-fleet INFO_JSON

INFO_JSON is the file `e2e serve` wrote (endpoint, instances, demo credentials). Pages of
100 (Alibaba Cloud PageSize, Huawei Cloud limit) are fetched one after the other until the
reported total; prints `RESULT items=<n> elapsed_ms=<ms>` (from the first request to the last
page decoded; the interpreter's start-up and imports are measured outside, by the script).
"""

import json
import random
import sys
import time

PAGE = 100
THROTTLED_RETRIES = 10


def throttled(call, request):
    """`call(request)`, retried after a throttling answer as our client does."""
    from Tea.exceptions import TeaException

    for retry in range(THROTTLED_RETRIES + 1):
        try:
            return call(request)
        except TeaException as error:
            if not str(error.code or "").startswith("Throttling") or retry == THROTTLED_RETRIES:
                raise
            time.sleep(random.uniform(0, min(20.0, 0.2 * 2**retry)))


def aliyun_client(info):
    """The official client, configured for the sandbox of `info`."""
    from alibabacloud_rds20140815.client import Client
    from alibabacloud_tea_openapi import models as open_api_models

    key, secret = info["aliyun_credentials"]
    config = open_api_models.Config(
        access_key_id=key,
        access_key_secret=secret,
        endpoint=info["endpoint"].removeprefix("http://"),
        protocol="http",
        region_id="cn-hangzhou",
    )
    return Client(config)


def aliyun_backups(client, instance):
    """How many backups `instance` has, over every page, one after the other."""
    from alibabacloud_rds20140815 import models

    items, page, total = 0, 1, None
    while total is None or items < total:
        request = models.DescribeBackupsRequest(
            dbinstance_id=instance, page_size=PAGE, page_number=page
        )
        body = throttled(client.describe_backups, request).body
        total = int(body.total_record_count)
        got = len(body.items.backup or [])
        if got == 0:
            break
        items += got
        page += 1
    return items


def aliyun(info):
    client = aliyun_client(info)
    start = time.perf_counter()
    items = aliyun_backups(client, info["aliyun_instance"])
    return items, time.perf_counter() - start


def aliyun_fleet(info):
    from concurrent.futures import ThreadPoolExecutor

    from alibabacloud_rds20140815 import models

    client = aliyun_client(info)
    start = time.perf_counter()
    instances, page = [], 1
    while True:
        request = models.DescribeDBInstancesRequest(
            region_id="cn-hangzhou", page_size=PAGE, page_number=page
        )
        body = throttled(client.describe_dbinstances, request).body
        got = [i.dbinstance_id for i in (body.items.dbinstance or [])]
        instances += got
        if not got or len(instances) >= int(body.total_record_count):
            break
        page += 1
    with ThreadPoolExecutor(max_workers=8) as pool:
        items = sum(pool.map(lambda instance: aliyun_backups(client, instance), instances))
    return items, time.perf_counter() - start


def huawei(info):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkrds.v3 import ListBackupsRequest, RdsClient

    ak, sk, project_id = info["huawei_credentials"]
    client = (
        RdsClient.new_builder()
        .with_credentials(BasicCredentials(ak, sk, project_id))
        .with_endpoints([info["endpoint"]])
        .build()
    )
    start = time.perf_counter()
    items, total = 0, None
    while total is None or items < total:
        request = ListBackupsRequest(
            instance_id=info["huawei_instance"], limit=PAGE, offset=items
        )
        response = client.list_backups(request)
        total = int(response.total_count)
        got = len(response.backups or [])
        if got == 0:
            break
        items += got
    return items, time.perf_counter() - start


def main():
    provider, info_path = sys.argv[1], sys.argv[2]
    with open(info_path) as f:
        info = json.load(f)
    run = {"aliyun": aliyun, "huawei": huawei, "aliyun-fleet": aliyun_fleet}[provider]
    items, elapsed = run(info)
    print(f"RESULT items={items} elapsed_ms={elapsed * 1e3:.1f}")
    expected = info["fleet_backups"] if provider == "aliyun-fleet" else 10_000
    if items != expected:
        sys.exit(f"listed {items} backups, expected {expected}")


if __name__ == "__main__":
    main()
