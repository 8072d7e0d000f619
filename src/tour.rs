//! `dockling tour`: the lessons in order, each with its heading, running
//! each lesson's transcript commands with full narration.
//!
//! The tour runs the very commands printed in lessons/*.md (see
//! [`crate::lessons`]), by executing this same binary for each one, so what
//! a class sees is what the lessons show. `--step` pauses before every
//! command until Enter is pressed; without a terminal it never pauses.

use std::io::{BufRead, IsTerminal, Write};
use std::process::Command;

use crate::cli::{FetchArgs, FetchSource};
use crate::error::Error;
use crate::lessons;
use crate::narrate::Narrator;
use crate::paths::Paths;

pub fn run(paths: &Paths, step: bool, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let exe = std::env::current_exe().map_err(Error::io("find", "the dockling executable"))?;
    let pause = step && std::io::stdin().is_terminal();
    let rootfs = paths.default_rootfs();
    if rootfs.symlink_metadata().is_err() {
        println!("== The lessons need a root filesystem; building one from this host's busybox\n");
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
    // Networks outlive runs (their bridges stay, like docker0); the ones
    // the tour's demos made are removed at the end, so the tour leaves
    // the host as it found it.
    let networks_before: Vec<String> = crate::network::store::list(paths)?
        .into_iter()
        .map(|n| n.name)
        .collect();
    for lesson in lessons::all() {
        println!("\n{:=^78}", format!(" {} ", lesson.title));
        if let Some(intro) = lesson.text.split("\n\n").nth(1) {
            println!("{}\n", intro.trim());
        }
        let transcripts = lessons::transcripts(lesson.text);
        // Lesson 6 pulls from a registry on this machine, so the tour
        // works offline; it is stopped when the lesson is over.
        let _registry = if lesson.text.contains(crate::image::local_registry::ADDR) {
            println!(
                "== Starting a local registry (docker-registry) on {} with the image {}\n",
                crate::image::local_registry::ADDR,
                crate::image::local_registry::REPOSITORY
            );
            Some(crate::image::local_registry::start(paths)?)
        } else {
            None
        };
        if transcripts.is_empty() {
            println!(
                "(reading only: `dockling lesson {}` prints it)",
                lesson.number
            );
        }
        for t in transcripts {
            println!("$ dockling {}", t.command);
            if pause {
                print!("  [Enter] to run it ");
                std::io::stdout().flush().ok();
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).ok();
            }
            std::io::stdout().flush().ok();
            let mut cmd = Command::new(&exe);
            cmd.args(&t.args);
            if let Some(root) = &paths.root {
                cmd.env("DOCKLING_ROOT", root);
            }
            let status = cmd.status().map_err(Error::io("run", &exe))?;
            // A transcript may fail on purpose; its fence says which code.
            if status.code() != Some(t.exit) {
                failed.push(format!(
                    "lesson {}: dockling {} exited {status}, expected {}",
                    lesson.number, t.command, t.exit
                ));
            }
            println!();
        }
    }
    for n in crate::network::store::list(paths)? {
        if !networks_before.contains(&n.name)
            && let Err(e) = crate::network::store::remove(paths, &n.name)
        {
            failed.push(format!(
                "removing the network {} the tour made: {}",
                n.name,
                e.chain()
            ));
        }
    }
    if failed.is_empty() {
        println!(
            "== Tour complete. Read on with `dockling lesson N`, and try the exercises in each lesson."
        );
        Ok(0)
    } else {
        eprintln!(
            "dockling: the tour had failures:\n  {}",
            failed.join("\n  ")
        );
        Ok(crate::error::EXIT_DOCKLING_FAILED)
    }
}
