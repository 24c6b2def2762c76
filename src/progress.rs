//! Progress bars for people at a terminal (`run`, `ingest`, `fixtures`): drawn on stderr only
//! when stderr is a terminal, so nothing of them reaches a cron mail, a journal or a log file.
//! Log lines written while a bar is shown go through [`Stderr`], which lifts the bar first.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;
use std::time::Duration;

static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// Whether bars are drawn: stderr is a terminal.
pub fn enabled() -> bool {
    std::io::stderr().is_terminal()
}

fn add(bar: ProgressBar) -> ProgressBar {
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())).add(bar)
}

/// A bar counting files (`ingest 3/12 files`); hidden when not at a terminal.
pub fn files(total: u64, what: &'static str) -> ProgressBar {
    if !enabled() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{msg:>8} [{bar:32.cyan/blue}] {pos}/{len} files ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let bar = add(ProgressBar::new(total).with_style(style));
    bar.set_message(what);
    bar
}

/// A spinner for work without a known count; hidden when not at a terminal.
pub fn spinner(what: &'static str) -> ProgressBar {
    if !enabled() {
        return ProgressBar::hidden();
    }
    let bar = add(ProgressBar::new_spinner());
    bar.set_message(what);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// stderr for log lines: lifts any progress bar while writing, then redraws it.
pub struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match BARS.get() {
            Some(bars) => bars.suspend(|| std::io::stderr().write(buf)),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
