//! The lessons' transcripts are the program's real output.
//!
//! Every ```console block in lessons/*.md that starts with `$ dockling` is
//! run against a fresh state root; the output, through the shared filter
//! table, must equal the block, and is also kept as an insta snapshot. A
//! ```console session block is run as one sh script (src/lessons/session.rs)
//! with the same root, its `dockling` the binary under test, and each of its
//! commands' output is filtered and compared the same way.
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
    check_lesson_in("", file)
}

/// A lesson of lessons/ (`dir` ""), or of lessons/ko/ (`dir` "ko"), whose
/// commands run with `--lang ko`, as for a student whose locale is Korean.
fn check_lesson_in(dir: &str, file: &str) {
    if !require_root(file) {
        return;
    }
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lessons")
        .join(dir)
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let env = Env::with_rootfs();
    // Lessons 6 and 8 pull from (8 also pushes to) a registry on this
    // machine, as in the tour.
    let _registry = text
        .contains(dockling::image::local_registry::ADDR)
        .then(|| {
            dockling::image::local_registry::start(&dockling::paths::Paths::new(Some(&env.root)))
                .unwrap()
        });
    // The commands run where the tour runs them: in a directory of their
    // own holding the repository's files the lessons name (lesson 8's
    // build context), so what they write (hello.tar, a bundle) stays there.
    let work = tempfile::tempdir().unwrap();
    dockling::lessons::write_files(work.path(), dockling::image::local_registry::ADDR).unwrap();
    let cwd = std::fs::canonicalize(work.path())
        .unwrap()
        .display()
        .to_string();
    let mut actual = Vec::new();
    let mut mismatches = Vec::new();
    // The ports a session listens on, where the lesson's are taken.
    let places = dockling::lessons::session::Places::new(
        dockling::image::local_registry::ADDR,
        Some(&env.root),
    );
    for (i, t) in dockling::lessons::transcripts(&text).iter().enumerate() {
        let (code, out) = match &t.session {
            None => {
                let mut args: Vec<&str> = t.args.iter().map(String::as_str).collect();
                if dir == "ko" {
                    args.splice(0..0, ["--lang", "ko"]);
                }
                // Lesson 8's push prints a line per layer as each one is
                // done: one at a time, they come in the same order every run.
                let (code, out) =
                    env.merged_in(Some(work.path()), &[("DOCKLING_PUSH_JOBS", "1")], &args);
                // The directory a student runs the commands in is theirs:
                // `$PWD`.
                (code, env.filter(&out.replace(&cwd, "$PWD")))
            }
            Some(commands) => {
                let script = dockling::lessons::session::script(
                    commands,
                    std::path::Path::new(common::DOCKLING),
                    &places,
                );
                let lang = if dir == "ko" { "ko" } else { "en" };
                let (code, out) = env.session_in(work.path(), &[("DOCKLING_LANG", lang)], &script);
                // Each command as the lesson shows it, unfiltered, then
                // what it printed through the filter.
                let ran: Vec<String> = commands.iter().map(|c| places.command(c)).collect();
                let parts = dockling::lessons::session::split(&out, &ran);
                let out = commands
                    .iter()
                    .zip(parts)
                    .map(|(c, part)| {
                        let part = places.output(&part).replace(&cwd, "$PWD");
                        format!("$ {c}\n{}", env.filter(&part))
                    })
                    .collect::<String>();
                (code, out)
            }
        };
        assert_eq!(
            code,
            Some(t.exit),
            "{file}: `dockling {}` exit code\n{out}",
            t.command
        );
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}-")
        };
        insta::assert_snapshot!(
            format!("{prefix}{}-{i}", file.trim_end_matches(".md")),
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
        let Some(info) = line.trim().strip_prefix("```console") else {
            continue;
        };
        // A session's block is its output, `$ ` lines and all.
        if info
            .split_whitespace()
            .any(|w| w == dockling::lessons::session::FENCE)
        {
            while lines.peek().is_some_and(|l| l.trim() != "```") {
                lines.next();
            }
            out.push_str(&outputs[n]);
            n += 1;
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
fn lesson_ko_00_vm_vs_container() {
    check_lesson_in("ko", "00-vm-vs-container.md");
}

#[test]
fn lesson_ko_01_chroot() {
    check_lesson_in("ko", "01-chroot.md");
}

#[test]
fn lesson_ko_02_namespaces() {
    check_lesson_in("ko", "02-namespaces.md");
}

#[test]
fn lesson_ko_03_cgroups() {
    check_lesson_in("ko", "03-cgroups.md");
}

#[test]
fn lesson_ko_04_overlay() {
    check_lesson_in("ko", "04-overlay.md");
}

#[test]
fn lesson_ko_05_network() {
    check_lesson_in("ko", "05-network.md");
}

#[test]
fn lesson_ko_06_registry() {
    check_lesson_in("ko", "06-registry.md");
}

#[test]
fn lesson_ko_07_lifecycle() {
    check_lesson_in("ko", "07-lifecycle.md");
}

#[test]
fn lesson_07_lifecycle() {
    check_lesson("07-lifecycle.md");
}

#[test]
fn lesson_08_engines() {
    check_lesson("08-engines.md");
}

#[test]
fn lesson_ko_08_engines() {
    check_lesson_in("ko", "08-engines.md");
}

/// The files lessons name by a path in the repository (lesson 8's build
/// context) are built into the binary as they are on disk, all of them,
/// so the tour and the tests run the very files a student builds.
#[test]
fn the_lessons_files_are_built_in_as_they_are() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // lessons/NN/, lesson NN's files, with everything below them.
    let mut dirs: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("lessons"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.path().is_dir()
                && e.file_name()
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
        })
        .map(|e| e.path())
        .collect();
    let mut on_disk = Vec::new();
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                on_disk.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    on_disk.sort();
    let mut built: Vec<String> = dockling::lessons::FILES
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    built.sort();
    assert_eq!(on_disk, built, "lessons/NN/ against lessons::FILES");
    for (path, text) in dockling::lessons::FILES {
        assert_eq!(
            &std::fs::read_to_string(root.join(path)).unwrap(),
            text,
            "{path}"
        );
    }
}

/// How the lessons of one language name their parts: lessons/ holds the
/// English ones, lessons/ko/ the Korean ones (issue 16), with the same file
/// names, the same exercises and an answers/ directory each.
struct Language {
    /// The directory under lessons/ ("" for English).
    dir: &'static str,
    /// The first line of answers/NN.md, with {} for the lesson's number.
    answers_title: &'static str,
    /// The heading of a lesson's exercises.
    exercises: &'static str,
}

const ENGLISH: Language = Language {
    dir: "",
    answers_title: "# Answers to lesson {}",
    exercises: "\n## Exercises\n",
};

const KOREAN: Language = Language {
    dir: "ko",
    answers_title: "# 레슨 {} 연습 문제 해답",
    exercises: "\n## 연습 문제\n",
};

fn lessons_dir(lang: &Language) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lessons")
        .join(lang.dir)
}

/// (file name, text) of every lesson of a language, in the English order.
fn lessons_of(lang: &Language) -> Vec<(&'static str, String)> {
    dockling::lessons::LESSONS
        .iter()
        .map(|(file, text)| {
            if lang.dir.is_empty() {
                (*file, text.to_string())
            } else {
                let path = lessons_dir(lang).join(file);
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                (*file, text)
            }
        })
        .collect()
}

fn check_answers(lang: &Language) {
    let dir = lessons_dir(lang);
    for (file, text) in lessons_of(lang) {
        let n = &file[..2];
        let answers = dir.join("answers").join(format!("{n}.md"));
        let a = std::fs::read_to_string(&answers)
            .unwrap_or_else(|e| panic!("{}: {e}", answers.display()));
        assert!(
            a.starts_with(
                &lang
                    .answers_title
                    .replace("{}", n.trim_start_matches('0').max("0"))
            ),
            "{}: heading",
            answers.display()
        );
        let link = std::path::Path::new("lessons")
            .join(lang.dir)
            .join("answers")
            .join(format!("{n}.md"));
        assert!(
            text.contains(link.to_str().unwrap()),
            "{file} does not point to its answers"
        );
        // One answer per exercise, numbered as the lesson numbers them.
        let exercises = text
            .split(lang.exercises)
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
        assert!(count(exercises) > 0, "{file}: no exercises found");
        assert_eq!(
            count(body),
            count(exercises),
            "{}: one numbered answer per exercise of {file}",
            answers.display()
        );
    }
}

/// Every lesson has its answers, and every answer file its lesson.
#[test]
fn every_lesson_has_an_answers_file() {
    check_answers(&ENGLISH);
}

#[test]
fn every_korean_lesson_has_an_answers_file() {
    check_answers(&KOREAN);
}

/// The heading levels of a lesson, fenced blocks left out.
fn heading_levels(text: &str) -> Vec<usize> {
    let mut fenced = false;
    let mut levels = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            levels.push(line.len() - line.trim_start_matches('#').len());
        }
    }
    levels
}

/// A Korean lesson is the English one's pair: the same sections, and the
/// same transcripts (the commands and their exit codes, in order) so that
/// the tour and the snapshot tests run the same things in either language.
/// The outputs are not compared: they are blessed with `--lang ko`.
#[test]
fn korean_lessons_pair_with_the_english_ones() {
    let hangul = |t: &str| t.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
    let commands = |t: &str| -> Vec<(String, i32)> {
        dockling::lessons::transcripts(t)
            .into_iter()
            .map(|t| (t.command, t.exit))
            .collect()
    };
    let consoles = |t: &str| {
        t.lines()
            .filter(|l| l.trim().starts_with("```console"))
            .count()
    };
    for ((file, en), (_, ko)) in lessons_of(&ENGLISH).iter().zip(lessons_of(&KOREAN)) {
        assert!(hangul(&ko), "lessons/ko/{file} has no Hangul");
        assert_eq!(
            heading_levels(&ko),
            heading_levels(en),
            "lessons/ko/{file}: not the same sections as lessons/{file}"
        );
        assert_eq!(
            commands(&ko),
            commands(en),
            "lessons/ko/{file}: not the same transcripts as lessons/{file}"
        );
        assert_eq!(
            consoles(&ko),
            consoles(en),
            "lessons/ko/{file}: console blocks"
        );
    }
    // Nothing in lessons/ko/ but the lessons, their answers, the cheat sheet
    // and the glossary.
    let mut extra: Vec<String> = std::fs::read_dir(lessons_dir(&KOREAN))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !dockling::lessons::LESSONS.iter().any(|(f, _)| f == n)
                && !["answers", "cheatsheet.md", "용어.md"].contains(&n.as_str())
        })
        .collect();
    extra.sort();
    assert!(
        extra.is_empty(),
        "lessons/ko/ has unexpected files: {extra:?}"
    );
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
    let built_ko: Vec<String> = dockling::lessons::LESSONS_KO
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    assert_eq!(on_disk, built_ko, "lessons/ko/ has the same lessons");
}
