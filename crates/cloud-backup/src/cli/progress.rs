//! What a download shows while it runs: the progress bar, and the file under way (for the
//! message after Ctrl-C).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cloud_backup::{DownloadLink, Error};

use super::output::one_line;

/// The `.part` of the file being downloaded, for the message after Ctrl-C.
#[derive(Clone, Default)]
pub(super) struct CurrentPart(Arc<Mutex<Option<PathBuf>>>);

impl CurrentPart {
    pub(super) fn set(&self, dest: &Path) {
        let mut part = dest.as_os_str().to_owned();
        part.push(".part");
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(PathBuf::from(part));
    }

    pub(super) fn get(&self) -> Option<PathBuf> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .filter(|part| part.exists())
    }
}

/// No progress display.
pub(super) struct Silent;

impl cloud_http::Progress for Silent {
    fn start(&self, _already: u64, _total: Option<u64>) {}
    fn advance(&self, _bytes: u64) {}
}

/// A progress bar on stderr for one file: `cloud_http::Progress` over `indicatif`.
pub(super) struct Bar {
    bar: indicatif::ProgressBar,
    name: String,
    /// In a [`Board`]: the board, told when the file is done (and the bar cleared then).
    board: Option<Board>,
}

impl Bar {
    /// The bar takes the width the rest leaves, so that the line never wraps.
    const TEMPLATE: &'static str =
        "{msg} [{wide_bar}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}";
    const SPINNER: &'static str = "{spinner} {msg} {bytes} {binary_bytes_per_sec}";
    /// The longest file name shown; a longer one is shortened in the middle.
    const NAME_CHARS: usize = 32;

    pub(super) fn new(link: &DownloadLink, dest: &Path) -> Self {
        let name = dest.file_name().map_or_else(
            || link.backup_id.clone(),
            |name| name.to_string_lossy().into_owned(),
        );
        let name = shorten(&name, Self::NAME_CHARS);
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_style(Self::style(Self::SPINNER));
        bar.set_message(name.clone());
        Self {
            bar,
            name,
            board: None,
        }
    }

    /// A bar among others on `board`, cleared when its file is done.
    pub(super) fn on(board: &Board, link: &DownloadLink, dest: &Path) -> Self {
        let mut bar = Self::new(link, dest);
        bar.bar = board.multi.add(bar.bar.clone());
        bar.board = Some(board.clone());
        bar
    }

    fn style(template: &str) -> indicatif::ProgressStyle {
        indicatif::ProgressStyle::with_template(template)
            .map(|style| style.progress_chars("=> "))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    }
}

impl cloud_http::Progress for Bar {
    fn start(&self, already: u64, total: Option<u64>) {
        if let Some(total) = total {
            self.bar.set_style(Self::style(Self::TEMPLATE));
            self.bar.set_length(total);
        }
        self.bar.set_message(self.name.clone());
        self.bar.set_position(already);
        self.bar.reset_eta();
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn restart(&self) {
        self.bar.set_position(0);
        self.bar.println(format!(
            "{}: the server ignored the range request; starting again from zero",
            self.name
        ));
    }

    fn retrying(&self, error: &Error, delay: Duration) {
        self.bar.println(format!(
            "{}: {}; resuming in {:.1} s",
            self.name,
            one_line(&error.to_string()),
            delay.as_secs_f64()
        ));
    }

    fn refreshing(&self, n: u32) {
        self.bar.println(format!(
            "{}: the download link expired; asking the API for a new one ({n})",
            self.name
        ));
    }

    fn finish(&self) {
        match &self.board {
            Some(board) => {
                self.bar.finish_and_clear();
                board.file_done(self.bar.position());
            }
            None => self.bar.finish(),
        }
    }
}

/// Several downloads at once on stderr: a bar per file under way, and a line with the files
/// and bytes done so far.
#[derive(Clone)]
pub(super) struct Board {
    multi: indicatif::MultiProgress,
    overall: indicatif::ProgressBar,
    done: Arc<Mutex<(u64, u64)>>,
}

impl Board {
    /// A board on stderr, whose first line says `what`.
    pub(super) fn new(what: &str) -> Self {
        let multi =
            indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr());
        let overall = multi.add(indicatif::ProgressBar::new_spinner());
        overall.set_message(format!("{what}: starting"));
        overall.enable_steady_tick(Duration::from_millis(200));
        Self {
            multi,
            overall,
            done: Arc::new(Mutex::new((0, 0))),
        }
    }

    fn file_done(&self, bytes: u64) {
        let mut done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        done.0 += 1;
        done.1 += bytes;
        self.overall.set_message(format!(
            "{} file(s) copied, {}",
            done.0,
            cloud_backup::model::human_size(done.1)
        ));
    }

    /// Clears the board.
    pub(super) fn finish(&self) {
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        // A failed download: leave the bar where it stopped, on a line of its own, before the
        // error line.
        if !self.bar.is_finished() {
            self.bar.abandon();
        }
    }
}

/// `text` in at most `max` characters: its start and end around a `…`.
pub(super) fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max || max < 3 {
        return text.to_owned();
    }
    let head = (max - 1) / 2;
    let tail = max - 1 - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…{end}")
}

/// The spinner of `create-backup --wait` on a terminal (nothing elsewhere): the backup's
/// status as each look reports it.
pub(super) struct Spinner(Option<indicatif::ProgressBar>);

/// A spinner for following `created`, drawn only when stderr is a terminal.
pub(super) fn waiting_spinner(created: &cloud_backup::CreatedBackup) -> Spinner {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return Spinner(None);
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("waiting for the backup of {}", created.instance_id));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    Spinner(Some(spinner))
}

impl Spinner {
    /// Shows what one look found.
    pub(super) fn show(&self, look: &cloud_backup::manual::Progress) {
        let Some(spinner) = &self.0 else {
            return;
        };
        if let cloud_backup::manual::Progress::Running { status, backup_id } = look {
            spinner.set_message(format!(
                "backup {} {}",
                backup_id.as_deref().unwrap_or("(not listed yet)"),
                status.as_deref().unwrap_or("running")
            ));
        }
    }

    /// Clears the spinner.
    pub(super) fn finish(&self) {
        if let Some(spinner) = &self.0 {
            spinner.finish_and_clear();
        }
    }
}
