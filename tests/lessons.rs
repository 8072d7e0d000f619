//! The lessons' transcripts are the program's real output.
//!
//! Every ```console block in lessons/*.md that starts with `$ dockling` is
//! run against a fresh state root; the output, through the shared filter
//! table, must equal the block, and is also kept as an insta snapshot.
//! `DOCKLING_BLESS=1` rewrites the blocks from the actual output (review
//! the diff: a changed transcript is a lesson change).

mod common;

use common::{Env, require_root};

fn check_lesson(file: &str) {
    if !require_root(file) {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lessons")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let env = Env::with_rootfs();
    let mut blessed = text.clone();
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
        if out != t.output {
            let old = format!("$ dockling {}\n{}", t.command, t.output);
            let new = format!("$ dockling {}\n{}", t.command, out);
            blessed = blessed.replacen(&old, &new, 1);
            mismatches.push(format!(
                "`dockling {}`:\n--- lesson\n{}--- actual\n{}",
                t.command, t.output, out
            ));
        }
        env.assert_clean();
    }
    if !mismatches.is_empty() {
        if std::env::var_os("DOCKLING_BLESS").is_some() {
            std::fs::write(&path, blessed).unwrap();
            eprintln!("rewrote {file}; review the diff");
        } else {
            panic!(
                "{file} does not match the program (DOCKLING_BLESS=1 rewrites it):\n{}",
                mismatches.join("\n")
            );
        }
    }
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
fn every_lesson_file_is_built_into_the_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let built: Vec<String> = dockling::lessons::LESSONS
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    assert_eq!(on_disk, built);
}
