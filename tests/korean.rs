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
