//! Stage 5, `dockling network`: gateway, neighbours, isolation between
//! networks, published ports, concurrent address leases, bad input, and
//! nothing left behind (veths, bridges, rules, leases) after a normal exit,
//! a signal, or SIGKILL plus `dockling cleanup`.
//!
//! Every test makes its own network (its own name, bridge and subnet in
//! 10.147.21x.0/24) and its own ports, so tests run at the same time.
//! Traffic stays on this machine: loopback, the test's bridge, namespaces.

mod common;

use std::net::{Ipv4Addr, TcpStream};
use std::process::{Child, Stdio};
use std::time::Duration;

use common::{Env, iptables_save};

/// Make a network; returns its gateway.
fn network(env: &Env, name: &str, subnet: &str) -> Ipv4Addr {
    let out = env.run(&["network", "create", name, "--subnet", subnet]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let net: Ipv4Addr = subnet.split('/').next().unwrap().parse().unwrap();
    Ipv4Addr::from(u32::from(net) + 1)
}

/// A container running in the background. Dropped without `stop` (a test
/// failed), it is killed and `dockling cleanup` undoes what it made, so a
/// failing test leaves no bridge or rule behind either.
struct Background<'a> {
    env: &'a Env,
    child: Option<Child>,
}

impl Background<'_> {
    fn pid(&self) -> nix::unistd::Pid {
        nix::unistd::Pid::from_raw(self.child.as_ref().unwrap().id() as i32)
    }

    /// SIGTERM, as `docker stop` sends; a PID 1 without a handler (httpd)
    /// ignores it, so after a moment a second SIGTERM, on which dockling
    /// kills at once instead of waiting out its grace period.
    fn stop(mut self) {
        let pid = self.pid();
        let term = || nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        term().unwrap();
        let child = self.child.as_mut().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_millis(500);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = term();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.take().unwrap().wait().unwrap();
    }

    /// SIGKILL: dockling gets no chance to clean up.
    fn kill(mut self) {
        nix::sys::signal::kill(self.pid(), nix::sys::signal::Signal::SIGKILL).unwrap();
        self.child.take().unwrap().wait().unwrap();
    }
}

impl Drop for Background<'_> {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            let _ = self.env.run(&["--trace", "quiet", "cleanup"]);
        }
    }
}

/// Start a container in the background and wait until its command runs
/// (it prints "ready" first); returns it and its address.
fn background<'a>(
    env: &'a Env,
    name: &str,
    args: &[&str],
    script: &str,
) -> (Background<'a>, Ipv4Addr) {
    let mut all = vec!["--trace", "quiet", "network", "--network", name];
    all.extend_from_slice(args);
    let script = format!("echo ready; {script}");
    all.extend_from_slice(&["--", "sh", "-c", &script]);
    let mut child = env
        .cmd(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Background {
        env,
        child: Some(child),
    };
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    assert_eq!(line, "ready\n", "the container did not start");
    let ip = leases(env, name)
        .into_iter()
        .next()
        .expect("a running container holds a lease");
    (running, ip)
}

/// The addresses leased on network `name`, from `dockling network inspect`.
fn leases(env: &Env, name: &str) -> Vec<Ipv4Addr> {
    let out = env.run(&["network", "inspect", name]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ip"].as_str().unwrap().parse().unwrap())
        .collect()
}

fn link_exists(name: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(name).exists()
}

/// Nothing of the runs on network `name` (subnet `prefix`, e.g.
/// "10.147.211.") is left: no veth on its bridge, no port rule, no lease,
/// no run. (The bridge and the network's own rules belong to the network.)
fn assert_net_clean(env: &Env, name: &str, prefix: &str) {
    env.assert_clean();
    let bridge = env.bridge(name);
    let ports = common::bridge_ports(&bridge);
    assert!(ports.is_empty(), "veths left on {bridge}: {ports:?}");
    let left = common::container_rules(&bridge, prefix);
    assert!(left.is_empty(), "iptables rules left behind: {left:#?}");
    assert!(leases(env, name).is_empty(), "leases left behind");
}

/// The end of a test: nothing of its runs left, then its network removed.
fn finish(env: &Env, name: &str, prefix: &str) {
    assert_net_clean(env, name, prefix);
    remove_network(env, name);
}

/// `dockling network rm` removes the network's bridge and its rules with it.
fn remove_network(env: &Env, name: &str) {
    let subnet = subnet_of(env, name);
    let out = env.run(&["network", "rm", name]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bridge = env.bridge(name);
    assert!(!link_exists(&bridge), "network rm left the bridge {bridge}");
    let left = common::rules_naming(&bridge, &subnet);
    assert!(left.is_empty(), "network rm left rules: {left:#?}");
}

/// The veth host ends that belong to runs of this root (named after run ids).
fn veths_of(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["step"] == "net_veth")
        .map(|v| v["fields"]["host"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn gateway_neighbours_by_address_and_name_and_isolation() {
    let Some(env) = common::rooted("gateway_neighbours_by_address_and_name_and_isolation") else {
        return;
    };
    let gw_a = network(&env, "t-near", "10.147.211.0/24");
    let gw_b = network(&env, "t-far", "10.147.212.0/24");
    let (a, ip_a) = background(&env, "t-near", &[], "sleep 30");
    assert!(
        link_exists(&env.bridge("t-near")),
        "the bridge is up while a container is on it"
    );

    let script = format!(
        "ping -c1 -W2 {gw_a} >/dev/null && echo gateway; ping -c1 -W2 {ip_a} >/dev/null && echo address; \
         ping -c1 -W2 peer >/dev/null && echo name"
    );
    let (code, out, err) = env.sh(
        &[
            "--trace",
            "json",
            "network",
            "--network",
            "t-near",
            "--add-host",
            &format!("peer:{ip_a}"),
        ],
        &script,
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "gateway\naddress\nname\n");
    assert_eq!(veths_of(&err).len(), 1);
    assert!(common::link_gone(&veths_of(&err)[0]), "veth left behind");

    let script = format!(
        "ping -c1 -W2 {gw_b} >/dev/null && echo own-gateway; ping -c1 -W1 {ip_a} >/dev/null && echo REACHED || echo blocked"
    );
    let (code, out, err) = env.sh(
        &["--trace", "quiet", "network", "--network", "t-far"],
        &script,
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out, "own-gateway\nblocked\n",
        "containers on different networks must not reach each other"
    );

    // A network in use cannot be removed.
    let out = env.run(&["network", "rm", "t-near"]);
    assert_eq!(out.status.code(), Some(1), "a refusal, as docker's");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("error while removing network: network t-near has active endpoints"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    a.stop();
    assert_net_clean(&env, "t-near", "10.147.211.");
    assert_net_clean(&env, "t-far", "10.147.212.");
    assert!(
        link_exists(&env.bridge("t-near")),
        "the bridge stays with its network"
    );
    for n in ["t-near", "t-far"] {
        remove_network(&env, n);
    }
}

#[test]
fn published_port_answers_on_loopback_bridge_and_container_address() {
    let Some(env) =
        common::rooted("published_port_answers_on_loopback_bridge_and_container_address")
    else {
        return;
    };
    let gw = network(&env, "t-web", "10.147.213.0/24");
    let (web, ip) = background(
        &env,
        "t-web",
        &["-p", "18080:80", "-p", "127.0.0.1:18081:80"],
        "mkdir -p /www && echo hello from the container > /www/index.html && httpd -f -p 80 -h /www",
    );
    let through = |addr: String| {
        let reply = common::wait_for(10, || common::http_get(&addr));
        assert!(reply.starts_with("HTTP/1.1 200"), "{addr}: {reply}");
        assert!(
            reply.ends_with("hello from the container\n"),
            "{addr}: {reply}"
        );
    };
    through("127.0.0.1:18080".into());
    through("127.0.0.1:18081".into());
    assert!(
        common::http_get(&format!("{gw}:18081")).is_none(),
        "-p 127.0.0.1:18081:80 must not answer on the bridge address"
    );
    through(format!("{gw}:18080"));
    through(format!("{ip}:80"));
    let rules = iptables_save();
    assert!(
        rules.contains(&format!(
            "--dport 18080 -m comment --comment dockling -j DNAT --to-destination {ip}:80"
        )),
        "{rules}"
    );
    web.stop();
    finish(&env, "t-web", "10.147.213.");
    assert!(
        TcpStream::connect("127.0.0.1:18080").is_err(),
        "the proxy outlived the container"
    );
}

/// The network namespace of the container under dockling process `pid`:
/// the first descendant whose /proc/PID/ns/net differs from dockling's.
fn container_netns(pid: u32) -> std::fs::File {
    let ours = std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap();
    let mut todo = common::children(pid);
    while let Some(p) = todo.pop() {
        if std::fs::read_link(format!("/proc/{p}/ns/net")).is_ok_and(|ns| ns != ours) {
            return std::fs::File::open(format!("/proc/{p}/ns/net")).unwrap();
        }
        todo.extend(common::children(p));
    }
    panic!("no process of run {pid} is in a network namespace of its own");
}

#[test]
fn published_udp_port_reaches_a_socket_in_the_container() {
    let Some(env) = common::rooted("published_udp_port_reaches_a_socket_in_the_container") else {
        return;
    };
    // busybox has no UDP server, so the server is a thread of this test that
    // joins the container's network namespace (setns affects one thread).
    let gw = network(&env, "t-udp", "10.147.217.0/24");
    let (running, _) = background(&env, "t-udp", &["-p", "18095:5300/udp"], "sleep 30");
    let ns = container_netns(running.pid().as_raw() as u32);
    let (bound_tx, bound) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
        let s = std::net::UdpSocket::bind("0.0.0.0:5300").unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        bound_tx.send(()).unwrap();
        let mut buf = [0u8; 64];
        for _ in 0..2 {
            let (n, from) = s.recv_from(&mut buf).unwrap();
            let reply = format!("echo {}", String::from_utf8_lossy(&buf[..n]));
            s.send_to(reply.as_bytes(), from).unwrap();
        }
    });
    bound.recv().unwrap();
    // Through the proxy (127.0.0.1) and through DNAT (the bridge address).
    for (to, msg) in [
        ("127.0.0.1:18095".to_string(), "via-loopback"),
        (format!("{gw}:18095"), "via-bridge"),
    ] {
        let c = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        c.send_to(msg.as_bytes(), &to).unwrap();
        let mut buf = [0u8; 64];
        let n = c
            .recv(&mut buf)
            .unwrap_or_else(|e| panic!("no UDP reply through {to}: {e}"));
        assert_eq!(&buf[..n], format!("echo {msg}").as_bytes());
    }
    server.join().unwrap();
    running.stop();
    finish(&env, "t-udp", "10.147.217.");
}

fn sh_ok(script: &str) {
    let out = std::process::Command::new("sh")
        .args(["-c", script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The world outside the host, made by the test: a network namespace
/// joined to the host by a veth pair (host 10.147.230.1/30, inside
/// 10.147.230.2/30), with no route back to any container subnet, so only
/// NATed packets can be answered. The FORWARD policy is DROP meanwhile,
/// as docker leaves it. Drop puts everything back.
struct Outside {
    policy: String,
}

impl Outside {
    fn new() -> Outside {
        let policy = iptables_save()
            .lines()
            .find_map(|l| {
                l.strip_prefix(":FORWARD ")
                    .and_then(|r| r.split_whitespace().next())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "ACCEPT".into());
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", "dlt-outside"])
            .output();
        sh_ok(
            "ip netns add dlt-outside && \
             ip link add dlt-out type veth peer name eth0 netns dlt-outside && \
             ip addr add 10.147.230.1/30 dev dlt-out && ip link set dlt-out up && \
             ip -n dlt-outside addr add 10.147.230.2/30 dev eth0 && \
             ip -n dlt-outside link set eth0 up && ip -n dlt-outside link set lo up && \
             iptables -P FORWARD DROP",
        );
        Outside { policy }
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        let _ = std::process::Command::new("iptables")
            .args(["-P", "FORWARD", &self.policy])
            .output();
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", "dlt-outside"])
            .output();
        let _ = std::process::Command::new("ip")
            .args(["link", "del", "dlt-out"])
            .output();
    }
}

#[test]
fn outbound_traffic_is_forwarded_and_masqueraded_under_a_drop_policy() {
    let Some(env) =
        common::rooted("outbound_traffic_is_forwarded_and_masqueraded_under_a_drop_policy")
    else {
        return;
    };
    network(&env, "t-out", "10.147.218.0/24");
    let outside = Outside::new();
    let (code, out, err) = env.sh(
        &["--trace", "json", "network", "--network", "t-out"],
        "ping -c1 -W3 10.147.230.2 >/dev/null && echo reached",
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out, "reached\n",
        "the outside answered only if forwarding and MASQUERADE worked"
    );
    let nat =
        common::event(&err, "net_nat").expect("the first container narrates the network's rules");
    assert_eq!(nat["fields"]["policy"], "DROP", "{nat}");
    drop(outside);
    assert_eq!(
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward")
            .unwrap()
            .trim(),
        "1",
        "ip_forward stays on, as documented"
    );
    finish(&env, "t-out", "10.147.218.");
}

#[test]
fn dns_hosts_and_hostname_files() {
    let Some(env) = common::rooted("dns_hosts_and_hostname_files") else {
        return;
    };
    network(&env, "t-dns", "10.147.219.0/24");
    let (code, out, err) = env.sh(
        &[
            "--trace",
            "quiet",
            "network",
            "--network",
            "t-dns",
            "--hostname",
            "web1",
            "--name",
            "frontend",
            "--dns",
            "192.0.2.53",
            "--add-host",
            "db:10.147.219.77",
        ],
        "cat /etc/resolv.conf /etc/hosts /etc/hostname; hostname",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("nameserver 192.0.2.53\n"), "{out}");
    assert!(!out.contains("127.0.0.53"), "{out}");
    assert!(out.contains("10.147.219.2\tweb1 frontend\n"), "{out}");
    assert!(out.contains("10.147.219.77\tdb\n"), "{out}");
    assert!(out.ends_with("web1\nweb1\n"), "{out}");
    // The rootfs's own files are untouched (they were bind-mounted over).
    let hosts = std::fs::read_to_string(env.rootfs().join("etc/hosts")).unwrap();
    assert!(!hosts.contains("web1"), "{hosts}");
    finish(&env, "t-dns", "10.147.219.");
}

#[test]
fn ten_containers_at_once_get_distinct_addresses() {
    let Some(env) = common::rooted("ten_containers_at_once_get_distinct_addresses") else {
        return;
    };
    let gw = network(&env, "t-ten", "10.147.214.0/24");
    let script = format!(
        "ip -4 -o addr show eth0 | awk '{{print $4}}'; sleep 1; ping -c1 -W3 {gw} >/dev/null && echo reached"
    );
    let children: Vec<Child> = (0..10)
        .map(|_| {
            env.cmd(&[
                "--trace",
                "quiet",
                "network",
                "--network",
                "t-ten",
                "--",
                "sh",
                "-c",
                &script,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut addrs = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut lines = text.lines();
        addrs.push(lines.next().unwrap().to_string());
        assert_eq!(lines.next(), Some("reached"), "{text}");
    }
    let mut unique = addrs.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10, "addresses collided: {addrs:?}");
    assert!(
        addrs
            .iter()
            .all(|a| a.starts_with("10.147.214.") && a.ends_with("/24")),
        "{addrs:?}"
    );
    finish(&env, "t-ten", "10.147.214.");
}

#[test]
fn sigkill_then_cleanup_removes_bridge_rules_and_lease() {
    let Some(env) = common::rooted("sigkill_then_cleanup_removes_bridge_rules_and_lease") else {
        return;
    };
    network(&env, "t-kill", "10.147.215.0/24");
    let (running, _) = background(&env, "t-kill", &["-p", "18090:80"], "sleep 30");
    running.kill();
    let rules = iptables_save();
    assert!(
        rules.contains(&env.bridge("t-kill")) && rules.contains("--dport 18090"),
        "a killed run leaves its rules until cleanup: {rules}"
    );
    let out = env.run(&["--trace", "quiet", "cleanup"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_net_clean(&env, "t-kill", "10.147.215.");
    let rules = iptables_save();
    assert!(!rules.contains("--dport 18090"), "{rules}");
    assert!(
        rules.contains("-s 10.147.215.0/24 ! -o"),
        "the network's own rules stay with the network: {rules}"
    );
    remove_network(&env, "t-kill");
}

/// The events of a `--trace json` stderr, by step name.
fn steps(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["step"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_networks_rules_live_as_long_as_the_network() {
    let Some(env) = common::rooted("a_networks_rules_live_as_long_as_the_network") else {
        return;
    };
    network(&env, "t-rules", "10.147.225.0/24");
    let bridge = env.bridge("t-rules");
    let own = || common::rules_naming(&bridge, "10.147.225.");
    assert!(own().is_empty(), "no rule before the bridge comes up");
    // The first container brings the bridge up, and with it the rules.
    let (code, _, err) = env.sh(
        &["--trace", "json", "network", "--network", "t-rules"],
        "true",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(steps(&err).contains(&"net_nat".to_string()), "{err}");
    let first = own();
    assert_eq!(
        first.len(),
        5,
        "MASQUERADE and four FORWARD rules: {first:#?}"
    );
    // They stay after it ended; the next container only reads their record.
    let (code, _, err) = env.sh(
        &["--trace", "json", "network", "--network", "t-rules"],
        "true",
    );
    assert_eq!(code, Some(0), "{err}");
    let s = steps(&err);
    assert!(
        s.contains(&"net_nat_kept".to_string()) && !s.contains(&"net_nat".to_string()),
        "{s:?}"
    );
    assert_eq!(own(), first, "the same rules, not added twice");
    // A record left incomplete (a dockling killed while adding them) is
    // acted on: the rules are deleted as recorded and added again.
    let record = env.root.join("run/networks/.rules/t-rules");
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(text.contains("\"complete\":true"), "{text}");
    std::fs::write(
        &record,
        text.replace("\"complete\":true", "\"complete\":false"),
    )
    .unwrap();
    let (code, _, err) = env.sh(
        &["--trace", "json", "network", "--network", "t-rules"],
        "true",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(steps(&err).contains(&"net_nat".to_string()), "{err}");
    assert_eq!(own(), first, "deleted and added again, not doubled");
    // A record from another boot (a state root outside /run survives a
    // reboot, the rules do not) is not trusted either.
    let text = std::fs::read_to_string(&record).unwrap();
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    assert!(text.contains(boot.trim()), "{text}");
    std::fs::write(&record, text.replace(boot.trim(), "an-earlier-boot")).unwrap();
    let (code, _, err) = env.sh(
        &["--trace", "json", "network", "--network", "t-rules"],
        "true",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(steps(&err).contains(&"net_nat".to_string()), "{err}");
    assert_eq!(own(), first);
    // Nor when the bridge had to be made again (deleted by hand, say).
    let out = std::process::Command::new("ip")
        .args(["link", "del", &bridge])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (code, _, err) = env.sh(
        &["--trace", "json", "network", "--network", "t-rules"],
        "true",
    );
    assert_eq!(code, Some(0), "{err}");
    let s = steps(&err);
    assert!(
        s.contains(&"net_bridge".to_string()) && s.contains(&"net_nat".to_string()),
        "{s:?}"
    );
    assert_eq!(own(), first);
    assert_net_clean(&env, "t-rules", "10.147.225.");
    // A network whose definition went behind dockling's back: cleanup
    // removes its rules and its bridge.
    std::fs::remove_file(env.root.join("networks/t-rules.json")).unwrap();
    let out = env.run(&["--trace", "quiet", "cleanup"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(own().is_empty(), "cleanup left rules: {:#?}", own());
    assert!(!link_exists(&bridge), "cleanup left the bridge");
    assert!(!record.exists());
    // And the normal way: `network rm` takes them (remove_network checks).
    network(&env, "t-rules", "10.147.225.0/24");
    let (code, _, err) = env.sh(
        &["--trace", "quiet", "network", "--network", "t-rules"],
        "true",
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(own().len(), 5);
    remove_network(&env, "t-rules");
}

#[test]
fn bad_input_is_refused_and_creates_nothing() {
    let Some(env) = common::rooted("bad_input_is_refused_and_creates_nothing") else {
        return;
    };
    network(&env, "t-bad", "10.147.216.0/24");
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let in_use = format!("127.0.0.1:{port}:80");
    let route = std::fs::read_to_string("/proc/net/route").unwrap();
    let host_net = route
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f[7] != "00000000" && !f[0].starts_with("dl-"))
        .map(|f| {
            let net = Ipv4Addr::from(u32::from_be(u32::from_str_radix(f[1], 16).unwrap()));
            let bits = u32::from_str_radix(f[7], 16).unwrap().count_ones();
            format!("{net}/{}", bits.clamp(8, 30))
        })
        .expect("this test needs a host route other than the default one to overlap");
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec![
                "network",
                "--network",
                "t-bad",
                "-p",
                "99999:80",
                "--",
                "true",
            ],
            "host port 99999 is out of range".into(),
        ),
        (
            vec!["network", "--network", "t-bad", "-p", &in_use, "--", "true"],
            format!("host port {port}/tcp is already in use"),
        ),
        (
            vec!["network", "--network", "t-nowhere", "--", "true"],
            "no network named \"t-nowhere\"".into(),
        ),
        (
            vec!["network", "create", "t-clash", "--subnet", &host_net],
            "overlaps the host's route".into(),
        ),
        (
            vec!["network", "create", "t-bad2", "--subnet", "10.147.216.0/25"],
            "overlaps network t-bad".into(),
        ),
        (
            vec!["network", "create", "t-x", "--subnet", "10.147.216.1/24"],
            "host bits set".into(),
        ),
        (
            vec!["network", "create", "t-x", "--subnet", "127.0.0.0/8"],
            "--subnet 127.0.0.0/8: it overlaps 127.0.0.0/8, the loopback range".into(),
        ),
        (
            vec!["network", "create", "t-x", "--subnet", "0.0.0.0/8"],
            "the \"this network\" (RFC 1122) range".into(),
        ),
        (
            vec!["network", "create", "t-x", "--subnet", "169.254.0.0/16"],
            "the link-local (RFC 3927) range".into(),
        ),
        (
            vec!["network", "create", "t-x", "--subnet", "224.0.0.0/4"],
            "the multicast range".into(),
        ),
        (
            vec!["network", "create", "t-x", "--subnet", "255.255.255.0/24"],
            "the reserved (RFC 1112) and broadcast range".into(),
        ),
        (
            vec!["network", "create", "t-x", "--subnet", "10.147.216.0/31"],
            "a /31 is too small: it has no room for the gateway and one container".into(),
        ),
        (
            vec!["network", "create", "t-x", "--subnet", "10.147.216.0/99999"],
            "prefix /99999 is out of range".into(),
        ),
        (
            vec![
                "network",
                "--network",
                "t-bad",
                "-p",
                "18099:99999999999999999999",
                "--",
                "true",
            ],
            "container port 99999999999999999999 is out of range".into(),
        ),
        (
            vec![
                "network",
                "--network",
                "t-bad",
                "--add-host",
                "nocolon",
                "--",
                "true",
            ],
            "expected NAME:IP".into(),
        ),
    ];
    for (args, says) in cases {
        let out = env.run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.code() == Some(125),
            "{args:?}: {:?} {err}",
            out.status
        );
        assert!(err.contains(&says), "{args:?}: expected {says:?} in {err}");
        assert_net_clean(&env, "t-bad", "10.147.216.");
        assert!(
            !link_exists(&env.bridge("t-bad")),
            "{args:?} made the bridge"
        );
    }
    let ls = String::from_utf8(env.run(&["network", "ls"]).stdout).unwrap();
    assert_eq!(ls.lines().count(), 2, "only t-bad exists: {ls}");
    remove_network(&env, "t-bad");
    drop(held);
}

#[test]
fn run_refuses_a_bad_env_file_before_pulling_or_making_anything() {
    let Some(env) = common::rooted("run_refuses_a_bad_env_file_before_pulling_or_making_anything")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[u8], &str)] = &[
        (
            b"A=1\n# comment\n=x\n",
            "line 3: no variable name on line '=x'",
        ),
        (
            b"GOOD=1\nx y=2\n",
            "line 2: variable 'x y' contains whitespaces",
        ),
        (b"A=\xff\n", "line 1 is not valid UTF-8"),
    ];
    for (i, (text, says)) in cases.iter().enumerate() {
        let f = dir.path().join(format!("env{i}"));
        std::fs::write(&f, text).unwrap();
        let f = f.display().to_string();
        // No such image either: the env file is read first, so nothing is
        // pulled (there is no registry to pull from) and nothing is made.
        let out = env.run(&[
            "--trace",
            "quiet",
            "run",
            "--network",
            "t-envfile",
            "--env-file",
            &f,
            "127.0.0.1:9/no/such-image:1",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{err}");
        assert!(
            err.starts_with(&format!("dockling: --env-file {f}: {says}")),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        for made in ["images", "layers", "networks"] {
            assert!(!env.root.join(made).exists(), "{made} was made: {err}");
        }
        env.assert_clean();
    }
}

/// A network's subnet, from `dockling network inspect`.
fn subnet_of(env: &Env, name: &str) -> String {
    let out = env.run(&["network", "inspect", name]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["subnet"].as_str().unwrap().to_string()
}

/// The network address and prefix of `a.b.c.d/n`.
fn parse_subnet(s: &str) -> (u32, u32) {
    let (ip, prefix) = s.split_once('/').unwrap();
    (
        u32::from(ip.parse::<Ipv4Addr>().unwrap()),
        prefix.parse().unwrap(),
    )
}

fn contains(subnet: &str, ip: Ipv4Addr) -> bool {
    let (net, prefix) = parse_subnet(subnet);
    u32::from(ip) >> (32 - prefix) == net >> (32 - prefix)
}

/// "10.147.3.0/24" → "10.147.3.", what `assert_net_clean` looks for in rules.
fn prefix_of(subnet: &str) -> String {
    subnet.strip_suffix("0/24").unwrap().to_string()
}

fn alias_of(link: &str) -> String {
    std::fs::read_to_string(format!("/sys/class/net/{link}/ifalias"))
        .unwrap()
        .trim_end()
        .to_string()
}

/// A link the test made by hand, deleted when dropped.
struct HandMade(&'static str);

impl Drop for HandMade {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["link", "del", self.0])
            .output();
    }
}

#[test]
fn two_state_roots_with_one_network_name_share_nothing() {
    let Some(a) = common::rooted("two_state_roots_with_one_network_name_share_nothing") else {
        return;
    };
    let b = Env::with_rootfs();
    let root = |e: &Env| {
        std::fs::canonicalize(&e.root)
            .unwrap()
            .display()
            .to_string()
    };
    for env in [&a, &b] {
        let out = env.run(&["network", "create", "t-twin"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Neither bridge is up yet, so both roots saw the same first free subnet.
    let first = subnet_of(&a, "t-twin");
    assert_eq!(subnet_of(&b, "t-twin"), first);
    let (bridge_a, bridge_b) = (a.bridge("t-twin"), b.bridge("t-twin"));
    assert_ne!(bridge_a, bridge_b, "one bridge per root");
    assert!(
        bridge_a.starts_with("dl-") && bridge_a.len() == 15,
        "{bridge_a}"
    );

    let (in_a, ip_a) = background(&a, "t-twin", &[], "sleep 30");
    assert_eq!(
        alias_of(&bridge_a),
        format!("dockling network t-twin in {}", root(&a)),
        "`ip link` says whose bridge it is"
    );
    // b's bridge comes up second: the host uses its subnet now (a's
    // bridge), and dockling chose it, so b's network moves to a free one.
    // Three runs start at once, all having read the old definition: each
    // reads it again under the lock, so all get addresses in the new one.
    let runs: Vec<std::process::Child> = (0..3)
        .map(|_| {
            b.cmd(&[
                "--trace",
                "json",
                "network",
                "--network",
                "t-twin",
                "--",
                "sh",
                "-c",
                "ip -4 -o addr show eth0 | awk '{print $4}'",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut moves = 0;
    let mut addrs = Vec::new();
    for c in runs {
        let out = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{err}");
        moves += usize::from(common::event(&err, "net_subnet_moved").is_some());
        addrs.push(String::from_utf8(out.stdout).unwrap().trim().to_string());
    }
    assert_eq!(moves, 1, "one run moved the network, and said so");
    let moved = subnet_of(&b, "t-twin");
    for a in &addrs {
        let ip: Ipv4Addr = a.strip_suffix("/24").unwrap().parse().unwrap();
        assert!(contains(&moved, ip), "{a} is not in {moved}: {addrs:?}");
    }
    let (in_b, ip_b) = background(&b, "t-twin", &[], "sleep 30");
    let (na, _) = parse_subnet(&first);
    let (nb, _) = parse_subnet(&moved);
    assert_ne!(na, nb, "b's network moved off a's subnet");
    assert!(
        contains(&first, ip_a) && contains(&moved, ip_b),
        "{ip_a} {ip_b}"
    );
    assert!(!contains(&first, ip_b) && !contains(&moved, ip_a));
    assert_eq!(
        alias_of(&bridge_b),
        format!("dockling network t-twin in {}", root(&b))
    );

    // Each root's containers reach their own gateway, not the other's containers.
    for (env, other) in [(&a, ip_b), (&b, ip_a)] {
        let gw = Ipv4Addr::from(u32::from(leases(env, "t-twin")[0]) & !0xff | 1);
        let (code, out, err) = env.sh(
            &["--trace", "quiet", "network", "--network", "t-twin"],
            &format!(
                "ping -c1 -W2 {gw} >/dev/null && echo own-gateway; \
                 ping -c1 -W1 {other} >/dev/null && echo REACHED || echo blocked"
            ),
        );
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(out, "own-gateway\nblocked\n", "{err}");
    }

    // A subnet given by hand that another root's bridge uses is refused at
    // create, naming the bridge and whose it is.
    let out = b.run(&["network", "create", "t-clash", "--subnet", &first]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.contains(&format!(
            "subnet {first} cannot be used: it overlaps the host's route {first} on {bridge_a} (dockling network t-twin in {})",
            root(&a)
        )),
        "{err}"
    );

    // Given by hand while the other root's bridge was not up yet, it is
    // refused when the bridge would come up, and never moved.
    for (env, name) in [(&a, "t-fixed"), (&b, "t-other")] {
        let out = env.run(&["network", "create", name, "--subnet", "10.147.222.0/24"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (fixed, _) = background(&a, "t-fixed", &[], "sleep 30");
    let out = b.run(&[
        "--trace",
        "quiet",
        "network",
        "--network",
        "t-other",
        "--",
        "true",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.contains(&format!(
            "network t-other: its subnet 10.147.222.0/24 is taken on this host now: it overlaps the host's route 10.147.222.0/24 on {}",
            a.bridge("t-fixed")
        )),
        "{err}"
    );
    assert_eq!(subnet_of(&b, "t-other"), "10.147.222.0/24");
    assert!(!link_exists(&b.bridge("t-other")));
    assert!(leases(&b, "t-other").is_empty());
    let runs = std::fs::read_dir(b.runs()).unwrap().count();
    assert_eq!(runs, 1, "only b's container on t-twin has a run directory");

    // A definition naming another root's bridge cannot adopt it, nor remove it.
    let stolen = b.root.join("networks/t-steal.json");
    std::fs::write(
        &stolen,
        format!(r#"{{"name": "t-steal", "subnet": "{first}", "bridge": "{bridge_a}"}}"#),
    )
    .unwrap();
    for args in [
        &[
            "--trace",
            "quiet",
            "network",
            "--network",
            "t-steal",
            "--",
            "true",
        ][..],
        &["network", "rm", "t-steal"][..],
    ] {
        let out = b.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "network t-steal: the host already has a link {bridge_a} that is not this network's bridge: \
                 its alias says it is \"dockling network t-twin in {}\"",
                root(&a)
            )),
            "{args:?}: {err}"
        );
    }
    assert!(link_exists(&bridge_a), "b removed a's bridge");
    std::fs::remove_file(&stolen).unwrap();
    // Nor a bridge with no alias: it may be anyone's.
    let bare = HandMade("dlt-bare");
    sh_ok("ip link add dlt-bare type bridge");
    std::fs::write(
        b.root.join("networks/t-bare.json"),
        r#"{"name": "t-bare", "subnet": "10.147.223.0/24", "bridge": "dlt-bare"}"#,
    )
    .unwrap();
    let out = b.run(&[
        "--trace",
        "quiet",
        "network",
        "--network",
        "t-bare",
        "--",
        "true",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.contains("dlt-bare that is not this network's bridge: it has no alias"),
        "{err}"
    );
    std::fs::remove_file(b.root.join("networks/t-bare.json")).unwrap();
    drop(bare);

    in_a.stop();
    in_b.stop();
    fixed.stop();
    finish(&a, "t-twin", &prefix_of(&first));
    finish(&b, "t-twin", &prefix_of(&moved));
    finish(&a, "t-fixed", "10.147.222.");
    remove_network(&b, "t-other");
    assert_eq!(a.bridges_left(), Vec::<String>::new());
    assert_eq!(b.bridges_left(), Vec::<String>::new());
}
