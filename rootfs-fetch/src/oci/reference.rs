//! Image references, normalised the way docker normalises them.
//!
//! `alpine` means `docker.io/library/alpine:latest`; the first component is
//! a registry host only if it has a `.` or a `:`, is `localhost`, or has
//! capitals; a reference names a tag, a digest (`name@sha256:…`) or both.
//! Docker Hub's API lives at `registry-1.docker.io`. The grammar is that of
//! the distribution project's `reference` package.

use std::fmt;
use std::str::FromStr;

use super::digest::Digest;

pub const DOCKER_HUB: &str = "docker.io";
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";
pub const DEFAULT_TAG: &str = "latest";
const NAME_MAX: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The registry as people write it: `docker.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// The repository path: `library/alpine`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

impl Reference {
    /// The host (and port) to send API requests to.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// Whether plain http is allowed without `--insecure-registry`: only
    /// for this machine's own loopback addresses.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.registry)
    }

    /// What the manifest is asked for by: the digest when there is one.
    pub fn manifest_ref(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => DEFAULT_TAG.into(),
        }
    }

    /// `docker.io/library/alpine` (no tag, no digest).
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The short form `docker images` shows: `alpine`, `127.0.0.1:5000/x`.
    pub fn familiar_name(&self) -> String {
        if self.registry == DOCKER_HUB {
            self.repository
                .strip_prefix("library/")
                .unwrap_or(&self.repository)
                .to_string()
        } else {
            self.name()
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

fn valid_component(c: &str) -> bool {
    // [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
    let b = c.as_bytes();
    if b.is_empty() || !is_alnum(b[0]) || !is_alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if is_alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !is_alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn valid_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

fn valid_host(h: &str) -> bool {
    let (host, port) = match h.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || h.starts_with('[') => (host, Some(port)),
        _ => (h, None),
    };
    if let Some(p) = port
        && (p.is_empty() || p.len() > 5 || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return false;
    }
    if host.starts_with('[') && host.ends_with(']') {
        return host[1..host.len() - 1]
            .parse::<std::net::Ipv6Addr>()
            .is_ok();
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

impl FromStr for Reference {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            crate::msg!(
                crate::messages::BAD_REFERENCE,
                input = format!("{input:?}"),
                reason = why
            )
        };
        if input.is_empty() {
            return Err(bad(&crate::messages::REF_EMPTY.to_string()));
        }
        let (rest, digest) = match input.split_once('@') {
            Some((r, d)) => (r, Some(d.parse::<Digest>().map_err(|e| bad(&e))?)),
            None => (input, None),
        };
        // A tag is after the last ':' that comes after the last '/'.
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
            _ => (rest, None),
        };
        if let Some(t) = tag
            && !valid_tag(t)
        {
            return Err(bad(&crate::msg!(
                crate::messages::REF_BAD_TAG,
                tag = format!("{t:?}")
            )));
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.')
                    || first.contains(':')
                    || first == "localhost"
                    || first.bytes().any(|c| c.is_ascii_uppercase()) =>
            {
                if !valid_host(first) {
                    return Err(bad(&crate::msg!(
                        crate::messages::REF_BAD_HOST,
                        host = format!("{first:?}")
                    )));
                }
                (first.to_string(), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" {
            DOCKER_HUB.to_string()
        } else {
            registry
        };
        let repository = if registry == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        if let Some(c) = repository.split('/').find(|c| !valid_component(c)) {
            return Err(bad(&crate::msg!(
                crate::messages::REF_BAD_COMPONENT,
                component = format!("{c:?}")
            )));
        }
        if registry.len() + 1 + repository.len() > NAME_MAX {
            return Err(bad(&crate::messages::REF_TOO_LONG.to_string()));
        }
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some(DEFAULT_TAG.to_string()),
            (None, Some(_)) => None,
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }
}

/// Whether `host` (with or without a port) is this machine's loopback:
/// `localhost`, 127.0.0.0/8 or `[::1]`. Traffic to it never leaves the
/// machine, so plain http there cannot be read by anyone on the network.
pub fn is_loopback_host(host: &str) -> bool {
    let host = match host.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => {
            if h.contains(':') && !h.starts_with('[') {
                host // a bare IPv6 address: its last group is not a port
            } else {
                h
            }
        }
        _ => host,
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        s.parse::<Reference>().unwrap().to_string()
    }

    #[test]
    fn normalised_like_docker() {
        assert_eq!(n("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(n("alpine:3.20"), "docker.io/library/alpine:3.20");
        assert_eq!(n("library/alpine"), "docker.io/library/alpine:latest");
        assert_eq!(n("user/app:v1"), "docker.io/user/app:v1");
        assert_eq!(
            n("index.docker.io/library/alpine"),
            "docker.io/library/alpine:latest"
        );
        assert_eq!(n("docker.io/alpine"), "docker.io/library/alpine:latest");
        assert_eq!(n("ghcr.io/org/tool:1.0"), "ghcr.io/org/tool:1.0");
        assert_eq!(n("localhost/app"), "localhost/app:latest");
        assert_eq!(n("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(n("127.0.0.1:5000/a/b/c:t"), "127.0.0.1:5000/a/b/c:t");
        assert_eq!(n("quay.io/a_b/c-d.e__f:x"), "quay.io/a_b/c-d.e__f:x");
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            n(&format!("alpine@{d}")),
            format!("docker.io/library/alpine@{d}")
        );
        assert_eq!(
            n(&format!("alpine:3@{d}")),
            format!("docker.io/library/alpine:3@{d}")
        );
        let r: Reference = "alpine".parse().unwrap();
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.familiar_name(), "alpine");
        assert!(!r.is_loopback());
        assert!(
            "127.0.0.1:5000/x"
                .parse::<Reference>()
                .unwrap()
                .is_loopback()
        );
        assert!("localhost/x".parse::<Reference>().unwrap().is_loopback());
        assert!(
            !"10.0.0.1:5000/x"
                .parse::<Reference>()
                .unwrap()
                .is_loopback()
        );
        for host in [
            "127.0.0.2:5000",
            "localhost",
            "LOCALHOST:1",
            "[::1]:80",
            "[::1]",
            "::1",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "10.0.0.1",
            "127.0.0.1.example.com",
            "[::2]:80",
            "192.0.2.1:443",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn bad_references_name_the_problem() {
        for (input, says) in [
            ("", "empty"),
            ("Alpine", "component"),
            ("alpine:", "tag"),
            ("alpine:-x", "tag"),
            ("alpine:a/b", "registry host"),
            ("a//b", "component"),
            ("alpine@sha256:abc", "digest"),
            ("alpine@md5:0123", "digest"),
            ("-x", "component"),
            ("x_", "component"),
            ("bad_host:port/x", "registry host"),
        ] {
            let e = input.parse::<Reference>().unwrap_err();
            assert!(e.contains(says), "{input:?}: {e}");
        }
        let long = format!("x/{}", "a".repeat(260));
        assert!(long.parse::<Reference>().unwrap_err().contains("255"));
    }
}
