//! `--sandbox-fault` specs: parsing them and turning them into the sandbox's faults.

/// One `--sandbox-fault` value: one or more comma-separated faults.
#[cfg(feature = "sandbox")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct FaultSpec(Vec<Fault>);

#[cfg(feature = "sandbox")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fault {
    /// `throttle=N`: the next N API calls are throttled.
    Throttle(u32),
    /// `5xx=N`: the next N API calls fail with the provider's 5xx error.
    ServerErrors(u32),
    /// `drop=N@BYTES`: the next N downloads are cut after BYTES bytes.
    Drop { count: u32, after_bytes: u64 },
    /// `ignore-range`: downloads answer every range request with the whole file.
    IgnoreRange,
    /// `corrupt=N@OFFSET`: the next N download responses covering byte OFFSET carry it flipped.
    Corrupt { count: u32, offset: u64 },
    /// `hang=N`: the next N API calls are accepted and never answered.
    Hang(u32),
    /// `link-uses=N`: each download link works for N requests.
    LinkUses(u32),
    /// `link-ttl=SECS`: download links expire SECS seconds after they are made.
    LinkTtl(u64),
    /// `rate=N`: each API admits N calls a second (0: no flow control).
    Rate(u32),
    /// `damaged`: backup files are damaged at the source (a byte flipped inside an archive
    /// member, the provider's checksums agreeing with it).
    Damaged,
    /// `bandwidth=RATE`: each download response sends at most RATE bytes a second (`16M`:
    /// 16 MiB/s; K, M and G are powers of 1024).
    Bandwidth(u64),
    /// `latency=MS`: every answer comes MS milliseconds late.
    Latency(u64),
}

#[cfg(feature = "sandbox")]
pub(super) fn parse_fault_spec(text: &str) -> Result<FaultSpec, String> {
    let count = |value: &str, what: &str| {
        value
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("{what} takes a count, such as {what}=2, not {value:?}"))
    };
    let mut faults = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (name, value) = match item.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim())),
            None => (item, None),
        };
        let fault = match (name, value) {
            ("throttle", Some(value)) => Fault::Throttle(count(value, "throttle")?),
            ("5xx", Some(value)) => Fault::ServerErrors(count(value, "5xx")?),
            ("drop", Some(value)) => {
                let (n, after_bytes) = count_at(value, "drop", "BYTES", "drop=1@100000")?;
                Fault::Drop {
                    count: n,
                    after_bytes,
                }
            }
            ("corrupt", Some(value)) => {
                let (n, offset) = count_at(value, "corrupt", "OFFSET", "corrupt=1@5000")?;
                Fault::Corrupt { count: n, offset }
            }
            ("hang", Some(value)) => Fault::Hang(count(value, "hang")?),
            ("link-uses", Some(value)) => Fault::LinkUses(count(value, "link-uses")?),
            ("link-ttl", Some(value)) => Fault::LinkTtl(u64::from(count(value, "link-ttl")?)),
            ("rate", Some(value)) => Fault::Rate(count(value, "rate")?),
            ("bandwidth", Some(value)) => Fault::Bandwidth(bytes_per_second(value)?),
            ("latency", Some(value)) => Fault::Latency(u64::from(count(value, "latency")?)),
            ("ignore-range", None) => Fault::IgnoreRange,
            ("damaged", None) => Fault::Damaged,
            _ => {
                return Err(format!(
                    "unknown fault {item:?}; expected throttle=N, 5xx=N, hang=N, drop=N@BYTES, \
                     corrupt=N@OFFSET, ignore-range, damaged, link-uses=N, link-ttl=SECS, \
                     rate=N, bandwidth=RATE (16M) or latency=MS"
                ));
            }
        };
        faults.push(fault);
    }
    if faults.is_empty() {
        return Err("no fault given".to_owned());
    }
    Ok(FaultSpec(faults))
}

/// A rate in bytes a second: a number, with K, M or G (powers of 1024) after it.
#[cfg(feature = "sandbox")]
fn bytes_per_second(value: &str) -> Result<u64, String> {
    let wrong = || format!("bandwidth takes bytes a second, such as bandwidth=16M, not {value:?}");
    let text = value.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let scale: u64 = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return Err(wrong()),
    };
    let number = number.trim().parse::<u64>().map_err(|_| wrong())?;
    number
        .checked_mul(scale)
        .filter(|rate| *rate > 0)
        .ok_or_else(wrong)
}

/// `<COUNT>@<NUMBER>` of `drop=` and `corrupt=`.
#[cfg(feature = "sandbox")]
pub(super) fn count_at(
    value: &str,
    what: &str,
    unit: &str,
    example: &str,
) -> Result<(u32, u64), String> {
    let wrong = || format!("{what} takes <COUNT>@<{unit}>, such as {example}, not {value:?}");
    let (n, at) = value.split_once('@').ok_or_else(wrong)?;
    let n = n.trim().parse::<u32>().map_err(|_| wrong())?;
    let at = at.trim().parse::<u64>().map_err(|_| wrong())?;
    Ok((n, at))
}

/// The sandbox faults of all the `--sandbox-fault` values, in order.
#[cfg(feature = "sandbox")]
pub(super) fn faults(specs: &[FaultSpec]) -> cloud_backup::sandbox::Faults {
    specs.iter().flat_map(|spec| spec.0.iter().copied()).fold(
        cloud_backup::sandbox::Faults::new(),
        |faults, fault| match fault {
            Fault::Throttle(n) => faults.with_throttle(n),
            Fault::ServerErrors(n) => faults.with_server_errors(n),
            Fault::Drop { count, after_bytes } => faults.with_dropped_downloads(count, after_bytes),
            Fault::IgnoreRange => faults.with_ignore_range(true),
            Fault::Corrupt { count, offset } => faults.with_corrupted_downloads(count, offset),
            Fault::Hang(n) => faults.with_hang(n),
            Fault::LinkUses(n) => faults.with_link_uses(n),
            Fault::LinkTtl(seconds) => faults.with_link_ttl(seconds),
            Fault::Rate(n) => faults.with_rate(n),
            Fault::Damaged => faults.with_damaged(true),
            Fault::Bandwidth(rate) => faults.with_bandwidth(rate),
            Fault::Latency(ms) => faults.with_latency_ms(ms),
        },
    )
}
