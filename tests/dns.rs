//! Names between containers (stage 5 with stage 7's detached containers):
//! on a user-defined network, containers resolve each other by `--name`
//! and `--network-alias` through their kept-current /etc/hosts, also
//! containers started later; a container that left stops resolving; names
//! never cross networks and the default network resolves none. `network
//! connect` gives a running container a working second interface, and
//! `network disconnect` takes it (and its name) away again.
//!
//! Every test makes its own networks in 10.149.N.0/24 (N from 1 up, one
//! range per test) and removes them; nothing may be left (veths, rules,
//! leases, hosts files).

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::Env;

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

fn network(env: &Env, name: &str, subnet: &str) {
    ok(env, &["network", "create", name, "--subnet", subnet]);
}

/// A detached container on `net` running `script`.
fn detached(env: &Env, name: &str, net: &str, extra: &[&str], script: &str) -> String {
    let mut args = vec![
        "--trace",
        "quiet",
        "network",
        "-d",
        "--name",
        name,
        "--network",
        net,
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--", "sh", "-c", script]);
    ok(env, &args).trim().to_string()
}

/// A foreground container on `net` running `script`: its stdout.
fn client(env: &Env, net: &str, script: &str) -> String {
    let (code, out, err) = env.sh(&["--trace", "quiet", "network", "--network", net], script);
    assert_eq!(code, Some(0), "{out}{err}");
    out
}

/// What `ping` resolves NAME to inside a container on `net`: the address,
/// or "bad address" when it has none.
fn resolve(env: &Env, net: &str, name: &str) -> String {
    client(
        env,
        net,
        &format!(
            "ping -c1 -W1 {name} 2>&1 | sed -n 's/^PING [^ ]* (\\([0-9.]*\\)).*/\\1/p; s/.*bad address.*/bad address/p'"
        ),
    )
    .trim()
    .to_string()
}

/// Wait until container `name`'s log contains `what`; the log.
fn log_until(env: &Env, name: &str, what: &str, secs: u64) -> String {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        let log = text(&env.run(&["logs", name]));
        if log.contains(what) || Instant::now() > until {
            return log;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The address container `name` has on network `net`, from `inspect`.
fn ip_on(env: &Env, name: &str, net: &str) -> String {
    ok(
        env,
        &[
            "inspect",
            "-f",
            &format!("{{{{.NetworkSettings.Networks.{net}.IPAddress}}}}"),
            name,
        ],
    )
    .trim()
    .to_string()
}

/// Nothing of the containers on `net` (addresses `prefix`) is left, then
/// the network goes and takes its rules and bridge along.
fn finish(env: &Env, net: &str, prefix: &str) {
    let bridge = env.bridge(net);
    let ports = common::bridge_ports(&bridge);
    assert!(ports.is_empty(), "veths left on {bridge}: {ports:?}");
    let left = common::container_rules(&bridge, prefix);
    assert!(left.is_empty(), "rules left: {left:#?}");
    let leases = env.root.join("run/networks").join(net);
    let held: Vec<_> = std::fs::read_dir(&leases)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(held.is_empty(), "leases left on {net}: {held:?}");
    ok(env, &["network", "rm", net]);
    assert!(common::link_gone(&bridge), "the bridge {bridge} stayed");
    let left = common::rules_naming(&bridge, prefix);
    assert!(left.is_empty(), "network rm left rules: {left:#?}");
}

#[test]
fn names_and_aliases_resolve_on_a_user_network_only() {
    let Some(env) = common::rooted("names_and_aliases_resolve_on_a_user_network_only") else {
        return;
    };
    network(&env, "t-names", "10.149.1.0/24");
    network(&env, "t-elsewhere", "10.149.2.0/24");
    // A web server, known as web and www; it also looks for a container
    // called "late", which does not exist yet.
    detached(
        &env,
        "web",
        "t-names",
        &["--network-alias", "www"],
        "mkdir -p /www && echo hello from web > /www/index.html && httpd -p 80 -h /www; \
         until ping -c1 -W1 late >/dev/null 2>&1; do sleep 0.1; done; echo found late; sleep 60",
    );
    let web = ip_on(&env, "web", "t-names");
    assert!(web.starts_with("10.149.1."), "{web}");
    // A client on the same network reaches it by name and by alias.
    let out = client(
        &env,
        "t-names",
        "wget -qO- http://web/ && wget -qO- http://www/",
    );
    assert_eq!(out, "hello from web\nhello from web\n");
    assert_eq!(resolve(&env, "t-names", "web"), web);
    // A container started later is known to the ones already running.
    detached(&env, "late", "t-names", &[], "sleep 60");
    let log = log_until(&env, "web", "found late", 10);
    assert!(log.contains("found late"), "web never resolved late: {log}");
    // On another network, and on the default one, the names mean nothing.
    assert_eq!(resolve(&env, "t-elsewhere", "web"), "bad address");
    assert_eq!(resolve(&env, "t-elsewhere", "www"), "bad address");
    detached(&env, "on-default", "dockling0", &[], "sleep 60");
    let (code, out, _) = env.sh(
        &["--trace", "quiet", "network"],
        "ping -c1 -W1 on-default 2>&1 | grep -o 'bad address'",
    );
    assert_eq!(
        (code, out.as_str()),
        (Some(0), "bad address\n"),
        "the default network resolves no names (docker's rule)"
    );
    assert!(
        env.run(&["network", "-d", "--network-alias", "x", "--", "true"])
            .status
            .code()
            == Some(125),
        "--network-alias is refused on the default network"
    );
    // A container that stopped is forgotten, and known again once started.
    ok(&env, &["stop", "-t", "0", "web"]);
    assert_eq!(resolve(&env, "t-names", "web"), "bad address");
    assert_eq!(resolve(&env, "t-names", "www"), "bad address");
    ok(&env, &["start", "web"]);
    assert!(resolve(&env, "t-names", "www").starts_with("10.149.1."));
    // Renamed while it runs: known by the new name at once, and after a restart.
    ok(&env, &["rename", "web", "web2"]);
    assert!(resolve(&env, "t-names", "web2").starts_with("10.149.1."));
    assert_eq!(resolve(&env, "t-names", "web"), "bad address");
    ok(&env, &["restart", "-t", "0", "web2"]);
    assert!(resolve(&env, "t-names", "web2").starts_with("10.149.1."));
    // `rm -f` forgets it too, and leaves nothing behind.
    ok(&env, &["rm", "-f", "web2", "late", "on-default"]);
    assert_eq!(resolve(&env, "t-names", "web2"), "bad address");
    finish(&env, "t-names", "10.149.1.");
    finish(&env, "t-elsewhere", "10.149.2.");
    ok(&env, &["network", "rm", "dockling0"]);
}

#[test]
fn twenty_containers_on_one_network_all_resolve_each_other() {
    let Some(env) = common::rooted("twenty_containers_on_one_network_all_resolve_each_other")
    else {
        return;
    };
    network(&env, "t-twenty", "10.149.3.0/24");
    let names: Vec<String> = (1..=20).map(|i| format!("n{i:02}")).collect();
    let all = names.join(" ");
    // Each one waits until every name resolves (and answers), up to 20 s,
    // then says which did not.
    let script = format!(
        "i=0; while [ $i -lt 100 ]; do miss=''; \
         for n in {all}; do ping -c1 -W1 $n >/dev/null 2>&1 || miss=\"$miss $n\"; done; \
         [ -z \"$miss\" ] && break; i=$((i+1)); sleep 0.2; done; echo \"missing:$miss.\"; sleep 60"
    );
    for n in &names {
        detached(&env, n, "t-twenty", &[], &script);
    }
    for n in &names {
        let log = log_until(&env, n, "missing:", 30);
        assert!(log.contains("missing:."), "{n}: {log}");
    }
    let mut rm = vec!["rm", "-f"];
    rm.extend(names.iter().map(String::as_str));
    ok(&env, &rm);
    finish(&env, "t-twenty", "10.149.3.");
}

/// Wait until the last line of container `name`'s log that starts with
/// `prefix` is `want`; that line (or the last one seen).
fn last_line_until(env: &Env, name: &str, prefix: &str, want: &str, secs: u64) -> String {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        let log = text(&env.run(&["logs", "--tail", "5", name]));
        let last = log
            .lines()
            .rev()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_default()
            .to_string();
        if last == want || Instant::now() > until {
            return last;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
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

#[test]
fn connect_gives_a_running_container_a_second_interface_and_disconnect_takes_it() {
    let Some(env) = common::rooted(
        "connect_gives_a_running_container_a_second_interface_and_disconnect_takes_it",
    ) else {
        return;
    };
    network(&env, "t-front", "10.149.4.0/24");
    network(&env, "t-back", "10.149.5.0/24");
    detached(
        &env,
        "db",
        "t-back",
        &[],
        "mkdir -p /www && echo db says hi > /www/index.html && httpd -f -p 80 -h /www",
    );
    // The app says, three times a second, whether it reaches db by name
    // and what address its eth1 has.
    detached(
        &env,
        "app",
        "t-front",
        &[],
        "while true; do r=no; timeout 2 wget -q -O- http://db/ >/dev/null 2>&1 && r=yes; \
         echo \"db:$r eth1:$(ip -4 -o addr show eth1 2>/dev/null | awk '{print $4}')\"; sleep 0.3; done",
    );
    assert_eq!(
        last_line_until(&env, "app", "db:", "db:no eth1:", 10),
        "db:no eth1:"
    );
    // Connected, with an address and an alias of its choosing.
    ok(
        &env,
        &[
            "network",
            "connect",
            "--ip",
            "10.149.5.50",
            "--alias",
            "application",
            "t-back",
            "app",
        ],
    );
    assert_eq!(
        last_line_until(&env, "app", "db:", "db:yes eth1:10.149.5.50/24", 10),
        "db:yes eth1:10.149.5.50/24"
    );
    assert_eq!(ip_on(&env, "app", "t-back"), "10.149.5.50");
    assert!(ip_on(&env, "app", "t-front").starts_with("10.149.4."));
    assert_eq!(
        ok(
            &env,
            &[
                "inspect",
                "-f",
                "{{.NetworkSettings.Networks.t-back.Interface}}",
                "app"
            ]
        )
        .trim(),
        "eth1"
    );
    // The others on t-back know it by name and alias, and reach it.
    assert_eq!(resolve(&env, "t-back", "application"), "10.149.5.50");
    assert_eq!(
        client(
            &env,
            "t-back",
            "ping -c1 -W2 app >/dev/null && echo reached"
        ),
        "reached\n"
    );
    // Refusals, as docker's (exit 1), and nothing changed by them.
    fails(&env, &["network", "connect", "t-back", "app"], 1);
    assert!(
        fails(&env, &["network", "connect", "t-nowhere", "app"], 1)
            .contains("network t-nowhere not found")
    );
    assert!(
        fails(
            &env,
            &["network", "connect", "--ip", "10.149.5.50", "t-back", "db"],
            1
        )
        .contains("t-back")
    );
    assert!(fails(&env, &["network", "disconnect", "t-front", "app"], 1).contains("first"));
    assert!(fails(&env, &["network", "disconnect", "t-front", "db"], 1).contains("not connected"));
    let rm = fails(&env, &["network", "rm", "t-back"], 1);
    assert!(
        rm.contains("error while removing network: network t-back has active endpoints"),
        "{rm}"
    );
    // Its interface's host end, named after its run.
    let id = ok(&env, &["inspect", "-f", "{{.Id}}", "app"])
        .trim()
        .to_string();
    let veth = format!("veth{}-1", &id[..9]);
    assert!(
        std::path::Path::new("/sys/class/net").join(&veth).exists(),
        "{veth}"
    );
    // A stop and a start join both networks again (docker keeps connections).
    ok(&env, &["stop", "-t", "0", "app"]);
    assert!(common::link_gone(&veth), "{veth} outlived the container");
    assert_eq!(ip_on(&env, "app", "t-back"), "", "no address while stopped");
    assert_eq!(resolve(&env, "t-back", "application"), "bad address");
    ok(&env, &["start", "app"]);
    assert_eq!(
        last_line_until(&env, "app", "db:", "db:yes eth1:10.149.5.50/24", 10),
        "db:yes eth1:10.149.5.50/24"
    );
    // Disconnected: the interface, the lease, the name and the way to db go.
    ok(&env, &["network", "disconnect", "t-back", "app"]);
    assert!(
        !std::path::Path::new("/sys/class/net").join(&veth).exists(),
        "{veth} stayed"
    );
    assert_eq!(
        last_line_until(&env, "app", "db:", "db:no eth1:", 10),
        "db:no eth1:"
    );
    let nets = ok(
        &env,
        &["inspect", "-f", "{{json .NetworkSettings.Networks}}", "app"],
    );
    assert!(
        nets.contains("t-front") && !nets.contains("t-back"),
        "{nets}"
    );
    assert_eq!(resolve(&env, "t-back", "application"), "bad address");
    assert_eq!(resolve(&env, "t-back", "app"), "bad address");
    let held: Vec<_> = std::fs::read_dir(env.root.join("run/networks/t-back"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(held.len(), 1, "only db's lease: {held:?}");
    // Connected again while running, then removed with it: nothing left.
    ok(&env, &["network", "connect", "t-back", "app"]);
    assert!(resolve(&env, "t-back", "app").starts_with("10.149.5."));
    ok(&env, &["rm", "-f", "app", "db"]);
    finish(&env, "t-front", "10.149.4.");
    finish(&env, "t-back", "10.149.5.");
}

/// The processes running `dockling … __monitor` for this test's root.
fn monitors(env: &Env) -> Vec<i32> {
    let root = env.root.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|p| {
            let cmd = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd);
            cmd.contains("__monitor") && cmd.contains(&root)
        })
        .collect()
}

#[test]
fn a_connected_container_killed_with_its_monitor_leaves_nothing_after_cleanup() {
    let Some(env) = common::rooted(
        "a_connected_container_killed_with_its_monitor_leaves_nothing_after_cleanup",
    ) else {
        return;
    };
    network(&env, "t-kfront", "10.149.6.0/24");
    network(&env, "t-kback", "10.149.7.0/24");
    detached(&env, "k1", "t-kfront", &[], "sleep 300");
    detached(&env, "k2", "t-kback", &[], "sleep 300");
    ok(
        &env,
        &[
            "--trace", "quiet", "network", "connect", "--alias", "kay", "t-kback", "k1",
        ],
    );
    assert!(ip_on(&env, "k1", "t-kback").starts_with("10.149.7."));
    // The connection's lease was added to the run's journal by the client.
    let id = ok(&env, &["inspect", "-f", "{{.Id}}", "k1"])
        .trim()
        .to_string();
    let journal = std::fs::read_to_string(env.runs().join(&id[..12]).join("journal")).unwrap();
    assert!(
        journal.contains(&format!("veth{}-1", &id[..9])),
        "{journal}"
    );
    let pid: i32 = ok(&env, &["inspect", "-f", "{{.State.Pid}}", "k1"])
        .trim()
        .parse()
        .unwrap();
    let kill = |p: i32| {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(p), nix::sys::signal::SIGKILL);
    };
    for m in monitors(&env) {
        let cmd = std::fs::read(format!("/proc/{m}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmd).contains(&id) {
            kill(m);
        }
    }
    kill(pid);
    std::thread::sleep(Duration::from_millis(200));
    let out = env.run(&["--trace", "quiet", "cleanup"]);
    assert!(out.status.success(), "{}", text(&out));
    // k2 no longer knows k1's names; k1's leases on both networks are gone.
    let held = |net: &str| -> Vec<String> {
        std::fs::read_dir(env.root.join("run/networks").join(net))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(held("t-kfront").is_empty(), "{:?}", held("t-kfront"));
    assert_eq!(held("t-kback").len(), 1, "only k2's: {:?}", held("t-kback"));
    assert_eq!(resolve(&env, "t-kback", "kay"), "bad address");
    ok(&env, &["rm", "-f", "k1", "k2"]);
    finish(&env, "t-kfront", "10.149.6.");
    finish(&env, "t-kback", "10.149.7.");
}

#[test]
fn a_container_restarted_at_once_gets_its_interfaces_again() {
    let Some(env) = common::rooted("a_container_restarted_at_once_gets_its_interfaces_again")
    else {
        return;
    };
    network(&env, "t-again", "10.149.8.0/24");
    network(&env, "t-again2", "10.149.10.0/24");
    detached(&env, "again", "t-again", &[], "sleep 300");
    ok(
        &env,
        &[
            "--trace", "quiet", "network", "connect", "t-again2", "again",
        ],
    );
    // Its veths go with the old namespace in the background; the next run
    // makes its own at once, under the same names.
    for _ in 0..5 {
        ok(&env, &["--trace", "quiet", "restart", "-t", "0", "again"]);
        assert!(ip_on(&env, "again", "t-again").starts_with("10.149.8."));
        assert!(ip_on(&env, "again", "t-again2").starts_with("10.149.10."));
    }
    // A stopped container is connected in its config alone, and joins at
    // its next start (as docker's).
    ok(&env, &["stop", "-t", "0", "again"]);
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "network",
            "disconnect",
            "t-again2",
            "again",
        ],
    );
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "network",
            "connect",
            "--ip",
            "10.149.10.9",
            "t-again2",
            "again",
        ],
    );
    assert_eq!(ip_on(&env, "again", "t-again2"), "");
    ok(&env, &["start", "again"]);
    assert_eq!(ip_on(&env, "again", "t-again2"), "10.149.10.9");
    ok(&env, &["rm", "-f", "again"]);
    finish(&env, "t-again", "10.149.8.");
    finish(&env, "t-again2", "10.149.10.");
}
