//! Decoding benchmarks (issue 6): a 100-item page of Huawei Cloud RDS `ListBackups` decoded into our generated
//! [`ListBackupsResponse`], next to `serde_json::Value` as the floor.
//!
//! ```sh
//! cargo bench -p huaweicloud-rds --bench decode
//! ```
//!
//! The page is built from the fixture's verbatim example (ListBackups.seed-003-mysql.json): its first item is
//! repeated 100 times with its `id` varied, and the count fields set to 100.
//! `typed` is what the client does with a good body (a plain serde_json decode with the lenient
//! field decoders; serde_path_to_error runs only when it fails); `typed_with_path` is the decode
//! through serde_path_to_error; `value` decodes into `serde_json::Value`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;

use huaweicloud_rds::ListBackupsResponse;

const FIXTURE: &str = include_str!("../fixtures/examples/ListBackups.seed-003-mysql.json");

/// The fixture with its item list replaced by 100 varied copies of its first item.
fn page() -> Vec<u8> {
    let mut body: Value = serde_json::from_str(FIXTURE).expect("the fixture is JSON");
    let items = body.pointer_mut("/backups").expect("the item list");
    let first = items.get(0).cloned().expect("one item");
    let copies: Vec<Value> = (0..100)
        .map(|i| {
            let mut item = first.clone();
            let id = &mut item["id"];
            let varied = match &*id {
                Value::Number(n) => Value::from(n.as_i64().unwrap_or(0) + i),
                other => Value::from(format!("{}-{i:03}", other.as_str().unwrap_or("id"))),
            };
            *id = varied;
            item
        })
        .collect();
    *items = Value::Array(copies);
    body["total_count"] = Value::from(10_000);
    serde_json::to_vec_pretty(&body).expect("serializable")
}

fn decode(c: &mut Criterion) {
    let body = page();
    let decoded: ListBackupsResponse = serde_json::from_slice(&body).expect("the page decodes");
    assert_eq!(decoded.backups.len(), 100);

    let mut group = c.benchmark_group("decode/huaweicloud-rds");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("typed_with_path", |b| {
        b.iter(|| {
            let mut de = serde_json::Deserializer::from_slice(black_box(&body));
            serde_path_to_error::deserialize::<_, ListBackupsResponse>(&mut de).expect("decodes")
        })
    });
    group.bench_function("typed", |b| {
        b.iter(|| serde_json::from_slice::<ListBackupsResponse>(black_box(&body)).expect("decodes"))
    });
    group.bench_function("value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&body)).expect("decodes"))
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
