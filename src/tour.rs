//! `dockling tour`: the lessons in order, each with its heading, running
//! each lesson's transcript commands with full narration.
//!
//! The tour runs the very commands printed in lessons/*.md (see
//! [`crate::lessons`]), by executing this same binary for each one, and
//! each shell session as one script whose `dockling` is this binary
//! ([`crate::lessons::session`]), so what a class sees is what the lessons
//! show; a session is one step. For a class: `--from N` and
//! `--only N` choose lessons, `--clear` clears the screen before each,
//! `--step` pauses before every command (Enter runs it, `s` skips it, `r`
//! runs the previous one again, `q` quits; without a terminal it never
//! pauses). The registry of lessons 6 and 8 listens on the port the
//! lessons print unless something else holds it, then on a free one, and
//! so do the ports the sessions of lessons 5 and 6 listen on. The
//! commands run in a directory of the tour's own that holds the
//! repository's files the lessons name ([`crate::lessons::FILES`], lesson
//! 8's build context). At the end the containers, images and networks the
//! demos made are removed, and that directory with what they wrote there.

use std::io::{BufRead, IsTerminal, Write};
use std::process::Command;

use crate::cli::{FetchArgs, FetchSource};
use crate::error::Error;
use crate::lessons;
use crate::msg;
use crate::narrate::Narrator;
use crate::narrate::lang::{self, Lang};
use crate::narrate::messages::images as m;
use crate::paths::Paths;

/// What the teacher chose.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// Pause before each command (Enter: run it; s: skip it; r: run the
    /// previous one again; q: quit), on a terminal.
    pub step: bool,
    /// Start at this lesson.
    pub from: Option<u32>,
    /// Only this lesson.
    pub only: Option<u32>,
    /// Clear the screen before each lesson.
    pub clear: bool,
}

/// What the teacher typed at a `--step` prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Run,
    Skip,
    Repeat,
    Quit,
}

impl Answer {
    pub fn parse(line: &str) -> Answer {
        match line.trim() {
            "s" | "S" => Answer::Skip,
            "r" | "R" => Answer::Repeat,
            "q" | "Q" => Answer::Quit,
            _ => Answer::Run,
        }
    }
}

fn ask(prompt: &str) -> Answer {
    print!("{prompt}");
    std::io::stdout().flush().ok();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        // End of input: nobody is there to answer.
        Ok(0) => Answer::Quit,
        _ => Answer::parse(&line),
    }
}

/// Run one transcript with this binary: a `$ dockling …` command, or a
/// session's script ([`lessons::session`]); how it exited.
fn run_one(
    exe: &std::path::Path,
    paths: &Paths,
    t: &lessons::Transcript,
    places: &lessons::session::Places,
    work: &std::path::Path,
) -> Result<std::process::ExitStatus, Error> {
    let mut cmd = match &t.session {
        None => {
            let mut cmd = Command::new(exe);
            // Lesson 6's registry may listen on another port than the
            // lesson's.
            cmd.args(t.args.iter().map(|a| places.command(a)));
            cmd
        }
        Some(_) => Command::new("sh"),
    };
    // Lesson 8 builds lessons/08/hello and writes hello.tar: the tour's
    // own directory holds the repository's files the lessons name.
    cmd.current_dir(work);
    if let Some(root) = &paths.root {
        cmd.env("DOCKLING_ROOT", root);
    }
    // The demos speak the tour's language, however it was chosen.
    cmd.env("DOCKLING_LANG", lang_name());
    std::io::stdout().flush().ok();
    match &t.session {
        None => cmd.status(),
        Some(commands) => {
            lessons::session::run(cmd, &lessons::session::script(commands, exe, places))
        }
    }
    .map_err(Error::io("run", exe))
}

/// How the tour shows a transcript before it runs (a session's script
/// shows each of its commands itself, as it runs them).
/// The command a step runs, before it runs. A session prints each of its
/// commands as it runs it; before --step's prompt (`ahead`) it is
/// announced, so the student knows what Enter will do.
fn show(t: &lessons::Transcript, places: &lessons::session::Places, ahead: bool) {
    match &t.session {
        None => println!("$ dockling {}", places.command(&t.command)),
        Some(commands) if ahead => println!(
            "{}",
            msg!(
                m::TOUR_SESSION_AHEAD,
                n = commands.len(),
                first = places.command(commands.first().map(String::as_str).unwrap_or(""))
            )
        ),
        Some(_) => {}
    }
}

/// The run's language as `DOCKLING_LANG` names it.
fn lang_name() -> &'static str {
    match lang::current() {
        Lang::En => "en",
        Lang::Ko => "ko",
    }
}

pub fn run(paths: &Paths, opts: &Options, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let exe = std::env::current_exe().map_err(Error::io("find", "the dockling executable"))?;
    let pause = opts.step && std::io::stdin().is_terminal();
    let all = lessons::all();
    for n in [opts.from, opts.only].into_iter().flatten() {
        if !all.iter().any(|l| l.number == n) {
            return Err(Error::Hinted {
                message: msg!(m::TOUR_NO_LESSON, n = n),
                hint: msg!(m::TOUR_NO_LESSON_HINT),
            });
        }
    }
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|l| opts.only.is_none_or(|n| l.number == n))
        .filter(|l| opts.from.is_none_or(|n| l.number >= n))
        .collect();
    let rootfs = paths.default_rootfs();
    if rootfs.symlink_metadata().is_err() {
        println!("{}", msg!(m::TOUR_BUILDING_ROOTFS));
        let args = FetchArgs {
            source: FetchSource::Host,
            dir: None,
            version: String::new(),
            mirror: String::new(),
            sha256: None,
            image: None,
            platform: None,
            insecure_registry: false,
        };
        crate::cli::fetch_rootfs(&args, &rootfs, paths, narrator)?;
    }
    let mut failed = Vec::new();
    // Networks outlive runs (their bridges stay, like docker0); containers
    // and images stay until removed. Whatever the tour's demos made is
    // removed at the end, so the tour leaves the host as it found it.
    let networks_before: Vec<String> = crate::network::store::list(paths)?
        .into_iter()
        .map(|n| n.name)
        .collect();
    let containers_before = crate::container::store::Store::new(paths).ids()?;
    let images_before = images(paths);
    let mut quit = None;
    // Where the demos run: the lessons' files from the repository (lesson
    // 8's build context), and what the demos write (hello.tar, a bundle),
    // removed at the end.
    let work = std::env::temp_dir().join(format!("dockling-tour-{}", std::process::id()));
    std::fs::create_dir(&work).map_err(Error::io("create", &work))?;
    let _work = RemoveOnDrop(work.clone());
    'lessons: for lesson in chosen {
        if opts.clear && std::io::stdout().is_terminal() {
            print!("\x1b[H\x1b[2J");
        }
        println!("\n{}", banner(&lesson.title));
        if let Some(intro) = lesson.text.split("\n\n").nth(1) {
            println!("{}\n", intro.trim());
        }
        let transcripts = lessons::transcripts(lesson.text);
        // Lessons 6 and 8 pull from (and push to) a registry on this
        // machine, so the tour works offline; it is stopped when the
        // lesson is over.
        let registry_addr = crate::image::local_registry::free_addr();
        let _registry = if lesson.text.contains(crate::image::local_registry::ADDR) {
            println!(
                "{}",
                msg!(
                    m::TOUR_STARTING_REGISTRY,
                    addr = registry_addr,
                    image = crate::image::local_registry::REPOSITORY
                )
            );
            Some(crate::image::local_registry::start_at(
                paths,
                &registry_addr,
            )?)
        } else {
            None
        };
        lessons::write_files(&work, &registry_addr).map_err(Error::io("write", &work))?;
        if transcripts.is_empty() {
            println!("{}", msg!(m::TOUR_READING_ONLY, n = lesson.number));
        }
        let places = lessons::session::Places::new(&registry_addr, paths.root.as_deref());
        let mut previous: Option<usize> = None;
        let mut i = 0;
        while i < transcripts.len() {
            let t = &transcripts[i];
            show(t, &places, pause);
            if pause {
                match ask(&msg!(m::TOUR_PROMPT)) {
                    Answer::Run => {}
                    Answer::Skip => {
                        println!();
                        i += 1;
                        continue;
                    }
                    Answer::Repeat => {
                        if let Some(p) = previous {
                            let prev = &transcripts[p];
                            show(prev, &places, false);
                            run_one(&exe, paths, prev, &places, &work)?;
                            println!();
                        }
                        continue;
                    }
                    Answer::Quit => {
                        quit = Some(lesson.number);
                        break 'lessons;
                    }
                }
            }
            let status = run_one(&exe, paths, t, &places, &work)?;
            // A transcript may fail on purpose; its fence says which code.
            if status.code() != Some(t.exit) {
                failed.push(match &t.session {
                    None => msg!(
                        m::TOUR_UNEXPECTED_EXIT,
                        n = lesson.number,
                        command = t.command,
                        status = status,
                        exit = t.exit
                    ),
                    Some(commands) => msg!(
                        m::TOUR_SESSION_UNEXPECTED_EXIT,
                        n = lesson.number,
                        command = commands.last().map(String::as_str).unwrap_or(""),
                        status = status,
                        exit = t.exit
                    ),
                });
            }
            println!();
            previous = Some(i);
            i += 1;
        }
    }
    reset(paths, &exe, &containers_before, &images_before, &mut failed);
    for n in crate::network::store::list(paths)? {
        if !networks_before.contains(&n.name)
            && let Err(e) = crate::network::store::remove(paths, &n.name)
        {
            failed.push(msg!(
                m::TOUR_NETWORK_NOT_REMOVED,
                name = n.name,
                error = e.chain()
            ));
        }
    }
    if !failed.is_empty() {
        eprintln!("{}", msg!(m::TOUR_FAILURES, failures = failed.join("\n  ")));
        return Ok(crate::error::EXIT_DOCKLING_FAILED);
    }
    match quit {
        Some(n) => println!("{}", msg!(m::TOUR_STOPPED, n = n)),
        None => println!("{}", msg!(m::TOUR_COMPLETE)),
    }
    if std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").is_ok_and(|v| v.trim() == "1") {
        println!("{}", msg!(m::TOUR_IP_FORWARD_STAYS));
    }
    Ok(0)
}

/// A directory removed, with all in it, when dropped.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A lesson's title centred in a line of `=`, 78 columns wide on the
/// screen (a Hangul syllable takes two), as `{:=^78}` centres English.
fn banner(title: &str) -> String {
    use unicode_width::UnicodeWidthStr;
    let text = format!(" {title} ");
    let fill = 78usize.saturating_sub(text.width());
    let left = fill / 2;
    format!("{}{text}{}", "=".repeat(left), "=".repeat(fill - left))
}

/// The images in the store, by reference.
fn images(paths: &Paths) -> Vec<String> {
    crate::image::store::Store::open(paths)
        .and_then(|s| s.list())
        .map(|l| l.into_iter().map(|i| i.reference).collect())
        .unwrap_or_default()
}

/// Remove the containers and images the tour's demos made, and the build
/// cache entries left without a layer.
fn reset(
    paths: &Paths,
    exe: &std::path::Path,
    containers_before: &[String],
    images_before: &[String],
    failed: &mut Vec<String>,
) {
    let quiet = |args: &[&str]| {
        let mut cmd = Command::new(exe);
        cmd.args(["--trace", "quiet"]).args(args);
        cmd.env("DOCKLING_LANG", lang_name());
        if let Some(root) = &paths.root {
            cmd.env("DOCKLING_ROOT", root);
        }
        cmd.stdout(std::process::Stdio::null()).status()
    };
    let now = crate::container::store::Store::new(paths)
        .ids()
        .unwrap_or_default();
    for id in now.iter().filter(|id| !containers_before.contains(id)) {
        if !quiet(&["rm", "-f", id]).is_ok_and(|s| s.success()) {
            failed.push(msg!(m::TOUR_CONTAINER_NOT_REMOVED, id = &id[..12]));
        }
    }
    for reference in images(paths).iter().filter(|r| !images_before.contains(r)) {
        if !quiet(&["rmi", reference]).is_ok_and(|s| s.success()) {
            failed.push(msg!(m::TOUR_IMAGE_NOT_REMOVED, reference = reference));
        }
    }
    // Lesson 8's build cache entries, of no use once their images went.
    if let (Ok(cache), Ok(store)) = (
        crate::build::cache::Cache::open(paths),
        crate::image::store::Store::open(paths),
    ) {
        let _ = cache.prune(&store, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_are_78_columns_in_either_language() {
        use unicode_width::UnicodeWidthStr;
        let en = "Lesson 1: chroot, a different root directory";
        assert_eq!(banner(en), format!("{:=^78}", format!(" {en} ")));
        for l in crate::lessons::all_in(crate::narrate::lang::Lang::Ko) {
            assert_eq!(banner(&l.title).width(), 78, "{}", l.title);
        }
    }
}
