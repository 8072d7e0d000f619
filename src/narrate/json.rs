//! The `json` renderer: one JSON object per event, one per line.

use std::io::Write;
use std::time::Instant;

use serde_json::json;

use super::catalog;
use super::{Event, Narrator};

pub struct Json {
    out: Box<dyn Write>,
    count: usize,
    /// When this narrator was made. The container's process is a fork of
    /// dockling's and inherits it, so `t_us` is on one clock for both.
    start: Instant,
}

impl Json {
    pub fn new(out: Box<dyn Write>) -> Self {
        Json {
            out,
            count: 0,
            start: Instant::now(),
        }
    }
}

impl Narrator for Json {
    fn emit(&mut self, event: &Event) {
        // The summary is for readers: json's `t_us` has its times already.
        if event.step() == super::Step::Summary {
            return;
        }
        // Microseconds since dockling started narrating, taken before the
        // rendering: the benchmark reports the time of each step from it.
        let t_us = self.start.elapsed().as_micros() as u64;
        self.count += 1;
        let n = catalog::render(event);
        let line = json!({
            "n": self.count,
            "t_us": t_us,
            "step": event.step(),
            "title": n.title,
            "syscall": n.syscall,
            "shell": n.shell,
            "why": n.why,
            "vm": n.vm,
            "fields": event.fields(),
        });
        // As in the text renderer: a closed stderr is not the container's problem.
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }
}
