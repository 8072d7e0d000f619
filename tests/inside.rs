//! Stage 7, inside a running container: `exec` and `top` (the cgroup
//! side of exec, `stats` and `pause` are in tests/cgroups.rs, which also
//! runs in the cgroup v2 guest). Each test has its own state root, cgroup
//! parent, names and subnet.

mod common;

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

use common::{Env, wait_for};

/// `exec -- ARGS` in `name`, quiet: (exit code, stdout, stderr).
fn exec(env: &Env, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["--trace", "quiet", "exec"];
    all.extend_from_slice(args);
    let out = env.run(&all);
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn pid1(env: &Env, name: &str) -> i32 {
    env.ok(&["inspect", "-f", "{{.State.Pid}}", name])
        .parse()
        .unwrap()
}

#[test]
fn exec_is_one_more_process_of_the_same_container() {
    let Some(env) = common::rooted("exec_is_one_more_process_of_the_same_container") else {
        return;
    };
    env.ok(&["network", "create", "t-exec", "--subnet", "10.147.199.0/24"]);
    env.ok(&[
        "--trace",
        "quiet",
        "network",
        "-d",
        "--name",
        "box",
        "--network",
        "t-exec",
        "--pids-limit",
        "50",
        "-e",
        "FROM_RUN=1",
        "--",
        "sh",
        "-c",
        "echo written by PID 1 > /marker; exec sleep 300",
    ]);
    let pid = pid1(&env, "box");
    wait_for(10, || {
        exec(&env, &["box", "cat", "/marker"])
            .1
            .contains("PID 1")
            .then_some(())
    });
    // Every namespace of PID 1, as the host sees them.
    for ns in ["pid", "mnt", "uts", "ipc", "net"] {
        let host = std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).unwrap();
        let (code, inside, err) = exec(&env, &["box", "readlink", &format!("/proc/self/ns/{ns}")]);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(
            inside,
            host.display().to_string(),
            "the {ns} namespace differs"
        );
        let own = std::fs::read_link(format!("/proc/self/ns/{ns}")).unwrap();
        assert_ne!(inside, own.display().to_string(), "{ns} is the host's");
    }
    // The same privileges as PID 1: capability sets, no_new_privs, seccomp.
    let privileges = |status: &str| -> Vec<String> {
        status
            .lines()
            .filter(|l| {
                l.starts_with("Cap") || l.starts_with("NoNewPrivs") || l.starts_with("Seccomp:")
            })
            .map(String::from)
            .collect()
    };
    let (_, mine, _) = exec(&env, &["box", "cat", "/proc/self/status"]);
    let first = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert_eq!(privileges(&mine), privileges(&first));
    assert!(mine.contains("Seccomp:\t2"), "{mine}");
    assert!(mine.contains("NoNewPrivs:\t1"), "{mine}");
    assert!(mine.contains("CapInh:\t0000000000000000"), "{mine}");
    // Same hostname and files; a pid of its own in the container's numbering.
    let hostname = env.ok(&["inspect", "-f", "{{.Config.Hostname}}", "box"]);
    assert_eq!(exec(&env, &["box", "hostname"]).1, hostname);
    assert_eq!(exec(&env, &["box", "cat", "/marker"]).1, "written by PID 1");
    let (_, own_pid, _) = exec(&env, &["box", "sh", "-c", "echo $$"]);
    assert!(own_pid.parse::<u32>().unwrap() > 1, "{own_pid}");
    // The container's network: its address, its default route.
    let ip = env.ok(&["inspect", "-f", "{{.NetworkSettings.IPAddress}}", "box"]);
    assert!(
        exec(&env, &["box", "ip", "addr"])
            .1
            .contains(&format!("inet {ip}/24"))
    );
    // Environment: the container's, HOSTNAME, then -e and --env-file.
    let file = env.root.join("exec.env");
    std::fs::write(&file, "FROM_FILE=2\nFROM_RUN=file\n").unwrap();
    let (_, vars, _) = exec(
        &env,
        &[
            "-e",
            "FROM_EXEC=3",
            "--env-file",
            file.to_str().unwrap(),
            "box",
            "env",
        ],
    );
    for want in [
        "FROM_RUN=file",
        "FROM_FILE=2",
        "FROM_EXEC=3",
        &format!("HOSTNAME={hostname}"),
    ] {
        assert!(vars.lines().any(|l| l == want), "{want} not in {vars}");
    }
    // -w and -u, names from the container's own /etc/passwd.
    assert_eq!(exec(&env, &["-w", "/etc", "box", "pwd"]).1, "/etc");
    assert_eq!(exec(&env, &["-u", "nobody", "box", "id", "-u"]).1, "65534");
    assert_eq!(
        exec(&env, &["-u", "1234:4321", "box", "id"]).1,
        "uid=1234 gid=4321 groups=4321"
    );
    let (code, _, err) = exec(&env, &["-u", "ghost", "box", "true"]);
    assert_eq!(code, Some(125));
    assert!(
        err.contains("\"ghost\" is not in the container's /etc/passwd"),
        "{err}"
    );
    let (code, _, err) = exec(&env, &["-w", "etc", "box", "true"]);
    assert_eq!(code, Some(125));
    assert!(err.contains("must be an absolute path"), "{err}");
    // Exit codes: the command's own, 127 for a missing one (docker's).
    assert_eq!(exec(&env, &["box", "sh", "-c", "exit 7"]).0, Some(7));
    let (code, _, err) = exec(&env, &["box", "no-such-command"]);
    assert_eq!(code, Some(127), "{err}");
    assert!(
        err.contains("command not found in the container: no-such-command"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "one line and a hint: {err}");
    // -d returns at once and leaves the process running in the container.
    let started = Instant::now();
    assert_eq!(exec(&env, &["-d", "box", "sleep", "250"]).0, Some(0));
    assert!(started.elapsed() < Duration::from_secs(3));
    let top = env.ok(&["top", "box"]);
    assert!(top.lines().any(|l| l.ends_with("sleep 250")), "{top}");
    // Stopped, unknown: docker's errors, exit 1.
    env.ok(&["--trace", "quiet", "stop", "-t", "0", "box"]);
    let (code, _, err) = exec(&env, &["box", "true"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("is not running"), "{err}");
    let (code, _, err) = exec(&env, &["nobody-here", "true"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("No such container: nobody-here"), "{err}");
    env.ok(&["rm", "box"]);
    env.ok(&["network", "rm", "t-exec"]);
    env.assert_clean();
}

#[test]
fn an_execd_process_cannot_get_out_either() {
    let Some(env) = common::rooted("an_execd_process_cannot_get_out_either") else {
        return;
    };
    env.ok(&[
        "--trace", "quiet", "cgroups", "-d", "--name", "jail", "--", "sleep", "300",
    ]);
    let attack = |probe: &[&str], fd9: bool| -> String {
        let mut args = vec!["--trace", "quiet", "exec", "jail", "breakout"];
        args.extend_from_slice(probe);
        let mut cmd = env.cmd(&args);
        if fd9 {
            // The caller leaves the host's / open as descriptor 9.
            let root = std::fs::File::open("/").unwrap();
            let raw = root.as_raw_fd();
            // SAFETY: dup2 in the child, before exec.
            unsafe {
                cmd.pre_exec(move || {
                    if libc::dup2(raw, 9) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            let out = cmd.output().unwrap();
            drop(root);
            return format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(0), "{probe:?}: {text}");
        text
    };
    for (probe, fd9) in [
        (&["fds"][..], true),
        (&["userns"][..], false),
        (&["keyring"][..], false),
        (&["syscalls"][..], false),
        (&["mknod", "c", "10", "232"][..], false),
        (&["tiocsti", "echo BREAKOUT\n"][..], false),
    ] {
        let text = attack(probe, fd9);
        assert!(
            text.contains(": blocked ("),
            "exec breakout {probe:?} got out: {text}"
        );
    }
    // The probes work through exec: in a container made without the
    // seccomp filter, the exec'd process makes a user namespace and reads
    // the host root's keyring.
    env.ok(&[
        "--trace",
        "quiet",
        "cgroups",
        "-d",
        "--name",
        "open",
        "--security-opt",
        "seccomp=unconfined",
        "--",
        "sleep",
        "300",
    ]);
    for probe in ["userns", "keyring"] {
        let out = env.run(&["--trace", "quiet", "exec", "open", "breakout", probe]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.code() == Some(1) && text.contains(": ESCAPED ("),
            "{probe} should get out of a container without seccomp: {text}"
        );
    }
    env.ok(&["rm", "-f", "jail", "open"]);
    env.assert_clean();
}

#[test]
fn top_lists_exactly_the_containers_processes_with_both_pids() {
    let Some(env) = common::rooted("top_lists_exactly_the_containers_processes_with_both_pids")
    else {
        return;
    };
    let id = env.ok(&[
        "--trace",
        "quiet",
        "cgroups",
        "-d",
        "--name",
        "family",
        "--",
        "sh",
        "-c",
        "sleep 300 & sleep 301 & wait",
    ]);
    env.ok(&["--trace", "quiet", "exec", "-d", "family", "sleep", "302"]);
    // What the kernel says: the cgroup's processes.
    let procs = || -> Vec<u32> {
        let leaf = env
            .cgroups()
            .iter()
            .flat_map(|p| std::fs::read_dir(p).unwrap().flatten().map(|e| e.path()))
            .find(|p| p.ends_with(&id[..12]) && p.join("pids.current").exists())
            .unwrap();
        let mut v: Vec<u32> = std::fs::read_to_string(leaf.join("cgroup.procs"))
            .unwrap()
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect();
        v.sort();
        v
    };
    let expected = wait_for(10, || {
        let p = procs();
        (p.len() == 4).then_some(p)
    });
    let text = env.ok(&["top", "family"]);
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap()
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        header,
        [
            "UID",
            "PID",
            "CONTAINER PID",
            "PPID",
            "C",
            "STIME",
            "TTY",
            "TIME",
            "CMD"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split_whitespace().collect()).collect();
    let pids: Vec<u32> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
    assert_eq!(pids, expected, "{text}");
    for r in &rows {
        // The container's numbering: the last NSpid of the host's status.
        let status = std::fs::read_to_string(format!("/proc/{}/status", r[1])).unwrap();
        let nspid = status
            .lines()
            .find_map(|l| l.strip_prefix("NSpid:"))
            .unwrap();
        assert_eq!(r[2], nspid.split_whitespace().last().unwrap(), "{text}");
        assert_ne!(r[1], r[2], "host and container pids are the same: {text}");
        assert_eq!(r[0], "root");
    }
    let cmds: Vec<String> = rows.iter().map(|r| r[8..].join(" ")).collect();
    assert_eq!(
        cmds,
        [
            "sh -c sleep 300 & sleep 301 & wait",
            "sleep 300",
            "sleep 301",
            "sleep 302"
        ],
        "{text}"
    );
    assert_eq!(rows[0][2], "1");
    // PPID: the two sleeps are children of PID 1, as the host numbers it.
    assert_eq!(rows[1][3], rows[0][1]);
    // With ps options, the host's ps, the container's rows only.
    let text = env.ok(&["top", "family", "-o", "pid,args"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["PID", "COMMAND"]
    );
    let shown: Vec<u32> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(shown, expected, "{text}");
    // A stage 2 container has no cgroup: its PID namespace tells.
    env.ok(&[
        "--trace",
        "quiet",
        "namespaces",
        "-d",
        "--name",
        "plain",
        "--",
        "sh",
        "-c",
        "sleep 303 & wait",
    ]);
    let text = wait_for(10, || {
        let t = env.ok(&["top", "plain"]);
        (t.lines().count() == 3).then_some(t)
    });
    assert!(
        text.contains("sleep 303") && !text.contains("sleep 302"),
        "{text}"
    );
    // top of a container that is not running: docker's error.
    env.ok(&["--trace", "quiet", "stop", "-t", "0", "plain"]);
    let out = env.run(&["top", "plain"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not running"));
    env.ok(&["rm", "-f", "family", "plain"]);
    env.assert_clean();
}

#[test]
fn exec_it_gets_a_terminal_of_its_own_and_passes_the_exit_code() {
    let Some(env) = common::rooted("exec_it_gets_a_terminal_of_its_own_and_passes_the_exit_code")
    else {
        return;
    };
    env.ok(&[
        "--trace",
        "quiet",
        "namespaces",
        "-d",
        "--name",
        "shell",
        "--",
        "sleep",
        "300",
    ]);
    let mut term = common::terminal::Terminal::spawn(
        env.cmd(&["--trace", "quiet", "exec", "-it", "shell", "sh"]),
        30,
        100,
    );
    term.expect("# ", 10);
    term.send(b"tty; echo pid=$$; stty size\r");
    term.expect("pid=", 10);
    term.expect("30 100", 10);
    assert!(term.screen.contains("/dev/pts/0"), "{}", term.screen);
    // Ctrl-C reaches the program in the container, not dockling.
    term.send(b"sleep 30\r");
    std::thread::sleep(Duration::from_millis(300));
    term.send(b"\x03");
    term.send(b"echo after=$?\r");
    term.expect("after=130", 10);
    term.send(b"exit 3\r");
    assert_eq!(term.wait(10).code(), Some(3));
    env.ok(&["rm", "-f", "shell"]);
    env.assert_clean();
}

#[test]
fn stats_redraws_in_place_on_a_terminal_until_ctrl_c() {
    let Some(env) = common::rooted("stats_redraws_in_place_on_a_terminal_until_ctrl_c") else {
        return;
    };
    env.ok(&[
        "--trace", "quiet", "cgroups", "-d", "--name", "watched", "--", "sleep", "300",
    ]);
    let mut term = common::terminal::Terminal::spawn(env.cmd(&["stats"]), 24, 120);
    // Each reading goes home and clears the screen, then draws the table.
    for _ in 0..3 {
        term.expect("\x1b[H\x1b[2JCONTAINER ID", 10);
        term.expect(" watched ", 10);
    }
    term.send(b"\x03");
    let status = term.wait(10);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    // Not on a terminal: one reading, no escape sequences.
    let text = env.ok(&["stats"]);
    assert!(
        !text.contains('\x1b') && text.lines().count() == 2,
        "{text}"
    );
    env.ok(&["rm", "-f", "watched"]);
    env.assert_clean();
}
