//! dockling's own messages in Korean: an error with its hint, chosen by
//! `--lang ko` and by a Korean locale, and docker's "No such container"
//! kept searchable inside the Korean sentence. English stays the default.

mod common;

use std::process::Output;

use common::Env;

/// Exit code and stderr, with this test's paths filtered out.
fn said(env: &Env, out: Output) -> (Option<i32>, String) {
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), env.filter(&text))
}

/// The environment without any language setting of the caller's.
fn plain(env: &Env, args: &[&str]) -> std::process::Command {
    let mut c = env.cmd(args);
    for k in ["DOCKLING_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
        c.env_remove(k);
    }
    c
}

#[test]
fn a_korean_error_with_its_hint() {
    let Some(env) = common::rooted("a_korean_error_with_its_hint") else {
        return;
    };
    let args = [
        "--lang",
        "ko",
        "chroot",
        "--rootfs",
        "/nonexistent",
        "--",
        "true",
    ];
    let (code, err) = said(&env, plain(&env, &args).output().unwrap());
    assert_eq!(code, Some(125), "{err}");
    insta::assert_snapshot!(
        "korean-error-lang-flag",
        err,
        &format!("dockling {}", args.join(" "))
    );
}

#[test]
fn a_korean_locale_chooses_korean() {
    let Some(env) = common::rooted("a_korean_locale_chooses_korean") else {
        return;
    };
    let args = ["chroot", "--rootfs", "/nonexistent", "--", "true"];
    let out = plain(&env, &args)
        .env("LANG", "ko_KR.UTF-8")
        .output()
        .unwrap();
    let (code, err) = said(&env, out);
    assert_eq!(code, Some(125), "{err}");
    insta::assert_snapshot!(
        "korean-error-locale",
        err,
        "LANG=ko_KR.UTF-8 dockling chroot --rootfs /nonexistent -- true"
    );
    // The same run without a Korean locale speaks English, as before.
    let (code, err) = said(
        &env,
        plain(&env, &args).env("LANG", "C.UTF-8").output().unwrap(),
    );
    assert_eq!(code, Some(125), "{err}");
    assert_eq!(
        err,
        "dockling: rootfs /nonexistent: does not exist\nhint: check the --rootfs path\n"
    );
    env.assert_clean();
}

#[test]
fn no_such_container_in_korean() {
    let Some(env) = common::rooted("no_such_container_in_korean") else {
        return;
    };
    let args = ["--lang", "ko", "stop", "nobody-here"];
    let (code, err) = said(&env, plain(&env, &args).output().unwrap());
    assert_eq!(code, Some(1), "{err}");
    // docker's own phrase stays, for a student who searches for it.
    assert!(err.contains("No such container: nobody-here"), "{err}");
    insta::assert_snapshot!(
        "korean-no-such-container",
        err,
        &format!("dockling {}", args.join(" "))
    );
}

/// rootfs-fetch's own errors (a name a student typed wrong, a directory
/// that exists) follow dockling's language: they are inside its error line.
#[test]
fn rootfs_fetch_errors_in_korean() {
    let Some(env) = common::rooted("rootfs_fetch_errors_in_korean") else {
        return;
    };
    let exists = env.root.join("exists");
    std::fs::create_dir_all(&exists).unwrap();
    let exists = exists.to_str().unwrap();
    let mut said_all = String::new();
    for args in [
        vec!["pull", "Foo//bar:..x"],
        vec!["pull", "alpine@sha256:xyz"],
        vec!["rootfs", "fetch", "host", exists],
    ] {
        let mut ko = vec!["--lang", "ko"];
        ko.extend(&args);
        let (code, err) = said(&env, plain(&env, &ko).output().unwrap());
        assert_eq!(code, Some(125), "{err}");
        assert!(err.lines().count() == 1, "one line: {err}");
        let reason = err.split_once(": ").map(|(_, r)| r).unwrap_or("");
        assert!(
            reason
                .chars()
                .any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
            "not Korean: {err}"
        );
        // The same in English names the same value.
        let (_, en) = said(&env, plain(&env, &args).output().unwrap());
        assert!(en.is_ascii(), "English: {en}");
        said_all.push_str(&env.filter(&format!("$ dockling {}\n{err}", ko.join(" "))));
    }
    insta::assert_snapshot!("korean-rootfs-fetch-errors", said_all);
    env.assert_clean();
}

/// A help page, on stdout, with no root and no language of the caller's.
fn help(env: &Env, args: &[&str], lang: Option<&str>) -> String {
    let mut c = plain(env, args);
    c.env_remove("DOCKLING_ROOT");
    if let Some(lang) = lang {
        c.env("LANG", lang);
    }
    let out = c.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "dockling {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `--help` in Korean: chosen by `--lang ko` and by a Korean locale, for
/// `-h`, `--help` and `help X` alike; clap's own words (the headings, the
/// help flag, the default and env notes) in Korean too.
#[test]
fn help_in_korean() {
    let env = Env::new();
    let top = help(&env, &["--lang", "ko", "--help"], None);
    for line in [
        "컨테이너를 한 단계씩 직접 만들어 보며 그 원리를 배웁니다",
        "사용법: dockling [OPTIONS] <COMMAND>",
        "명령:",
        "  chroot       1단계: 디렉토리 하나를 루트로 삼아 명령을 실행합니다 (chroot만 씁니다)",
        "  help         이 도움말이나 하위 명령의 도움말을 출력합니다",
        "옵션:",
        "          [기본값: explain]",
        "  -h, --help",
    ] {
        assert!(top.contains(line), "no {line:?} in:\n{top}");
    }
    let run = help(&env, &["run", "--help"], Some("ko_KR.UTF-8"));
    insta::assert_snapshot!(
        "korean-run-help",
        run,
        "LANG=ko_KR.UTF-8 dockling run --help"
    );
    // The same page by `help run`, and by `--lang=ko` after the subcommand.
    assert_eq!(help(&env, &["help", "run"], Some("ko_KR.UTF-8")), run);
    assert_eq!(help(&env, &["run", "--lang=ko", "--help"], None), run);
    // -h: the short page, still Korean; a nested `help` too.
    let short = help(&env, &["--lang", "ko", "image", "inspect", "-h"], None);
    assert!(short.starts_with("이미지의 매니페스트"), "{short}");
    assert!(short.contains("인자:"), "{short}");
    assert_eq!(
        help(&env, &["--lang", "ko", "image", "help", "inspect"], None),
        help(&env, &["--lang", "ko", "image", "inspect", "--help"], None)
    );
    // As clap's: `help` takes subcommands only; an image there is an
    // error, not a run of it with `--help`.
    let out = plain(&env, &["--lang", "ko", "help", "run", "alpine", "sh"])
        .output()
        .unwrap();
    let (code, err) = said(&env, out);
    assert_eq!(code, Some(125), "{err}");
    assert!(
        err.starts_with("dockling: unrecognized subcommand 'alpine'"),
        "{err}"
    );
    for page in [&top, &run, &short] {
        for english in ["Usage:", "Options:", "Print help", "[default:", "[env:"] {
            assert!(!page.contains(english), "{english} in:\n{page}");
        }
    }
}

/// Without Korean the help is clap's English, as it was; `--lang en`
/// wins over a Korean locale. The man page and the completions stay
/// English whatever the language: they are made from the derive's tree.
#[test]
fn help_in_english_unchanged() {
    let env = Env::new();
    let run = help(&env, &["run", "--help"], Some("C.UTF-8"));
    insta::assert_snapshot!("english-run-help", run, "dockling run --help");
    assert_eq!(
        help(
            &env,
            &["--lang", "en", "run", "--help"],
            Some("ko_KR.UTF-8")
        ),
        run
    );
    let top = help(&env, &["--help"], None);
    assert!(top.starts_with(
        "Learn how containers work by building one, stage by stage\n\nUsage: dockling [OPTIONS] <COMMAND>\n\nCommands:\n"
    ));
    assert!(
        top.contains("  help         Print this message or the help of the given subcommand(s)\n")
    );
    let man = help(&env, &["--lang", "ko", "man"], None);
    assert!(man.contains("Learn how containers work"), "{man}");
    assert!(!man.contains("1단계"), "the man page in Korean");
    let fish = help(&env, &["completions", "fish"], Some("ko_KR.UTF-8"));
    assert!(fish.contains("Stage 1: run a command"), "{fish}");
    assert!(!fish.contains("1단계"), "the completions in Korean");
}
