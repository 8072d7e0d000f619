//! The lessons, built into the binary so that `dockling lesson N` and the
//! tour work anywhere the binary does.
//!
//! A lesson is Markdown. Its transcripts are fenced blocks marked `console`
//! whose first line is `$ dockling …`: the command a student types and,
//! below it, exactly what dockling prints. The tour runs those commands, and
//! the snapshot tests run them and compare the output with the block, so a
//! lesson cannot drift from the program. A block marked `console session`
//! is a shell transcript, run the same way ([`session`]).

pub mod session;

/// `(file name, text)` for one file in lessons/.
macro_rules! lesson {
    ($file:literal) => {
        ($file, include_str!(concat!("../lessons/", $file)))
    };
}

/// `(file name, text)` for one file in lessons/ko/.
macro_rules! lesson_ko {
    ($file:literal) => {
        ($file, include_str!(concat!("../lessons/ko/", $file)))
    };
}

/// The same lessons in Korean, with the same file names.
pub const LESSONS_KO: &[(&str, &str)] = &[
    lesson_ko!("00-vm-vs-container.md"),
    lesson_ko!("01-chroot.md"),
    lesson_ko!("02-namespaces.md"),
    lesson_ko!("03-cgroups.md"),
    lesson_ko!("04-overlay.md"),
    lesson_ko!("05-network.md"),
    lesson_ko!("06-registry.md"),
    lesson_ko!("07-lifecycle.md"),
    lesson_ko!("08-engines.md"),
];

/// (file name, text) of every lesson, in order.
pub const LESSONS: &[(&str, &str)] = &[
    lesson!("00-vm-vs-container.md"),
    lesson!("01-chroot.md"),
    lesson!("02-namespaces.md"),
    lesson!("03-cgroups.md"),
    lesson!("04-overlay.md"),
    lesson!("05-network.md"),
    lesson!("06-registry.md"),
    lesson!("07-lifecycle.md"),
    lesson!("08-engines.md"),
];

/// The files of the repository that lessons' commands name by a path
/// relative to its root (lesson 8's build context), built in so that the
/// tour can lay them out wherever it runs: `(path, text)`.
pub const FILES: &[(&str, &str)] = &[
    (
        "lessons/08/hello/Dockerfile",
        include_str!("../lessons/08/hello/Dockerfile"),
    ),
    (
        "lessons/08/hello/hello.sh",
        include_str!("../lessons/08/hello/hello.sh"),
    ),
];

/// Lay [`FILES`] out under `dir`, as they are in the repository, with
/// `registry` in place of the lesson registry's address (the tour's may
/// listen on another port). Commands run in `dir` then find them where a
/// student at the repository's root does.
pub fn write_files(dir: &std::path::Path, registry: &str) -> std::io::Result<()> {
    for (path, text) in FILES {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(
            &p,
            text.replace(crate::image::local_registry::ADDR, registry),
        )?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    pub number: u32,
    pub file: &'static str,
    pub title: String,
    pub text: &'static str,
}

/// One `$ dockling …` block: the arguments after `dockling`, the output;
/// or one `console session` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// The exit code the command (a session: its last command) should end
    /// with: `exit=N` on the fence, 0 when not given.
    pub exit: i32,
    /// What follows `$ dockling `; a session's commands, one a line.
    pub command: String,
    /// The words of `command` (a session: none).
    pub args: Vec<String>,
    /// What the command prints; a session's whole block, its `$ ` lines
    /// with the rest.
    pub output: String,
    /// A session's commands, in order.
    pub session: Option<Vec<String>>,
}

/// The lessons in the language of this run.
pub fn all() -> Vec<Lesson> {
    all_in(crate::narrate::lang::current())
}

/// The lessons in `lang`.
pub fn all_in(lang: crate::narrate::lang::Lang) -> Vec<Lesson> {
    let files = match lang {
        crate::narrate::lang::Lang::En => LESSONS,
        crate::narrate::lang::Lang::Ko => LESSONS_KO,
    };
    files
        .iter()
        .map(|(file, text)| Lesson {
            number: file
                .split('-')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            file,
            title: heading(text).to_string(),
            text,
        })
        .collect()
}

/// The first line of a lesson, without its `#`.
fn heading(text: &str) -> &str {
    text.lines()
        .next()
        .unwrap_or("")
        .trim_start_matches('#')
        .trim()
}

pub fn find(number: u32) -> Option<Lesson> {
    all().into_iter().find(|l| l.number == number)
}

/// The transcripts of a lesson, in order: `$ dockling …` blocks and
/// sessions.
pub fn transcripts(text: &str) -> Vec<Transcript> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.trim().strip_prefix("```console") else {
            continue;
        };
        let words: Vec<&str> = info.split_whitespace().collect();
        let exit = words
            .iter()
            .find_map(|w| w.strip_prefix("exit=")?.parse().ok())
            .unwrap_or(0);
        let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        let block = |body: &[&str]| {
            let mut text = body.join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            text
        };
        if words.contains(&session::FENCE) {
            let commands = session::commands(&body);
            out.push(Transcript {
                exit,
                command: commands.join("\n"),
                args: Vec::new(),
                output: block(&body),
                session: Some(commands),
            });
            continue;
        }
        let Some(command) = body.first().and_then(|l| l.strip_prefix("$ dockling ")) else {
            continue;
        };
        out.push(Transcript {
            exit,
            command: command.to_string(),
            args: split_words(command),
            output: block(&body[1..]),
            session: None,
        });
    }
    out
}

/// Split a command line into words the way sh does for the simple cases
/// lessons use: spaces, 'single' and "double" quotes.
pub fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_sh() {
        assert_eq!(
            split_words(r#"chroot -- sh -c 'exit 7'"#),
            ["chroot", "--", "sh", "-c", "exit 7"]
        );
        assert_eq!(split_words(r#"a "b c" ''"#), ["a", "b c", ""]);
    }

    #[test]
    fn transcripts_are_found_in_console_blocks_only() {
        let text = "# T\n```console\n$ dockling chroot -- true\nout\n```\n```sh\n$ dockling no\n```\n\
                    ```console exit=125\n$ dockling x\n```\n\
                    ```console session\n$ a &\n$ b\nout b\n```\n";
        let t = transcripts(text);
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].exit, t[1].exit), (0, 125));
        assert_eq!(
            t[2].session.as_deref(),
            Some(&["a &".to_string(), "b".into()][..])
        );
        assert_eq!(t[2].output, "$ a &\n$ b\nout b\n");
        assert_eq!(t[2].command, "a &\nb");
        assert_eq!(t[0].args, ["chroot", "--", "true"]);
        assert_eq!(t[0].output, "out\n");
    }

    #[test]
    fn lessons_are_numbered_in_order_and_have_titles() {
        let all = all();
        for (i, l) in all.iter().enumerate() {
            assert_eq!(l.number as usize, i, "{}", l.file);
            assert!(!l.title.is_empty(), "{}", l.file);
        }
    }
}
