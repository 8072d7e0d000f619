//! Stage 1, `dockling chroot`, run as a subprocess against a private root.

mod common;

use std::process::Stdio;

use common::{Env, alive, children, require_root, wait_for};

#[test]
fn the_command_sees_the_rootfs() {
    let Some(env) = common::rooted("the_command_sees_the_rootfs") else {
        return;
    };
    let out = env.run(&["--trace", "quiet", "chroot", "--", "cat", "/etc/os-release"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ID=dockling"));
    assert!(
        out.stderr.is_empty(),
        "quiet prints nothing of its own: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.assert_clean();
}

#[test]
fn exit_codes_are_the_commands() {
    let Some(env) = common::rooted("exit_codes_are_the_commands") else {
        return;
    };
    for (script, code) in [
        ("exit 0", 0),
        ("exit 7", 7),
        ("kill -9 $$", 137),
        ("kill -TERM $$", 143),
    ] {
        let out = env.run(&["--trace", "quiet", "chroot", "--", "sh", "-c", script]);
        assert_eq!(out.status.code(), Some(code), "{script}");
    }
    env.assert_clean();
}

#[test]
fn environment_is_clean_and_settable() {
    let Some(env) = common::rooted("environment_is_clean_and_settable") else {
        return;
    };
    let out = env
        .cmd(&[
            "--trace",
            "quiet",
            "chroot",
            "-e",
            "GREETING=hi",
            "-w",
            "/etc",
            "--",
            "sh",
            "-c",
            "env; pwd",
        ])
        .env("SECRET_HOST_VALUE", "x")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("GREETING=hi") && text.contains("HOME=/root") && text.contains("TERM=xterm"),
        "{text}"
    );
    assert!(
        !text.contains("SECRET_HOST_VALUE"),
        "host environment leaked: {text}"
    );
    assert!(text.lines().last() == Some("/etc"), "{text}");
}

#[test]
fn dockling_failures_exit_125_with_a_clear_message() {
    let Some(env) = common::rooted("dockling_failures_exit_125_with_a_clear_message") else {
        return;
    };
    let missing = env.root.join("no-such-rootfs");
    let file = env.root.join("a-file");
    std::fs::write(&file, "").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--".into(), "nosuchcmd".into()],
            "command not found in the container: nosuchcmd",
        ),
        (
            vec!["--rootfs".into(), missing.display().to_string()],
            "does not exist",
        ),
        (
            vec!["--rootfs".into(), file.display().to_string()],
            "is not a directory",
        ),
        (
            vec![
                "-w".into(),
                "/nonexistent".into(),
                "--".into(),
                "true".into(),
            ],
            "working directory /nonexistent",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["--trace", "quiet", "chroot"];
        all.extend(args.iter().map(String::as_str));
        let out = env.run(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert!(
            err.starts_with("dockling: ") && err.contains(message),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        env.assert_clean();
    }
    // Without a default rootfs, the hint says how to make one.
    let bare = Env::new();
    let out = bare.run(&["chroot"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dockling rootfs fetch host"));
}

#[test]
fn json_trace_is_one_valid_object_per_line() {
    let Some(env) = common::rooted("json_trace_is_one_valid_object_per_line") else {
        return;
    };
    let out = env.run(&["--trace", "json", "chroot", "--", "echo", "hello"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\n");
    let steps: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            assert!(
                !v["syscall"].as_str().unwrap().contains('{'),
                "unfilled template: {l}"
            );
            v["step"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        steps,
        [
            "start",
            "journal",
            "clone",
            "close_fds",
            "session",
            "chroot",
            "chdir",
            "signals",
            "exec",
            "exited",
            "undo_dir"
        ]
    );
}

#[test]
fn the_escape_works_from_a_plain_chroot() {
    let Some(env) = common::rooted("the_escape_works_from_a_plain_chroot") else {
        return;
    };
    let out = env.run(&[
        "--trace",
        "quiet",
        "chroot",
        "--",
        "chroot-escape",
        "cat",
        "/etc/os-release",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("escaped"), "{text}");
    let host = std::fs::read_to_string("/etc/os-release").unwrap();
    assert!(
        text.ends_with(&host),
        "after the escape, / is the host's: {text}"
    );
    assert!(!env.rootfs().join(".chroot-escape").exists());
}

/// Start `sleep` in a container and return dockling's child handle and the
/// container process's pid.
fn start_sleeper(env: &Env) -> (std::process::Child, u32) {
    let child = env
        .cmd(&["--trace", "quiet", "chroot", "--", "sleep", "30"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let dockling = child.id();
    let sleeper = wait_for(10, || {
        children(dockling).into_iter().find(|p| {
            std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e.ends_with("busybox"))
        })
    });
    (child, sleeper)
}

#[test]
fn sigterm_and_sigint_reach_the_command_and_nothing_is_left() {
    let Some(env) = common::rooted("sigterm_and_sigint_reach_the_command_and_nothing_is_left")
    else {
        return;
    };
    for (signal, code) in [
        (nix::sys::signal::SIGTERM, 143),
        (nix::sys::signal::SIGINT, 130),
    ] {
        let (mut child, sleeper) = start_sleeper(&env);
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{signal}");
        assert!(!alive(sleeper));
        env.assert_clean();
    }
}

#[test]
fn after_sigkill_cleanup_removes_what_the_run_left() {
    let Some(env) = common::rooted("after_sigkill_cleanup_removes_what_the_run_left") else {
        return;
    };
    let (mut child, sleeper) = start_sleeper(&env);
    child.kill().unwrap();
    child.wait().unwrap();
    // PR_SET_PDEATHSIG takes the container down with dockling.
    wait_for(5, || (!alive(sleeper)).then_some(()));
    let left: Vec<_> = std::fs::read_dir(env.runs()).unwrap().flatten().collect();
    assert_eq!(
        left.len(),
        1,
        "a SIGKILLed run cannot clean up after itself"
    );
    let out = env.run(&["--trace", "plain", "cleanup"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(text.contains("finished 1 run(s)"), "{text}");
    env.assert_clean();
}

#[test]
fn cleanup_leaves_a_live_run_alone() {
    let Some(env) = common::rooted("cleanup_leaves_a_live_run_alone") else {
        return;
    };
    let (mut child, sleeper) = start_sleeper(&env);
    let out = env.run(&["cleanup"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 live run(s) left alone"));
    assert!(alive(sleeper));
    child.kill().unwrap();
    child.wait().unwrap();
    env.run(&["cleanup"]);
    env.assert_clean();
}

#[test]
fn the_tour_runs_without_a_terminal() {
    if !require_root("the_tour_runs_without_a_terminal") {
        return;
    }
    let env = Env::new();
    let out = env.run(&["tour", "--step"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("= Lesson 1: chroot") && text.contains("Tour complete"),
        "{text}"
    );
    assert!(
        text.contains("= Lesson 6: images from a registry"),
        "{text}"
    );
    assert!(
        !std::path::Path::new("/sys/class/net")
            .join(env.bridge("dockling0"))
            .exists(),
        "the tour removes the networks its demos made"
    );
    assert_eq!(env.bridges_left(), Vec::<String>::new());
    assert!(
        std::net::TcpStream::connect(dockling::image::local_registry::ADDR).is_err(),
        "the lesson registry is stopped after lesson 6"
    );
    assert!(
        env.rootfs().join("bin/sh").symlink_metadata().is_ok(),
        "the tour builds the rootfs"
    );
    env.assert_clean();
}
