//! `dockling tour` for a class: lessons chosen with --from and --only,
//! --step driven through a pseudo-terminal (skip, repeat, quit), lesson 6's
//! registry on another port when its own is taken, lesson 8's build context
//! wherever the tour starts, and a host left as it was (containers, images,
//! networks), the shell sessions of lessons 3 to 6 run with a taken port
//! moved. The whole tour without a terminal
//! is tests/chroot.rs's `the_tour_runs_without_a_terminal`.

mod common;

use common::{Env, require_root};

#[test]
fn only_and_from_choose_lessons_and_a_wrong_number_is_refused() {
    if !require_root("only_and_from_choose_lessons_and_a_wrong_number_is_refused") {
        return;
    }
    let env = Env::new();
    let out = env.run(&["tour", "--only", "1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("= Lesson 1: chroot"), "{text}");
    assert!(
        !text.contains("= Lesson 0") && !text.contains("= Lesson 2"),
        "{text}"
    );
    assert!(text.contains("Tour complete"), "{text}");
    let out = env.run(&["tour", "--from", "7"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("= Lesson 7") && !text.contains("= Lesson 6"),
        "{text}"
    );
    // Lesson 7's containers and network are gone afterwards.
    assert!(env.run(&["ps", "-aq"]).stdout.is_empty());
    assert_eq!(env.bridges_left(), Vec::<String>::new());
    let out = env.run(&["tour", "--only", "42"]);
    assert_eq!(out.status.code(), Some(125));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("dockling: there is no lesson 42\n"),
        "{err}"
    );
    env.assert_clean();
}

#[test]
fn step_skips_repeats_and_quits_on_a_terminal() {
    if !require_root("step_skips_repeats_and_quits_on_a_terminal") {
        return;
    }
    let env = Env::with_rootfs();
    let mut term =
        common::terminal::Terminal::spawn(env.cmd(&["tour", "--step", "--only", "1"]), 40, 200);
    let prompt = "r run the previous one again, q quit: ";
    // The first command: skipped.
    let first = term.expect(prompt, 30);
    let first_cmd = first
        .lines()
        .find_map(|l| l.strip_prefix("$ dockling "))
        .expect("a command before the prompt")
        .to_string();
    term.send(b"s\r");
    // What a block shows besides the typed answer, blank lines, the
    // command line and the prompt: the command's own output.
    let output = |block: &str| -> Vec<String> {
        block
            .lines()
            .map(|l| l.trim())
            .filter(|l| {
                !l.is_empty()
                    && !["s", "r", "q"].contains(l)
                    && !l.starts_with("$ dockling ")
                    && !l.ends_with(prompt.trim_end())
            })
            .map(String::from)
            .collect()
    };
    // The second command: run.
    let second = term.expect(prompt, 30);
    assert_eq!(
        output(&second),
        Vec::<String>::new(),
        "the skipped command ran: {second}"
    );
    term.send(b"\r");
    let third = term.expect(prompt, 60);
    let ran = output(&third);
    assert!(!ran.is_empty(), "the command did not run: {third}");
    // r: the previous one again (the same output), then the same prompt.
    let third_cmd = third
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("$ dockling "))
        .unwrap()
        .to_string();
    let second_cmd = second
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("$ dockling "))
        .unwrap()
        .to_string();
    assert_ne!(first_cmd, second_cmd);
    term.send(b"r\r");
    let again = term.expect(prompt, 60);
    assert!(
        again.contains(&format!("$ dockling {second_cmd}")),
        "{again}"
    );
    assert!(!output(&again).is_empty(), "r ran nothing: {again}");
    assert!(
        again.contains(&format!("$ dockling {third_cmd}")),
        "not the same prompt: {again}"
    );
    term.send(b"q\r");
    term.expect(
        "Tour stopped in lesson 1; `dockling tour --from 1` starts there again.",
        30,
    );
    assert_eq!(term.wait(10).code(), Some(0));
    env.assert_clean();
}

#[test]
fn lesson_6_runs_its_registry_elsewhere_when_the_port_is_taken() {
    if !require_root("lesson_6_runs_its_registry_elsewhere_when_the_port_is_taken") {
        return;
    }
    let env = Env::with_rootfs();
    // Something of the user's holds the lesson's port.
    let held = std::net::TcpListener::bind(dockling::image::local_registry::ADDR).ok();
    let out = env.run(&["tour", "--only", "6"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if held.is_some() {
        assert!(!text.contains("on 127.0.0.1:5055"), "{text}");
    }
    let line = text
        .lines()
        .find(|l| l.starts_with("== Starting a local registry"))
        .expect(&text);
    let addr = line
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .unwrap();
    assert!(
        text.contains(&format!("pull {addr}/")),
        "the commands use {addr}: {text}"
    );
    // The pulled image is removed at the end: the store is as before.
    let images = env.run(&["images"]);
    assert_eq!(String::from_utf8_lossy(&images.stdout).lines().count(), 1);
    drop(held);
    env.assert_clean();
}

/// Lesson 8 builds lessons/08/hello wherever the tour is started: the tour
/// lays the build context out in a directory of its own, with its
/// registry's address in the Dockerfile's FROM when 5055 is taken, and
/// removes the directory, with the tar and the bundle the lesson wrote
/// there, at the end.
#[test]
fn lesson_8_builds_its_context_from_anywhere_and_leaves_nothing() {
    if !require_root("lesson_8_builds_its_context_from_anywhere_and_leaves_nothing") {
        return;
    }
    let env = Env::with_rootfs();
    let held = std::net::TcpListener::bind(dockling::image::local_registry::ADDR).ok();
    let elsewhere = tempfile::tempdir().unwrap();
    let child = env
        .cmd(&["tour", "--only", "8"])
        .current_dir(elsewhere.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let addr = text
        .lines()
        .find(|l| l.starts_with("== Starting a local registry"))
        .and_then(|l| l.split_whitespace().find(|w| w.starts_with("127.0.0.1:")))
        .expect(&text)
        .to_string();
    if held.is_some() {
        assert_ne!(addr, dockling::image::local_registry::ADDR);
    }
    // BuildKit's step lines go to standard error.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("FROM {addr}/dockling/busybox")),
        "the build's FROM is not the tour's registry: {err}"
    );
    assert!(
        text.contains(&format!("push {addr}/lesson8/hello:1")),
        "{text}"
    );
    assert!(
        !std::env::temp_dir()
            .join(format!("dockling-tour-{pid}"))
            .exists(),
        "the tour's directory is left"
    );
    // Nothing was written where the tour was started.
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    let images = env.run(&["images"]);
    assert_eq!(String::from_utf8_lossy(&images.stdout).lines().count(), 1);
    assert!(env.run(&["ps", "-aq"]).stdout.is_empty());
    // Nor is the build cache: its entries went with the images.
    let df = String::from_utf8_lossy(&env.run(&["system", "df"]).stdout).into_owned();
    assert!(
        df.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["Build", "Cache", "0", "0", "0B", "0B"]),
        "{df}"
    );
    drop(held);
    env.assert_clean();
}

#[test]
fn the_tour_runs_through_in_korean_with_a_korean_locale() {
    if !require_root("the_tour_runs_through_in_korean_with_a_korean_locale") {
        return;
    }
    let env = Env::new();
    let out = env
        .cmd(&["tour"])
        .env_remove("DOCKLING_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "ko_KR.UTF-8")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}\n{err}");
    // Every lesson, by its Korean title, and the narration in Korean.
    for lesson in dockling::lessons::all_in(dockling::narrate::lang::Lang::Ko) {
        assert!(
            text.contains(&lesson.title),
            "no {:?}:\n{text}",
            lesson.title
        );
    }
    let all = format!("{text}{err}");
    assert!(
        all.contains("    이유     "),
        "the narration is not in Korean:\n{all}"
    );
    assert_eq!(env.bridges_left(), Vec::<String>::new());
    env.assert_clean();
}

/// The tour runs a lesson's shell sessions (src/lessons/session.rs) as it
/// runs its `$ dockling` commands: each command shown as it runs, with its
/// output. A port a session publishes that something else holds is moved
/// to a free one, in the commands as shown.
#[test]
fn sessions_run_in_the_tour_and_a_taken_port_is_moved() {
    if !require_root("sessions_run_in_the_tour_and_a_taken_port_is_moved") {
        return;
    }
    let env = Env::with_rootfs();
    let held = std::net::TcpListener::bind("0.0.0.0:8080").ok();
    let out = env.run(&["tour", "--only", "5"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let curl = text
        .lines()
        .position(|l| l.starts_with("$ curl -s --retry 5 "))
        .expect(&text);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[curl + 1], "hello", "{text}");
    if held.is_some() {
        assert!(!lines[curl].contains(":8080/"), "{text}");
    }
    assert!(
        text.contains("$ dockling rm -f web\nweb\n"),
        "the session's commands and their output: {text}"
    );
    assert!(text.contains("no rule for port "), "{text}");
    drop(held);
    assert!(env.run(&["ps", "-aq"]).stdout.is_empty());
    assert_eq!(env.bridges_left(), Vec::<String>::new());
    env.assert_clean();
}

/// Under --step a session is one step: Enter runs all its commands, each
/// shown with its output, as a student at the keyboard sees them (lesson
/// 4: the layers' files and the whiteout, two containers at once).
#[test]
fn step_runs_a_lessons_sessions_on_a_terminal() {
    if !require_root("step_runs_a_lessons_sessions_on_a_terminal") {
        return;
    }
    let env = Env::with_rootfs();
    let lesson = dockling::lessons::find(4).unwrap();
    let steps = dockling::lessons::transcripts(lesson.text).len();
    assert!(
        dockling::lessons::transcripts(lesson.text)
            .iter()
            .filter(|t| t.session.is_some())
            .count()
            >= 2,
        "lesson 4 has its sessions"
    );
    let mut term =
        common::terminal::Terminal::spawn(env.cmd(&["tour", "--step", "--only", "4"]), 40, 200);
    let prompt = "r run the previous one again, q quit: ";
    let mut screen = String::new();
    for _ in 0..steps {
        screen.push_str(&term.expect(prompt, 60));
        term.send(b"\r");
    }
    screen.push_str(&term.expect("== Tour complete", 60));
    assert_eq!(term.wait(10).code(), Some(0), "{screen}");
    // Before its prompt, a session says what Enter will run.
    assert!(
        screen.contains("(a shell session of 2 command(s), from `find layer1 layer2 | sort`)"),
        "{screen}"
    );
    for line in [
        "$ find layer1 layer2 | sort",
        "layer2/etc/hostname",
        "c--------- 0,0 layer2/etc/hostname",
        "$ cat one.txt",
        "one",
    ] {
        assert!(
            screen.lines().any(|l| l.trim() == line),
            "{line:?} not shown:\n{screen}"
        );
    }
    assert!(!screen.contains("expected 0"), "a step failed:\n{screen}");
    env.assert_clean();
}
