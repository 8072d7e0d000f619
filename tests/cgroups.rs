//! Stage 3, `dockling cgroups`, on this host's cgroups, and on a pure
//! cgroup v2 hierarchy inside a guest kernel.
//!
//! The checks are ordinary tests. `cgroup_v2_in_a_v2_guest` boots a guest
//! kernel (tests/common/guest.rs) whose root is this host's filesystem,
//! with cgroup2 alone at /sys/fs/cgroup, and runs this same test binary in
//! it with DOCKLING_EXPECT_CGROUP=v2; the host then asserts on its result. So
//! every check runs twice: on the host's layout (v1 on a hybrid host like
//! the CI machine) and on v2.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{alive, children, require_root, wait_for};

#[test]
fn the_expected_cgroup_version_is_used() {
    let Some(env) = common::rooted("the_expected_cgroup_version_is_used") else {
        return;
    };
    let out = env.run(&[
        "--trace", "json", "cgroups", "--memory", "64m", "--", "true",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let cg = common::event(&err, "cgroup").expect("a cgroup event");
    let version = cg["fields"]["version"].as_str().unwrap().to_string();
    if let Ok(want) = std::env::var("DOCKLING_EXPECT_CGROUP") {
        assert_eq!(version, want, "{cg}");
    }
    let file = if version == "v2" {
        "memory.max"
    } else {
        "memory.limit_in_bytes"
    };
    let wrote = err
        .lines()
        .any(|l| l.contains("cgroup_write") && l.contains(file) && l.contains("67108864"));
    assert!(wrote, "no write of 67108864 to {file}: {err}");
    eprintln!("cgroup version used: {version}");
    env.assert_clean();
}

#[test]
fn a_memory_hog_is_oom_killed_and_reported() {
    let Some(env) = common::rooted("a_memory_hog_is_oom_killed_and_reported") else {
        return;
    };
    // 100 MB held in one shell variable: far beyond 32 MiB.
    let hog = "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}";
    let out = env.run(&[
        "--trace", "quiet", "cgroups", "--memory", "32m", "--", "sh", "-c", hog,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(137), "{err}");
    assert!(err.contains("killed: out of memory, limit 32 MiB"), "{err}");
    // Under the limit the same program succeeds.
    let small = "x=$(head -c 5000000 /dev/zero | tr '\\0' a); echo ${#x}";
    let out = env.run(&[
        "--trace", "quiet", "cgroups", "--memory", "64m", "--", "sh", "-c", small,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "5000000\n");
    env.assert_clean();
}

#[test]
fn a_busy_loop_is_held_to_its_cpu_quota() {
    let Some(env) = common::rooted("a_busy_loop_is_held_to_its_cpu_quota") else {
        return;
    };
    let start = Instant::now();
    // The loop is not PID 1 (sh is), so timeout's SIGTERM reaches it.
    let out = env.run(&[
        "--trace",
        "json",
        "cgroups",
        "--cpus",
        "0.2",
        "--",
        "sh",
        "-c",
        "timeout 2 sh -c 'while :; do :; done'; true",
    ]);
    let wall = start.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    let r = common::event(&err, "cgroup_report").expect("a report");
    let f = &r["fields"];
    let cpu = f["cpu_usec"].as_u64().unwrap() as f64 / 1e6;
    // The quota is enforced per 100 ms period, so the share is measured
    // over the periods in which the cgroup ran, not over the 2 s asked of
    // `timeout`: in an emulated guest the run takes longer than 2 s of
    // wall time, and a share of a fixed 2 s would grow with it.
    let periods = f["nr_periods"].as_u64().unwrap() as f64;
    let share = cpu / (periods * 0.1);
    assert!(
        (0.1..=0.3).contains(&share),
        "used {cpu:.3} s of CPU in {periods} periods of 100 ms (wall {wall:.2} s): {r}"
    );
    // Over the whole run it never had more than its 0.2 CPU, and the loop
    // did run (at 0.2 CPU for 2 s it gets about 0.4 s).
    assert!(
        cpu <= 0.3 * wall,
        "used {cpu:.3} s of CPU in {wall:.2} s: {r}"
    );
    assert!(cpu >= 0.2, "the loop barely ran, {cpu:.3} s of CPU: {r}");
    assert!(
        f["nr_throttled"].as_u64().unwrap() > 0,
        "never throttled: {r}"
    );
    env.assert_clean();
}

#[test]
fn a_fork_loop_is_held_to_the_pids_limit() {
    let Some(env) = common::rooted("a_fork_loop_is_held_to_the_pids_limit") else {
        return;
    };
    // The inner shell forks sleeps until fork fails; the outer one then
    // counts the container's processes without forking (a glob).
    let script =
        "sh -c 'for i in $(seq 40); do sleep 3 & done' 2>/dev/null; set -- /proc/[0-9]*; echo $#";
    let out = env.run(&[
        "--trace",
        "json",
        "cgroups",
        "--pids-limit",
        "16",
        "--",
        "sh",
        "-c",
        script,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let tasks: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!((2..=16).contains(&tasks), "{tasks} tasks");
    let r = common::event(&err, "cgroup_report").expect("a report");
    assert!(r["fields"]["pids_refused"].as_u64().unwrap() > 0, "{r}");
    env.assert_clean();
}

#[test]
fn no_cgroup_remains_after_a_sigkilled_command_or_a_sigtermed_dockling() {
    let Some(env) =
        common::rooted("no_cgroup_remains_after_a_sigkilled_command_or_a_sigtermed_dockling")
    else {
        return;
    };
    let out = env.run(&[
        "--trace",
        "quiet",
        "cgroups",
        "--memory",
        "64m",
        "--",
        "sh",
        "-c",
        "kill -9 $$",
    ]);
    // PID 1 of a namespace cannot be killed from inside it: the signal is
    // ignored and sh exits normally. From outside it can.
    assert!(matches!(out.status.code(), Some(0) | Some(137)));
    // dockling gets SIGTERM while the command (PID 1, which ignores it) sleeps.
    let mut child = env
        .cmd(&[
            "--trace",
            "quiet",
            "cgroups",
            "--pids-limit",
            "32",
            "--",
            "sh",
            "-c",
            "sleep 60 & sleep 60",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let container = wait_for(10, || children(child.id()).first().copied());
    std::thread::sleep(Duration::from_millis(300));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::SIGTERM,
    )
    .unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::SIGTERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(137), "a second SIGTERM kills at once");
    assert!(!alive(container));
    env.assert_clean();
}

/// Every directory below `dir`, deepest first (the cgroups of a run and
/// their parent).
fn tree(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(tree(&e.path()));
            out.push(e.path());
        }
    }
    out
}

#[test]
fn cleanup_removes_a_cgroup_whose_journal_was_lost_once_it_is_stale() {
    let Some(env) =
        common::rooted("cleanup_removes_a_cgroup_whose_journal_was_lost_once_it_is_stale")
    else {
        return;
    };
    // A run whose dockling is SIGKILLed (the container dies with it) and
    // whose journal is then lost, as when a test's state root is deleted.
    let mut child = env
        .cmd(&["--trace", "quiet", "cgroups", "--", "sleep", "60"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let container = wait_for(10, || children(child.id()).first().copied());
    // In its cgroup, every process of the container.
    let procs = || -> Vec<String> {
        env.cgroups()
            .iter()
            .flat_map(|p| tree(p))
            .filter_map(|d| std::fs::read_to_string(d.join("cgroup.procs")).ok())
            .flat_map(|t| t.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect()
    };
    wait_for(10, || {
        procs().contains(&container.to_string()).then_some(())
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::SIGKILL,
    )
    .unwrap();
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !procs().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the container outlived its SIGKILLed dockling: {:?}, state {:?}",
            procs(),
            std::fs::read_to_string(format!("/proc/{container}/stat")).ok()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_dir_all(env.runs()).unwrap();
    let _ = std::fs::remove_dir_all(env.root.join("overlay"));
    // Fresh, it may be another state root's run starting: left alone.
    let out = env.run(&["--trace", "quiet", "cleanup"]);
    assert!(out.status.success());
    assert!(
        !env.cgroups().is_empty(),
        "a fresh cgroup was taken for an orphan"
    );
    // An hour old and empty: an orphan, removed with its parent.
    for dir in env.cgroups().iter().flat_map(|p| tree(p)) {
        let ok = Command::new("touch")
            .args(["-d", "1 hour ago"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(ok.success(), "touch {}", dir.display());
    }
    let out = env.run(&["--trace", "quiet", "cleanup"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.assert_clean();
}

#[test]
fn bad_values_are_refused_before_anything_is_created() {
    let Some(env) = common::rooted("bad_values_are_refused_before_anything_is_created") else {
        return;
    };
    let many = (std::thread::available_parallelism().unwrap().get() + 1).to_string();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["--memory", "12q"], "--memory 12q: not a size".into()),
        (vec!["--memory", "1m"], "minimum is 6m".into()),
        // Beyond u64: once silently unlimited.
        (
            vec!["--memory", "99999999999999999999t"],
            "--memory 99999999999999999999t: more than 1 EiB".into(),
        ),
        // 8 EiB: once an overflow in docker's default swap (twice --memory).
        (
            vec!["--memory", "8388608t"],
            "--memory 8388608t: more than 1 EiB".into(),
        ),
        (
            vec!["--memory", "64m", "--memory-swap", "8388608t"],
            "--memory-swap 8388608t: more than 1 EiB".into(),
        ),
        (vec!["--cpus", "-1"], "must be greater than 0".into()),
        (vec!["--cpus", &many], "this machine has only".into()),
        (vec!["--cpus", "0.0000000001"], "too precise".into()),
        (vec!["--cpus", "0.001"], "the minimum is 0.01".into()),
        (
            vec!["--cpus", "99999999999999999999999"],
            "this machine has only".into(),
        ),
        (vec!["--pids-limit", "0"], "between 1 and 4194304".into()),
        (vec!["--pids-limit", "4194305"], "PID_MAX_LIMIT".into()),
        (
            vec!["--pids-limit", "99999999999999999999"],
            "between 1 and 4194304".into(),
        ),
        (vec!["--cpu-shares", "1"], "between 2 and 262144".into()),
        (
            vec!["--cpu-shares", "99999999999999999999"],
            "between 2 and 262144".into(),
        ),
        (
            vec!["--memory-swap", "10m", "--memory", "64m"],
            "at least --memory".into(),
        ),
        (vec!["--memory-swap", "128m"], "needs --memory".into()),
    ];
    for (args, message) in cases {
        let mut all = vec!["--trace", "quiet", "cgroups"];
        all.extend(args.iter());
        all.extend(["--", "true"]);
        let out = env.run(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert!(err.contains(&message), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            !env.runs().exists() || std::fs::read_dir(env.runs()).unwrap().count() == 0,
            "{args:?} made a run directory"
        );
        assert!(env.cgroups().is_empty(), "{args:?} made a cgroup");
    }
    // The largest accepted values run.
    let out = env.run(&[
        "--trace",
        "quiet",
        "cgroups",
        "--memory",
        "1024p",
        "--pids-limit",
        "4194304",
        "--",
        "true",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.assert_clean();
}

#[test]
fn devices_outside_the_allow_list_cannot_be_opened() {
    let Some(env) = common::rooted("devices_outside_the_allow_list_cannot_be_opened") else {
        return;
    };
    // Nodes a root process could make for the host's devices: KVM, a
    // console, the kernel log, physical memory; and a loop device (a
    // block device holding a file) where this kernel has them.
    let mut nodes: Vec<(String, String, String)> =
        [("c", 10, 232), ("c", 4, 1), ("c", 1, 11), ("c", 1, 1)]
            .iter()
            .map(|(k, a, b)| (k.to_string(), a.to_string(), b.to_string()))
            .collect();
    let backing = env.root.join("loop.img");
    std::fs::write(&backing, vec![0u8; 1 << 20]).unwrap();
    let loopdev = Command::new("losetup")
        .args(["--find", "--show"])
        .arg(&backing)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match &loopdev {
        Some(dev) => {
            use std::os::unix::fs::MetadataExt;
            let rdev = std::fs::metadata(dev).unwrap().rdev();
            nodes.push((
                "b".into(),
                libc::major(rdev).to_string(),
                libc::minor(rdev).to_string(),
            ));
        }
        None => eprintln!(
            "\n!!!! NOTE: no loop device here (losetup failed): the block device case is not tried !!!!\n"
        ),
    }
    for (kind, major, minor) in &nodes {
        let probe = ["mknod", kind.as_str(), major.as_str(), minor.as_str()];
        // Stage 3: making the node is allowed, opening it is not.
        let text = env.assert_blocked(&["cgroups"], &probe);
        assert!(text.contains("but open: Operation not permitted"), "{text}");
        // Stage 2 has no device rules, and so no CAP_MKNOD.
        let text = env.assert_blocked(&["namespaces"], &probe);
        assert!(text.contains("mknod /dev/breakout"), "{text}");
    }
    // The same attack where nothing stops it (the lesson's "before").
    let text = env.assert_escaped(
        &["namespaces", "--cap-add", "MKNOD"],
        &["mknod", "c", "1", "11"],
    );
    assert!(text.contains("c 1:11"), "{text}");
    // --device gives one on purpose, under the name asked for.
    let out = env.run(&[
        "--trace",
        "quiet",
        "cgroups",
        "--device",
        "/dev/null:/dev/extra",
        "--",
        "sh",
        "-c",
        "echo x > /dev/extra && ls -l /dev/extra",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("crw-rw-rw-") && text.contains(" 1,   3 "),
        "{text}"
    );
    if let Some(dev) = &loopdev {
        let (kind, major, minor) = nodes.last().unwrap();
        let text = env.assert_escaped(
            &["cgroups", "--device", dev],
            &["mknod", kind, major, minor],
        );
        assert!(text.contains("opened"), "{text}");
        Command::new("losetup").args(["-d", dev]).status().unwrap();
    }
    env.assert_clean();
}

#[test]
fn cgroup_v2_in_a_v2_guest() {
    if std::env::var_os("DOCKLING_IN_GUEST").is_some() || !require_root("cgroup_v2_in_a_v2_guest") {
        return;
    }
    let Some(guest) = common::guest::require("cgroup_v2_in_a_v2_guest") else {
        return;
    };
    // The same test binary, on the guest's kernel with cgroup2 alone.
    let me = std::env::current_exe().unwrap();
    let script = format!(
        "DOCKLING_IN_GUEST=1 DOCKLING_EXPECT_CGROUP=v2 {} --test-threads 1 --nocapture --skip in_a_v2_guest\n",
        me.display()
    );
    let ran = guest.run(&script, Duration::from_secs(900));
    let text = ran.output;
    eprintln!("---- inside the cgroup v2 guest ----\n{text}");
    assert_eq!(
        ran.status,
        Some(0),
        "the checks failed inside the cgroup v2 guest:\n{text}\n---- console ----\n{}",
        ran.console
    );
    assert!(text.contains("cgroup version used: v2"), "{text}");
    assert!(
        text.contains("test result: ok") && !text.contains(" 0 passed"),
        "{text}"
    );
}

#[test]
fn a_detached_container_keeps_its_limits_and_its_oom_kill_is_recorded() {
    let Some(env) =
        common::rooted("a_detached_container_keeps_its_limits_and_its_oom_kill_is_recorded")
    else {
        return;
    };
    let run = |args: &[&str]| {
        let out = env.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let id = run(&[
        "--trace",
        "quiet",
        "cgroups",
        "-d",
        "--name",
        "limited",
        "--memory",
        "32m",
        "--pids-limit",
        "20",
        "--",
        "sleep",
        "300",
    ]);
    // Its cgroup, named after the container, holds the limits while it runs
    // (its monitor, not a foreground dockling, looks after it).
    let leaf = wait_for(10, || {
        env.cgroups()
            .iter()
            .flat_map(|p| tree(p))
            .find(|p| p.ends_with(&id[..12]) && p.join("pids.max").exists())
    });
    assert_eq!(
        std::fs::read_to_string(leaf.join("pids.max"))
            .unwrap()
            .trim(),
        "20"
    );
    let memory = env
        .cgroups()
        .iter()
        .flat_map(|p| tree(p))
        .filter(|p| p.ends_with(&id[..12]))
        .find_map(|p| {
            ["memory.max", "memory.limit_in_bytes"]
                .iter()
                .find_map(|f| std::fs::read_to_string(p.join(f)).ok())
        })
        .expect("a memory limit file");
    assert_eq!(memory.trim(), "33554432");
    run(&["--trace", "quiet", "stop", "-t", "1", "limited"]);
    assert!(
        env.cgroups()
            .iter()
            .flat_map(|p| tree(p))
            .all(|p| !p.ends_with(&id[..12])),
        "the stopped container's cgroup is left"
    );
    // A detached memory hog: its monitor records the OOM kill.
    let hog = "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}";
    run(&[
        "--trace", "quiet", "cgroups", "-d", "--name", "hog", "--memory", "32m", "--", "sh", "-c",
        hog,
    ]);
    let state = wait_for(30, || {
        let s = run(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}",
            "hog",
        ]);
        s.starts_with("exited").then_some(s)
    });
    assert_eq!(state, "exited 137 true");
    run(&["rm", "limited", "hog"]);
    env.assert_clean();
}

/// A detached container's leaf cgroup directories (one per hierarchy on v1).
fn leaves(env: &common::Env, id: &str) -> Vec<std::path::PathBuf> {
    env.cgroups()
        .iter()
        .flat_map(|p| tree(p))
        .filter(|p| p.ends_with(&id[..12]))
        .collect()
}

#[test]
fn exec_joins_the_containers_cgroup_and_its_limits_hold() {
    let Some(env) = common::rooted("exec_joins_the_containers_cgroup_and_its_limits_hold") else {
        return;
    };
    let id = env.ok(&[
        "--trace",
        "quiet",
        "cgroups",
        "-d",
        "--name",
        "lim",
        "--memory",
        "32m",
        "--pids-limit",
        "20",
        "--",
        "sleep",
        "300",
    ]);
    // The exec'd process is in the same cgroup, in every hierarchy.
    let mine = env.ok(&[
        "--trace",
        "quiet",
        "exec",
        "lim",
        "cat",
        "/proc/self/cgroup",
    ]);
    let pid1 = env.ok(&["--trace", "quiet", "exec", "lim", "cat", "/proc/1/cgroup"]);
    assert_eq!(mine, pid1);
    assert!(mine.contains(&id[..12]), "{mine}");
    // A detached exec is listed in the cgroup's processes, beside PID 1.
    env.ok(&["--trace", "quiet", "exec", "-d", "lim", "sleep", "301"]);
    let procs = |env: &common::Env| -> Vec<String> {
        let leaf = leaves(env, &id)
            .into_iter()
            .find(|p| p.join("pids.max").exists())
            .unwrap();
        let text = std::fs::read_to_string(leaf.join("cgroup.procs")).unwrap();
        text.split_whitespace()
            .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/cmdline")).ok())
            .map(|c| c.replace('\0', " ").trim().to_string())
            .collect()
    };
    let names = wait_for(10, || {
        let p = procs(&env);
        (p.len() == 2).then_some(p)
    });
    assert!(names.contains(&"sleep 301".to_string()), "{names:?}");
    // Its memory counts against the container's 32 MiB: a hog is OOM-killed.
    let hog = "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}";
    let out = env.run(&["--trace", "quiet", "exec", "lim", "sh", "-c", hog]);
    assert_eq!(
        out.status.code(),
        Some(137),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Its forks count against pids.max 20: two already run, so a shell
    // that forks 40 sleeps is refused after about 17.
    let script =
        "sh -c 'for i in $(seq 40); do sleep 30 & done' 2>/dev/null; set -- /proc/[0-9]*; echo $#";
    let out = env.run(&["--trace", "quiet", "exec", "lim", "sh", "-c", script]);
    let n: usize = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    assert!(
        (10..=20).contains(&n),
        "{n} processes in the container (pids.max 20): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.ok(&["rm", "-f", "lim"]);
    env.assert_clean();
}

#[test]
fn stats_reads_the_cgroup_files_and_a_busy_loop_shows_its_cpu_quota() {
    let Some(env) =
        common::rooted("stats_reads_the_cgroup_files_and_a_busy_loop_shows_its_cpu_quota")
    else {
        return;
    };
    // A busy loop held to half a CPU, holding 8 MB of memory in a shell variable.
    let id = env.ok(&[
        "--trace",
        "quiet",
        "cgroups",
        "-d",
        "--name",
        "busy",
        "--cpus",
        "0.5",
        "--memory",
        "64m",
        "--",
        "sh",
        "-c",
        "x=$(head -c 8000000 /dev/zero | tr '\\0' a); while :; do :; done",
    ]);
    let leaf = |file: &str| {
        leaves(&env, &id)
            .into_iter()
            .map(|p| p.join(file))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("no {file}"))
    };
    // MEM USAGE as the test reads the files: usage less inactive page cache.
    let (usage_file, stat_key) = if leaf("memory.stat")
        .with_file_name("memory.current")
        .exists()
    {
        ("memory.current", "inactive_file")
    } else {
        ("memory.usage_in_bytes", "total_inactive_file")
    };
    let in_use = || -> f64 {
        let usage: f64 = std::fs::read_to_string(leaf(usage_file))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let inactive: f64 = std::fs::read_to_string(leaf("memory.stat"))
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{stat_key} "))?.parse().ok())
            .unwrap();
        (usage - inactive) / 1048576.0
    };
    // The shell builds its 8 MB variable in steps (slowly in an emulated
    // guest): compare once the usage has settled, read twice 300 ms apart.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let before = in_use();
        std::thread::sleep(Duration::from_millis(300));
        let after = in_use();
        if after > 7.0 && (after - before).abs() <= after * 0.02 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the container's memory never settled: {before:.2} then {after:.2} MiB"
        );
    }
    std::thread::sleep(Duration::from_millis(1000));
    let text = env.ok(&["stats", "--no-stream"]);
    let lines: Vec<&str> = text.lines().collect();
    let columns = |line: &str| -> Vec<String> {
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(
        columns(lines[0]),
        [
            "CONTAINER ID",
            "NAME",
            "CPU %",
            "MEM USAGE / LIMIT",
            "MEM %",
            "NET I/O",
            "BLOCK I/O",
            "PIDS"
        ],
        "{text}"
    );
    assert_eq!(lines.len(), 2, "{text}");
    let cols = columns(lines[1]);
    assert_eq!(&cols[..2], &[&id[..12], "busy"], "{text}");
    let cpu: f64 = cols[2].trim_end_matches('%').parse().unwrap();
    assert!(
        (45.0..=55.0).contains(&cpu),
        "CPU % of a loop under --cpus 0.5: {text}"
    );
    let expected = in_use();
    let (shown, limit) = cols[3].split_once(" / ").unwrap();
    let mib = |s: &str| -> f64 {
        for (unit, f) in [
            ("GiB", 1024.0),
            ("MiB", 1.0),
            ("KiB", 1.0 / 1024.0),
            ("B", 1.0 / 1048576.0),
        ] {
            if let Some(n) = s.strip_suffix(unit) {
                return n.parse::<f64>().unwrap() * f;
            }
        }
        panic!("{s}")
    };
    assert!(
        (mib(shown) - expected).abs() <= expected * 0.1,
        "MEM USAGE {shown} vs {expected:.2} MiB from the files: {text}"
    );
    assert!(mib(shown) > 7.0, "the 8 MB variable is not counted: {text}");
    assert_eq!(limit, "64MiB");
    let pct: f64 = cols[4].trim_end_matches('%').parse().unwrap();
    assert!((pct - mib(shown) * 100.0 / 64.0).abs() < 0.1, "{text}");
    assert_eq!(cols[5], "0B / 0B", "no network namespace: {text}");
    let pids = std::fs::read_to_string(leaf("pids.current")).unwrap();
    assert_eq!(cols[7], pids.trim(), "{text}");
    // -a shows a stopped container with zeros; --no-trunc the whole id.
    env.ok(&[
        "--trace", "quiet", "cgroups", "-d", "--name", "idle", "--", "true",
    ]);
    assert_eq!(env.ok(&["wait", "idle"]), "0");
    let text = env.ok(&["stats", "-a", "--no-stream", "--no-trunc"]);
    let idle = text.lines().find(|l| l.contains(" idle ")).expect(&text);
    let cols = columns(idle);
    assert_eq!(cols[0].len(), 64, "{text}");
    assert_eq!(
        &cols[2..],
        &["0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"],
        "{text}"
    );
    assert!(text.contains(&id), "{text}");
    env.ok(&["rm", "-f", "busy", "idle"]);
    env.assert_clean();
}

#[test]
fn pause_freezes_every_process_and_unpause_thaws_them() {
    let Some(env) = common::rooted("pause_freezes_every_process_and_unpause_thaws_them") else {
        return;
    };
    // A counter the host can read (the rootfs is the container's root): a
    // line appended every 10 ms, so its size tells whether it advances.
    let counter = env.rootfs().join("tmp/counter");
    let id = env.ok(&[
        "--trace",
        "quiet",
        "cgroups",
        "-d",
        "--name",
        "count",
        "--memory",
        "64m",
        "--",
        "sh",
        "-c",
        "while :; do echo x >> /tmp/counter; sleep 0.01; done",
    ]);
    let read = || -> u64 { std::fs::metadata(&counter).map(|m| m.len()).unwrap_or(0) };
    let advancing = |what: &str| {
        let a = read();
        std::thread::sleep(Duration::from_millis(1000));
        let b = read();
        assert!(b > a, "the counter did not advance {what}: {a} then {b}");
    };
    advancing("before pause");
    let out = env.run(&["--trace", "json", "pause", "count"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "count\n");
    let e = common::event(&String::from_utf8_lossy(&out.stderr), "freeze").expect("a freeze event");
    assert!(
        e["fields"]["file"]
            .as_str()
            .unwrap()
            .ends_with("cgroup.freeze")
            || e["fields"]["file"]
                .as_str()
                .unwrap()
                .ends_with("freezer.state"),
        "{e}"
    );
    let a = read();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(read(), a, "the counter advanced while paused");
    // The kernel says so too, in the cgroup's own files.
    let frozen = leaves(&env, &id).into_iter().any(|p| {
        std::fs::read_to_string(p.join("cgroup.events")).is_ok_and(|t| t.contains("frozen 1"))
            || std::fs::read_to_string(p.join("freezer.state")).is_ok_and(|t| t.trim() == "FROZEN")
    });
    assert!(frozen, "no frozen cgroup for {id}");
    let status = env.ok(&["ps", "--format", "{{.Status}}"]);
    assert!(status.ends_with("(Paused)"), "{status}");
    assert_eq!(
        env.ok(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.Paused}}",
            "count"
        ]),
        "paused true"
    );
    // docker's refusals: exec into a paused container, pause it twice.
    let out = env.run(&["exec", "count", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is paused, unpause the container before exec")
    );
    let out = env.run(&["pause", "count"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is already paused"));
    env.ok(&["--trace", "quiet", "unpause", "count"]);
    advancing("after unpause");
    let out = env.run(&["unpause", "count"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not paused"));
    // stop of a paused container: the signal, then a thaw so it can act on
    // it. The shell, as PID 1, ignores SIGTERM: SIGKILL after 1 s.
    env.ok(&["--trace", "quiet", "pause", "count"]);
    let started = Instant::now();
    env.ok(&["--trace", "quiet", "stop", "-t", "1", "count"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        started.elapsed()
    );
    assert_eq!(
        env.ok(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.ExitCode}}",
            "count"
        ]),
        "exited 137"
    );
    let out = env.run(&["pause", "count"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not running"));
    // kill and rm -f of a paused container end it too.
    env.ok(&["--trace", "quiet", "start", "count"]);
    env.ok(&["--trace", "quiet", "pause", "count"]);
    env.ok(&["kill", "count"]);
    assert_eq!(env.ok(&["wait", "count"]), "137");
    env.ok(&["--trace", "quiet", "start", "count"]);
    env.ok(&["--trace", "quiet", "pause", "count"]);
    env.ok(&["rm", "-f", "count"]);
    env.assert_clean();
}

#[test]
fn live_usage_never_lands_on_a_terminal_the_container_uses() {
    let Some(env) = common::rooted("live_usage_never_lands_on_a_terminal_the_container_uses")
    else {
        return;
    };
    // An interactive shell under -it: its screen stays its own.
    let mut term = common::terminal::Terminal::spawn(
        env.cmd(&[
            "--trace", "plain", "cgroups", "-it", "--memory", "64m", "--", "sh",
        ]),
        30,
        120,
    );
    term.expect("# ", 20);
    term.send(b"sleep 2.5; echo slept\r");
    term.expect("slept", 20);
    term.send(b"exit\r");
    assert_eq!(term.wait(20).code(), Some(0));
    assert!(!term.screen.contains("cgroup_usage"), "{}", term.screen);
    assert!(term.screen.contains("cgroup_report"), "{}", term.screen);
    // Without -it, but with output and narration on one terminal: the same.
    let mut term = common::terminal::Terminal::spawn(
        env.cmd(&[
            "--trace",
            "plain",
            "cgroups",
            "--memory",
            "64m",
            "--",
            "sh",
            "-c",
            "sleep 2.5; echo slept",
        ]),
        30,
        120,
    );
    assert_eq!(term.wait(20).code(), Some(0));
    assert!(!term.screen.contains("cgroup_usage"), "{}", term.screen);
    assert!(term.screen.contains("slept") && term.screen.contains("cgroup_report"));
    // With the output elsewhere, the narration gets a line each second.
    let out = env.run(&[
        "--trace", "plain", "cgroups", "--memory", "64m", "--", "sleep", "2.5",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.matches("cgroup_usage: still running").count() >= 2,
        "{err}"
    );
    env.assert_clean();
}
