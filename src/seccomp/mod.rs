//! seccomp: a filter on which system calls the container may make at all.
//!
//! Capabilities decide what root may do *with* a system call; some calls
//! are dangerous whatever the capabilities say, because they reach kernel
//! code few programs need and many exploits use: `keyctl` (the kernel's
//! keyrings are not namespaced, so a container reads and writes the host
//! root's), `unshare(CLONE_NEWUSER)` (a user namespace hands back every
//! capability, over a namespace the container then owns), `bpf`,
//! `perf_event_open`, `userfaultfd`, `io_uring_setup`, module loading,
//! `kexec`. A seccomp filter is a small BPF program the kernel runs on
//! every system call of the process and its children: docker's default
//! allows about 350 calls and answers EPERM to the rest ([`profile`]).
//!
//! The filter is installed last before exec, after no_new_privs (which
//! lets a process without CAP_SYS_ADMIN install one), and cannot be
//! removed afterwards. The default program is compiled to BPF once, by
//! `build.rs`; another capability set (`--cap-add SYS_ADMIN` allows
//! `mount` again) is compiled before clone. `--security-opt
//! seccomp=unconfined` leaves it out, for the lesson's before and after.
//!
//! Lesson 2. Man pages: seccomp(2), prctl(2) (PR_SET_NO_NEW_PRIVS).

pub mod profile;

use caps::CapsHashSet;

/// One BPF instruction as build.rs writes it: (code, jt, jf, k).
type Insn = (u16, u8, u8, u32);

include!(concat!(env!("OUT_DIR"), "/seccomp_default.rs"));

/// The BPF programs to install, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    programs: Vec<Vec<Instruction>>,
    /// Whether it came ready-made from the build.
    pub prebuilt: bool,
}

/// One classic-BPF instruction, laid out as the kernel's `struct
/// sock_filter` (libc's has no `PartialEq` for the tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
struct Instruction {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

const _: () = assert!(
    std::mem::size_of::<Instruction>() == std::mem::size_of::<libc::sock_filter>()
        && std::mem::align_of::<Instruction>() == std::mem::align_of::<libc::sock_filter>()
);

/// The capabilities among `caps` that change the filter, as names.
fn gating(caps: &CapsHashSet) -> Vec<&'static str> {
    profile::gating_capabilities()
        .filter(|name| caps.iter().any(|c| c.to_string() == *name))
        .collect()
}

impl Filter {
    /// Docker's default filter for a container holding `caps`.
    pub fn for_capabilities(caps: &CapsHashSet) -> Filter {
        let gating = gating(caps);
        if let (Some(pre), true) = (PREBUILT, gating == profile::DEFAULT_GATING) {
            return Filter {
                programs: pre
                    .iter()
                    .map(|p| {
                        p.iter()
                            .map(|&(code, jt, jf, k)| Instruction { code, jt, jf, k })
                            .collect()
                    })
                    .collect(),
                prebuilt: true,
            };
        }
        Filter {
            programs: profile::programs(&gating)
                .into_iter()
                .map(|p| {
                    p.into_iter()
                        .map(|i| Instruction {
                            code: i.code,
                            jt: i.jt,
                            jf: i.jf,
                            k: i.k,
                        })
                        .collect()
                })
                .collect(),
            prebuilt: false,
        }
    }

    /// How many BPF instructions, over all programs.
    pub fn instructions(&self) -> usize {
        self.programs.iter().map(Vec::len).sum()
    }

    /// How many system calls the allow-list names.
    pub fn allowed_calls() -> usize {
        profile::ALLOWED.len() + profile::ALLOWED_X86_64.len() + profile::NEWER.len()
    }

    /// Install the programs in this process: `seccomp(SECCOMP_SET_MODE_FILTER)`.
    /// Needs no_new_privs (or CAP_SYS_ADMIN). Inherited by every child and
    /// kept across execve; it cannot be removed.
    pub fn install(&self) -> nix::Result<()> {
        for p in &self.programs {
            let prog = libc::sock_fprog {
                len: p.len() as u16,
                // Instruction has sock_filter's layout (checked above).
                filter: p.as_ptr() as *mut libc::sock_filter,
            };
            // SAFETY: prog points at `len` valid instructions for the call.
            let ret = unsafe {
                libc::syscall(
                    libc::SYS_seccomp,
                    libc::SECCOMP_SET_MODE_FILTER,
                    0,
                    &prog as *const libc::sock_fprog,
                )
            };
            if ret != 0 {
                return Err(nix::Error::last());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security;

    #[test]
    fn the_prebuilt_program_is_what_the_profile_compiles_to() {
        let default = security::kept(&[], &[]);
        assert_eq!(gating(&default), profile::DEFAULT_GATING);
        let pre = Filter::for_capabilities(&default);
        assert!(pre.prebuilt, "build.rs made no program for this target");
        let fresh = profile::programs(profile::DEFAULT_GATING);
        assert_eq!(pre.programs.len(), fresh.len());
        for (a, b) in pre.programs.iter().zip(&fresh) {
            let b: Vec<(u16, u8, u8, u32)> = b.iter().map(|i| (i.code, i.jt, i.jf, i.k)).collect();
            let a: Vec<(u16, u8, u8, u32)> = a.iter().map(|i| (i.code, i.jt, i.jf, i.k)).collect();
            assert_eq!(a, b);
        }
    }

    #[test]
    fn cap_sys_admin_changes_the_program_and_allows_mount() {
        let with = security::kept(&[caps::Capability::CAP_SYS_ADMIN], &[]);
        let f = Filter::for_capabilities(&with);
        assert!(!f.prebuilt);
        assert_eq!(f.programs.len(), 1, "no clone3 filter with CAP_SYS_ADMIN");
        assert_ne!(f, Filter::for_capabilities(&security::kept(&[], &[])));
    }

    #[test]
    fn the_dangerous_calls_are_not_on_the_list() {
        let listed: Vec<&str> = profile::ALLOWED
            .iter()
            .chain(profile::ALLOWED_X86_64)
            .chain(profile::NEWER)
            .map(|(n, _)| n.trim_start_matches("SYS_"))
            .collect();
        for bad in [
            "keyctl",
            "add_key",
            "request_key",
            "unshare",
            "setns",
            "mount",
            "bpf",
            "perf_event_open",
            "userfaultfd",
            "io_uring_setup",
            "io_uring_enter",
            "kexec_load",
            "kexec_file_load",
            "init_module",
            "finit_module",
            "open_by_handle_at",
            "clone",
            "clone3",
            "socket",
            "personality",
        ] {
            assert!(!listed.contains(&bad), "{bad} is allowed outright");
        }
        // No number twice with different names.
        let mut nrs: Vec<i64> = profile::ALLOWED
            .iter()
            .chain(profile::ALLOWED_X86_64)
            .chain(profile::NEWER)
            .map(|(_, nr)| *nr)
            .collect();
        let n = nrs.len();
        nrs.sort();
        nrs.dedup();
        assert_eq!(nrs.len(), n);
    }
}
