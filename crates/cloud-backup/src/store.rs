//! Object storage destinations of `sync` (feature `object-store`): `s3://`, `oss://` and
//! `obs://` through [OpenDAL](https://opendal.apache.org/), and the [`DownloadSink`] that
//! streams a download into a multipart upload completed only after verification.

use std::fmt;
use std::time::Duration;

use cloud_http::bytes::Bytes;
use cloud_http::{Check, DownloadSink};
use futures::future::BoxFuture;
use opendal::{ErrorKind as StoreErrorKind, Operator};

use crate::Error;
use crate::transfer::hex;

/// The part size of uploads: each part is held in memory until sent, so a transfer takes at
/// most `PART_SIZE × (PARTS_IN_FLIGHT + 1)` bytes (24 MiB).
pub const PART_SIZE: usize = 8 << 20;
/// Parts of one upload sent at once.
pub const PARTS_IN_FLIGHT: usize = 2;

/// A bucket (and prefix) of an object store.
#[derive(Clone)]
pub struct ObjectStore {
    /// The service as built, without layers.
    base: Operator,
    /// `base` with a timeout on each call and retries around it.
    op: Operator,
    url: String,
}

impl fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The schemes a `--to` may have.
pub const SCHEMES: [&str; 3] = ["s3://", "oss://", "obs://"];

impl ObjectStore {
    /// The store `url` names (`s3://bucket/prefix`, `oss://…`, `obs://…`), with `endpoint`
    /// (`--to-endpoint`; for S3 also `AWS_ENDPOINT_URL`) and credentials from the
    /// environment: S3 the AWS variables and files (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, profiles); OSS
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` and an endpoint (`--to-endpoint`, else
    /// `https://oss-<ALIBABA_CLOUD_REGION_ID>.aliyuncs.com`); OBS `HUAWEICLOUD_SDK_AK` / `_SK`
    /// and an endpoint (`--to-endpoint`, else `https://obs.<HUAWEICLOUD_SDK_REGION>.myhuaweicloud.com`;
    /// any other host is taken as a user domain bound to the bucket, and may not have a port).
    pub fn open(url: &str, endpoint: Option<&str>) -> Result<Self, Error> {
        Self::open_with(url, endpoint, None)
    }

    /// [`open`](Self::open) with the store's access key pair given (from a vault, say)
    /// instead of read from the environment.
    pub fn open_with_credentials(
        url: &str,
        endpoint: Option<&str>,
        credentials: &cloud_signer::Credentials,
    ) -> Result<Self, Error> {
        Self::open_with(url, endpoint, Some(credentials))
    }

    fn open_with(
        url: &str,
        endpoint: Option<&str>,
        credentials: Option<&cloud_signer::Credentials>,
    ) -> Result<Self, Error> {
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad_url(url))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || prefix.split('/').any(|p| p == "..") {
            return Err(bad_url(url));
        }
        let root = format!("/{}", prefix.trim_matches('/'));
        let config = |e: opendal::Error| {
            Error::config(format!(
                "--to {url}: the object store cannot be set up: {e}"
            ))
        };
        let op = match scheme {
            "s3" => {
                let mut builder = opendal::services::S3::default().bucket(bucket).root(&root);
                if let Some(endpoint) = endpoint
                    .map(str::to_owned)
                    .or_else(|| env("AWS_ENDPOINT_URL"))
                {
                    builder = builder.endpoint(&endpoint);
                }
                let region = env("AWS_REGION")
                    .or_else(|| env("AWS_DEFAULT_REGION"))
                    .unwrap_or_else(|| "us-east-1".to_owned());
                builder = builder.region(&region);
                if let Some(c) = credentials {
                    builder = builder
                        .access_key_id(c.access_key_id())
                        .secret_access_key(c.secret())
                        .disable_config_load();
                }
                Operator::new(builder).map_err(config)?.finish()
            }
            "oss" => {
                let endpoint = endpoint_or(url, endpoint, "ALIBABA_CLOUD_REGION_ID", |region| {
                    format!("https://oss-{region}.aliyuncs.com")
                })?;
                let mut builder = opendal::services::Oss::default()
                    .bucket(bucket)
                    .root(&root)
                    .endpoint(&endpoint);
                if names_no_domain(&endpoint) {
                    // An IP address or localhost (an OSS-compatible gateway): no bucket
                    // subdomain can resolve, so the bucket goes in the path.
                    builder = builder.addressing_style("path");
                }
                let pair = key_pair(
                    credentials,
                    "ALIBABA_CLOUD_ACCESS_KEY_ID",
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                );
                if let Some((id, secret)) = pair {
                    builder = builder.access_key_id(&id).access_key_secret(&secret);
                }
                Operator::new(builder).map_err(config)?.finish()
            }
            "obs" => {
                let endpoint = endpoint_or(url, endpoint, "HUAWEICLOUD_SDK_REGION", |region| {
                    format!("https://obs.{region}.myhuaweicloud.com")
                })?;
                if endpoint_port(&endpoint).is_some() {
                    // OpenDAL 0.57 keeps only the host of an OBS endpoint: a port would be
                    // silently lost and the requests sent elsewhere.
                    return Err(Error::config(format!(
                        "--to {url}: an OBS endpoint with a port ({endpoint}) is not supported: \
                         give the region's endpoint (https://obs.<region>.myhuaweicloud.com)"
                    )));
                }
                let mut builder = opendal::services::Obs::default()
                    .bucket(bucket)
                    .root(&root)
                    .endpoint(&endpoint);
                let pair = key_pair(credentials, "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK");
                if let Some((ak, sk)) = pair {
                    builder = builder.access_key_id(&ak).secret_access_key(&sk);
                }
                Operator::new(builder).map_err(config)?.finish()
            }
            _ => return Err(bad_url(url)),
        };
        Ok(Self {
            op: layered(&op, DEFAULT_TIMEOUT),
            base: op,
            url: format!("{scheme}://{bucket}{}", root.trim_end_matches('/')),
        })
    }

    /// The longest wait for one call of the store, or for the next piece of one, before it
    /// counts as failed (and is retried); default [`DEFAULT_TIMEOUT`]. A store that stops
    /// answering never holds a sync up for longer.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.op = layered(&self.base, timeout);
        self
    }

    /// `s3`, `oss` or `obs`.
    fn scheme(&self) -> &str {
        self.url.split("://").next().unwrap_or("store")
    }

    /// `scheme://bucket/prefix`, for messages.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `key` as a URL, for messages.
    pub(crate) fn show(&self, key: &str) -> String {
        format!("{}/{key}", self.url)
    }

    fn error(&self, what: &str, key: &str, e: opendal::Error) -> Error {
        let message = format!("could not {what} {}: {e}", self.show(key));
        match e.kind() {
            StoreErrorKind::PermissionDenied | StoreErrorKind::ConfigInvalid => {
                Error::config(message)
            }
            _ => Error::io(message, std::io::Error::other(e.kind().to_string())),
        }
    }

    /// The object at `key`, or `None` when there is none.
    pub(crate) async fn read(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        match self.op.read(key).await {
            Ok(buffer) => Ok(Some(buffer.to_vec())),
            Err(e) if e.kind() == StoreErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.error("read", key, e)),
        }
    }

    /// The size of the object at `key`, or `None` when there is none.
    pub(crate) async fn size(&self, key: &str) -> Result<Option<u64>, Error> {
        match self.op.stat(key).await {
            Ok(meta) => Ok(Some(meta.content_length())),
            Err(e) if e.kind() == StoreErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.error("look up", key, e)),
        }
    }

    /// Writes `bytes` as the object `key` (one PUT: the object appears whole or not at all).
    pub(crate) async fn write(&self, key: &str, bytes: Vec<u8>) -> Result<(), Error> {
        self.op
            .write(key, bytes)
            .await
            .map(drop)
            .map_err(|e| self.error("write", key, e))
    }

    /// Deletes the object `key` (one already gone is fine).
    pub(crate) async fn delete(&self, key: &str) -> Result<(), Error> {
        self.op
            .delete(key)
            .await
            .map_err(|e| self.error("delete", key, e))
    }

    /// The keys of every object under `prefix` (a directory, ending with `/`).
    pub(crate) async fn list(&self, prefix: &str) -> Result<Vec<String>, Error> {
        match self.op.list_with(prefix).recursive(true).await {
            Ok(entries) => Ok(entries
                .into_iter()
                .filter(|e| e.metadata().is_file())
                .map(|e| e.path().to_owned())
                .collect()),
            Err(e) if e.kind() == StoreErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(self.error("list", prefix, e)),
        }
    }

    /// A sink uploading to `key`: parts of [`PART_SIZE`], completed only when the download
    /// is verified, then checked against the store's ETag.
    pub(crate) fn sink(&self, key: &str) -> Box<dyn DownloadSink> {
        Box::new(UploadSink {
            store: self.clone(),
            key: key.to_owned(),
            writer: None,
            md5: PartMd5s::default(),
        })
    }

    /// The SHA-256 and length of the object at `key`, read back as a stream.
    pub(crate) async fn sha256_of(&self, key: &str) -> Result<(String, u64), Error> {
        use futures::TryStreamExt;
        use sha2::{Digest, Sha256};
        let reader = self
            .op
            .reader(key)
            .await
            .map_err(|e| self.error("read back", key, e))?;
        let mut stream = reader
            .into_bytes_stream(..)
            .await
            .map_err(|e| self.error("read back", key, e))?;
        let mut sha = Sha256::new();
        let mut len = 0u64;
        while let Some(piece) = stream
            .try_next()
            .await
            .map_err(|e| Error::io(format!("could not read back {}", self.show(key)), e))?
        {
            sha.update(&piece);
            len += piece.len() as u64;
        }
        Ok((hex(&sha.finalize()), len))
    }
}

/// How long a call of the store may take by default (`--timeout` changes it).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// `base` with a timeout on each attempt (metadata calls and each read or write) and, around
/// that, retries.
fn layered(base: &Operator, timeout: Duration) -> Operator {
    let timeout = opendal::layers::TimeoutLayer::new()
        .with_timeout(timeout)
        .with_io_timeout(timeout);
    base.clone().layer(timeout).layer(retry())
}

/// Retries of the store's own calls on its temporary errors (throttling, 5xx, dropped
/// connections): exponential backoff with jitter from 1 s, 5 attempts (about 15 s in all
/// before a store that refuses every connection is given up). A download's bytes are never
/// fetched again for it: a part is retried from memory.
fn retry() -> opendal::layers::RetryLayer {
    opendal::layers::RetryLayer::new()
        .with_jitter()
        .with_max_times(4)
}

/// The port written in `endpoint`, if any.
fn endpoint_port(endpoint: &str) -> Option<&str> {
    let rest = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let after_host = authority
        .rsplit_once(']')
        .map_or(authority, |(_, tail)| tail);
    after_host
        .rsplit_once(':')
        .map(|(_, port)| port)
        .filter(|p| !p.is_empty())
}

/// Whether `endpoint`'s host is an IP address or `localhost`, where a bucket cannot be a
/// subdomain.
fn names_no_domain(endpoint: &str) -> bool {
    let rest = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host),
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok()
}

fn bad_url(url: &str) -> Error {
    Error::config(format!(
        "--to {url}: an object store destination is s3://BUCKET/PREFIX, oss://BUCKET/PREFIX or \
         obs://BUCKET/PREFIX"
    ))
}

/// An environment variable's value, when set and not empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `endpoint` (`--to-endpoint`), else the one `region_url` makes of the region in `variable`.
fn endpoint_or(
    url: &str,
    endpoint: Option<&str>,
    variable: &str,
    region_url: impl FnOnce(&str) -> String,
) -> Result<String, Error> {
    match endpoint {
        Some(endpoint) => Ok(endpoint.to_owned()),
        None => env(variable)
            .map(|region| region_url(&region))
            .ok_or_else(|| missing(url, variable)),
    }
}

/// The access key pair given, else the one in the variables `id` and `secret` (both set).
fn key_pair(
    credentials: Option<&cloud_signer::Credentials>,
    id: &str,
    secret: &str,
) -> Option<(String, String)> {
    match credentials {
        Some(c) => Some((c.access_key_id().to_owned(), c.secret().to_owned())),
        None => env(id).zip(env(secret)),
    }
}

fn missing(url: &str, variable: &str) -> Error {
    Error::config(format!(
        "--to {url}: no endpoint: give --to-endpoint or set {variable}"
    ))
}

/// The MD5s an S3-style ETag is made of: each [`PART_SIZE`] part's. One part is sent as a
/// single PUT, whose ETag is that part's MD5, the whole object's; more are a multipart upload,
/// whose ETag is the MD5 of the parts' MD5s, then `-<parts>`.
#[derive(Default)]
struct PartMd5s {
    part: md5::Md5,
    part_len: usize,
    parts: Vec<[u8; 16]>,
}

impl PartMd5s {
    fn update(&mut self, mut data: &[u8]) {
        use md5::Digest;
        while !data.is_empty() {
            let n = (PART_SIZE - self.part_len).min(data.len());
            self.part.update(&data[..n]);
            self.part_len += n;
            data = &data[n..];
            if self.part_len == PART_SIZE {
                self.parts
                    .push(std::mem::take(&mut self.part).finalize().into());
                self.part_len = 0;
            }
        }
    }

    /// The ETag the upload of these bytes has at an S3-style store: lower-case hex, without
    /// quotes.
    fn etag(mut self) -> String {
        use md5::Digest;
        if self.part_len > 0 || self.parts.is_empty() {
            self.parts.push(self.part.finalize().into());
        }
        match self.parts.as_slice() {
            [one] => hex(one),
            parts => {
                let mut all = md5::Md5::new();
                for part in parts {
                    all.update(part);
                }
                format!("{}-{}", hex(&all.finalize()), parts.len())
            }
        }
    }
}

/// A download streamed into a multipart upload: nothing is visible at the key until
/// [`complete`](DownloadSink::complete).
struct UploadSink {
    store: ObjectStore,
    key: String,
    writer: Option<opendal::Writer>,
    md5: PartMd5s,
}

impl UploadSink {
    async fn writer(&mut self) -> Result<&mut opendal::Writer, Error> {
        if self.writer.is_none() {
            let writer = self
                .store
                .op
                .writer_with(&self.key)
                .chunk(PART_SIZE)
                .concurrent(PARTS_IN_FLIGHT)
                .await
                .map_err(|e| self.store.error("start the upload of", &self.key, e))?;
            self.writer = Some(writer);
        }
        self.writer
            .as_mut()
            .ok_or_else(|| Error::config("the upload is gone"))
    }
}

impl DownloadSink for UploadSink {
    fn write(&mut self, data: Bytes) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let key = self.key.clone();
            let store = self.store.clone();
            self.md5.update(&data);
            self.writer()
                .await?
                .write(data)
                .await
                .map_err(|e| store.error("upload", &key, e))
        })
    }

    fn restart(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.md5 = PartMd5s::default();
            if let Some(mut writer) = self.writer.take() {
                writer
                    .abort()
                    .await
                    .map_err(|e| self.store.error("abort the upload of", &self.key, e))?;
            }
            Ok(())
        })
    }

    fn complete(&mut self, len: u64, sha256: &str) -> BoxFuture<'_, Result<Vec<Check>, Error>> {
        let sha256 = sha256.to_owned();
        Box::pin(async move {
            let key = self.key.clone();
            let store = self.store.clone();
            let meta = self
                .writer()
                .await?
                .close()
                .await
                .map_err(|e| store.error("complete the upload of", &key, e))?;
            self.writer = None;
            let expected = std::mem::take(&mut self.md5).etag();
            // The completion's answer may not carry the ETag (OSS puts it in the XML body,
            // which OpenDAL does not read): then the object's own, from a HEAD.
            let etag = match meta.etag() {
                Some(etag) => Some(etag.to_owned()),
                None => store
                    .op
                    .stat(&key)
                    .await
                    .ok()
                    .and_then(|m| m.etag().map(str::to_owned)),
            };
            let etag = etag.map(|e| e.trim().trim_matches('"').to_ascii_lowercase());
            let source = format!("{} ETag", store.scheme());
            match etag {
                Some(etag) if etag == expected => Ok(vec![Check::new("etag", etag, vec![source])]),
                // No ETag, or one that is not an MD5 of the bytes (server-side encryption
                // with KMS, another store's multipart form): read the object back.
                _ => {
                    let (read, read_len) = store.sha256_of(&key).await?;
                    if read == sha256 && read_len == len {
                        Ok(vec![Check::new(
                            "sha256",
                            read,
                            vec![format!("read back from {}", store.scheme())],
                        )])
                    } else {
                        let _ = store.delete(&key).await;
                        Err(Error::integrity(format!(
                            "{} holds {read_len} bytes with SHA-256 {read} after the upload, \
                             not the {len} bytes with SHA-256 {sha256} sent; the object was \
                             removed",
                            store.show(&key)
                        )))
                    }
                }
            }
        })
    }

    fn abort(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            match self.writer.take() {
                Some(mut writer) => writer
                    .abort()
                    .await
                    .map_err(|e| self.store.error("abort the upload of", &self.key, e)),
                None => Ok(()),
            }
        })
    }

    fn describe(&self) -> String {
        self.store.show(&self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_the_md5_of_the_object_or_of_its_parts() {
        // Checked with Python's hashlib: md5(b"hello"), md5(b""), md5 of PART_SIZE bytes of
        // `a` (one part: one PUT), and for PART_SIZE + 10 bytes S3's multipart form (the MD5
        // of the two parts' MD5s, "-2").
        let etag = |pieces: &[&[u8]]| {
            let mut md5s = PartMd5s::default();
            for piece in pieces {
                md5s.update(piece);
            }
            md5s.etag()
        };
        assert_eq!(etag(&[b"hel", b"lo"]), "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(etag(&[]), "d41d8cd98f00b204e9800998ecf8427e");
        let one_part = vec![b'a'; PART_SIZE];
        let pieces: Vec<&[u8]> = one_part.chunks(1_000_003).collect();
        assert_eq!(etag(&pieces), "a1b8519c990697ddb77acc121efeb403");
        let two_parts = vec![b'a'; PART_SIZE + 10];
        let pieces: Vec<&[u8]> = two_parts.chunks(1_000_003).collect();
        assert_eq!(etag(&pieces), "6d6156177c423394f7d65ba98c709036-2");
    }

    #[test]
    fn ip_endpoints_take_the_bucket_in_the_path() {
        assert!(names_no_domain("http://127.0.0.1:9000"));
        assert!(names_no_domain("http://localhost"));
        assert!(names_no_domain("https://[::1]:443/x"));
        assert!(!names_no_domain("https://oss-cn-hangzhou.aliyuncs.com"));
        assert_eq!(endpoint_port("http://127.0.0.1:9000/x"), Some("9000"));
        assert_eq!(
            endpoint_port("https://obs.cn-north-4.myhuaweicloud.com"),
            None
        );
        assert_eq!(endpoint_port("http://[::1]"), None);
        assert!(ObjectStore::open("obs://b/p", Some("http://127.0.0.1:9000")).is_err());
    }

    #[test]
    fn urls_name_a_bucket_and_a_prefix() {
        let store = ObjectStore::open("s3://backups/mysql/prod", Some("http://127.0.0.1:9000"))
            .expect("a store");
        assert_eq!(store.url(), "s3://backups/mysql/prod");
        assert_eq!(store.show("a/b"), "s3://backups/mysql/prod/a/b");
        for bad in ["s3://", "s3:///x", "ftp://b/p", "s3://b/../x", "backups"] {
            assert!(ObjectStore::open(bad, Some("http://h")).is_err(), "{bad}");
        }
    }
}
