//! The "by hand" lines of stages 1 and 2 do what dockling did.
//!
//! A lesson tells the student that each step's "by hand" line is a shell
//! command that repeats it. Here the lines dockling printed (`--trace
//! json`, the `shell` field of each event) are run in a shell, as root,
//! and must give the command's output and exit code, as dockling did:
//!
//! 1. the `start` step's line, the whole stage in one command (`sudo chroot
//!    R CMD`, `sudo unshare … --root=R --mount-proc CMD`), with commands that
//!    need shell quoting (`sh -c 'ls /; echo $$'`, a single quote inside);
//! 2. every step's line in order, typed as a student would: a line that
//!    starts a shell (`clone`'s `sh`, `chroot R /bin/sh`) gets the
//!    following lines on its input, up to `exec`; the lines after `exec`
//!    (`echo $?`, the undo) are typed in the first shell again. Lines that
//!    only show something (an `ls`, a `grep`) have their output sent to
//!    stderr, so that stdout holds the command's output and `echo $?`.
//!
//! Lines that are not literal commands (a `<command>` or `…` to fill in,
//! and two that illustrate rather than do a step) are skipped, and the
//! skipped steps are listed here, so that a new placeholder is noticed.

mod common;

use std::process::{Command, Stdio};

use common::Env;

/// Steps whose line is not run, per stage, with why.
fn skipped(stage: &str) -> Vec<&'static str> {
    let mut s = vec![
        // `setsid --fork <command>`: the next lines are its command.
        "session",
    ];
    if stage == "namespaces" {
        s.extend([
            // `mknod … # inside: Operation not permitted`: what fails
            // inside, not a step to take (on the host it would succeed).
            "no_device_cgroup",
            // `ls -l /proc/self/ns /proc/PID/ns`: PID is dockling's child,
            // gone by the time the lines run.
            "namespaces",
            // `mount -t tmpfs … && mknod … null c 1 3 …`: the other
            // devices are left to the student.
            "mount_dev",
            // `capsh --drop=cap_sys_admin,cap_sys_module,… --`.
            "drop_caps",
            // `setpriv --no-new-privs <command>`.
            "no_new_privs",
        ]);
    }
    s
}

/// Steps whose line only shows something: stdout goes to stderr.
const SHOWS: &[&str] = &[
    "journal",
    "close_fds",
    "hostname",
    "mount_private",
    "bind_rootfs",
    "mount_proc",
    "mount_sys",
    "mask_paths",
    "pivot_root",
    "chdir",
    "signals",
    "seccomp",
    "undo_dir",
];

/// `sudo` for a root test without sudo installed: the same command.
const SUDO: &str = "sudo() { \"$@\"; }\n";

struct Run {
    code: i32,
    stdout: String,
    /// (step, by-hand line) in the order dockling narrated them.
    lines: Vec<(String, String)>,
}

fn dockling(env: &Env, stage_args: &[&str], command: &[&str]) -> Run {
    let mut args = vec!["--trace", "json"];
    args.extend_from_slice(stage_args);
    args.push("--");
    args.extend_from_slice(command);
    let out = env.run(&args);
    let lines = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            (
                v["step"].as_str().unwrap_or_default().to_string(),
                v["shell"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        lines,
    }
}

/// Run a script with sh, as root, in a private mount namespace of its own
/// (so that a step that mounts cannot reach the host's mount table even
/// if it went wrong) and a temporary working directory.
fn sh(script: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", script])
        .current_dir(dir.path())
        .env_clear()
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `start` step's line alone gives the same output and exit code.
fn whole_stage_line_matches(env: &Env, stage_args: &[&str], command: &[&str]) {
    let run = dockling(env, stage_args, command);
    let (_, line) = run
        .lines
        .iter()
        .find(|(s, _)| s == "start")
        .expect("a start step");
    let (code, stdout, stderr) = sh(&format!("{SUDO}{line}"));
    assert_eq!(
        (code, &stdout),
        (run.code, &run.stdout),
        "{stage_args:?} {command:?}: the start step's by-hand line\n  {line}\ngave another result (stderr: {stderr})"
    );
}

/// Every step's line, typed in order, gives the same output and exit code.
fn step_lines_match(env: &Env, stage_args: &[&str], command: &[&str]) {
    let run = dockling(env, stage_args, command);
    let stage = stage_args[0];
    let skip = skipped(stage);
    let mut host = String::from(SUDO);
    // The shells started by a line, innermost last: (delimiter, body).
    let mut nested: Vec<(String, String)> = Vec::new();
    let mut seen_skipped = Vec::new();
    let mut after_exec = false;
    for (step, line) in &run.lines {
        if step == "start" {
            continue;
        }
        if skip.contains(&step.as_str()) {
            seen_skipped.push(step.clone());
            continue;
        }
        assert!(
            !line.contains("<command>") && !line.contains('…'),
            "{stage}: step {step}'s by-hand line is not a command: {line}"
        );
        let text = if SHOWS.contains(&step.as_str()) {
            // A newline before the brace: the line may end in a comment.
            format!("{{ {line}\n}} >&2\n")
        } else {
            format!("{line}\n")
        };
        let command_part = line.split('#').next().unwrap_or("").trim_end();
        let starts_shell = !after_exec
            && (command_part.ends_with(" sh")
                || command_part == "sh"
                || command_part.ends_with(" /bin/sh"));
        let depth = nested.len();
        let target = match nested.last_mut() {
            Some((_, body)) if !after_exec => body,
            _ => &mut host,
        };
        if starts_shell {
            let delimiter = format!("END{depth}");
            // Its input is what follows, up to `exec`.
            target.push_str(&format!("{command_part} <<'{delimiter}'\n"));
            nested.push((delimiter, String::from(SUDO)));
            continue;
        }
        target.push_str(&text);
        if step == "exec" {
            // The shells' input ends here; the rest is typed in the first.
            let mut inner = String::new();
            while let Some((delimiter, body)) = nested.pop() {
                let mut text = body;
                text.push_str(&inner);
                inner = format!("{text}{delimiter}\n");
                if let Some((_, outer)) = nested.last_mut() {
                    outer.push_str(&inner);
                    inner.clear();
                } else {
                    host.push_str(&inner);
                }
            }
            after_exec = true;
        }
    }
    assert!(after_exec, "{stage}: no exec step in {:?}", run.lines);
    let mut skip = skip;
    skip.sort_unstable();
    seen_skipped.sort_unstable();
    assert_eq!(seen_skipped, skip, "{stage}: the steps skipped");
    let (code, stdout, stderr) = sh(&host);
    let expected = format!("{}{}\n", run.stdout, run.code);
    assert_eq!(
        (code, &stdout),
        (0, &expected),
        "{stage_args:?} {command:?}: the by-hand lines, typed in order, gave another result\n--- script\n{host}--- stderr\n{stderr}"
    );
}

const QUOTED: &[&str] = &[
    "sh",
    "-c",
    "ls /; echo \"two  spaces\" $$ >/dev/null; echo \"it's\"",
];

#[test]
fn stage_1_start_line_runs_the_same_command() {
    let Some(env) = common::rooted("stage_1_start_line_runs_the_same_command") else {
        return;
    };
    whole_stage_line_matches(&env, &["chroot"], &["cat", "/etc/os-release"]);
    whole_stage_line_matches(&env, &["chroot"], QUOTED);
    whole_stage_line_matches(
        &env,
        &["chroot"],
        &["sh", "-c", "echo $0 \"$1\"; exit 7", "a b", "c  d"],
    );
    env.assert_clean();
}

#[test]
fn stage_1_step_lines_typed_in_order_do_the_same() {
    let Some(env) = common::rooted("stage_1_step_lines_typed_in_order_do_the_same") else {
        return;
    };
    step_lines_match(&env, &["chroot"], &["cat", "/etc/os-release"]);
    step_lines_match(&env, &["chroot"], QUOTED);
    step_lines_match(
        &env,
        &["chroot", "-e", "GREETING=hello  world"],
        &["sh", "-c", "echo \"$GREETING\"; exit 7"],
    );
    env.assert_clean();
}

#[test]
fn stage_2_start_line_runs_the_same_command() {
    let Some(env) = common::rooted("stage_2_start_line_runs_the_same_command") else {
        return;
    };
    // PID 1, and a /proc of its own: ps lists only the container.
    whole_stage_line_matches(
        &env,
        &["namespaces"],
        &["sh", "-c", "echo \"I am PID $$\"; ps"],
    );
    whole_stage_line_matches(&env, &["namespaces"], QUOTED);
    // Without a mount namespace: chroot, no /proc.
    whole_stage_line_matches(
        &env,
        &["namespaces", "--ns", "pid,uts"],
        &["sh", "-c", "echo $$; ls /proc | wc -l"],
    );
    env.assert_clean();
}

#[test]
fn stage_2_step_lines_typed_in_order_do_the_same() {
    let Some(env) = common::rooted("stage_2_step_lines_typed_in_order_do_the_same") else {
        return;
    };
    step_lines_match(
        &env,
        &["namespaces", "--hostname", "box1"],
        &["sh", "-c", "echo \"I am PID $$ on $(hostname)\"; ps"],
    );
    step_lines_match(&env, &["namespaces"], QUOTED);
    step_lines_match(&env, &["namespaces"], &["chroot-escape"]);
    env.assert_clean();
}
