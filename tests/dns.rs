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
    // `rm -f` forgets it too, and leaves nothing behind.
    ok(&env, &["rm", "-f", "web", "late", "on-default"]);
    assert_eq!(resolve(&env, "t-names", "web"), "bad address");
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
