//! Object storage destinations of `sync` (feature `object-store`): `s3://`, `oss://` and
//! `obs://` through [OpenDAL](https://opendal.apache.org/), and the [`DownloadSink`] that
//! streams a download into a multipart upload completed only after verification.

use std::fmt;

use cloud_http::DownloadSink;
use cloud_http::bytes::Bytes;
use futures::future::BoxFuture;
use opendal::{ErrorKind as StoreErrorKind, Operator};

use crate::Error;

/// The part size of uploads: each part is held in memory until sent, so a transfer takes at
/// most `PART_SIZE × (PARTS_IN_FLIGHT + 1)` bytes (24 MiB).
pub const PART_SIZE: usize = 8 << 20;
/// Parts of one upload sent at once.
pub const PARTS_IN_FLIGHT: usize = 2;

/// A bucket (and prefix) of an object store.
#[derive(Clone)]
pub struct ObjectStore {
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
    /// and an endpoint (`--to-endpoint`, else `https://obs.<HUAWEICLOUD_SDK_REGION>.myhuaweicloud.com`).
    pub fn open(url: &str, endpoint: Option<&str>) -> Result<Self, Error> {
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad_url(url))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || prefix.split('/').any(|p| p == "..") {
            return Err(bad_url(url));
        }
        let root = format!("/{}", prefix.trim_matches('/'));
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
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
                Operator::new(builder)
                    .map_err(config)?
                    .layer(retry())
                    .finish()
            }
            "oss" => {
                let endpoint = match endpoint {
                    Some(endpoint) => endpoint.to_owned(),
                    None => format!(
                        "https://oss-{}.aliyuncs.com",
                        env("ALIBABA_CLOUD_REGION_ID")
                            .ok_or_else(|| missing(url, "ALIBABA_CLOUD_REGION_ID"))?
                    ),
                };
                let mut builder = opendal::services::Oss::default()
                    .bucket(bucket)
                    .root(&root)
                    .endpoint(&endpoint);
                if let (Some(id), Some(secret)) = (
                    env("ALIBABA_CLOUD_ACCESS_KEY_ID"),
                    env("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
                ) {
                    builder = builder.access_key_id(&id).access_key_secret(&secret);
                }
                Operator::new(builder)
                    .map_err(config)?
                    .layer(retry())
                    .finish()
            }
            "obs" => {
                let endpoint = match endpoint {
                    Some(endpoint) => endpoint.to_owned(),
                    None => format!(
                        "https://obs.{}.myhuaweicloud.com",
                        env("HUAWEICLOUD_SDK_REGION")
                            .ok_or_else(|| missing(url, "HUAWEICLOUD_SDK_REGION"))?
                    ),
                };
                let mut builder = opendal::services::Obs::default()
                    .bucket(bucket)
                    .root(&root)
                    .endpoint(&endpoint);
                if let (Some(ak), Some(sk)) = (env("HUAWEICLOUD_SDK_AK"), env("HUAWEICLOUD_SDK_SK"))
                {
                    builder = builder.access_key_id(&ak).secret_access_key(&sk);
                }
                Operator::new(builder)
                    .map_err(config)?
                    .layer(retry())
                    .finish()
            }
            _ => return Err(bad_url(url)),
        };
        Ok(Self {
            op,
            url: format!("{scheme}://{bucket}{}", root.trim_end_matches('/')),
        })
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
    /// is verified.
    pub(crate) fn sink(&self, key: &str) -> Box<dyn DownloadSink> {
        Box::new(UploadSink {
            store: self.clone(),
            key: key.to_owned(),
            writer: None,
        })
    }
}

/// Retries of the store's own calls on its temporary errors (throttling, 5xx, dropped
/// connections): exponential backoff with jitter, 5 attempts. A download's bytes are never
/// fetched again for it: a part is retried from memory.
fn retry() -> opendal::layers::RetryLayer {
    opendal::layers::RetryLayer::new()
        .with_jitter()
        .with_max_times(4)
}

fn bad_url(url: &str) -> Error {
    Error::config(format!(
        "--to {url}: an object store destination is s3://BUCKET/PREFIX, oss://BUCKET/PREFIX or \
         obs://BUCKET/PREFIX"
    ))
}

fn missing(url: &str, variable: &str) -> Error {
    Error::config(format!(
        "--to {url}: no endpoint: give --to-endpoint or set {variable}"
    ))
}

/// A download streamed into a multipart upload: nothing is visible at the key until
/// [`complete`](DownloadSink::complete).
struct UploadSink {
    store: ObjectStore,
    key: String,
    writer: Option<opendal::Writer>,
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
            self.writer()
                .await?
                .write(data)
                .await
                .map_err(|e| store.error("upload", &key, e))
        })
    }

    fn restart(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            if let Some(mut writer) = self.writer.take() {
                writer
                    .abort()
                    .await
                    .map_err(|e| self.store.error("abort the upload of", &self.key, e))?;
            }
            Ok(())
        })
    }

    fn complete(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let key = self.key.clone();
            let store = self.store.clone();
            let writer = self.writer().await?;
            writer
                .close()
                .await
                .map(drop)
                .map_err(|e| store.error("complete the upload of", &key, e))
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
