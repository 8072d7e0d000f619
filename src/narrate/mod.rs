//! Narration: turning what the engine did into an explanation.
//!
//! The mechanism (engine, rootfs, journal …) never prints prose. It reports
//! what it did as an [`Event`]: one variant per [`Step`], with the values
//! involved (a path, a pid, flags) as typed fields, so that the compiler
//! checks every field the mechanism gives. A [`Narrator`] receives events;
//! the renderers here decide what a student sees: `explain` (the stage
//! being run in full, earlier stages' steps one line each, wrapped,
//! coloured on a terminal), `full` (every step in full), `plain` (every
//! step in full, unwrapped and uncoloured, for tools), `json` (one object
//! per line, for tools) and `quiet` (only the contained program's own
//! output). Every sentence lives in [`catalog`], keyed by step and naming
//! an event's fields as `{key}`, so that a second language can be added
//! without touching mechanism code.
//!
//! Narration goes to stderr; the contained program's stdout stays its own.

pub mod catalog;
mod event;
pub mod help_ko;
mod json;
pub mod korean;
pub mod lang;
pub mod messages;
mod text;

pub use event::{Event, NsId, Step};
pub use json::Json;
pub use text::{Detail, Text, layout};

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
    /// The stage being run step by step, with why, the shell equivalent
    /// and the VM comparison; steps of earlier stages one line each.
    /// Wrapped to the terminal, coloured on one unless NO_COLOR is set.
    Explain,
    /// Every step of every stage in full, wrapped, coloured as explain.
    Full,
    /// Every step in full, one line per row, never coloured: for tools.
    Plain,
    /// One JSON object per step, one per line.
    Json,
    /// Nothing but the contained program's own output.
    Quiet,
}

/// A narrator that drops everything (`--trace quiet`).
pub struct Quiet;

impl Narrator for Quiet {
    /// Quiet prints nothing of its own, except outcomes the program's
    /// output cannot show: that the kernel killed it for lack of memory,
    /// and where a kept writable layer is (`--keep`).
    fn emit(&mut self, event: &Event) {
        if matches!(event.step(), Step::OomKilled | Step::OverlayKept) {
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
        TraceMode::Explain => Box::new(Text::with(
            out,
            use_color(),
            Detail::Condensed,
            text::width(),
        )),
        TraceMode::Full => Box::new(Text::with(out, use_color(), Detail::Full, text::width())),
        TraceMode::Plain => Box::new(Text::new(out, false)),
        TraceMode::Json => Box::new(Json::new(out)),
        TraceMode::Quiet => Box::new(Quiet),
    }
}

/// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A Write that keeps what it was given, shared with the test.
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Buf {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn events() -> Vec<Event> {
        vec![
            Event::Chroot {
                rootfs: "/r".into(),
            },
            Event::Exited { pid: 42, code: 7 },
        ]
    }

    #[test]
    fn plain_renders_numbered_steps_with_every_row_and_explain_adds_colour() {
        let buf = Buf::default();
        let mut n = Text::new(Box::new(buf.clone()), false);
        for e in events() {
            n.emit(&e);
        }
        let text = buf.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "[dockling] 1. chroot: make /r the process's root directory"
        );
        assert_eq!(lines[1], "    syscall  chroot(\"/r\")");
        assert!(lines[2].starts_with("    why      From now on every path"));
        assert_eq!(lines[3], "    by hand  chroot /r /bin/sh");
        assert!(lines[4].starts_with("    in a VM  A VM has its own virtual disk"));
        assert_eq!(
            lines[5],
            "[dockling] 2. exited: the command exited with code 7"
        );
        assert_eq!(lines[6], "    syscall  wait4(42) = exited(7)");
        assert!(!text.contains('\u{1b}'), "plain has no colour codes");
        // In the same test: colour is a process-wide switch in `colored`.
        let buf = Buf::default();
        let mut n = Text::new(Box::new(buf.clone()), true);
        n.emit(&events()[0]);
        let text = buf.text();
        assert!(text.contains('\u{1b}'), "{text:?}");
        assert!(text.contains("chroot: make /r the process's root directory"));
        colored::control::unset_override();
    }

    #[test]
    fn json_is_one_object_per_event_with_step_fields_and_rendered_text() {
        let buf = Buf::default();
        let mut n = Json::new(Box::new(buf.clone()));
        for e in events() {
            n.emit(&e);
        }
        let text = buf.text();
        let objs: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0]["n"], 1);
        assert_eq!(objs[0]["step"], "chroot");
        assert_eq!(objs[0]["fields"]["rootfs"], "/r");
        assert_eq!(objs[0]["syscall"], "chroot(\"/r\")");
        assert_eq!(objs[1]["fields"]["code"], 7);
        assert_eq!(objs[1]["title"], "the command exited with code 7");
    }

    #[test]
    fn quiet_wants_no_events() {
        assert!(!Quiet.wants_events());
    }
}
