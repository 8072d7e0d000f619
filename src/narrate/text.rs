//! The `explain`, `full` and `plain` renderers: the story of each step as
//! text.
//!
//! `explain`, the default, tells the stage being run in full and every step
//! an earlier lesson already explained as one line (`✓ 2. journal: …`):
//! a student reads what is new. `full` tells every step in full. Both wrap
//! to the terminal's width (80 columns when stderr is not a terminal, or
//! `COLUMNS`) with a hanging indent under the label column, measured in
//! display columns (Hangul takes two), give each step the time since
//! dockling started, say a VM comparison only the first time it comes up,
//! and end a run with a summary. `explain` also tells a step only once when
//! it comes again with the same explanation (a write to each v1 hierarchy). `plain` is the story as it always was:
//! every step in full, one line per row, no times, no colour, for tools
//! and `grep`.

use std::collections::HashSet;
use std::io::Write;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use colored::Colorize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::catalog;
use super::lang::{self, Lang};
use super::{Event, Narrator, Step};

/// How much of each step to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The current stage's steps in full, earlier stages' as one line.
    Condensed,
    /// Every step in full, wrapped, with times.
    Full,
    /// Every step in full, unwrapped, no times (`--trace plain`).
    Plain,
}

/// The label column: four spaces, an eight-column label, a space.
const INDENT: usize = 13;
/// Room kept at the end of a heading for its time (" · 12.3 ms").
const TIME_ROOM: usize = 10;

pub struct Text {
    out: Box<dyn Write>,
    color: bool,
    count: usize,
    detail: Detail,
    width: usize,
    start: Instant,
    /// The stage being run: from `start`, else the latest stage of any
    /// step seen (an `exec` is stage 7 from its first setns on).
    stage: u8,
    /// Whether `start` said which stage runs.
    started: bool,
    /// VM comparisons said already in this run.
    vm_said: HashSet<String>,
    /// Steps explained in full already, with their explanation: the
    /// same step explained the same way again (one write per v1
    /// hierarchy) is one line.
    explained: HashSet<(Step, String)>,
    /// When the container's process was about to exec the command.
    exec_at: Option<Duration>,
}

impl Text {
    /// `--trace plain` (and `explain` before it told less): every step in
    /// full, unwrapped.
    pub fn new(out: Box<dyn Write>, color: bool) -> Self {
        Text::with(out, color, Detail::Plain, usize::MAX)
    }

    pub fn with(out: Box<dyn Write>, color: bool, detail: Detail, width: usize) -> Self {
        // colored consults a process-wide switch; set it from our parameter
        // so that the caller, not the environment, decides.
        colored::control::set_override(color);
        Text {
            out,
            color,
            count: 0,
            detail,
            width: width.max(40),
            start: Instant::now(),
            stage: 0,
            started: false,
            vm_said: HashSet::new(),
            explained: HashSet::new(),
            exec_at: None,
        }
    }

    fn paint(&self, s: &str, f: fn(&str) -> colored::ColoredString) -> String {
        if self.color {
            f(s).to_string()
        } else {
            s.to_string()
        }
    }

    /// The step in full: a heading, then a row per non-empty text.
    fn full(&mut self, event: &Event, n: &catalog::Rendered, at: Duration) -> String {
        let mut head = format!(
            "[dockling] {}. {}: {}",
            self.count,
            event.step().id(),
            n.title
        );
        if self.detail != Detail::Plain && event.step() != Step::Summary {
            head.push_str(&format!("{TIME_MARK}{}", duration(at)));
        }
        let mut text = self.lay_out(&head, Kind::Heading);
        let vm = if self.detail != Detail::Plain && !self.vm_said.insert(n.vm.clone()) {
            ""
        } else {
            n.vm.as_str()
        };
        let values = [n.syscall.as_str(), n.why.as_str(), n.shell.as_str(), vm];
        for (label, value) in catalog::labels(lang::current()).into_iter().zip(values) {
            if !value.is_empty() {
                text.push_str(&self.lay_out(&format!("{}{value}", row_lead(label)), Kind::Row));
            }
        }
        text
    }

    /// An earlier stage's step, on one line, cut to the width.
    fn one_line(&self, event: &Event, n: &catalog::Rendered, at: Duration) -> String {
        let line = format!(
            "[dockling] ✓ {}. {}: {}{TIME_MARK}{}",
            self.count,
            event.step().id(),
            n.title,
            duration(at)
        );
        self.lay_out(&line, Kind::OneLine)
    }

    /// One logical line wrapped to the width (unless plain) and painted.
    fn lay_out(&self, line: &str, kind: Kind) -> String {
        // A value of several lines goes on at the label column.
        let line = line.replace('\n', &format!("\n{}", " ".repeat(INDENT)));
        let lines = match self.detail {
            Detail::Plain => vec![line],
            _ => {
                let mut layouter = Layouter::new(self.width);
                line.split('\n').flat_map(|l| layouter.line(l)).collect()
            }
        };
        let count = lines.len();
        let mut out = String::new();
        for (i, l) in lines.into_iter().enumerate() {
            let painted = match kind {
                _ if !self.color => l,
                Kind::OneLine => self.paint(&l, |s| s.dimmed()),
                Kind::Heading => {
                    let (body, time) = match l.rfind(TIME_MARK) {
                        Some(at) if i + 1 == count => l.split_at(at),
                        _ => (l.as_str(), ""),
                    };
                    format!(
                        "{}{}",
                        self.paint(body, |s| s.bold().cyan()),
                        self.paint(time, |s| s.dimmed())
                    )
                }
                Kind::Row if i == 0 => match row_label(&l) {
                    Some((label, _)) => format!(
                        "    {}{}",
                        self.paint(label, |s| s.dimmed()),
                        &l[4 + label.len()..]
                    ),
                    None => l,
                },
                Kind::Row => l,
            };
            out.push_str(&painted);
            out.push('\n');
        }
        out
    }
}

/// What a logical line of narration is, for its colours.
#[derive(Clone, Copy)]
enum Kind {
    Heading,
    OneLine,
    Row,
}

/// Between a heading and its time.
const TIME_MARK: &str = " · ";

/// The start of a row: four spaces, the label padded to eight display
/// columns, a space.
fn row_lead(label: &str) -> String {
    format!(
        "    {label}{} ",
        " ".repeat(8usize.saturating_sub(label.width()))
    )
}

/// Whether a row's label is `by hand`'s, in any language: its value is
/// a shell command, broken only where it still pastes as one.
fn is_by_hand(label: &str) -> bool {
    [Lang::En, Lang::Ko]
        .into_iter()
        .any(|l| catalog::labels(l)[2] == label)
}

/// The label a row starts with, in any language, and the row's lead.
fn row_label(line: &str) -> Option<(&'static str, String)> {
    [Lang::En, Lang::Ko]
        .into_iter()
        .flat_map(catalog::labels)
        .map(|l| (l, row_lead(l)))
        .find(|(_, lead)| line.starts_with(lead.as_str()) && line.len() > lead.len())
}

/// Narration text (one logical line per heading and row, as `explain`
/// and `full` print it with no width limit) wrapped to `width`; `plain`
/// narration and other lines (the program's own output) stay as they are. Tests use it to lay out a
/// transcript after replacing pids and paths, so that the lines break
/// where they would for a student.
pub fn layout(text: &str, width: usize) -> String {
    let mut out = String::new();
    // `plain` is never wrapped: its headings have no time.
    let mut wrapped = false;
    let mut layouter = Layouter::new(width);
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if body.starts_with("[dockling] ") {
            wrapped = body.contains(TIME_MARK) || body.contains(". summary: ");
        }
        match wrapped {
            true => out.push_str(&layouter.line(body).join("\n")),
            false => out.push_str(body),
        }
        out.push_str(nl);
    }
    out
}

/// Lays out narration line by line, remembering whether the row being
/// continued is a `by hand` one (a value of several lines, such as a
/// list of iptables rules, goes on at the label column).
pub struct Layouter {
    width: usize,
    shell: bool,
}

impl Layouter {
    pub fn new(width: usize) -> Layouter {
        Layouter {
            width: width.max(40),
            shell: false,
        }
    }

    pub fn line(&mut self, line: &str) -> Vec<String> {
        if line.starts_with("[dockling] ") {
            self.shell = false;
        } else if let Some((label, _)) = row_label(line) {
            self.shell = is_by_hand(label);
        } else if let Some(rest) = line.strip_prefix(&" ".repeat(INDENT)) {
            let rest = rest.trim_start();
            let lines = match self.shell {
                true => wrap_shell(rest, self.width - INDENT),
                false => wrap(rest, self.width - INDENT, self.width - INDENT),
            };
            return lines
                .into_iter()
                .map(|l| format!("{}{l}", " ".repeat(INDENT)))
                .collect();
        }
        layout_line(line, self.width)
    }
}

/// One logical line in lines of at most `width` display columns: a
/// heading wrapped with its time at the end, an earlier stage's step cut
/// to one line, a row wrapped under its label column (a `by hand` row so
/// that it still pastes as one command).
pub fn layout_line(line: &str, width: usize) -> Vec<String> {
    let width = width.max(40);
    let split_time = |l: &str| match l.rfind(TIME_MARK) {
        Some(at) => (l[..at].to_string(), l[at..].to_string()),
        None => (l.to_string(), String::new()),
    };
    if let Some(rest) = line.strip_prefix("[dockling] ✓ ") {
        let (head, time) = split_time(rest);
        let room = TIME_ROOM.max(time.width());
        let head = truncate(&format!("✓ {head}"), width - 11 - room);
        return vec![format!("[dockling] {head}{time}")];
    }
    if let Some(rest) = line.strip_prefix("[dockling] ") {
        let (head, time) = split_time(rest);
        let room = TIME_ROOM.max(time.width());
        let mut lines: Vec<String> = wrap(&head, width - 11 - room, width - INDENT - room)
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let lead = if i == 0 {
                    "[dockling] ".to_string()
                } else {
                    " ".repeat(INDENT)
                };
                format!("{lead}{l}")
            })
            .collect();
        if let Some(last) = lines.last_mut() {
            last.push_str(&time);
        }
        return lines;
    }
    let Some((label, lead)) = row_label(line) else {
        return vec![line.to_string()];
    };
    let value = &line[lead.len()..];
    let lines = if is_by_hand(label) {
        wrap_shell(value, width - INDENT)
    } else {
        wrap(value, width - INDENT, width - INDENT)
    };
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{lead}{l}"),
            _ => format!("{}{l}", " ".repeat(INDENT)),
        })
        .collect()
}

impl Narrator for Text {
    fn emit(&mut self, event: &Event) {
        let at = self.start.elapsed();
        match event {
            Event::Start { stage_n, .. } => {
                self.stage = *stage_n;
                self.started = true;
            }
            // Tools have the times in json; plain stays as it was.
            Event::Summary { .. } if self.detail == Detail::Plain => return,
            Event::Exec { .. } => self.exec_at = Some(at),
            _ => {}
        }
        let mut event = event.clone();
        if let Event::Summary { started, total, .. } = &mut event {
            *started = Some(self.exec_at.map(duration).unwrap_or_else(|| "?".into()));
            *total = Some(duration(at));
        }
        let event = &event;
        self.count += 1;
        let n = catalog::render(event);
        let own = event.step().stage();
        let earlier = own != 0 && own < self.stage;
        let again = !self.explained.insert((event.step(), n.why.clone()));
        let text = if self.detail == Detail::Condensed && (earlier || again) {
            self.one_line(event, &n, at)
        } else {
            self.full(event, &n, at)
        };
        if !self.started {
            self.stage = self.stage.max(own);
        }
        // A closed stderr must not stop the container; nothing else to do.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

/// A duration in seven columns, so that what follows it wraps the same
/// way every run: `0.31 ms`, `12.3 ms`, `0.456 s`, `3.142 s`.
pub fn duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    // Each form is tried in turn and kept if it still takes seven columns
    // once rounded: 9.996 ms is "10.0 ms", not "10.00 ms".
    let forms = [
        format!("{ms:.2} ms"),
        format!("{ms:.1} ms"),
        format!("{:.3} s", ms / 1000.0),
        format!("{:.2} s", ms / 1000.0),
    ];
    forms
        .into_iter()
        .find(|f| f.len() <= 7)
        .unwrap_or_else(|| format!("{:.1} s", ms / 1000.0))
}

/// The width to wrap to: the terminal's, else `COLUMNS`, else 80.
pub fn width() -> usize {
    crate::terminal::size(std::io::stderr().as_fd())
        .ok()
        .map(|(_, cols)| cols as usize)
        .filter(|&c| c > 0)
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .unwrap_or(80)
}

/// Words of `text` in lines of at most `first` display columns (the first
/// line) and `rest` (the others). A word longer than a line gets a line
/// of its own rather than being cut: it may be a path to copy.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let room = if lines.is_empty() { first } else { rest };
        if !line.is_empty() && line.width() + 1 + word.width() > room {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A shell command in lines that still paste as one command: broken only
/// between words outside quotes, each line but the last ending in ` \`.
/// A trailing `# comment` goes on lines of its own, each starting `#`.
pub fn wrap_shell(line: &str, width: usize) -> Vec<String> {
    if line.width() <= width {
        return vec![line.to_string()];
    }
    let (words, comment) = shell_words(line);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in words {
        if !cur.is_empty() && cur.width() + 1 + w.width() + 2 > width {
            lines.push(format!("{cur} \\"));
            cur = String::new();
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&w);
    }
    lines.push(cur);
    if let Some(comment) = comment {
        let body = comment.trim_start_matches('#').trim();
        let last = lines.last_mut().expect("one line at least");
        if last.width() + 3 + comment.width() <= width {
            last.push_str("   ");
            last.push_str(&comment);
        } else {
            lines.extend(
                wrap(body, width - 2, width - 2)
                    .into_iter()
                    .map(|l| format!("# {l}")),
            );
        }
    }
    lines
}

/// The words of a shell line as the shell splits them (quotes kept as
/// typed), and a comment that ends it.
fn shell_words(line: &str) -> (Vec<String>, Option<String>) {
    let mut words = Vec::new();
    let mut cur = String::new();
    let (mut single, mut double, mut escaped) = (false, false, false);
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && !single {
            escaped = true;
        } else if c == '\'' && !double {
            single = !single;
        } else if c == '"' && !single {
            double = !double;
        } else if c == ' ' && !single && !double {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        } else if c == '#' && !single && !double && cur.is_empty() {
            return (words, Some(line[i..].to_string()));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    (words, None)
}

/// `text` cut to `width` display columns, ending in `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_their_width_in_display_columns() {
        let text = "한국어 문장은 한 글자가 두 칸을 차지합니다 그래서 줄이 빨리 찹니다";
        for line in wrap(text, 20, 30) {
            assert!(line.width() <= 30, "{line}");
        }
        assert!(wrap(text, 20, 30)[0].width() <= 20);
        assert_eq!(wrap("a bb ccc", 4, 4), ["a bb", "ccc"]);
        assert_eq!(
            wrap("/a/very/long/path x", 5, 5),
            ["/a/very/long/path", "x"]
        );
    }

    #[test]
    fn shell_lines_break_outside_quotes_and_continue_with_a_backslash() {
        let line = "sudo unshare --pid --mount --fork --root=/r sh -c 'ls /; echo $$'   # a comment that is long";
        let lines = wrap_shell(line, 30);
        for l in &lines {
            assert!(l.width() <= 30, "{l:?}");
        }
        assert!(
            lines.iter().any(|l| l.contains("'ls /; echo $$'")),
            "{lines:?}"
        );
        let code: Vec<&String> = lines.iter().filter(|l| !l.starts_with('#')).collect();
        for l in &code[..code.len() - 1] {
            assert!(l.ends_with(" \\"), "{l:?}");
        }
        assert!(lines.last().unwrap().starts_with("# "), "{lines:?}");
        // The shell reads the lines back as the one command.
        let script: String = lines
            .iter()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        let joined = script.replace(" \\\n", " ");
        assert_eq!(
            shell_words(joined.trim_end()).0,
            shell_words(line).0,
            "{script}"
        );
    }

    #[test]
    fn durations_take_seven_columns() {
        for ms in [
            0.31, 9.99, 9.996, 12.3, 99.9, 99.96, 456.0, 3142.0, 9999.7, 45_000.0,
        ] {
            let d = duration(Duration::from_secs_f64(ms / 1000.0));
            assert_eq!(d.len(), 7, "{d}");
        }
    }

    #[test]
    fn truncate_cuts_by_display_width() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("가나다라", 5), "가나…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
