//! Booting a real virtual machine and timing it from the host.
//!
//! Three kinds, each with its own honest name: user-mode Linux (a guest
//! kernel built as an ordinary program: its "hardware" is the host's
//! system calls), qemu with KVM (hardware virtualisation: the guest's code
//! runs on the CPU, the kernel's kvm module traps what it must not do) and
//! qemu with TCG (no help from the CPU: qemu translates every guest
//! instruction). All three boot a kernel with the initramfs and run its
//! /dockling-init. The serial console (UML: its stdout) is a pipe that a
//! thread reads line by line, stamping each with the time it arrived; the
//! VM's memory is its process's peak resident set (VmHWM in
//! /proc/PID/status), read when the end line arrives. A VM that prints no
//! start line in time (nested KVM hangs in the guest's boot) is killed,
//! with its whole process group, and reported as unusable, as is one that
//! dies first.
//!
//! Man pages: qemu-system-x86_64(1), proc(5) (/proc/PID/status);
//! the kernel's Documentation/virt/uml/user_mode_linux_howto_v2.rst.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::probe::{self, Line};
use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;

/// What the guest is given: enough for Debian's kernel and the unpacked
/// initramfs, as a small cloud VM would have.
pub const MEMORY_MIB: u64 = 256;

/// How long a guest may take to print its start line. A working KVM
/// boots in about a second; nested KVM that hangs would hang forever.
pub const KVM_TIMEOUT: Duration = Duration::from_secs(10);
/// Emulation boots Debian's kernel in a few seconds on a fast machine;
/// a slow CI machine gets ample room.
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(90);
/// After the end line the guest powers off at once; one that does not is killed.
const POWEROFF_TIMEOUT: Duration = Duration::from_secs(10);

pub const QEMU: &str = "qemu-system-x86_64";
/// Debian's user-mode-linux package installs the UML kernel as `linux`.
pub const UML: &str = "linux";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Uml,
    Kvm,
    Tcg,
}

impl Kind {
    /// The id the catalog knows it by.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Uml => "uml",
            Kind::Kvm => "kvm",
            Kind::Tcg => "tcg",
        }
    }

    /// The program that runs it, and the Debian package with it.
    pub fn program(self) -> (&'static str, &'static str) {
        match self {
            Kind::Uml => (UML, "user-mode-linux"),
            Kind::Kvm | Kind::Tcg => (QEMU, "qemu-system-x86"),
        }
    }

    pub fn timeout(self) -> Duration {
        match self {
            Kind::Kvm => KVM_TIMEOUT,
            Kind::Uml | Kind::Tcg => BOOT_TIMEOUT,
        }
    }
}

/// Where a program is on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The command line that boots `kind`. `kernel` is the guest kernel for
/// qemu; UML is its own kernel. `initrd` is a path the VM can open.
pub fn argv(
    kind: Kind,
    program: &Path,
    kernel: &Path,
    initrd: &Path,
    uml_dir: &Path,
) -> Vec<String> {
    let mut v = vec![program.display().to_string()];
    // Only the kernel's own serious messages on the console: the
    // command's output comes through it too.
    let quiet = "quiet loglevel=1";
    if kind == Kind::Uml {
        v.extend(quiet.split(' ').map(String::from));
    }
    match kind {
        Kind::Uml => v.extend([
            format!("mem={MEMORY_MIB}M"),
            format!("initrd={}", initrd.display()),
            format!("rdinit=/{}", probe::GUEST_INIT),
            // The console on UML's stdout; no other terminals.
            "con0=fd:0,fd:1".into(),
            "con=null".into(),
            "ssl=null".into(),
            // Its control socket's directory, removed afterwards.
            format!("uml_dir={}", uml_dir.display()),
        ]),
        Kind::Kvm | Kind::Tcg => {
            v.extend(
                [
                    "-accel",
                    kind.id(),
                    "-m",
                    &MEMORY_MIB.to_string(),
                    "-smp",
                    "1",
                    "-nodefaults",
                    "-no-user-config",
                    "-display",
                    "none",
                    "-serial",
                    "stdio",
                    "-no-reboot",
                    "-kernel",
                ]
                .map(String::from),
            );
            v.push(kernel.display().to_string());
            v.push("-initrd".into());
            v.push(initrd.display().to_string());
            v.push("-append".into());
            v.push(format!(
                "console=ttyS0 {quiet} panic=-1 rdinit=/{}",
                probe::GUEST_INIT
            ));
        }
    }
    v
}

/// Where the by-hand line of `compare_initramfs` writes the archive.
pub const BY_HAND_INITRD: &str = "/tmp/initramfs.cpio";

/// The same VM as a student can start it by hand: the archive where the
/// initramfs step's by-hand line wrote it (the memfd is gone with
/// dockling), a shell as the guest's init instead of the script, and no
/// directory of dockling's.
pub fn by_hand(argv: &[String], initrd: &Path) -> Vec<String> {
    let initrd = initrd.display().to_string();
    let init = format!("rdinit=/{}", probe::GUEST_INIT);
    argv.iter()
        .filter(|a| !a.starts_with("uml_dir="))
        .map(|a| {
            a.replace(&initrd, BY_HAND_INITRD)
                .replace(&init, "rdinit=/bin/sh")
        })
        .collect()
}

/// What a VM that ran the command showed.
#[derive(Debug, Clone)]
pub struct Ran {
    pub kind: Kind,
    /// From spawning the VM to its start line.
    pub start: Duration,
    /// From spawning the VM to its exit.
    pub total: Duration,
    /// The VM process's peak resident memory, in bytes.
    pub peak_rss: u64,
    pub start_pids: u32,
    pub end_pids: u32,
    pub kernel: String,
    pub code: i32,
    /// What the command printed (stdout and stderr, through the console).
    pub output: String,
}

/// Why a kind of VM could not run the command here.
#[derive(Debug, Clone)]
pub enum Unusable {
    /// No start line in time; the VM was killed.
    Hung(Duration),
    /// The VM ended before the start line.
    Crashed { status: String, last: String },
}

/// Boot `argv` and wait for the guest to run the command.
pub fn boot(kind: Kind, argv: &[String], tag: &str) -> Result<Result<Ran, Unusable>, Error> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that a timeout kills UML's helper
        // processes too.
        .process_group(0);
    // SAFETY: prctl(2) is async-signal-safe; it only asks the kernel to
    // SIGKILL the VM if dockling dies first.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let began = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(Error::io("start the VM program", &argv[0]))?;
    let pid = child.id();
    let lines = read_lines(child.stdout.take().expect("piped"));
    let stderr = read_all(child.stderr.take().expect("piped"));
    let mut console: Vec<String> = Vec::new();
    // Up to the start line, within the kind's time.
    let deadline = began + kind.timeout();
    let (start, start_pids, kernel) = loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(wait) {
            Ok((at, text)) => match probe::parse(tag, &text) {
                Line::Start { pids, kernel } => break (at - began, pids, kernel),
                _ => console.push(text),
            },
            Err(mpsc::RecvTimeoutError::Timeout) => {
                kill(&mut child);
                return Ok(Err(Unusable::Hung(kind.timeout())));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait().map_err(Error::io("wait for", &argv[0]))?;
                let err = stderr.join().unwrap_or_default();
                let last = console
                    .iter()
                    .chain(err.lines().map(str::to_string).collect::<Vec<_>>().iter())
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .cloned()
                    .unwrap_or_default();
                return Ok(Err(Unusable::Crashed {
                    status: status.to_string(),
                    last: last.trim().to_string(),
                }));
            }
        }
    };
    // The command runs as long as it runs; then the end line.
    let mut output = String::new();
    let mut end = None;
    for (_, text) in lines.iter() {
        match probe::parse(tag, &text) {
            Line::End { code, pids } => {
                end = Some((code, pids, peak_rss(pid)));
                break;
            }
            Line::Start { .. } => {}
            Line::Other(l) => {
                output.push_str(&l);
                output.push('\n');
            }
        }
    }
    let Some((code, end_pids, peak_rss)) = end else {
        let status = child.wait().map_err(Error::io("wait for", &argv[0]))?;
        return Err(Error::Hinted {
            message: msg!(
                m::COMPARE_VM_ENDED,
                status = status,
                last = output.lines().last().unwrap_or_default()
            ),
            hint: msg!(m::COMPARE_VM_ENDED_HINT),
        });
    };
    let deadline = Instant::now() + POWEROFF_TIMEOUT;
    while child
        .try_wait()
        .map_err(Error::io("wait for", &argv[0]))?
        .is_none()
    {
        if Instant::now() > deadline {
            kill(&mut child);
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let total = began.elapsed();
    Ok(Ok(Ran {
        kind,
        start,
        total,
        peak_rss: peak_rss.unwrap_or(0),
        start_pids,
        end_pids,
        kernel,
        code,
        output,
    }))
}

/// SIGKILL the VM's process group, and reap the VM.
fn kill(child: &mut Child) {
    // The group is the VM's own (process_group(0)): its pid.
    let group = nix::unistd::Pid::from_raw(-(child.id() as i32));
    // Already gone: nothing to kill.
    let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGKILL);
    let _ = child.wait();
}

/// Lines from `r` with the time each arrived, until end of file.
pub fn read_lines(r: impl Read + Send + 'static) -> mpsc::Receiver<(Instant, String)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(r);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let at = Instant::now();
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    if tx.send((at, text)).is_err() {
                        break;
                    }
                }
            }
        }
    });
    rx
}

/// All of `r`, read on a thread of its own.
pub fn read_all(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        // A read error ends it; what came so far is all there is.
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// A process's peak resident memory (VmHWM), in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_and_uml_boot_the_initramfs_script_and_by_hand_a_shell() {
        let (initrd, dir) = (
            Path::new("/proc/7/fd/3"),
            Path::new("/run/dockling/compare-7"),
        );
        let tcg = argv(
            Kind::Tcg,
            Path::new("/usr/bin/qemu-system-x86_64"),
            Path::new("/k"),
            initrd,
            dir,
        );
        let line = tcg.join(" ");
        assert!(
            line.starts_with("/usr/bin/qemu-system-x86_64 -accel tcg -m 256 "),
            "{line}"
        );
        assert!(line.contains(" -kernel /k -initrd /proc/7/fd/3 "), "{line}");
        assert!(line.ends_with("rdinit=/dockling-init"), "{line}");
        let kvm = argv(Kind::Kvm, Path::new("qemu"), Path::new("/k"), initrd, dir);
        assert_eq!(kvm[1..3], ["-accel", "kvm"]);
        let uml = argv(
            Kind::Uml,
            Path::new("/usr/bin/linux"),
            Path::new("/usr/bin/linux"),
            initrd,
            dir,
        );
        assert!(uml.contains(&"initrd=/proc/7/fd/3".to_string()), "{uml:?}");
        assert!(
            uml.contains(&"uml_dir=/run/dockling/compare-7".to_string()),
            "{uml:?}"
        );
        assert!(uml.contains(&"mem=256M".to_string()), "{uml:?}");
        // By hand: the archive the initramfs step's line writes, a shell
        // as init, nothing of dockling's.
        let hand = by_hand(&uml, initrd).join(" ");
        assert!(
            hand.contains("initrd=/tmp/initramfs.cpio rdinit=/bin/sh"),
            "{hand}"
        );
        assert!(
            !hand.contains("uml_dir") && !hand.contains("/proc/7"),
            "{hand}"
        );
        let hand = by_hand(&tcg, initrd).join(" ");
        assert!(hand.contains("-initrd /tmp/initramfs.cpio "), "{hand}");
        assert!(hand.ends_with("rdinit=/bin/sh"), "{hand}");
    }

    #[test]
    fn peak_rss_reads_vmhwm() {
        let own = peak_rss(std::process::id()).unwrap();
        assert!(own > 1 << 20, "{own}");
        assert_eq!(peak_rss(u32::MAX), None);
    }
}
