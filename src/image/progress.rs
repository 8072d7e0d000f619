//! Progress bars for the blobs a pull or a push moves: one bar per layer,
//! drawn only on a terminal (and not with `DOCKLING_NO_PROGRESS` set);
//! elsewhere the narration's lines say the same.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// The bars' container, when bars are to be drawn.
pub fn bars() -> Option<MultiProgress> {
    (std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("DOCKLING_NO_PROGRESS").is_none())
    .then(MultiProgress::new)
}

/// A bar of `size` bytes under `prefix`, in dockling's one style.
pub fn bar(mp: &MultiProgress, size: u64, prefix: String) -> ProgressBar {
    let b = mp.add(ProgressBar::new(size));
    b.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    b.set_prefix(prefix);
    b
}
