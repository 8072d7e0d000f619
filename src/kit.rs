//! The classroom kit: shell completions, man pages and a pager for the
//! lessons.
//!
//! Completions and man pages are generated from the derive's command line
//! ([`crate::cli::Cli`]), the same one the parser is checked against, by
//! clap's own generators, so they cannot drift from the flags.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Also write one page per subcommand into DIR (dockling-run.1 …)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

/// The full command line, every subcommand built (none deferred), without
/// the hidden ones (the monitor is dockling's own business, not a user's).
fn command() -> clap::Command {
    let full = Cli::command();
    let mut c = clap::Command::new("dockling")
        .version(env!("CARGO_PKG_VERSION"))
        .about(full.get_about().cloned().unwrap_or_default())
        .subcommand_required(true)
        .args(full.get_arguments().cloned())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    c.build();
    c
}

/// `dockling completions SHELL`: the completion script, on stdout.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<i32, Error> {
    let mut c = command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut c, "dockling", &mut script);
    write_out(out, &script, "the completion script")
}

/// Write all of `bytes`; a reader that went away (`| head`) is no error.
fn write_out(out: &mut dyn Write, bytes: &[u8], what: &'static str) -> Result<i32, Error> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("write", what)(e)),
        _ => Ok(0),
    }
}

/// `dockling man`: dockling(1) on stdout; with a directory, one page per
/// subcommand there too (dockling-run.1 …), as `man dockling-run` finds them.
pub fn man(dir: Option<&Path>, out: &mut dyn Write) -> Result<i32, Error> {
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
        clap_mangen::generate_to(command(), dir)
            .map_err(Error::io("write man pages to", dir.display().to_string()))?;
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(command())
        .section("1")
        .render(&mut page)
        .map_err(Error::io("render", "the man page"))?;
    write_out(out, &page, "the man page")
}

/// Print a lesson: through a pager ($PAGER, else `less -R`) when stdout is
/// a terminal, plain otherwise (a pipe, a file, the tests).
pub fn page(text: &str) -> Result<i32, Error> {
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less -R".into());
    if std::io::stdout().is_terminal()
        && let Some(code) = through_pager(text, &pager)
    {
        return Ok(code);
    }
    let mut out = std::io::stdout().lock();
    // A reader that went away (`| head`) is not an error.
    let _ = out.write_all(text.as_bytes());
    Ok(0)
}

/// None when no pager could be started; then the caller prints plainly.
fn through_pager(text: &str, pager: &str) -> Option<i32> {
    // $PAGER may hold arguments (`less -R`), as for git and man: a shell
    // splits it.
    let mut child = Command::new("sh")
        .args(["-c", pager])
        .stdin(Stdio::piped())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        // The pager may quit before reading everything (q in less).
        let _ = stdin.write_all(text.as_bytes());
    }
    let status = child.wait().ok()?;
    // sh exits 127 when the pager is not installed: fall back to plain.
    (status.code() != Some(127)).then_some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_name_every_visible_subcommand() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
        ] {
            let mut out = Vec::new();
            completions(shell, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            for sub in command().get_subcommands().filter(|s| !s.is_hide_set()) {
                assert!(
                    text.contains(sub.get_name()),
                    "{shell}: no {}",
                    sub.get_name()
                );
            }
            assert!(
                !text.contains("__monitor"),
                "{shell} offers the hidden monitor"
            );
        }
    }

    #[test]
    fn a_lesson_goes_through_the_pager_and_plain_when_there_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let got = dir.path().join("paged");
        let text = crate::lessons::find(1).unwrap().text;
        let pager = format!("cat > {}", got.display());
        assert_eq!(through_pager(text, &pager), Some(0));
        assert_eq!(std::fs::read_to_string(&got).unwrap(), text);
        assert_eq!(through_pager(text, "no-such-pager-here -R"), None);
    }

    #[test]
    fn the_man_page_is_roff_with_every_subcommand() {
        let mut out = Vec::new();
        man(None, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(".ie \\n(.g .ds Aq"), "{}", &text[..80]);
        assert!(text.contains(".TH dockling 1"), "{text}");
        for sub in [
            "chroot",
            "namespaces",
            "cgroups",
            "overlay",
            "network",
            "run",
            "lesson",
        ] {
            assert!(text.contains(sub), "no {sub}");
        }
        let dir = tempfile::tempdir().unwrap();
        man(Some(dir.path()), &mut Vec::new()).unwrap();
        for page in ["dockling.1", "dockling-run.1", "dockling-network.1"] {
            assert!(dir.path().join(page).exists(), "no {page}");
        }
        assert!(!dir.path().join("dockling-__monitor.1").exists());
    }
}
