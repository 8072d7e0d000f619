//! The `json` renderer: one JSON object per event, one per line.

use std::io::Write;

use serde_json::json;

use super::catalog;
use super::{Event, Narrator};

pub struct Json {
    out: Box<dyn Write>,
    count: usize,
}

impl Json {
    pub fn new(out: Box<dyn Write>) -> Self {
        Json { out, count: 0 }
    }
}

impl Narrator for Json {
    fn emit(&mut self, event: &Event) {
        self.count += 1;
        let n = catalog::render(event);
        let line = json!({
            "n": self.count,
            "step": event.step,
            "title": n.title,
            "syscall": n.syscall,
            "shell": n.shell,
            "why": n.why,
            "vm": n.vm,
            "fields": event.fields,
        });
        // As in the text renderer: a closed stderr is not the container's problem.
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }
}
