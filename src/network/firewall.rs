//! Packet filter rules: NAT so containers reach out, isolation between
//! networks, and DNAT for published ports.
//!
//! The rules are written in iptables' own syntax and applied in one batch
//! with `iptables-restore --noflush` (one process per batch, instead of one
//! per rule). On Debian, Ubuntu and Fedora `iptables` is the nf_tables
//! frontend (`iptables -V` says "nf_tables"), so the same rules land in nft
//! on hosts that use nft. Every rule carries the comment `dockling` so that
//! `iptables-save | grep dockling` shows them all.
//!
//! Man pages: iptables(8), iptables-extensions(8), iptables-restore(8).

use std::io::Write;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use super::ipnet::Subnet;
use super::ports::{PortMap, Proto};
use super::store::BRIDGE_PREFIX;

/// One rule: the table, the chain, and its match and target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub table: String,
    pub chain: String,
    pub spec: String,
}

impl Rule {
    fn new(table: &str, chain: &str, spec: String) -> Rule {
        Rule {
            table: table.into(),
            chain: chain.into(),
            // The comment goes before the target, where iptables-save prints it.
            spec: match spec.find("-j ") {
                Some(at) => format!(
                    "{}-m comment --comment dockling {}",
                    &spec[..at],
                    &spec[at..]
                ),
                None => format!("{spec} -m comment --comment dockling"),
            },
        }
    }

    /// The rule as one `iptables` command, for narration.
    pub fn command(&self, op: &str) -> String {
        let table = if self.table == "filter" {
            String::new()
        } else {
            format!("-t {} ", self.table)
        };
        format!("iptables {table}{op} {} {}", self.chain, self.spec)
    }
}

/// Whether `rule` has exactly one of the shapes [`port_rules`] makes for
/// a container of `subnet` behind `bridge`: anything else in a journal was
/// not written by dockling, and `cleanup` must not hand it to iptables.
pub fn is_port_rule(rule: &Rule, bridge: &str, subnet: &Subnet) -> bool {
    let t: Vec<&str> = rule.spec.split(' ').collect();
    let proto = |s: &str| s == "tcp" || s == "udp";
    let port = |s: &str| s.parse::<u16>().is_ok_and(|p| p > 0);
    let host32 = |s: &str| {
        s.strip_suffix("/32")
            .is_some_and(|ip| ip.parse::<Ipv4Addr>().is_ok())
    };
    let in_subnet = |s: &str| s.parse::<Ipv4Addr>().is_ok_and(|ip| subnet.contains(ip));
    let target = |s: &str| {
        s.rsplit_once(':')
            .is_some_and(|(ip, p)| in_subnet(ip) && port(p))
    };
    // -p P DEST --dport N -m comment --comment dockling -j DNAT --to-destination IP:N
    let dnat = |t: &[&str]| -> bool {
        let dest_len = match t.get(2..) {
            Some(["-d", d, ..]) if host32(d) => 2,
            Some(["-m", "addrtype", "--dst-type", "LOCAL", ..]) => 4,
            _ => return false,
        };
        t.len() == 12 + dest_len
            && t[0] == "-p"
            && proto(t[1])
            && t[2 + dest_len] == "--dport"
            && port(t[3 + dest_len])
            && t[4 + dest_len..9 + dest_len] == ["-m", "comment", "--comment", "dockling", "-j"]
            && t[9 + dest_len] == "DNAT"
            && t[10 + dest_len] == "--to-destination"
            && target(t[11 + dest_len])
    };
    match (rule.table.as_str(), rule.chain.as_str()) {
        ("nat", "PREROUTING") => dnat(&t),
        ("nat", "OUTPUT") => t.starts_with(&["!", "-d", "127.0.0.0/8"]) && dnat(&t[3..]),
        // -d IP/32 ! -i BR -o BR -p P --dport N -m comment --comment dockling -j ACCEPT
        ("filter", "FORWARD") => {
            t.len() == 17
                && t[0] == "-d"
                && t[1].strip_suffix("/32").is_some_and(in_subnet)
                && t[2..7] == ["!", "-i", bridge, "-o", bridge]
                && t[7] == "-p"
                && proto(t[8])
                && t[9] == "--dport"
                && port(t[10])
                && t[11..16] == ["-m", "comment", "--comment", "dockling", "-j"]
                && t[16] == "ACCEPT"
        }
        _ => false,
    }
}

/// A network's own rules, present while its bridge is up, in the order
/// they must match (they are inserted at the top of each chain).
pub fn network_rules(bridge: &str, subnet: &Subnet) -> Vec<Rule> {
    let any = format!("{BRIDGE_PREFIX}+");
    vec![
        // Outbound: rewrite the container's source address to the host's.
        Rule::new(
            "nat",
            "POSTROUTING",
            format!("-s {subnet} ! -o {bridge} -j MASQUERADE"),
        ),
        // Containers on this network talk to each other.
        Rule::new(
            "filter",
            "FORWARD",
            format!("-i {bridge} -o {bridge} -j ACCEPT"),
        ),
        // …but not to containers on another dockling network.
        Rule::new("filter", "FORWARD", format!("-i {bridge} -o {any} -j DROP")),
        // Everything else from the containers may leave (even under a DROP policy)…
        Rule::new("filter", "FORWARD", format!("-i {bridge} -j ACCEPT")),
        // …and replies come back in.
        Rule::new(
            "filter",
            "FORWARD",
            format!("-o {bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
        ),
    ]
}

/// The rules that publish one container port: DNAT for packets that arrive
/// for the host port (PREROUTING from outside, OUTPUT from the host itself),
/// and an ACCEPT for the forwarded packets. Loopback-only mappings get no
/// DNAT: 127.0.0.1 is served by the userspace proxy alone.
pub fn port_rules(map: &PortMap, bridge: &str, container: Ipv4Addr) -> Vec<Rule> {
    if map.host_ip.is_some_and(|ip| ip.is_loopback()) {
        return Vec::new();
    }
    let proto = match map.proto {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
    };
    let dest = match map.host_ip {
        Some(ip) if !ip.is_unspecified() => format!("-d {ip}/32"),
        _ => "-m addrtype --dst-type LOCAL".to_string(),
    };
    let dnat = format!(
        "-p {proto} {dest} --dport {} -j DNAT --to-destination {container}:{}",
        map.host_port, map.container_port
    );
    vec![
        Rule::new("nat", "PREROUTING", dnat.clone()),
        Rule::new("nat", "OUTPUT", format!("! -d 127.0.0.0/8 {dnat}")),
        Rule::new(
            "filter",
            "FORWARD",
            format!(
                "-d {container}/32 ! -i {bridge} -o {bridge} -p {proto} --dport {} -j ACCEPT",
                map.container_port
            ),
        ),
    ]
}

/// The iptables-restore input that inserts (`-I`) or deletes (`-D`) `rules`.
/// Insertions go in reverse so that the first rule ends up on top.
pub fn restore_text(rules: &[Rule], op: &str) -> String {
    let mut out = String::new();
    for table in ["nat", "filter"] {
        let mut in_table: Vec<&Rule> = rules.iter().filter(|r| r.table == table).collect();
        if in_table.is_empty() {
            continue;
        }
        if op == "-I" {
            in_table.reverse();
        }
        out.push_str(&format!("*{table}\n"));
        for r in in_table {
            out.push_str(&format!("{op} {} {}\n", r.chain, r.spec));
        }
        out.push_str("COMMIT\n");
    }
    out
}

/// Start iptables-restore with `text` on its stdin; [`finish`] waits.
fn start(text: &str) -> std::io::Result<std::process::Child> {
    let mut child = Command::new("iptables-restore")
        .args(["--noflush", "--wait"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot run iptables-restore ({e}); install iptables"),
            )
        })?;
    // Dropping stdin closes it: iptables-restore then commits and exits.
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(text.as_bytes())?;
    Ok(child)
}

fn finish(child: std::process::Child) -> std::io::Result<()> {
    let out = child.wait_with_output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "iptables-restore failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

fn restore(text: &str) -> std::io::Result<()> {
    finish(start(text)?)
}

/// Insert the rules, all or none (iptables-restore commits each table at once).
pub fn insert(rules: &[Rule]) -> std::io::Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    restore(&restore_text(rules, "-I"))
}

/// Delete the rules, running `meanwhile` while iptables-restore works (each
/// commit waits for the kernel's RCU grace period; so does deleting a
/// link, so the two overlap instead of adding up). When the batch fails
/// (some rule was already gone), each rule is deleted on its own so that
/// the others still go. Returns whether anything was deleted.
pub fn delete_while<T>(
    rules: &[Rule],
    meanwhile: impl FnOnce() -> T,
) -> (std::io::Result<bool>, T) {
    if rules.is_empty() {
        return (Ok(false), meanwhile());
    }
    let batch = start(&restore_text(rules, "-D"));
    let result = meanwhile();
    if batch.and_then(finish).is_ok() {
        return (Ok(true), result);
    }
    let mut any = false;
    for r in rules {
        any |= restore(&restore_text(std::slice::from_ref(r), "-D")).is_ok();
    }
    (Ok(any), result)
}

/// The FORWARD chain's policy (`iptables -S FORWARD`): "ACCEPT" or "DROP".
pub fn forward_policy() -> String {
    Command::new("iptables")
        .args(["--wait", "-S", "FORWARD"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("-P FORWARD ").map(str::to_string))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Whether iptables-restore is installed: looked up on PATH rather than
/// run, since starting it costs about 10 ms (a quarter of a networked run).
pub fn available() -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(dir.join("iptables-restore"))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_rules_keep_their_order_when_inserted() {
        let rules = network_rules("dl-blue", &"10.147.9.0/24".parse().unwrap());
        let text = restore_text(&rules, "-I");
        let filter: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("-I FORWARD"))
            .collect();
        // Inserted at the top one after another: the last line inserted ends first.
        assert!(filter[0].contains("ctstate"), "{text}");
        assert!(
            filter[3].contains("-i dl-blue -o dl-blue -m comment --comment dockling -j ACCEPT"),
            "{text}"
        );
        assert!(text.starts_with("*nat\n-I POSTROUTING -s 10.147.9.0/24 ! -o dl-blue -m comment --comment dockling -j MASQUERADE"));
        assert!(
            restore_text(&rules, "-D")
                .contains("-D FORWARD -i dl-blue -o dl-+ -m comment --comment dockling -j DROP")
        );
        assert_eq!(
            rules[0].command("-A"),
            "iptables -t nat -A POSTROUTING -s 10.147.9.0/24 ! -o dl-blue -m comment --comment dockling -j MASQUERADE"
        );
    }

    #[test]
    fn port_rules_by_host_address() {
        let ip = Ipv4Addr::new(10, 147, 9, 2);
        let all: PortMap = "8080:80".parse().unwrap();
        let r = port_rules(&all, "dl-blue", ip);
        assert_eq!(r.len(), 3);
        assert!(r[0].spec.contains("--dst-type LOCAL --dport 8080 -m comment --comment dockling -j DNAT --to-destination 10.147.9.2:80"));
        let lo: PortMap = "127.0.0.1:8080:80".parse().unwrap();
        assert!(port_rules(&lo, "dl-blue", ip).is_empty());
        let udp: PortMap = "192.0.2.1:53:5353/udp".parse().unwrap();
        assert!(
            port_rules(&udp, "dl-blue", ip)[0]
                .spec
                .starts_with("-p udp -d 192.0.2.1/32 --dport 53")
        );
    }
}
