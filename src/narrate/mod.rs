//! Narration: turning what the engine did into an explanation.
//!
//! The mechanism (engine, rootfs, journal …) never prints prose. It reports
//! what it did as an [`Event`]: a [`Step`] id plus the values involved (a
//! path, a pid, flags). A [`Narrator`] receives events; the renderers here
//! decide what a student sees: `explain` (the full story, coloured on a
//! terminal), `plain` (the same without colour, used by the lesson
//! transcripts), `json` (one object per line, for tools) and `quiet` (only
//! the contained program's own output). Every sentence lives in
//! [`catalog`], keyed by step, so that a second language can be added
//! without touching mechanism code.
//!
//! Narration goes to stderr; the contained program's stdout stays its own.

pub mod catalog;
mod event;
mod json;
mod text;

pub use event::{Event, Step};
pub use json::Json;
pub use text::Text;

use std::io::{IsTerminal, Write};

/// Where events go. The engine takes `&mut dyn Narrator`.
pub trait Narrator {
    fn emit(&mut self, event: &Event);

    /// False when events are dropped anyway, so the container's process
    /// need not send them (and need not wait for them to be printed).
    fn wants_events(&self) -> bool {
        true
    }
}

/// How much to explain, chosen with `--trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceMode {
    /// Every step with why, the shell equivalent and the VM comparison;
    /// coloured on a terminal unless NO_COLOR is set.
    Explain,
    /// The same as explain, never coloured.
    Plain,
    /// One JSON object per step, one per line.
    Json,
    /// Nothing but the contained program's own output.
    Quiet,
}

/// A narrator that drops everything (`--trace quiet`).
pub struct Quiet;

impl Narrator for Quiet {
    /// Quiet prints nothing of its own, except an outcome the program's
    /// output cannot show: that the kernel killed it for lack of memory.
    fn emit(&mut self, event: &Event) {
        if event.step == Step::OomKilled {
            eprintln!("dockling: {}", catalog::render(event).title);
        }
    }

    fn wants_events(&self) -> bool {
        false
    }
}

/// The narrator for `mode`, writing to stderr.
pub fn for_mode(mode: TraceMode) -> Box<dyn Narrator> {
    let out: Box<dyn Write> = Box::new(std::io::stderr());
    match mode {
        TraceMode::Explain => Box::new(Text::new(out, use_color())),
        TraceMode::Plain => Box::new(Text::new(out, false)),
        TraceMode::Json => Box::new(Json::new(out)),
        TraceMode::Quiet => Box::new(Quiet),
    }
}

/// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}
