//! The classroom tools and the image commands in Korean: `doctor` with
//! its columns lined up by display width (a Hangul syllable takes two
//! columns), `lesson list` under a Korean locale, and an image error with
//! its hint. English stays the default (tests/doctor.rs, tests/registry.rs).

mod common;

use std::process::Command;

use common::Env;
use unicode_width::UnicodeWidthStr;

/// The command without any language setting of the caller's.
fn plain(env: &Env, args: &[&str]) -> Command {
    let mut c = env.cmd(args);
    for k in ["DOCKLING_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
        c.env_remove(k);
    }
    c
}

fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

/// `line` split where `width` display columns end, unless a wide
/// character straddles that column.
fn split_at_width(line: &str, width: usize) -> Option<(&str, &str)> {
    let mut col = 0;
    for (i, c) in line.char_indices() {
        if col == width {
            return Some(line.split_at(i));
        }
        if col > width {
            return None;
        }
        col += c.to_string().width();
    }
    (col == width).then_some((line, ""))
}

#[test]
fn doctor_in_korean_lines_up_by_display_width() {
    if !common::require_root("doctor_in_korean_lines_up_by_display_width") {
        return;
    }
    let env = Env::new();
    let out = plain(&env, &["--lang", "ko", "doctor"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = plain(&env, &["--lang", "ko", "--trace", "json", "doctor"])
        .output()
        .unwrap();
    let checks: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The json keeps the English check names scripts match.
    assert!(checks.iter().any(|c| c["check"] == "default rootfs"));
    // One line per check, besides the advice lines (as tests/doctor.rs).
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("       해결:"))
        .collect();
    assert_eq!(lines.len(), checks.len(), "{text}");
    // Every check line: a Korean status four columns wide, two spaces,
    // the name column, and every detail starting in the same display
    // column, 4 + 2 + 22 + 1 (no Korean name is wider than 22).
    for l in &lines {
        let status: String = l.chars().take(2).collect();
        assert!(
            ["정상", "주의", "실패"].contains(&status.as_str()),
            "status of {l:?}"
        );
        let (left, detail) = split_at_width(l, 4 + 2 + 22 + 1)
            .unwrap_or_else(|| panic!("not lined up: {l:?}\n{text}"));
        assert!(
            left.ends_with(' ') && !detail.is_empty() && !detail.starts_with(' '),
            "the detail does not start at column 29: {l:?}\n{text}"
        );
        assert!(has_hangul(&l[status.len()..]), "no Korean in {l:?}");
    }
    // The names, in order: the same on every host (the v2 delegation line
    // only where a v2 tree exists, so it is left out).
    let names: Vec<String> = lines
        .iter()
        .map(|l| {
            let (left, _) = split_at_width(l, 4 + 2 + 22).unwrap();
            let (_, name) = split_at_width(left, 4 + 2).unwrap();
            name.trim().to_string()
        })
        .filter(|n| n != "cgroup v2 위임")
        .collect();
    // A fresh root has no default rootfs yet: the last check warns, with
    // its advice on the next line.
    let tail: Vec<&str> = text.lines().rev().take(2).collect();
    let rootfs = format!("{}\n{}", tail[1], tail[0]);
    insta::assert_snapshot!(
        "korean-doctor",
        format!("{}\n\n{}", names.join("\n"), env.filter(&rootfs)),
        "dockling --lang ko doctor: the names column, and the last check"
    );
}

#[test]
fn lesson_list_follows_a_korean_locale() {
    let env = Env::new();
    let out = plain(&env, &["lesson", "list"])
        .env("LANG", "ko_KR.UTF-8")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    insta::assert_snapshot!(
        "korean-lesson-list",
        text,
        "LANG=ko_KR.UTF-8 dockling lesson list"
    );
    // And in English without it.
    let en = plain(&env, &["lesson", "list"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&en.stdout)
            .contains("Lesson 1: chroot, a different root directory")
    );
}

#[test]
fn an_image_error_in_korean_with_its_hint() {
    let Some(env) = common::rooted("an_image_error_in_korean_with_its_hint") else {
        return;
    };
    // No such image: the message and its hint, exit 125.
    let args = ["--lang", "ko", "rmi", "nosuch:1"];
    let out = plain(&env, &args).output().unwrap();
    let err = env.filter(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(125), "{err}");
    insta::assert_snapshot!(
        "korean-rmi-no-such-image",
        err,
        &format!("dockling {}", args.join(" "))
    );
    // A registry nobody listens on: pull fails with the hint for it.
    let args = [
        "--lang",
        "ko",
        "--trace",
        "quiet",
        "pull",
        "127.0.0.1:1/dockling/nothing",
    ];
    let out = plain(&env, &args).output().unwrap();
    let err = env.filter(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(125), "{err}");
    insta::assert_snapshot!(
        "korean-pull-unreachable",
        err,
        &format!("dockling {}", args.join(" "))
    );
    // A volume over /proc, refused before anything is pulled.
    let args = [
        "--lang",
        "ko",
        "run",
        "-v",
        "/tmp:/proc/x",
        "127.0.0.1:1/dockling/nothing",
    ];
    let out = plain(&env, &args).output().unwrap();
    let err = env.filter(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.contains("/proc 디렉토리는 커널이 채우는 곳입니다"),
        "{err}"
    );
    env.assert_clean();
}
