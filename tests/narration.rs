//! What a student sees by default: each stage's own steps in full, the
//! steps of earlier stages one line each, wrapped at 80 columns.
//!
//! `default_narration_of_each_stage` keeps the narration of `-- true` at
//! every stage as a snapshot, per cgroup version: this host's (v1 here) and
//! v2 inside a guest kernel (`narration_in_a_v2_guest`, tests/common/guest.rs),
//! where stages 3, 4 and 6 run again (1 and 2 make no cgroup; the guest
//! kernel has no modules for stage 5's veth, bridge and NAT). The other
//! tests check the layout itself on dockling's own output, unfiltered.

mod common;

use std::time::Duration;

use common::{Env, require_root};
use unicode_width::UnicodeWidthStr;

/// The cgroup version dockling uses on this kernel, from its json trace.
fn cgroup_version(env: &Env) -> String {
    let out = env.run(&["--trace", "json", "cgroups", "--", "true"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let event = common::event(&err, "cgroup").unwrap_or_else(|| panic!("no cgroup step: {err}"));
    event["fields"]["version"].as_str().unwrap().to_string()
}

/// Stage `n`'s command line for `-- true`, and what to do around it.
fn stage_args(n: u8, image: &str) -> Vec<String> {
    let words: &[&str] = match n {
        1 => &["chroot", "--", "true"],
        2 => &["namespaces", "--", "true"],
        3 => &[
            "cgroups",
            "--memory",
            "32m",
            "--pids-limit",
            "64",
            "--",
            "true",
        ],
        4 => &["overlay", "--", "true"],
        5 => &["network", "--", "true"],
        _ => &["run", "--rm", "--network", "none", image, "true"],
    };
    words.iter().map(|w| w.to_string()).collect()
}

#[test]
fn default_narration_of_each_stage() {
    if !require_root("default_narration_of_each_stage") {
        return;
    }
    let env = Env::with_rootfs();
    let version = cgroup_version(&env);
    // Stages 1 and 2 make no cgroup: the same on either version.
    // The guest's kernel has no veth, bridge or netfilter modules: stage 5
    // runs on this host only (its cgroup steps are one-liners that stages
    // 4 and 6 show on v2 too).
    let stages: &[u8] = if version == "v1" {
        &[1, 2, 3, 4, 5, 6]
    } else {
        &[3, 4, 6]
    };
    let addr = dockling::image::local_registry::free_addr();
    let _registry = dockling::image::local_registry::start_at(
        &dockling::paths::Paths::new(Some(&env.root)),
        &addr,
    )
    .unwrap();
    let image = format!("{addr}/{}", dockling::image::local_registry::REPOSITORY);
    env.ok(&["--trace", "quiet", "pull", &image]);
    for &n in stages {
        let args = stage_args(n, &image);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out) = env.merged(&args);
        assert_eq!(code, Some(0), "stage {n}: {out}");
        let out = env.filter(&out.replace(&addr, dockling::image::local_registry::ADDR));
        insta::assert_snapshot!(
            format!("stage{n}-{version}"),
            out,
            &format!("dockling {}", args.join(" "))
        );
        for line in out.lines() {
            assert!(fits(line), "stage {n}: {line:?}");
        }
        // The same in Korean (lesson 3 in Korean shows stage 3's).
        let mut ko = vec!["--lang", "ko"];
        ko.extend(&args);
        let (code, out) = env.merged(&ko);
        assert_eq!(code, Some(0), "stage {n} in Korean: {out}");
        let out = env.filter(&out.replace(&addr, dockling::image::local_registry::ADDR));
        for line in out.lines() {
            assert!(fits(line), "stage {n} in Korean: {line:?}");
        }
        insta::assert_snapshot!(
            format!("stage{n}-{version}-ko"),
            out,
            &format!("dockling {}", ko.join(" "))
        );
    }
    env.ok(&["--trace", "quiet", "rmi", &image]);
    env.assert_clean();
    eprintln!("narration checked on cgroup {version}");
}

/// Whether a line keeps to 80 columns, or is one word too long for any
/// line (a path or a quoted shell word is never cut: it may be copied)
/// after its label.
fn fits(line: &str) -> bool {
    let rest = line.trim_start();
    let rest = ["syscall ", "why ", "by hand ", "in a VM "]
        .iter()
        .find_map(|l| rest.strip_prefix(l))
        .unwrap_or(rest)
        .trim();
    // A quoted shell word is one word too.
    let word = rest.trim_end_matches(" \\");
    let quoted = word.len() > 1 && word.starts_with('\'') && word.ends_with('\'');
    line.width() <= 80 || !rest.contains(' ') || quoted
}

/// dockling's own output at `COLUMNS=80`, unfiltered.
fn at_80(env: &Env, args: &[&str]) -> String {
    let out = env.cmd(args).env("COLUMNS", "80").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn an_earlier_stages_step_is_one_line_and_no_line_passes_80_columns() {
    if !require_root("an_earlier_stages_step_is_one_line_and_no_line_passes_80_columns") {
        return;
    }
    let env = Env::with_rootfs();
    let err = at_80(&env, &["overlay", "--", "true"]);
    let lines: Vec<&str> = err.lines().collect();
    let mut one_liners = 0;
    for (i, line) in lines.iter().enumerate() {
        // A path longer than a line is never cut: it may be copied.
        assert!(fits(line), "{line:?} passes 80 columns:\n{err}");
        if line.starts_with("[dockling] ✓ ") {
            one_liners += 1;
            let next = lines.get(i + 1).copied().unwrap_or("[dockling]");
            assert!(
                next.starts_with("[dockling] "),
                "an earlier stage's step goes on after its line: {line:?} then {next:?}"
            );
            assert!(
                line.contains(" · ") && (line.ends_with(" ms") || line.ends_with(" s")),
                "no time: {line:?}"
            );
        }
    }
    // Stage 4: everything of stages 1 to 3 (journal, clone, mounts,
    // capabilities, cgroup …) is one line; the overlay's steps are not.
    assert!(one_liners >= 20, "{one_liners} one-line steps:\n{err}");
    for own in ["overlay_dirs: ", "mount_overlay: ", "overlay_diff: "] {
        let heading = lines
            .iter()
            .position(|l| l.contains(own) && !l.contains('✓'));
        let heading = heading.unwrap_or_else(|| panic!("{own} not in full:\n{err}"));
        assert!(
            lines[heading + 1].starts_with("    "),
            "{own} has no rows:\n{err}"
        );
    }
    // A VM comparison is said once per run.
    let vm: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("    in a VM"))
        .copied()
        .collect();
    let mut unique = vm.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(vm.len(), unique.len(), "{err}");
    // The summary: the time to the command and of the whole run.
    let summary = err
        .lines()
        .find(|l| l.contains(". summary: "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(summary.contains(" ms after dockling"), "{summary}");
    env.assert_clean();
}

#[test]
fn full_tells_every_step_and_plain_keeps_one_unwrapped_line_per_row() {
    if !require_root("full_tells_every_step_and_plain_keeps_one_unwrapped_line_per_row") {
        return;
    }
    let env = Env::with_rootfs();
    let full = at_80(&env, &["--trace", "full", "namespaces", "--", "true"]);
    let plain = at_80(&env, &["--trace", "plain", "namespaces", "--", "true"]);
    let headings = |t: &str| t.lines().filter(|l| l.starts_with("[dockling] ")).count();
    assert!(!full.contains('✓'), "{full}");
    // The same steps, and the summary on top in full.
    assert_eq!(headings(&full), headings(&plain) + 1, "{full}\n{plain}");
    assert!(
        plain.lines().any(|l| l.width() > 80),
        "plain is not wrapped:\n{plain}"
    );
    assert!(
        !plain.contains(" · ") && !plain.contains("summary"),
        "{plain}"
    );
    for line in plain.lines() {
        assert!(
            line.starts_with("[dockling] ") || line.starts_with("    "),
            "a row of plain goes on to another line: {line:?}"
        );
    }
    // Every by-hand line of the wrapped output pastes as one command.
    let lines: Vec<&str> = full.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.ends_with(" \\") {
            assert!(
                lines[i + 1].starts_with(&" ".repeat(13)),
                "{l:?}\n{}",
                lines[i + 1]
            );
        }
    }
    env.assert_clean();
}

#[test]
fn narration_in_a_v2_guest() {
    if std::env::var_os("DOCKLING_IN_GUEST").is_some() || !require_root("narration_in_a_v2_guest") {
        return;
    }
    let Some(guest) = common::guest::require("narration_in_a_v2_guest") else {
        return;
    };
    let me = std::env::current_exe().unwrap();
    // The registry of stage 6 listens on the guest's loopback. INSTA_UPDATE
    // goes along so that the v2 snapshots can be blessed from the host.
    let script = format!(
        "ip link set lo up\n\
         DOCKLING_IN_GUEST=1 INSTA_UPDATE={} INSTA_WORKSPACE_ROOT={} {} --test-threads 1 --nocapture --exact default_narration_of_each_stage\n",
        std::env::var("INSTA_UPDATE").unwrap_or_else(|_| "no".into()),
        env!("CARGO_MANIFEST_DIR"),
        me.display()
    );
    let ran = guest.run(&script, Duration::from_secs(900));
    let text = ran.output;
    eprintln!("---- inside the cgroup v2 guest ----\n{text}");
    assert_eq!(
        ran.status,
        Some(0),
        "the narration differs inside the cgroup v2 guest:\n{text}\n---- console ----\n{}",
        ran.console
    );
    assert!(text.contains("narration checked on cgroup v2"), "{text}");
}

/// The text of a kept snapshot, without insta's header.
fn snapshot(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("narration__{name}.snap"));
    let text = std::fs::read_to_string(&path).unwrap();
    let body = text.splitn(3, "---\n").nth(2).unwrap_or_default();
    format!("{}\n", body.trim_end())
}

/// The ```text block of a lesson after `<!-- narration: NAME -->`.
fn lesson_block(lesson: &str, name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lessons")
        .join(lesson);
    let text = std::fs::read_to_string(&path).unwrap();
    let marker = format!("<!-- narration: {name} -->");
    let after = text
        .split(&marker)
        .nth(1)
        .unwrap_or_else(|| panic!("{lesson} has no {marker}"));
    let block = after.split("```text\n").nth(1).unwrap();
    block.split("```").next().unwrap().to_string()
}

/// Lesson 3 shows the v2 narration a student on most machines sees; it is
/// the one `narration_in_a_v2_guest` keeps, in English and in Korean.
#[test]
fn lesson_3_shows_the_v2_narration_checked_in_the_guest() {
    assert_eq!(
        lesson_block("03-cgroups.md", "stage3-v2"),
        snapshot("stage3-v2")
    );
    assert_eq!(
        lesson_block("ko/03-cgroups.md", "stage3-v2-ko"),
        snapshot("stage3-v2-ko")
    );
}
