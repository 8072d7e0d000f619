//! Stage 7: containers with a life of their own, run as subprocesses
//! against a private state root, as a student (or an attacker on the
//! bookkeeping: SIGKILLs in the middle) would use them.

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::terminal::Terminal;
use common::{Env, alive, wait_for};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `dockling ARGS` must succeed: its stdout.
fn ok(env: &Env, args: &[&str]) -> String {
    let o = env.run(args);
    assert!(o.status.success(), "dockling {args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn inspect(env: &Env, name: &str, template: &str) -> String {
    ok(env, &["inspect", "-f", template, name])
        .trim()
        .to_string()
}

/// The processes running `dockling … __monitor`.
fn monitors(env: &Env) -> Vec<u32> {
    let root = env.root.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            let cmd = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd);
            cmd.contains("__monitor") && cmd.contains(&root)
        })
        .collect()
}

/// Everything of stage 7 is gone: containers, monitors, their run state.
fn assert_no_containers(env: &Env) {
    assert!(
        monitors(env).is_empty(),
        "monitors left: {:?}",
        monitors(env)
    );
    let left: Vec<_> = std::fs::read_dir(env.root.join("containers"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "lock")
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "container directories left: {left:?}");
    let run: Vec<_> = std::fs::read_dir(env.root.join("run/containers"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(run.is_empty(), "monitor state left: {run:?}");
    env.assert_clean();
}

/// `dockling ARGS` must fail with `code`: what it printed.
fn fails(env: &Env, args: &[&str], code: i32) -> String {
    let o = env.run(args);
    assert_eq!(
        o.status.code(),
        Some(code),
        "dockling {args:?}: {}",
        text(&o)
    );
    text(&o)
}

/// Nothing of the runs on network `name` (addresses `prefix`) is left:
/// no veth on its bridge, no container's rule naming it or its addresses
/// (the network's own rules stay with the network).
fn assert_net_clean(env: &Env, name: &str, prefix: &str) {
    let bridge = env.bridge(name);
    let ports = common::bridge_ports(&bridge);
    assert!(ports.is_empty(), "veths left on {bridge}: {ports:?}");
    let left = common::container_rules(&bridge, prefix);
    assert!(left.is_empty(), "iptables rules left behind: {left:#?}");
}

/// `ps` tells the truth: a container it calls running has a live PID 1
/// and a monitor; one it does not has neither; no monitor looks after a
/// container `ps` does not list as running.
fn assert_ps_truthful(env: &Env) {
    let ids = ok(env, &["ps", "-aq", "--no-trunc"]);
    let mut running = 0;
    for id in ids.split_whitespace() {
        let state = inspect(
            env,
            id,
            "{{.State.Status}} {{.State.Pid}} {{.State.Running}}",
        );
        let v: Vec<&str> = state.split(' ').collect();
        let pid: u32 = v[1].parse().unwrap();
        if v[2] == "true" {
            running += 1;
            assert!(
                pid > 0 && alive(pid),
                "{id} is called running but {pid} is gone: {state}"
            );
        } else {
            assert!(
                pid == 0 || !alive(pid),
                "{id} is called {} but {pid} lives",
                v[0]
            );
        }
        let listed = ok(
            env,
            &["ps", "-q", "--no-trunc", "--filter", &format!("id={id}")],
        );
        assert_eq!(
            listed.trim() == id,
            v[2] == "true",
            "ps and inspect disagree on {id}"
        );
    }
    assert_eq!(
        monitors(env).len(),
        running,
        "monitors: {:?}",
        monitors(env)
    );
}

/// A container's PID 1, once it runs.
fn pid_of(env: &Env, name: &str) -> u32 {
    wait_for(10, || {
        let p: u32 = inspect(env, name, "{{.State.Pid}}").parse().unwrap();
        (p > 0).then_some(p)
    })
}

/// Wait until the container has ended and nothing looks after it.
fn wait_exited(env: &Env, name: &str, secs: u64) -> String {
    wait_for(secs, || {
        let s = inspect(env, name, "{{.State.Status}} {{.State.ExitCode}}");
        (s.starts_with("exited") && monitors(env).is_empty()).then_some(s)
    })
}

fn kill9(pid: u32) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
}

#[test]
fn fifty_detached_networked_containers_are_listed_stopped_together_and_removed_without_a_trace() {
    let Some(env) = common::rooted(
        "fifty_detached_networked_containers_are_listed_stopped_together_and_removed_without_a_trace",
    ) else {
        return;
    };
    ok(
        &env,
        &[
            "network",
            "create",
            "t-life50",
            "--subnet",
            "10.147.241.0/24",
        ],
    );
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..5)
            .map(|t| {
                let env = &env;
                s.spawn(move || {
                    (0..10)
                        .map(|i| {
                            let name = format!("c{}", t * 10 + i);
                            ok(
                                env,
                                &[
                                    "--trace",
                                    "quiet",
                                    "network",
                                    "-d",
                                    "--name",
                                    &name,
                                    "--network",
                                    "t-life50",
                                    "--memory",
                                    "32m",
                                    "--",
                                    "sleep",
                                    "300",
                                ],
                            )
                            .trim()
                            .to_string()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 50, "{ids:?}");
    assert!(
        ids.iter()
            .all(|i| i.len() == 64 && i.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    let listed = ok(&env, &["ps", "-q"]);
    assert_eq!(listed.lines().count(), 50, "{listed}");
    let mut names: Vec<String> = ok(&env, &["ps", "--format", "{{.Names}} {{.State}}"])
        .lines()
        .map(str::to_string)
        .collect();
    names.sort();
    let mut want: Vec<String> = (0..50).map(|i| format!("c{i} running")).collect();
    want.sort();
    assert_eq!(names, want);
    let mut ips: Vec<String> = (0..50)
        .map(|i| inspect(&env, &format!("c{i}"), "{{.NetworkSettings.IPAddress}}"))
        .collect();
    assert!(
        ips.iter().all(|ip| ip.starts_with("10.147.241.")),
        "{ips:?}"
    );
    ips.sort();
    ips.dedup();
    assert_eq!(ips.len(), 50, "addresses shared");
    assert_eq!(monitors(&env).len(), 50);
    assert_ps_truthful(&env);

    // `sleep` as PID 1 ignores SIGTERM: every one needs the SIGKILL after
    // its second. Stopped together, that is one second, not fifty.
    let all: Vec<String> = (0..50).map(|i| format!("c{i}")).collect();
    let mut args = vec!["--trace", "quiet", "stop", "-t", "1"];
    args.extend(all.iter().map(String::as_str));
    let t = Instant::now();
    let out = ok(&env, &args);
    let took = t.elapsed();
    assert!(took < Duration::from_secs(12), "stop of 50 took {took:?}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        all,
        "stop prints each name"
    );
    let states = ok(&env, &["ps", "-a", "--format", "{{.Status}}"]);
    assert_eq!(states.lines().count(), 50);
    assert!(
        states.lines().all(|l| l.starts_with("Exited (137) ")),
        "{states}"
    );
    assert!(ok(&env, &["ps", "-q"]).is_empty());
    assert_ps_truthful(&env);
    assert_net_clean(&env, "t-life50", "10.147.241.");

    let mut args = vec!["rm"];
    args.extend(all.iter().map(String::as_str));
    ok(&env, &args);
    assert!(ok(&env, &["ps", "-aq"]).is_empty());
    assert_no_containers(&env);
    assert_net_clean(&env, "t-life50", "10.147.241.");
    ok(&env, &["network", "rm", "t-life50"]);
}

#[test]
fn sigkill_of_a_monitor_a_container_or_a_client_leaves_ps_truthful_and_nothing_behind() {
    let Some(env) = common::rooted(
        "sigkill_of_a_monitor_a_container_or_a_client_leaves_ps_truthful_and_nothing_behind",
    ) else {
        return;
    };
    ok(
        &env,
        &[
            "network",
            "create",
            "t-lifek",
            "--subnet",
            "10.147.242.0/24",
        ],
    );
    let net = ["--network", "t-lifek", "--memory", "32m"];
    let mut args = vec!["--trace", "quiet", "network", "-d", "--name", "k1"];
    args.extend(net);
    args.extend(["--", "sleep", "300"]);
    ok(&env, &args);

    // 1. The monitor is SIGKILLed: the container dies with it (its
    // parent-death signal), and ps says so.
    let pid = pid_of(&env, "k1");
    let m = monitors(&env);
    assert_eq!(m.len(), 1);
    kill9(m[0]);
    wait_for(10, || (!alive(pid)).then_some(()));
    let status = ok(&env, &["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    assert!(status.starts_with("k1 Exited (137) "), "{status}");
    assert!(inspect(&env, "k1", "{{.State.Error}}").contains("monitor ended"));
    assert_ps_truthful(&env);
    // `cleanup` undoes what the run left: veth, rules, cgroup, mounts.
    ok(&env, &["--trace", "quiet", "cleanup"]);
    assert_net_clean(&env, "t-lifek", "10.147.242.");
    env.assert_clean();

    // 2. It starts again; then its PID 1 is SIGKILLed from the host.
    ok(&env, &["--trace", "quiet", "start", "k1"]);
    let pid = pid_of(&env, "k1");
    assert!(alive(pid));
    assert_ps_truthful(&env);
    kill9(pid);
    assert_eq!(wait_exited(&env, "k1", 10), "exited 137");
    assert_ps_truthful(&env);
    assert_net_clean(&env, "t-lifek", "10.147.242.");
    env.assert_clean();

    // 3. Clients killed at any moment of start, stop and rm.
    for delay in [0u64, 3, 10, 30, 60, 120, 250] {
        for verb in [
            &["start", "k1"][..],
            &["stop", "-t", "1", "k1"],
            &["rm", "-f", "k1"],
        ] {
            if verb[0] == "start" && ok(&env, &["ps", "-aq"]).is_empty() {
                let mut args = vec!["--trace", "quiet", "network", "-d", "--name", "k1"];
                args.extend(net);
                args.extend(["--", "sleep", "300"]);
                ok(&env, &args);
            }
            let mut args = vec!["--trace", "quiet"];
            args.extend_from_slice(verb);
            let mut client = env
                .cmd(&args)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay));
            let _ = client.kill();
            let _ = client.wait();
            // A killed client may leave a monitor starting or stopping
            // a moment longer; then ps must tell the truth.
            std::thread::sleep(Duration::from_millis(300));
            assert_ps_truthful(&env);
        }
    }
    // Whatever state that left, rm -f and cleanup end it all.
    for id in ok(&env, &["ps", "-aq", "--no-trunc"]).split_whitespace() {
        ok(&env, &["rm", "-f", id]);
    }
    ok(&env, &["--trace", "quiet", "cleanup"]);
    assert_no_containers(&env);
    assert_net_clean(&env, "t-lifek", "10.147.242.");
    ok(&env, &["network", "rm", "t-lifek"]);
}

#[test]
fn restart_policies_on_failure_counts_and_always_comes_back_after_a_kill_not_a_stop() {
    let Some(env) = common::rooted(
        "restart_policies_on_failure_counts_and_always_comes_back_after_a_kill_not_a_stop",
    ) else {
        return;
    };
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-d",
            "--name",
            "flaky",
            "--restart",
            "on-failure:2",
            "--",
            "sh",
            "-c",
            "echo run; exit 3",
        ],
    );
    assert_eq!(wait_exited(&env, "flaky", 20), "exited 3");
    let logs = ok(&env, &["logs", "flaky"]);
    assert_eq!(logs, "run\nrun\nrun\n", "one first run and two restarts");
    assert_eq!(inspect(&env, "flaky", "{{.RestartCount}}"), "2");
    let status = ok(&env, &["ps", "-a", "--format", "{{.Status}}"]);
    assert!(status.starts_with("Exited (3) "), "{status}");
    // Exit 0 is not a failure: no restart.
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-d",
            "--name",
            "fine",
            "--restart",
            "on-failure:5",
            "--",
            "sh",
            "-c",
            "echo once",
        ],
    );
    assert_eq!(wait_exited(&env, "fine", 10), "exited 0");
    assert_eq!(ok(&env, &["logs", "fine"]), "once\n");

    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-d",
            "--name",
            "always",
            "--restart",
            "always",
            "--",
            "sleep",
            "300",
        ],
    );
    let first = pid_of(&env, "always");
    kill9(first);
    let second = wait_for(10, || {
        let p: u32 = inspect(&env, "always", "{{.State.Pid}}").parse().unwrap();
        (p > 0 && p != first && alive(p)).then_some(p)
    });
    assert_eq!(inspect(&env, "always", "{{.RestartCount}}"), "1");
    assert_eq!(inspect(&env, "always", "{{.State.Status}}"), "running");
    ok(&env, &["--trace", "quiet", "stop", "-t", "1", "always"]);
    assert!(!alive(second));
    // Stopped by the user: it stays stopped.
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        inspect(&env, "always", "{{.State.Status}} {{.State.ExitCode}}"),
        "exited 137"
    );
    assert!(monitors(&env).is_empty());
    assert_ps_truthful(&env);
    ok(&env, &["rm", "flaky", "fine", "always"]);
    assert_no_containers(&env);
}

#[test]
fn logs_keep_stdout_and_stderr_apart_tail_and_follow_until_the_end() {
    let Some(env) =
        common::rooted("logs_keep_stdout_and_stderr_apart_tail_and_follow_until_the_end")
    else {
        return;
    };
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-d",
            "--name",
            "chatty",
            "--",
            "sh",
            "-c",
            "i=1; while [ $i -le 100 ]; do echo line$i; i=$((i+1)); done; echo oops >&2",
        ],
    );
    wait_exited(&env, "chatty", 10);
    let all = env.run(&["logs", "chatty"]);
    let out = String::from_utf8_lossy(&all.stdout);
    assert_eq!(out.lines().count(), 100);
    assert!(out.starts_with("line1\nline2\n") && out.ends_with("line100\n"));
    assert_eq!(String::from_utf8_lossy(&all.stderr), "oops\n");
    let tail = env.run(&["logs", "--tail", "5", "chatty"]);
    assert_eq!(
        String::from_utf8_lossy(&tail.stdout),
        "line97\nline98\nline99\nline100\n"
    );
    assert_eq!(String::from_utf8_lossy(&tail.stderr), "oops\n");
    let stamped = ok(&env, &["logs", "-t", "-n", "2", "chatty"]);
    assert!(
        regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line100\n$")
            .unwrap()
            .is_match(&stamped),
        "{stamped:?}"
    );
    fails(&env, &["logs", "--tail", "many", "chatty"], 125);

    // -f follows a running container and ends when it does.
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-d",
            "--name",
            "slow",
            "--",
            "sh",
            "-c",
            "echo first; sleep 1; echo last",
        ],
    );
    let t = Instant::now();
    let followed = ok(&env, &["logs", "-f", "slow"]);
    assert_eq!(followed, "first\nlast\n");
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "logs -f did not end with the container"
    );
    ok(&env, &["rm", "chatty", "slow"]);
    assert_no_containers(&env);
}

#[test]
fn an_interactive_shell_gets_the_window_size_and_ctrl_c_reaches_the_container() {
    let Some(env) = common::rooted(
        "an_interactive_shell_gets_the_window_size_and_ctrl_c_reaches_the_container",
    ) else {
        return;
    };
    let cmd = env.cmd(&[
        "--trace", "quiet", "cgroups", "-it", "--name", "tty1", "--", "sh",
    ]);
    let mut term = Terminal::spawn(cmd, 30, 100);
    term.expect("/ # ", 10);
    term.send(b"stty size\n");
    term.expect("30 100", 5);
    term.expect("/ # ", 5);
    term.resize(41, 123);
    std::thread::sleep(Duration::from_millis(200));
    term.send(b"stty size\n");
    term.expect("41 123", 5);
    term.expect("/ # ", 5);
    // Ctrl-C goes through the raw terminal to the container's own, whose
    // line discipline makes it SIGINT for the foreground job: the sleep.
    term.send(b"sleep 100\n");
    std::thread::sleep(Duration::from_millis(300));
    term.send(b"\x03");
    term.expect("/ # ", 5);
    term.send(b"echo rc=$?\n");
    term.expect("rc=130", 5);
    term.send(b"exit 7\n");
    let status = term.wait(10);
    assert_eq!(status.code(), Some(7), "{}", term.screen);
    let status = ok(&env, &["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    assert!(status.starts_with("tty1 Exited (7) "), "{status}");
    ok(&env, &["rm", "tty1"]);
    assert_no_containers(&env);
}

#[test]
fn attach_to_a_detached_terminal_and_detach_with_ctrl_p_ctrl_q() {
    let Some(env) = common::rooted("attach_to_a_detached_terminal_and_detach_with_ctrl_p_ctrl_q")
    else {
        return;
    };
    ok(
        &env,
        &[
            "--trace", "quiet", "cgroups", "-dit", "--name", "att1", "--", "sh",
        ],
    );
    let mut term = Terminal::spawn(env.cmd(&["attach", "att1"]), 24, 80);
    std::thread::sleep(Duration::from_millis(300));
    term.send(b"echo hello-$((6*7))\n");
    term.expect("hello-42", 10);
    term.send(b"\x10\x11");
    let status = term.wait(10);
    assert_eq!(status.code(), Some(0), "{}", term.screen);
    assert!(
        term.screen.contains("read escape sequence"),
        "{}",
        term.screen
    );
    assert_eq!(inspect(&env, "att1", "{{.State.Status}}"), "running");
    // What it printed while attached is in its log too.
    assert!(ok(&env, &["logs", "att1"]).contains("hello-42"));
    // Attached again, the shell's exit code is attach's.
    let mut term = Terminal::spawn(env.cmd(&["attach", "att1"]), 24, 80);
    std::thread::sleep(Duration::from_millis(300));
    term.send(b"exit 4\n");
    let status = term.wait(10);
    assert_eq!(status.code(), Some(4), "{}", term.screen);
    assert_eq!(wait_exited(&env, "att1", 10), "exited 4");
    let said = fails(&env, &["attach", "att1"], 1);
    assert!(
        said.contains("you cannot attach to a stopped container, start it first"),
        "{said}"
    );
    ok(&env, &["rm", "att1"]);
    assert_no_containers(&env);
}

#[test]
fn mistakes_get_dockers_answers_and_exit_codes() {
    let Some(env) = common::rooted("mistakes_get_dockers_answers_and_exit_codes") else {
        return;
    };
    ok(
        &env,
        &[
            "--trace", "quiet", "cgroups", "-d", "--name", "busy", "--", "sleep", "300",
        ],
    );
    let said = fails(&env, &["rm", "busy"], 1);
    assert!(
        said.contains("container is running: stop the container before removing or force remove"),
        "{said}"
    );
    assert_eq!(inspect(&env, "busy", "{{.State.Status}}"), "running");
    let said = fails(&env, &["stop", "nope"], 1);
    assert!(said.contains("No such container: nope"), "{said}");
    // One good, one bad: the good one is still done, exit 1.
    let o = env.run(&["--trace", "quiet", "kill", "-s", "TERM", "nope", "busy"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "busy\n");
    fails(&env, &["kill", "-s", "SIGNOPE", "busy"], 125);
    let said = fails(
        &env,
        &[
            "--trace", "quiet", "cgroups", "-d", "--name", "busy", "--", "true",
        ],
        125,
    );
    assert!(said.contains("\"/busy\" is already in use"), "{said}");
    let said = fails(
        &env,
        &["--trace", "quiet", "cgroups", "--name", "x", "--", "true"],
        125,
    );
    assert!(said.contains("--name"), "{said}");
    fails(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "--restart",
            "sometimes",
            "--",
            "true",
        ],
        125,
    );
    fails(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-d",
            "--rm",
            "--restart",
            "always",
            "--",
            "true",
        ],
        125,
    );
    ok(&env, &["rm", "-f", "busy"]);
    // Every error above was one line (and a hint).
    // Seventeen containers: two of them share a first hex digit.
    let ids: Vec<String> = (0..17)
        .map(|_| {
            ok(
                &env,
                &["--trace", "quiet", "namespaces", "-d", "--", "true"],
            )
            .trim()
            .to_string()
        })
        .collect();
    let prefix = ids
        .iter()
        .find_map(|a| {
            let p = &a[..1];
            (ids.iter().filter(|b| b.starts_with(p)).count() > 1).then(|| p.to_string())
        })
        .unwrap();
    let said = fails(&env, &["inspect", &prefix], 125);
    assert!(
        said.contains(&format!(
            "multiple IDs found with provided prefix: {prefix} ("
        )),
        "{said}"
    );
    for id in ids.iter().filter(|i| i.starts_with(&prefix)) {
        assert!(said.contains(&id[..12]), "{id} not listed: {said}");
    }
    let errors: Vec<&str> = said.lines().filter(|l| *l != "[]").collect();
    assert_eq!(errors.len(), 2, "one line and a hint: {said}");
    // A unique prefix is enough.
    let unique = ids
        .iter()
        .find(|a| ids.iter().filter(|b| b.starts_with(&a[..6])).count() == 1)
        .unwrap();
    assert_eq!(inspect(&env, &unique[..6], "{{.Id}}"), *unique);
    ok(&env, &["container", "prune", "-f"]);
    assert_no_containers(&env);
}

#[test]
fn files_survive_stop_and_start_and_a_simulated_reboot() {
    let Some(env) = common::rooted("files_survive_stop_and_start_and_a_simulated_reboot") else {
        return;
    };
    // Each run prints what earlier runs left in /data, then adds a line.
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "overlay",
            "-d",
            "--name",
            "keeper",
            "--",
            "sh",
            "-c",
            "echo runs-before=$(cat /data 2>/dev/null | wc -l); echo x >> /data; sleep 300",
        ],
    );
    wait_for(10, || {
        ok(&env, &["logs", "keeper"])
            .contains("runs-before=0")
            .then_some(())
    });
    ok(&env, &["--trace", "quiet", "stop", "-t", "1", "keeper"]);
    ok(&env, &["--trace", "quiet", "start", "keeper"]);
    wait_for(10, || {
        ok(&env, &["logs", "keeper"])
            .contains("runs-before=1")
            .then_some(())
    });
    ok(&env, &["--trace", "quiet", "restart", "-t", "1", "keeper"]);
    wait_for(10, || {
        ok(&env, &["logs", "keeper"])
            .contains("runs-before=2")
            .then_some(())
    });
    // The rootfs under the container's layer is untouched.
    assert!(!env.rootfs().join("data").exists());

    // A reboot: the monitor and the container die, and /run (a tmpfs)
    // with their locks and journals is gone. (What the kernel held —
    // mounts, cgroup — a reboot removes; here `cleanup` does.)
    let pid = pid_of(&env, "keeper");
    kill9(monitors(&env)[0]);
    wait_for(10, || (!alive(pid)).then_some(()));
    ok(&env, &["--trace", "quiet", "cleanup"]);
    std::fs::remove_dir_all(env.root.join("run")).unwrap();
    let status = ok(&env, &["ps", "-a", "--format", "{{.Names}} {{.State}}"]);
    assert_eq!(status, "keeper exited\n");
    ok(&env, &["--trace", "quiet", "start", "keeper"]);
    wait_for(10, || {
        ok(&env, &["logs", "keeper"])
            .contains("runs-before=3")
            .then_some(())
    });
    assert_ps_truthful(&env);
    ok(&env, &["rm", "-f", "keeper"]);
    assert_no_containers(&env);
}

#[test]
fn the_notes_commands_create_start_wait_rename_port_ls_filters_and_inspect() {
    let Some(env) =
        common::rooted("the_notes_commands_create_start_wait_rename_port_ls_filters_and_inspect")
    else {
        return;
    };
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "network",
            "-d",
            "--name",
            "web1",
            "-p",
            "127.0.0.1:18957:80",
            "--label",
            "tier=front",
            "--memory",
            "48m",
            "--",
            "sleep",
            "300",
        ],
    );
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-d",
            "--name",
            "oneshot",
            "--",
            "sh",
            "-c",
            "echo done; exit 5",
        ],
    );
    assert_eq!(ok(&env, &["wait", "oneshot"]), "5\n");
    // ls is ps; the notes' filters.
    let names = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["container", "ls", "--format", "{{.Names}}"];
        a.extend_from_slice(args);
        ok(&env, &a).lines().map(str::to_string).collect()
    };
    assert_eq!(names(&[]), ["web1"]);
    assert_eq!(names(&["-a"]), ["oneshot", "web1"]);
    assert_eq!(names(&["-f", "status=exited"]), ["oneshot"]);
    assert_eq!(names(&["-a", "-f", "exited=5"]), ["oneshot"]);
    assert_eq!(names(&["-f", "label=tier=front"]), ["web1"]);
    assert_eq!(names(&["-a", "-f", "name=one"]), ["oneshot"]);
    assert_eq!(names(&["-l"]), ["oneshot"]);
    assert_eq!(names(&["-n", "2"]), ["oneshot", "web1"]);
    fails(&env, &["ps", "-f", "status=sleepy"], 125);
    fails(&env, &["ps", "-f", "colour=red"], 125);
    let table = ok(&env, &["ps", "-a", "-s"]);
    let header = table.lines().next().unwrap();
    for col in [
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
        "SIZE",
    ] {
        assert!(header.contains(col), "{header}");
    }
    assert!(table.contains("127.0.0.1:18957->80/tcp"), "{table}");
    assert!(table.contains("\"sleep 300\""), "{table}");
    assert!(table.contains("Exited (5) "), "{table}");
    assert!(table.contains("Up "), "{table}");
    assert_eq!(ok(&env, &["port", "web1"]), "80/tcp -> 127.0.0.1:18957\n");

    // inspect: docker's keys.
    let v: serde_json::Value =
        serde_json::from_str(&ok(&env, &["container", "inspect", "web1"])).unwrap();
    let c = &v[0];
    assert_eq!(c["Id"].as_str().unwrap().len(), 64);
    assert_eq!(c["Name"], "/web1");
    assert_eq!(c["State"]["Status"], "running");
    assert_eq!(c["State"]["Running"], true);
    assert!(c["State"]["Pid"].as_i64().unwrap() > 0);
    assert_eq!(c["HostConfig"]["Memory"], 48 << 20);
    assert_eq!(c["HostConfig"]["RestartPolicy"]["Name"], "no");
    assert_eq!(
        c["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"],
        "18957"
    );
    assert_eq!(c["Config"]["Cmd"], serde_json::json!(["sleep", "300"]));
    assert_eq!(c["Config"]["Labels"]["tier"], "front");
    assert!(
        c["NetworkSettings"]["IPAddress"]
            .as_str()
            .unwrap()
            .starts_with("10.")
    );
    for key in ["Created", "Mounts", "LogPath"] {
        assert!(!c[key].is_null(), "no {key}");
    }
    for key in [
        "Paused",
        "Restarting",
        "OOMKilled",
        "ExitCode",
        "StartedAt",
        "FinishedAt",
    ] {
        assert!(!c["State"][key].is_null(), "no State.{key}");
    }
    fails(&env, &["inspect", "-f", "{{.State.Nope}}", "web1"], 125);

    // rename; the old name is free again.
    ok(&env, &["rename", "oneshot", "twoshot"]);
    fails(&env, &["inspect", "oneshot"], 1);
    let said = fails(&env, &["rename", "twoshot", "web1"], 1);
    assert!(said.contains("already in use"), "{said}");
    // start -a: the output and the exit code, as docker start -a.
    let o = env.run(&["--trace", "quiet", "start", "-a", "twoshot"]);
    assert_eq!(o.status.code(), Some(5));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "done\n");
    // create from an image: made, not started; then start.
    let _registry =
        dockling::image::local_registry::start(&dockling::paths::Paths::new(Some(&env.root)))
            .unwrap();
    let image = format!(
        "{}/{}",
        dockling::image::local_registry::ADDR,
        dockling::image::local_registry::REPOSITORY
    );
    ok(&env, &["--trace", "quiet", "pull", &image]);
    let id = ok(
        &env,
        &[
            "--trace",
            "quiet",
            "container",
            "create",
            "--name",
            "later",
            &image,
        ],
    );
    assert_eq!(id.trim().len(), 64);
    assert_eq!(inspect(&env, "later", "{{.State.Status}}"), "created");
    let status = ok(
        &env,
        &["ps", "-a", "-f", "name=later", "--format", "{{.Status}}"],
    );
    assert_eq!(status, "Created\n");
    assert_eq!(
        names(&["-a", "-f", &format!("ancestor={image}")]),
        ["later"]
    );
    ok(&env, &["--trace", "quiet", "container", "start", "later"]);
    assert_eq!(ok(&env, &["container", "wait", "later"]), "0\n");
    assert_eq!(
        ok(&env, &["container", "logs", "later"]),
        format!("{}\n", dockling::image::local_registry::GREETING)
    );
    // The image is in use: rmi refuses, as docker.
    let said = fails(&env, &["rmi", &image], 1);
    assert!(
        said.contains(&format!(
            "(must force) - container {} is using its referenced image",
            &id.trim()[..12]
        )),
        "{said}"
    );
    // prune removes the stopped ones only.
    let pruned = ok(&env, &["container", "prune", "-f"]);
    assert!(pruned.starts_with("Deleted Containers:\n"), "{pruned}");
    assert_eq!(
        pruned.lines().filter(|l| l.len() == 64).count(),
        2,
        "{pruned}"
    );
    assert_eq!(names(&["-a"]), ["web1"]);
    ok(&env, &["rm", "-f", "web1"]);
    ok(&env, &["rmi", &image]);
    assert_no_containers(&env);
}

/// `sh -c SCRIPT` as the host's `nobody`: whether it succeeded.
fn as_nobody(script: &str) -> bool {
    std::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "sh",
            "-c",
            script,
        ])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .success()
}

#[test]
fn other_users_cannot_read_a_container_or_reach_its_terminal_and_its_output_cannot_forge_the_log() {
    let Some(env) = common::rooted(
        "other_users_cannot_read_a_container_or_reach_its_terminal_and_its_output_cannot_forge_the_log",
    ) else {
        return;
    };
    // The test root is 0700 by itself; open it as /var/lib/dockling is, so
    // only dockling's own modes stand between nobody and the files.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&env.root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let id = ok(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-dit",
            "--name",
            "secret",
            "-e",
            "PASSWORD=hunter2",
            "--",
            "sh",
        ],
    )
    .trim()
    .to_string();
    let dir = env.root.join("containers").join(&id);
    let socket = env
        .root
        .join("run/containers")
        .join(&id[..12])
        .join("attach.sock");
    assert!(socket.exists());
    assert!(as_nobody(&format!(
        "test -d {}",
        env.root.join("containers").display()
    )));
    for path in [dir.join("config.json"), dir.join(format!("{id}-json.log"))] {
        assert!(std::fs::read_to_string(&path).is_ok());
        assert!(
            !as_nobody(&format!("cat {}", path.display())),
            "nobody reads {path:?}"
        );
    }
    assert!(
        !as_nobody(&format!("test -e {}", socket.display())),
        "nobody reaches the attach socket"
    );
    ok(&env, &["rm", "-f", "secret"]);

    // What a container prints is data: a line that looks like a log entry,
    // bytes that are not UTF-8 (replaced, as docker's json-file does), a
    // last line without a newline.
    let forged = r#"{"log":"forged\n","stream":"stderr","time":"2020-01-01T00:00:00Z"}"#;
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-d",
            "--name",
            "forger",
            "--",
            "sh",
            "-c",
            &format!("echo '{forged}'; printf '\\377 bad\\n'; printf 'no newline'"),
        ],
    );
    assert_eq!(ok(&env, &["wait", "forger"]), "0\n");
    let o = env.run(&["logs", "forger"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("{forged}\n\u{fffd} bad\nno newline")
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let id = inspect(&env, "forger", "{{.Id}}");
    let raw = std::fs::read_to_string(
        env.root
            .join("containers")
            .join(&id)
            .join(format!("{id}-json.log")),
    )
    .unwrap();
    assert_eq!(raw.lines().count(), 3, "{raw}");
    for line in raw.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["stream"], "stdout", "{line}");
        assert_eq!(v.as_object().unwrap().len(), 3, "{line}");
    }

    // A flood of output is capped: 30 MiB becomes at most three files of
    // about 10 MiB, and the newest lines are kept.
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-d",
            "--name",
            "flood",
            "--",
            "sh",
            "-c",
            "head -c 31457280 /dev/zero | tr '\\0' x | fold -w 1023; echo; echo last",
        ],
    );
    assert_eq!(ok(&env, &["wait", "flood"]), "0\n");
    let id = inspect(&env, "flood", "{{.Id}}");
    let files: Vec<(String, u64)> = std::fs::read_dir(env.root.join("containers").join(&id))
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().len(),
            )
        })
        .filter(|(n, _)| n.contains("-json.log"))
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    for (name, size) in &files {
        assert!(*size <= 10 * 1024 * 1024 + 4096, "{name}: {size}");
    }
    assert_eq!(ok(&env, &["logs", "--tail", "1", "flood"]), "last\n");
    // A failed start is an answer for `wait` too: 127, at once.
    fails(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "--name",
            "nocmd",
            "-d",
            "--",
            "no-such-command",
        ],
        127,
    );
    assert_eq!(ok(&env, &["wait", "nocmd"]), "127\n");
    assert_eq!(inspect(&env, "nocmd", "{{.State.Status}}"), "created");
    ok(&env, &["rm", "-f", "forger", "flood", "nocmd"]);
    assert_no_containers(&env);
}

#[test]
fn stop_sends_the_stop_signal_first_and_the_exit_code_says_which_signal_ended_it() {
    let Some(env) = common::rooted(
        "stop_sends_the_stop_signal_first_and_the_exit_code_says_which_signal_ended_it",
    ) else {
        return;
    };
    // With --init, PID 1 passes SIGTERM on; sleep dies of it: 128 + 15.
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "namespaces",
            "--init",
            "-d",
            "--name",
            "inited",
            "--",
            "sleep",
            "300",
        ],
    );
    // A program's own stop signal, handled: its own exit code.
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "namespaces",
            "-d",
            "--name",
            "usr1",
            "--stop-signal",
            "USR1",
            "--",
            "sh",
            "-c",
            "trap 'echo got USR1; exit 7' USR1; while :; do sleep 0.1; done",
        ],
    );
    // PID 1 without a handler: SIGTERM is ignored, SIGKILL after -t.
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "namespaces",
            "-d",
            "--name",
            "deaf",
            "--",
            "sleep",
            "300",
        ],
    );
    let t = Instant::now();
    ok(
        &env,
        &[
            "--trace", "quiet", "stop", "-t", "2", "inited", "usr1", "deaf",
        ],
    );
    let took = t.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(5),
        "{took:?}"
    );
    let codes = |n: &str| inspect(&env, n, "{{.State.ExitCode}}");
    assert_eq!(codes("inited"), "143");
    assert_eq!(codes("usr1"), "7");
    assert_eq!(codes("deaf"), "137");
    assert_eq!(ok(&env, &["logs", "usr1"]), "got USR1\n");
    assert_eq!(inspect(&env, "usr1", "{{.Config.StopSignal}}"), "USR1");
    // kill sends one signal and does not wait; the default is SIGKILL.
    ok(&env, &["--trace", "quiet", "start", "inited"]);
    ok(&env, &["kill", "-s", "TERM", "inited"]);
    assert_eq!(wait_exited(&env, "inited", 10), "exited 143");
    let said = fails(&env, &["kill", "inited"], 1);
    assert!(said.contains("is not running"), "{said}");
    fails(
        &env,
        &[
            "--trace",
            "quiet",
            "namespaces",
            "-d",
            "--stop-signal",
            "SIGNOPE",
            "--",
            "true",
        ],
        125,
    );
    ok(&env, &["rm", "inited", "usr1", "deaf"]);
    assert_no_containers(&env);
}

#[test]
fn unless_stopped_comes_back_like_always_and_logs_since_picks_by_time() {
    let Some(env) =
        common::rooted("unless_stopped_comes_back_like_always_and_logs_since_picks_by_time")
    else {
        return;
    };
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "cgroups",
            "-d",
            "--name",
            "us",
            "--restart",
            "unless-stopped",
            "--",
            "sh",
            "-c",
            "echo up; sleep 300",
        ],
    );
    let first = pid_of(&env, "us");
    wait_for(10, || {
        ok(&env, &["logs", "us"]).contains("up").then_some(())
    });
    // Lines older than a moment ago are left out by --since.
    std::thread::sleep(Duration::from_millis(1500));
    kill9(first);
    wait_for(10, || {
        let p: u32 = inspect(&env, "us", "{{.State.Pid}}").parse().unwrap();
        (p > 0 && p != first).then_some(())
    });
    wait_for(10, || {
        (ok(&env, &["logs", "us"]) == "up\nup\n").then_some(())
    });
    assert_eq!(ok(&env, &["logs", "--since", "1s", "us"]), "up\n");
    assert_eq!(ok(&env, &["logs", "--since", "1h", "us"]), "up\nup\n");
    fails(&env, &["logs", "--since", "yesterday", "us"], 125);
    ok(&env, &["--trace", "quiet", "stop", "-t", "1", "us"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(inspect(&env, "us", "{{.State.Status}}"), "exited");
    assert_eq!(
        inspect(&env, "us", "{{.HostConfig.RestartPolicy.Name}}"),
        "unless-stopped"
    );
    ok(&env, &["rm", "us"]);
    assert_no_containers(&env);
}
