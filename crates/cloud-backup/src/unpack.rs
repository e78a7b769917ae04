//! `download --extract`: a backup's file streamed from the provider straight into
//! `backup-archive`'s extractor, the archive never kept. The extractor runs on a blocking
//! thread fed through a bounded channel; its files are moved into place only in
//! [`DownloadSink::complete`], which the download calls once every check of the provider's
//! (size, CRC-64, MD5) passed.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use backup_archive::extract::{ExtractError, ExtractOptions, Extraction, Extractor};
use cloud_http::bytes::Bytes;
use cloud_http::{Check, DownloadSink};
use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use crate::Error;

/// What the extraction thread is told.
enum Message {
    Data(Bytes),
    Finish(oneshot::Sender<Result<Extraction, ExtractError>>),
    Abort(oneshot::Sender<()>),
}

/// Pieces in flight between the download and the extraction thread (each up to 256 KiB).
const QUEUE: usize = 8;

/// The extraction of one downloaded file into `dir`.
pub(crate) struct ExtractSink {
    dir: PathBuf,
    options: ExtractOptions,
    queue: Option<mpsc::Sender<Message>>,
    /// The extraction thread's first error (whether the archive's fault, and the message),
    /// seen by the next write.
    failed: Arc<Mutex<Option<(bool, String)>>>,
    /// The finished extraction, for the caller.
    done: Arc<Mutex<Option<Extraction>>>,
}

impl ExtractSink {
    /// An extraction into `dir`, checked now (a directory in use is refused before anything is
    /// downloaded); `done` receives the outcome.
    pub(crate) fn new(
        dir: &Path,
        options: ExtractOptions,
        done: Arc<Mutex<Option<Extraction>>>,
    ) -> Result<Self, Error> {
        let mut sink = Self {
            dir: dir.to_path_buf(),
            options,
            queue: None,
            failed: Arc::new(Mutex::new(None)),
            done,
        };
        sink.start()?;
        Ok(sink)
    }

    /// A fresh extractor on its thread.
    fn start(&mut self) -> Result<(), Error> {
        let extractor =
            Extractor::new(&self.dir, &self.options).map_err(|e| refused(&self.dir, &e))?;
        let (queue, mut inbox) = mpsc::channel::<Message>(QUEUE);
        let failed = Arc::new(Mutex::new(None));
        self.failed = failed.clone();
        tokio::task::spawn_blocking(move || {
            let mut extractor = Some(extractor);
            let mut error: Option<ExtractError> = None;
            while let Some(message) = inbox.blocking_recv() {
                match message {
                    Message::Data(data) => {
                        if error.is_some() {
                            continue;
                        }
                        if let Some(current) = extractor.as_mut()
                            && let Err(e) = current.write(&data)
                        {
                            let archive = matches!(e, ExtractError::Archive(_));
                            *failed.lock().unwrap_or_else(|p| p.into_inner()) =
                                Some((archive, e.to_string()));
                            error = Some(e);
                            extractor = None;
                        }
                    }
                    Message::Finish(reply) => {
                        let outcome = match (error.take(), extractor.take()) {
                            (Some(e), _) => Err(e),
                            (None, Some(current)) => current.finish(),
                            (None, None) => Err(ExtractError::Destination(
                                "the extraction was already finished".to_owned(),
                            )),
                        };
                        let _ = reply.send(outcome);
                        return;
                    }
                    Message::Abort(reply) => {
                        if let Some(current) = extractor.take() {
                            current.abort();
                        }
                        let _ = reply.send(());
                        return;
                    }
                }
            }
            // The download went away without a word: the extractor, dropped, removes what
            // it staged.
        });
        self.queue = Some(queue);
        Ok(())
    }

    async fn send(&mut self, message: Message) -> Result<(), Error> {
        let queue = self
            .queue
            .as_ref()
            .ok_or_else(|| Error::config("the extraction has ended"))?;
        queue
            .send(message)
            .await
            .map_err(|_| Error::config("the extraction thread stopped"))
    }

    async fn stop(&mut self) {
        if self.queue.is_some() {
            let (reply, answer) = oneshot::channel();
            if self.send(Message::Abort(reply)).await.is_ok() {
                let _ = answer.await;
            }
            self.queue = None;
        }
    }
}

/// The error of an extractor that could not start.
fn refused(dir: &Path, error: &ExtractError) -> Error {
    match error {
        ExtractError::NotEmpty { example, .. } => Error::config(format!(
            "{} is not empty (it holds {example:?}): extract into an empty or new directory, \
             or pass --force to write over it",
            dir.display()
        )),
        other => Error::config(format!("cannot extract into {}: {other}", dir.display())),
    }
}

impl DownloadSink for ExtractSink {
    fn write(&mut self, data: Bytes) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let failed = self
                .failed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            match failed {
                Some((true, message)) => {
                    return Err(Error::integrity(format!(
                        "the file could not be extracted: {message}"
                    )));
                }
                Some((false, message)) => {
                    return Err(Error::config(format!(
                        "the file could not be extracted: {message}"
                    )));
                }
                None => {}
            }
            self.send(Message::Data(data)).await
        })
    }

    fn restart(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.stop().await;
            self.start()
        })
    }

    fn complete(&mut self, _len: u64, _sha256: &str) -> BoxFuture<'_, Result<Vec<Check>, Error>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            self.send(Message::Finish(reply)).await?;
            self.queue = None;
            let outcome = answer
                .await
                .map_err(|_| Error::config("the extraction thread stopped"))?;
            match outcome {
                Ok(extraction) => {
                    let check = Check::new(
                        "content",
                        "extracted",
                        crate::content::words(&extraction.report),
                    );
                    *self.done.lock().unwrap_or_else(|p| p.into_inner()) = Some(extraction);
                    Ok(vec![check])
                }
                Err(ExtractError::Archive(e)) => Err(Error::integrity(format!(
                    "the file could not be extracted: {e}"
                ))),
                Err(other) => Err(Error::config(format!(
                    "the file could not be extracted: {other}"
                ))),
            }
        })
    }

    fn abort(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.stop().await;
            Ok(())
        })
    }

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}
