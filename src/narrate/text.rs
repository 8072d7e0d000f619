//! The `explain` and `plain` renderers: the story of each step as text.

use std::io::Write;

use colored::Colorize;

use super::catalog;
use super::{Event, Narrator};

pub struct Text {
    out: Box<dyn Write>,
    color: bool,
    count: usize,
}

impl Text {
    pub fn new(out: Box<dyn Write>, color: bool) -> Self {
        // colored consults a process-wide switch; set it from our parameter
        // so that the caller, not the environment, decides.
        colored::control::set_override(color);
        Text {
            out,
            color,
            count: 0,
        }
    }

    fn paint(&self, s: &str, f: fn(&str) -> colored::ColoredString) -> String {
        if self.color {
            f(s).to_string()
        } else {
            s.to_string()
        }
    }
}

impl Narrator for Text {
    fn emit(&mut self, event: &Event) {
        self.count += 1;
        let n = catalog::render(event);
        let head = format!(
            "[dockling] {}. {}: {}",
            self.count,
            event.step.id(),
            n.title
        );
        let mut text = format!("{}\n", self.paint(&head, |s| s.bold().cyan()));
        let rows = [
            ("syscall", &n.syscall),
            ("why", &n.why),
            ("by hand", &n.shell),
            ("in a VM", &n.vm),
        ];
        for (label, value) in rows {
            if !value.is_empty() {
                let label = self.paint(&format!("{label:<8}"), |s| s.dimmed());
                text.push_str(&format!("    {label} {value}\n"));
            }
        }
        // A closed stderr must not stop the container; nothing else to do.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}
