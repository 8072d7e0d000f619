//! The lessons' transcripts are the program's real output.
//!
//! Every ```console block in lessons/*.md that starts with `$ dockling` is
//! run against a fresh state root; the output, through the shared filter
//! table, must equal the block, and is also kept as an insta snapshot.
//! `DOCKLING_BLESS=1` rewrites the blocks from the actual output (review
//! the diff: a changed transcript is a lesson change).

mod common;

use common::{Env, require_root};

/// Lessons 5 and 6 use the default network. Each test root has a bridge
/// of its own, but both would take 10.147.0.0/24 as the first free subnet,
/// and the second to bring its bridge up would narrate moving to the next
/// one: one lesson at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn check_lesson(file: &str) {
    if !require_root(file) {
        return;
    }
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lessons")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let env = Env::with_rootfs();
    // Lesson 6 pulls from a registry on this machine, as in the tour.
    let _registry = text
        .contains(dockling::image::local_registry::ADDR)
        .then(|| {
            dockling::image::local_registry::start(&dockling::paths::Paths::new(Some(&env.root)))
                .unwrap()
        });
    let mut actual = Vec::new();
    let mut mismatches = Vec::new();
    for (i, t) in dockling::lessons::transcripts(&text).iter().enumerate() {
        let args: Vec<&str> = t.args.iter().map(String::as_str).collect();
        let (code, out) = env.merged(&args);
        let out = env.filter(&out);
        assert_eq!(
            code,
            Some(t.exit),
            "{file}: `dockling {}` exit code\n{out}",
            t.command
        );
        insta::assert_snapshot!(
            format!("{}-{i}", file.trim_end_matches(".md")),
            out,
            &format!("dockling {}", t.command)
        );
        actual.push(out.clone());
        if out != t.output {
            mismatches.push(format!(
                "`dockling {}`:\n--- lesson\n{}--- actual\n{}",
                t.command, t.output, out
            ));
        }
        // Lesson 7's containers live from one command to the next; with
        // none left, nothing of any run may be.
        if env.run(&["ps", "-aq"]).stdout.is_empty() {
            env.assert_clean();
        }
    }
    let left = env.run(&["ps", "-aq"]);
    assert!(
        left.stdout.is_empty(),
        "{file} leaves containers behind: {}",
        String::from_utf8_lossy(&left.stdout)
    );
    env.assert_clean();
    if !mismatches.is_empty() {
        if std::env::var_os("DOCKLING_BLESS").is_some() {
            std::fs::write(&path, rebless(&text, &actual)).unwrap();
            eprintln!("rewrote {file}; review the diff");
        } else {
            panic!(
                "{file} does not match the program (DOCKLING_BLESS=1 rewrites it):\n{}",
                mismatches.join("\n")
            );
        }
    }
}

/// The lesson with the body of its n-th `$ dockling` transcript block
/// replaced by `outputs[n]`, block by block (the same command may appear
/// twice with different output).
fn rebless(text: &str, outputs: &[String]) -> String {
    let mut out = String::new();
    let mut lines = text.split_inclusive('\n').peekable();
    let mut n = 0;
    while let Some(line) = lines.next() {
        out.push_str(line);
        if !line.trim().starts_with("```console") {
            continue;
        }
        let Some(first) = lines.next() else { break };
        out.push_str(first);
        if !first.starts_with("$ dockling ") {
            continue;
        }
        while lines.peek().is_some_and(|l| l.trim() != "```") {
            lines.next();
        }
        out.push_str(&outputs[n]);
        n += 1;
    }
    out
}

#[test]
fn lesson_00_vm_vs_container() {
    check_lesson("00-vm-vs-container.md");
}

#[test]
fn lesson_01_chroot() {
    check_lesson("01-chroot.md");
}

#[test]
fn lesson_02_namespaces() {
    check_lesson("02-namespaces.md");
}

#[test]
fn lesson_03_cgroups() {
    check_lesson("03-cgroups.md");
}

#[test]
fn lesson_04_overlay() {
    check_lesson("04-overlay.md");
}

#[test]
fn lesson_05_network() {
    check_lesson("05-network.md");
}

#[test]
fn lesson_06_registry() {
    check_lesson("06-registry.md");
}

#[test]
fn lesson_07_lifecycle() {
    check_lesson("07-lifecycle.md");
}

/// Every lesson has its answers, and every answer file its lesson.
#[test]
fn every_lesson_has_an_answers_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    for (file, text) in dockling::lessons::LESSONS {
        let n = &file[..2];
        let answers = dir.join("answers").join(format!("{n}.md"));
        let a = std::fs::read_to_string(&answers)
            .unwrap_or_else(|e| panic!("{}: {e}", answers.display()));
        assert!(
            a.starts_with(&format!(
                "# Answers to lesson {}",
                n.trim_start_matches('0').max("0")
            )),
            "{}: heading",
            answers.display()
        );
        assert!(
            text.contains(&format!("lessons/answers/{n}.md")),
            "{file} does not point to its answers"
        );
        // One answer per exercise, numbered as the lesson numbers them.
        let exercises = text
            .split("\n## Exercises\n")
            .nth(1)
            .map(|s| s.split("\n## ").next().unwrap_or(""))
            .unwrap_or("");
        let count = |t: &str| {
            t.lines()
                .filter(|l| {
                    l.split_once(". ").is_some_and(|(n, _)| {
                        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
                    })
                })
                .count()
        };
        let body = a.split("\n## ").next().unwrap_or("");
        assert_eq!(
            count(body),
            count(exercises),
            "{}: one numbered answer per exercise of {file}",
            answers.display()
        );
    }
}

#[test]
fn every_lesson_file_is_built_into_the_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    // NN-name.md; answers/ and cheatsheet.md are read on disk, not built in.
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n.as_bytes().first().is_some_and(u8::is_ascii_digit))
        .collect();
    on_disk.sort();
    let built: Vec<String> = dockling::lessons::LESSONS
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    assert_eq!(on_disk, built);
}
