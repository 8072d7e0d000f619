//! The defences of stages 2–6, each as an attack that must fail.
//!
//! Every test runs `breakout` (src/bin/breakout.rs, copied into the test
//! rootfs like lesson 1's helper) as root inside a container, the way an
//! attacker would, and asserts that it was blocked — and, where a flag
//! turns the defence off, that the same attack then works, so that a test
//! cannot pass because the probe itself is broken. The device rules are
//! tested in tests/cgroups.rs, which also runs inside the cgroup v2 guest.

mod common;

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Env, alive, children, wait_for};

/// A pseudo-terminal pair: what a student's shell runs on.
fn openpty() -> (OwnedFd, OwnedFd) {
    let pty = nix::pty::openpty(None, None).unwrap();
    (pty.master, pty.slave)
}

/// Run dockling as a terminal's shell would: in a session whose
/// controlling terminal is `slave`, with it as stdin, stdout and stderr.
/// Writes `input` to the terminal; returns the exit code and everything
/// the terminal showed.
fn on_terminal(env: &Env, args: &[&str], input: &[u8]) -> (Option<i32>, String) {
    let (master, slave) = openpty();
    let (m, s) = (master.as_raw_fd(), slave.as_raw_fd());
    let mut cmd = env.cmd(args);
    // SAFETY: dup of an open descriptor, for the child's stdio.
    let dup = |fd| unsafe { Stdio::from(OwnedFd::from_raw_fd(libc::dup(fd))) };
    cmd.stdin(dup(s)).stdout(dup(s)).stderr(dup(s));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    nix::unistd::write(&master, input).unwrap();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    nix::fcntl::fcntl(
        &master,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .unwrap();
    let status = loop {
        let mut buf = [0u8; 4096];
        // SAFETY: reading into a buffer of the given size.
        let n = unsafe { libc::read(m, buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            out.extend_from_slice(&buf[..n as usize]);
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "dockling did not end: {}",
            String::from_utf8_lossy(&out)
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    std::thread::sleep(Duration::from_millis(50));
    let mut buf = [0u8; 4096];
    // SAFETY: as above.
    let n = unsafe { libc::read(m, buf.as_mut_ptr().cast(), buf.len()) };
    if n > 0 {
        out.extend_from_slice(&buf[..n as usize]);
    }
    drop(slave);
    let _ = s;
    (status.code(), String::from_utf8_lossy(&out).into_owned())
}

/// What is waiting to be read from the terminal, as typed input: what the
/// shell that started dockling would read and run next.
fn typed_ahead(slave: &OwnedFd) -> String {
    nix::fcntl::fcntl(
        slave,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .unwrap();
    let mut buf = [0u8; 4096];
    match nix::unistd::read(slave, &mut buf) {
        Ok(n) => String::from_utf8_lossy(&buf[..n]).into_owned(),
        Err(_) => String::new(),
    }
}

#[test]
fn tiocsti_cannot_type_into_the_shell_that_started_dockling() {
    let Some(env) = common::rooted("tiocsti_cannot_type_into_the_shell_that_started_dockling")
    else {
        return;
    };
    for stage in [
        &["chroot"][..],
        &["namespaces"],
        &["namespaces", "-i"],
        &["cgroups", "-it"],
    ] {
        let (master, slave) = openpty();
        let s = slave.as_raw_fd();
        let mut args = vec!["--trace", "quiet"];
        args.extend_from_slice(stage);
        args.extend(["--", "breakout", "tiocsti", "echo BREAKOUT\n"]);
        let mut cmd = env.cmd(&args);
        // SAFETY: dup of an open descriptor, for the child's stdio.
        let dup = |fd| unsafe { Stdio::from(OwnedFd::from_raw_fd(libc::dup(fd))) };
        cmd.stdin(dup(s)).stdout(dup(s)).stderr(dup(s));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let status = cmd.status().unwrap();
        let mut shown = [0u8; 8192];
        nix::fcntl::fcntl(
            &master,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )
        .unwrap();
        let n = nix::unistd::read(&master, &mut shown).unwrap_or(0);
        let shown = String::from_utf8_lossy(&shown[..n]).into_owned();
        assert!(
            shown.contains("breakout tiocsti: blocked"),
            "{stage:?}: {shown}"
        );
        assert_eq!(status.code(), Some(0), "{stage:?}: {shown}");
        let queued = typed_ahead(&slave);
        assert!(
            !queued.contains("BREAKOUT"),
            "{stage:?}: the container typed into the caller's terminal: {queued:?}"
        );
        env.assert_clean();
    }
}

#[test]
fn with_t_the_container_has_a_terminal_of_its_own() {
    let Some(env) = common::rooted("with_t_the_container_has_a_terminal_of_its_own") else {
        return;
    };
    let (code, shown) = on_terminal(
        &env,
        &[
            "--trace",
            "quiet",
            "namespaces",
            "-it",
            "--hostname",
            "tty1",
        ],
        b"tty; stty size; echo \"pid=$$ host=$(hostname)\"; ls -l /dev/console | cut -c1; exit 3\n",
    );
    assert_eq!(code, Some(3), "{shown}");
    assert!(shown.contains("/dev/pts/0"), "tty inside: {shown}");
    assert!(shown.contains("pid=1 host=tty1"), "{shown}");
    assert!(shown.contains("/ # "), "no interactive prompt: {shown}");
    // Without -t there is no terminal inside, even on one outside.
    let (code, shown) = on_terminal(
        &env,
        &[
            "--trace",
            "quiet",
            "namespaces",
            "-i",
            "--",
            "sh",
            "-c",
            "tty; read x; echo got-$x",
        ],
        b"hello\n",
    );
    assert_eq!(code, Some(0), "{shown}");
    assert!(
        shown.contains("not a tty") && shown.contains("got-hello"),
        "{shown}"
    );
    env.assert_clean();
}

#[test]
fn seccomp_refuses_keyrings_user_namespaces_and_risky_calls() {
    let Some(env) = common::rooted("seccomp_refuses_keyrings_user_namespaces_and_risky_calls")
    else {
        return;
    };
    for stage in ["namespaces", "cgroups", "overlay"] {
        for probe in [&["keyring"][..], &["userns"], &["syscalls"]] {
            env.assert_blocked(&[stage], probe);
        }
        let out = env.run(&[
            "--trace",
            "quiet",
            stage,
            "--",
            "grep",
            "Seccomp:",
            "/proc/self/status",
        ]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .last(),
            Some("2")
        );
    }
    // The same attacks with the filter off: the lesson's "before".
    let off = [
        "cgroups",
        "--memory",
        "64m",
        "--security-opt",
        "seccomp=unconfined",
    ];
    let text = env.assert_escaped(&off, &["keyring"]);
    assert!(text.contains("removed again"), "{text}");
    let text = env.assert_escaped(&off, &["userns"]);
    assert!(text.contains("could be lifted"), "{text}");
    env.assert_escaped(&off, &["syscalls"]);
    // A bad --security-opt is refused by name.
    let out = env.run(&["namespaces", "--security-opt", "apparmor=x", "--", "true"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("apparmor=x"));
    env.assert_clean();
}

#[test]
fn the_callers_descriptors_do_not_reach_the_container() {
    let Some(env) = common::rooted("the_callers_descriptors_do_not_reach_the_container") else {
        return;
    };
    // A shell's `exec 9</`: a descriptor on the host's root, not close-on-exec.
    let root = std::fs::File::open("/").unwrap();
    let raw = root.as_raw_fd();
    for stage in [
        &["chroot"][..],
        &["namespaces"],
        &["namespaces", "--init"],
        &["overlay"],
    ] {
        let mut args = vec!["--trace", "quiet"];
        args.extend_from_slice(stage);
        args.extend(["--", "breakout", "fds"]);
        let mut cmd = env.cmd(&args);
        // SAFETY: dup2 between fork and exec is async-signal-safe.
        unsafe {
            cmd.pre_exec(move || {
                if libc::dup2(raw, 9) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("breakout fds: blocked"), "{stage:?}: {text}");
        assert_eq!(out.status.code(), Some(0), "{stage:?}: {text}");
    }
    // --init's PID 1 is dockling's own code: it holds nothing of the host
    // and cannot be looked into.
    let text = env.assert_blocked(&["namespaces", "--init"], &["init-fds"]);
    assert!(
        text.contains("only 0, 1 and 2, and they cannot be followed: Permission denied"),
        "{text}"
    );
    env.assert_clean();
}

#[test]
fn signals_and_capabilities_start_clean() {
    let Some(env) = common::rooted("signals_and_capabilities_start_clean") else {
        return;
    };
    for stage in ["namespaces", "cgroups"] {
        let out = env.run(&[
            "--trace",
            "quiet",
            stage,
            "--",
            "grep",
            "-E",
            "^(SigBlk|SigIgn|CapInh|NoNewPrivs):",
            "/proc/self/status",
        ]);
        let text = String::from_utf8_lossy(&out.stdout).replace('\t', " ");
        assert_eq!(
            text,
            "SigBlk: 0000000000000000\nSigIgn: 0000000000000000\nCapInh: 0000000000000000\nNoNewPrivs: 1\n",
            "{stage}"
        );
    }
    // A write to a closed pipe kills the writer, as it should: yes(1) ends.
    let out = env.run(&[
        "--trace",
        "quiet",
        "namespaces",
        "--",
        "sh",
        "-c",
        "yes | head -n 1; echo done",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "y\ndone\n");
    env.assert_clean();
}

#[test]
fn ctrl_c_at_any_step_of_a_networked_start_leaves_nothing() {
    let Some(env) = common::rooted("ctrl_c_at_any_step_of_a_networked_start_leaves_nothing") else {
        return;
    };
    let out = env.run(&[
        "network",
        "create",
        "t-sigint",
        "--subnet",
        "10.147.231.0/24",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bridge = env.bridge("t-sigint");
    let mut codes = Vec::new();
    // Signals at many moments of the setup: the lease, the bridge, the
    // rules, clone, the veth, the exec.
    for delay_ms in (0..80).step_by(4) {
        // --init: after the setup, the signal reaches sleep as PID 2 (as
        // PID 1 it would ignore SIGINT, and run its 5 seconds).
        let mut cmd = env.cmd(&[
            "--trace",
            "quiet",
            "network",
            "--init",
            "--network",
            "t-sigint",
            "--",
            "sleep",
            "5",
        ]);
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        // As on a terminal, SIGINT is not ignored (a background job of a
        // script, as this test's runner may be, inherits it ignored).
        // SAFETY: signal(2) is async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::SIGINT,
        )
        .unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        // 130; or, before dockling even got to main and blocked the
        // signal, killed by it outright (then it had made nothing).
        use std::os::unix::process::ExitStatusExt;
        assert!(
            status.code() == Some(130) || status.signal() == Some(libc::SIGINT),
            "after {delay_ms} ms: {status:?} {err}"
        );
        codes.push(err.contains("before the container started"));
        env.assert_clean();
        let ports = common::bridge_ports(&bridge);
        assert!(ports.is_empty(), "a veth is left on {bridge}: {ports:?}");
        // The network's own rules stay with it; no container's may.
        let rules = common::container_rules(&bridge, "10.147.231.");
        assert!(rules.is_empty(), "rules left: {rules:#?}");
    }
    // Some interrupts landed in the setup (undone) and some in the command.
    assert!(
        codes.iter().any(|c| *c),
        "no signal arrived during the setup: {codes:?}"
    );
    assert!(
        codes.iter().any(|c| !*c),
        "no signal arrived after the setup: {codes:?}"
    );
}

#[test]
fn a_child_stuck_in_its_setup_cannot_make_dockling_deaf() {
    let Some(env) = common::rooted("a_child_stuck_in_its_setup_cannot_make_dockling_deaf") else {
        return;
    };
    // Stop the container's process before it execs (SIGSTOP, as a hung
    // mount would): dockling still hears Ctrl-C, kills it and undoes.
    let field = |p: u32, n: usize| {
        std::fs::read_to_string(format!("/proc/{p}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit(')')
                    .next()
                    .and_then(|r| r.split_whitespace().nth(n).map(String::from))
            })
    };
    let signal = |pid: u32, s| nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), s);
    let mut caught = 0;
    for _ in 0..20 {
        let mut child = env
            .cmd(&["--trace", "plain", "cgroups", "--", "sleep", "5"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let me = child.id();
        let kid = wait_for(10, || children(me).into_iter().next());
        // Once it leads its own session (its first step), stop it, and
        // wait until it has stopped: kill(2) returns before that.
        wait_for(5, || (field(kid, 3) == Some(kid.to_string())).then_some(()));
        signal(kid, nix::sys::signal::SIGSTOP).unwrap();
        wait_for(5, || (field(kid, 0).as_deref() == Some("T")).then_some(()));
        let still_dockling = std::fs::read_link(format!("/proc/{kid}/exe")).is_ok_and(|e| {
            // A dockling rebuilt meanwhile reads "…/dockling (deleted)".
            e.to_string_lossy()
                .trim_end_matches(" (deleted)")
                .ends_with("/dockling")
        });
        signal(me, nix::sys::signal::SIGINT).unwrap();
        if !still_dockling {
            // Too late: the command runs (stopped). A second Ctrl-C kills it
            // at once, as `docker stop` would after its grace time (sent
            // apart: two pending SIGINTs are one).
            std::thread::sleep(Duration::from_millis(300));
            signal(me, nix::sys::signal::SIGINT).unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "dockling did not answer Ctrl-C (container stopped {}exec): dockling {:?}, container {:?}",
                if still_dockling { "before " } else { "after " },
                field(me, 0),
                field(kid, 0)
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(!alive(kid));
        env.assert_clean();
        if still_dockling {
            assert_eq!(status.code(), Some(130));
            caught += 1;
            if caught == 2 {
                return;
            }
        } else {
            assert_eq!(status.code(), Some(137));
        }
    }
    // The window before exec is a few milliseconds; once is proof enough.
    assert!(
        caught > 0,
        "the container's process was never caught before exec"
    );
}

#[test]
fn cleanup_acts_only_on_what_the_run_could_have_made() {
    let Some(env) = common::rooted("cleanup_acts_only_on_what_the_run_could_have_made") else {
        return;
    };
    // A journal written by an attacker: a host directory, another cgroup,
    // a rule smuggling a second iptables line, a host process.
    let canary = tempfile::tempdir().unwrap();
    let slice = std::path::Path::new("/sys/fs/cgroup/memory/system.slice");
    let slice_was_there = slice.exists();
    let mut victim = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let start = std::fs::read_to_string(format!("/proc/{}/stat", victim.id())).unwrap();
    let start: u64 = start
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap();
    let pidns = std::fs::metadata("/proc/self/ns/pid")
        .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
        .unwrap();
    let id = "0123456789ab";
    let run = env.runs().join(id);
    std::fs::create_dir_all(&run).unwrap();
    let entries = [
        serde_json::json!({"kind": "dir", "path": run}),
        serde_json::json!({"kind": "dir", "path": canary.path()}),
        serde_json::json!({"kind": "cgroup", "path": "/sys/fs/cgroup/memory/system.slice"}),
        serde_json::json!({"kind": "process", "pid": victim.id(), "start_time": start, "pidns": pidns}),
        serde_json::json!({"kind": "lease", "path": env.root.join("run/networks/x/10.147.232.2"),
            "networks": env.root.join("run/networks"), "bridge": "dl-x", "subnet": "10.147.232.0/24",
            "ports": [{"table": "filter", "chain": "INPUT", "spec": "-j ACCEPT -m comment --comment dockling-forged"}],
            "link": format!("veth{}", &id[..11])}),
    ];
    let text: String = entries.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(run.join("journal"), text).unwrap();
    let out = env.run(&["--trace", "plain", "cleanup"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    for why in [
        "not this run's own directory",
        "system.slice",
        "not in the run's PID namespace",
        "not a rule dockling makes",
    ] {
        assert!(err.contains(why), "{why}: {err}");
    }
    assert!(canary.path().exists(), "cleanup deleted a host directory");
    assert_eq!(slice.exists(), slice_was_there);
    assert!(alive(victim.id()), "cleanup killed a host process");
    let rules = std::process::Command::new("iptables-save")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&rules.stdout).contains("dockling-forged"));
    // Refused entries stay, for a human to look at; the run stays listed.
    let kept = std::fs::read_to_string(run.join("journal")).unwrap();
    assert_eq!(kept.lines().count(), 5, "{kept}");
    victim.kill().unwrap();
    victim.wait().unwrap();
    std::fs::remove_dir_all(&run).unwrap();
}

#[test]
fn image_paths_stay_inside_the_root() {
    let Some(env) = common::rooted("image_paths_stay_inside_the_root") else {
        return;
    };
    // A layer whose /proc and /dev point at host paths that do not exist.
    let host = tempfile::tempdir().unwrap();
    let layer = env.root.join("evil-layer");
    std::fs::create_dir(&layer).unwrap();
    let target = host.path().join("made");
    std::fs::remove_dir_all(&layer).ok();
    std::fs::create_dir(&layer).unwrap();
    std::os::unix::fs::symlink(&target, layer.join("proc")).unwrap();
    std::os::unix::fs::symlink(host.path().join("dev"), layer.join("dev")).unwrap();
    let out = env.run(&[
        "--trace",
        "quiet",
        "overlay",
        "--layer",
        layer.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        "ls /proc/self/fd >/dev/null && echo ok",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    // The links are followed inside the root: the mounts happen there.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n", "{err}");
    assert!(
        !target.exists() && !host.path().join("dev").exists(),
        "dockling made a host path"
    );
    // A plain rootfs with such links is refused, and nothing is made in it.
    let plain = env.root.join("plain");
    std::fs::create_dir(&plain).unwrap();
    std::os::unix::fs::symlink(&target, plain.join("proc")).unwrap();
    std::fs::create_dir(plain.join("sys")).unwrap();
    std::fs::create_dir(plain.join("dev")).unwrap();
    let out = env.run(&[
        "--trace",
        "quiet",
        "namespaces",
        "--rootfs",
        plain.to_str().unwrap(),
        "--",
        "/bin/true",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(err.contains("has no directory /proc"), "{err}");
    assert!(!target.exists());
    let empty = env.root.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = env.run(&[
        "--trace",
        "quiet",
        "namespaces",
        "--rootfs",
        empty.to_str().unwrap(),
        "--",
        "/bin/true",
    ]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "the refused rootfs was written to"
    );
    env.assert_clean();
}
