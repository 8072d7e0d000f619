//! Capabilities and no_new_privs: root inside, but not all of root's powers.
//!
//! Linux splits root's privileges into ~40 capabilities. A container's
//! process is uid 0, yet it must not load kernel modules (CAP_SYS_MODULE),
//! mount filesystems (CAP_SYS_ADMIN), reconfigure the host's network
//! (CAP_NET_ADMIN) or trace other processes (CAP_SYS_PTRACE). dockling keeps
//! docker's default set and drops the rest from every set: bounding (the
//! limit for anything exec'd later), effective and permitted; inheritable
//! and ambient are emptied. no_new_privs then stops a setuid binary from
//! gaining more.
//!
//! Lesson 2. Man pages: capabilities(7), prctl(2) (PR_SET_NO_NEW_PRIVS).

use crate::msg;
use crate::narrate::messages::containers as m;
use std::collections::HashSet;

use caps::{CapSet, Capability, CapsHashSet};

/// docker's default capability set (moby's `oci/caps/defaults.go`): what
/// ordinary programs running as root need, and nothing that reaches the host.
pub const DOCKER_DEFAULT: &[Capability] = &[
    Capability::CAP_CHOWN,
    Capability::CAP_DAC_OVERRIDE,
    Capability::CAP_FSETID,
    Capability::CAP_FOWNER,
    Capability::CAP_MKNOD,
    Capability::CAP_NET_RAW,
    Capability::CAP_SETGID,
    Capability::CAP_SETUID,
    Capability::CAP_SETFCAP,
    Capability::CAP_SETPCAP,
    Capability::CAP_NET_BIND_SERVICE,
    Capability::CAP_SYS_CHROOT,
    Capability::CAP_KILL,
    Capability::CAP_AUDIT_WRITE,
];

/// Parse `net_admin`, `NET_ADMIN` or `CAP_NET_ADMIN`; `ALL` means every one.
pub fn parse(name: &str) -> Result<Vec<Capability>, String> {
    let upper = name.to_ascii_uppercase();
    if upper == "ALL" {
        return Ok(caps::all().into_iter().collect());
    }
    let full = if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    };
    full.parse::<Capability>()
        .map(|c| vec![c])
        .map_err(|_| msg!(m::UNKNOWN_CAPABILITY, name = format!("{name:?}")))
}

/// The set to keep: docker's default, plus `add`, minus `drop`.
pub fn kept(add: &[Capability], drop: &[Capability]) -> CapsHashSet {
    let mut set: CapsHashSet = DOCKER_DEFAULT.iter().copied().collect();
    set.extend(add.iter().copied());
    for c in drop {
        set.remove(c);
    }
    set
}

/// Names, sorted, for narration: `CAP_CHOWN, CAP_KILL, …`.
pub fn names(set: &HashSet<Capability>) -> String {
    let mut v: Vec<String> = set.iter().map(|c| c.to_string()).collect();
    v.sort();
    v.join(", ")
}

/// Reduce this process to `keep` in every capability set.
pub fn drop_to(keep: &CapsHashSet) -> Result<usize, caps::errors::CapsError> {
    let mut dropped = 0;
    // The bounding set first: dropping from it needs CAP_SETPCAP, which
    // may be among the capabilities dropped from the other sets next.
    for cap in caps::all() {
        if !keep.contains(&cap) && caps::has_cap(None, CapSet::Bounding, cap).unwrap_or(false) {
            caps::drop(None, CapSet::Bounding, cap)?;
            dropped += 1;
        }
    }
    caps::clear(None, CapSet::Ambient)?;
    // Inheritable empty, as docker since CVE-2022-24769: a program with
    // inheritable file capabilities would otherwise gain them at exec.
    caps::clear(None, CapSet::Inheritable)?;
    caps::set(None, CapSet::Effective, keep)?;
    caps::set(None, CapSet::Permitted, keep)?;
    Ok(dropped)
}

/// PR_SET_NO_NEW_PRIVS: execve can never grant more privileges than now.
pub fn set_no_new_privs() -> nix::Result<()> {
    nix::sys::prctl::set_no_new_privs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_in_every_spelling() {
        for s in ["net_admin", "NET_ADMIN", "cap_net_admin"] {
            assert_eq!(parse(s).unwrap(), [Capability::CAP_NET_ADMIN]);
        }
        assert!(
            parse("flying")
                .unwrap_err()
                .contains("unknown capability \"flying\"")
        );
        assert!(parse("all").unwrap().len() > 30);
    }

    #[test]
    fn the_default_set_excludes_the_dangerous_ones() {
        let k = kept(&[], &[]);
        for c in [
            Capability::CAP_SYS_ADMIN,
            Capability::CAP_SYS_MODULE,
            Capability::CAP_NET_ADMIN,
            Capability::CAP_SYS_PTRACE,
        ] {
            assert!(!k.contains(&c), "{c}");
        }
        let k = kept(&[Capability::CAP_NET_ADMIN], &[Capability::CAP_CHOWN]);
        assert!(k.contains(&Capability::CAP_NET_ADMIN) && !k.contains(&Capability::CAP_CHOWN));
    }
}
