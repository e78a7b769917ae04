"""Summarize scripts/bench.sh's results.tsv as Markdown tables: medians over the runs, and
ratios taken within each run (ours / official, ours / floor) then the median of those."""

import statistics
import sys
from collections import defaultdict

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
# kind case impl run inner_ms wall_s maxrss_kb bytes
data = defaultdict(dict)
for kind, case, impl, run, inner, wall, rss, size in rows:
    data[(kind, case, impl)][run] = (
        None if inner == "-" else float(inner),
        float(wall),
        int(rss) / 1024,
        int(size),
    )


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=1):
    return "–" if value is None else f"{value:,.{digits}f}"


def ratio(kind, case, impl, base, field):
    """Median over runs of impl/base for one field, within each run."""
    a, b = data.get((kind, case, impl), {}), data.get((kind, case, base), {})
    ratios = [
        a[r][field] / b[r][field]
        for r in a
        if r in b and a[r][field] is not None and b[r][field]
    ]
    return med(ratios)


def cases(kind):
    seen = []
    for k, case, _ in data:
        if k == kind and case not in seen:
            seen.append(case)
    return seen


names = {"aliyun": "Alibaba Cloud RDS DescribeBackups", "huawei": "Huawei Cloud RDS ListBackups"}
impls = {"ours": "ours (Rust client)", "official": "official Python SDK", "floor": "floor (reqwest + serde_json::Value, pre-signed)"}
runs = len({r for d in data.values() for r in d})
print(f"### Listing 10,000 backups (pages of 100), medians of {max(len(d) for k, d in data.items() if k[0] == 'list') if any(k[0] == 'list' for k in data) else 0} runs\n")
print("| API | client | listing (ms) | process wall (s) | max RSS (MiB) | ours / this: listing | ours / this: wall | ours / this: RSS |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for case in cases("list"):
    for impl in ("ours", "official", "floor"):
        d = data.get(("list", case, impl))
        if not d:
            continue
        inner = med(v[0] for v in d.values())
        wall = med(v[1] for v in d.values())
        rss = med(v[2] for v in d.values())
        if impl == "ours":
            r = ("", "", "")
        else:
            r = tuple(fmt(ratio("list", case, "ours", impl, f), 2) for f in (0, 1, 2))
        print(f"| {names.get(case, case)} | {impls[impl]} | {fmt(inner)} | {fmt(wall, 2)} | {fmt(rss)} | {r[0]} | {r[1]} | {r[2]} |")

if cases("download"):
    n = max(len(d) for k, d in data.items() if k[0] == "download")
    print(f"\n### Downloading one file, medians of {n} runs\n")
    print("| file | tool | wall (s) | throughput (MiB/s) | max RSS (MiB) | this / curl: time | this / curl: RSS | this / (curl + SHA-256 + fsync): time |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    tools = {"cli": "`cloud-backup download`", "library": "`cloud_http::download`", "curl": "`curl -o`",
             "curl+sha": "`curl \\| tee \\| openssl dgst -sha256; sync`", "aria2c": "`aria2c -x8 -s8`",
             "cli-1": "`cloud-backup download --connections 1`"}
    for case in cases("download"):
        for impl in ("cli", "cli-1", "library", "curl", "curl+sha", "aria2c"):
            d = data.get(("download", case, impl))
            if not d:
                continue
            wall = med(v[1] for v in d.values())
            rss = med(v[2] for v in d.values())
            size = next(iter(d.values()))[3]
            inner = med(v[0] for v in d.values())
            # Throughput from the process's wall time (curl reports no inner time).
            mibs = size / (1 << 20) / wall if wall else None
            r = ("", "", "") if impl.startswith("curl") else (
                fmt(ratio("download", case, impl, "curl", 1), 2),
                fmt(ratio("download", case, impl, "curl", 2), 2),
                fmt(ratio("download", case, impl, "curl+sha", 1), 2),
            )
            print(f"| {case} | {tools[impl]} | {fmt(wall, 2)} | {fmt(mibs, 0)} | {fmt(rss)} | {r[0]} | {r[1]} | {r[2]} |")
    # Flat memory: RSS at 1 GiB over RSS at 100 MiB, per tool.
    print("\nMemory as the file grows (max RSS at 1 GiB / at 100 MiB): " + ", ".join(
        f"{impl} {fmt(med(v[2] for v in data[('download', '1GiB', impl)].values()) / med(v[2] for v in data[('download', '100MiB', impl)].values()), 2)}"
        for impl in ("cli", "library", "curl", "curl+sha")
        if ("download", "1GiB", impl) in data and ("download", "100MiB", impl) in data
    ))

if cases("capped"):
    n = max(len(d) for k, d in data.items() if k[0] == "capped")
    print(f"\n### Over links capped per connection (the sandbox's bandwidth fault), medians of {n} runs\n")
    print("| file | tool | wall (s) | throughput (MiB/s) | max RSS (MiB) | this / aria2c: time | this / curl: time |")
    print("|---|---|---:|---:|---:|---:|---:|")
    tools = {"cli": "`cloud-backup download` (8 connections, every check)", "aria2c": "`aria2c -x8 -s8`", "curl": "`curl -o`"}
    for case in cases("capped"):
        for impl in ("cli", "aria2c", "curl"):
            d = data.get(("capped", case, impl))
            if not d:
                continue
            wall = med(v[1] for v in d.values())
            rss = med(v[2] for v in d.values())
            size = next(iter(d.values()))[3]
            mibs = size / (1 << 20) / wall if wall else None
            to_aria = "" if impl == "aria2c" else fmt(ratio("capped", case, impl, "aria2c", 1), 2)
            to_curl = "" if impl == "curl" else fmt(ratio("capped", case, impl, "curl", 1), 2)
            size_label, cap = case.split("-", 1)
            print(f"| {size_label}, {cap}/s a connection | {tools[impl]} | {fmt(wall, 2)} | {fmt(mibs, 0)} | {fmt(rss)} | {to_aria} | {to_curl} |")

if ("large", "4GiB", "cli") in data:
    d = data[("large", "4GiB", "cli")]
    wall = med(v[1] for v in d.values())
    rss = med(v[2] for v in d.values())
    print(f"\nA 4 GiB download (`cloud-backup download`, 8 connections, every check): {fmt(wall, 2)} s, max RSS {fmt(rss)} MiB.")

if cases("fleet"):
    n = max(len(d) for k, d in data.items() if k[0] == "fleet")
    print(f"\n### Listing every backup of a fleet (Alibaba Cloud), medians of {n} runs\n")
    print("| instances | client | listing inside the process (ms) | process wall (s) | max RSS (MiB) | ours / this: wall | ours' wall / this: listing |")
    print("|---|---|---:|---:|---:|---:|---:|")
    tools = {"cli": "`cloud-backup aliyun-rds list --all-instances` (8 at a time)",
             "official": "official Python SDK, `ThreadPoolExecutor(max_workers=8)`"}
    for case in cases("fleet"):
        ours = data.get(("fleet", case, "cli"), {})
        for impl in ("cli", "official"):
            d = data.get(("fleet", case, impl))
            if not d:
                continue
            inner = med(v[0] for v in d.values())
            wall = med(v[1] for v in d.values())
            rss = med(v[2] for v in d.values())
            if impl == "cli":
                r = ("", "")
            else:
                by_wall = med(ours[k][1] / d[k][1] for k in ours if k in d and d[k][1])
                by_inner = med(ours[k][1] / (d[k][0] / 1000) for k in ours if k in d and d[k][0])
                r = (fmt(by_wall, 2), fmt(by_inner, 2))
            print(f"| {case} | {tools[impl]} | {fmt(inner)} | {fmt(wall, 2)} | {fmt(rss)} | {r[0]} | {r[1]} |")

if cases("sync"):
    n = max(len(d) for k, d in data.items() if k[0] == "sync")
    print(f"\n### `sync` of the newest backup of each of a fleet's instances, medians of {n} runs\n")
    print("| to | how | wall (s) | max RSS (MiB) | this / the loop: time |")
    print("|---|---|---:|---:|---:|")
    names = {"local": ("a directory", "`cloud-backup sync`"), "s3": ("moto's S3 server", "`cloud-backup sync`"),
             "loop": ("a directory", "a loop of `cloud-backup download`, one backup after another")}
    for case in cases("sync"):
        for impl in ("local", "s3", "loop"):
            d = data.get(("sync", case, impl))
            if not d:
                continue
            wall = med(v[1] for v in d.values())
            rss = med(v[2] for v in d.values())
            r = "" if impl == "loop" else fmt(ratio("sync", case, impl, "loop", 1), 2)
            print(f"| {names[impl][0]} | {names[impl][1]} | {fmt(wall, 2)} | {fmt(rss)} | {r} |")
