//! The three files that tell a program in the container who it is and how
//! to find names: /etc/resolv.conf, /etc/hosts and /etc/hostname.
//!
//! They are written per run and bind-mounted over the image's copies, as
//! docker does, so the image is never changed and `overlay` diffs do not
//! show them. resolv.conf comes from the host's, except that a loopback
//! resolver (systemd-resolved's 127.0.0.53 stub, dnsmasq on 127.0.0.1)
//! cannot be reached from the container's own loopback; then the stub's
//! upstream servers are used, or `--dns`, or public servers as docker falls
//! back to.
//!
//! Man pages: resolv.conf(5), hosts(5), hostname(5).

use std::net::Ipv4Addr;

use crate::msg;
use crate::narrate::messages::images as m;

/// docker's fallback when the host has only a loopback resolver.
pub const FALLBACK: [Ipv4Addr; 2] = [Ipv4Addr::new(8, 8, 8, 8), Ipv4Addr::new(8, 8, 4, 4)];
/// Where systemd-resolved writes the servers its 127.0.0.53 stub uses.
pub const RESOLVED_UPSTREAM: &str = "/run/systemd/resolve/resolv.conf";

/// A resolv.conf for the container, and where its servers came from:
/// `dns_flag` (--dns), `host`, `upstream` (systemd-resolved's servers
/// behind a loopback stub) or `fallback` (docker's).
pub fn resolv_conf(dns: &[Ipv4Addr], host: &str, upstream: Option<&str>) -> (String, String) {
    let servers = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("nameserver"))
            .map(|s| s.trim().to_string())
            .collect()
    };
    let usable = |list: Vec<String>| -> Vec<String> {
        list.into_iter()
            .filter(|s| !s.starts_with("127.") && s != "::1")
            .collect()
    };
    let others: Vec<&str> = host
        .lines()
        .filter(|l| {
            let l = l.trim();
            l.starts_with("search") || l.starts_with("options")
        })
        .collect();
    let (list, source) = if !dns.is_empty() {
        (
            dns.iter().map(|d| d.to_string()).collect(),
            "dns_flag".to_string(),
        )
    } else {
        let from_host = usable(servers(host));
        let had_loopback = !servers(host).is_empty() && from_host.is_empty();
        let from_upstream = upstream.map(|u| usable(servers(u))).unwrap_or_default();
        if !from_host.is_empty() {
            (from_host, "host".to_string())
        } else if had_loopback && !from_upstream.is_empty() {
            (from_upstream, "upstream".to_string())
        } else {
            (
                FALLBACK.iter().map(|d| d.to_string()).collect(),
                "fallback".to_string(),
            )
        }
    };
    let mut text = String::from("# written by dockling for this container\n");
    for l in others {
        text.push_str(l.trim());
        text.push('\n');
    }
    for s in &list {
        text.push_str(&format!("nameserver {s}\n"));
    }
    (text, source)
}

/// /etc/hosts: localhost, the container's own name, then each --add-host.
pub fn hosts(ip: Ipv4Addr, names: &[&str], extra: &[(String, Ipv4Addr)]) -> String {
    let mut text =
        String::from("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    text.push_str(&format!("{ip}\t{}\n", names.join(" ")));
    for (name, addr) in extra {
        text.push_str(&format!("{addr}\t{name}\n"));
    }
    text
}

/// Parse `--add-host NAME:IP`.
pub fn parse_add_host(arg: &str) -> Result<(String, Ipv4Addr), String> {
    let (name, ip) = arg
        .split_once(':')
        .ok_or_else(|| msg!(m::ADD_HOST_FORMAT, arg = format!("{arg:?}")))?;
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c));
    if !ok {
        return Err(msg!(
            m::ADD_HOST_BAD_NAME,
            arg = format!("{arg:?}"),
            name = format!("{name:?}")
        ));
    }
    let ip = ip.parse().map_err(|_| {
        msg!(
            m::ADD_HOST_BAD_IP,
            arg = format!("{arg:?}"),
            ip = format!("{ip:?}")
        )
    })?;
    Ok((name.to_string(), ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_stub_is_replaced_by_its_upstream() {
        let host = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n";
        let up = "nameserver 192.0.2.53\n";
        let (text, source) = resolv_conf(&[], host, Some(up));
        assert!(text.contains("nameserver 192.0.2.53\n"), "{text}");
        assert!(!text.contains("127.0.0.53"));
        assert!(text.contains("options edns0 trust-ad\n") && text.contains("search lan\n"));
        assert_eq!(source, "upstream");
        let (text, _) = resolv_conf(&[], host, None);
        assert!(text.contains("nameserver 8.8.8.8"));
        let (text, source) = resolv_conf(&[Ipv4Addr::new(192, 0, 2, 1)], host, Some(up));
        assert!(text.contains("nameserver 192.0.2.1\n") && source == "dns_flag");
        let (text, _) = resolv_conf(&[], "nameserver 192.0.2.7\n", None);
        assert!(text.contains("nameserver 192.0.2.7"));
    }

    #[test]
    fn hosts_and_add_host() {
        let extra = vec![parse_add_host("db:10.147.0.3").unwrap()];
        let text = hosts(Ipv4Addr::new(10, 147, 0, 2), &["web", "abc"], &extra);
        assert!(text.contains("10.147.0.2\tweb abc\n") && text.ends_with("10.147.0.3\tdb\n"));
        assert!(parse_add_host("db").is_err());
        assert!(parse_add_host("d b:1.2.3.4").is_err());
        assert!(parse_add_host("db:1.2.3").is_err());
    }
}
