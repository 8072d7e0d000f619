//! A second kernel for the tests: a small virtual machine (qemu) booting
//! Debian's kernel, whose root is this host's own filesystem shared over
//! 9p, so the test binary and dockling are simply there.
//!
//! Tests use it for what the host cannot show: a pure cgroup v2 hierarchy
//! (this host has v1 controllers), and with it the v2 device program. The
//! guest mounts its own /proc, /sys, cgroup2, /dev, and tmpfs on /tmp and
//! /run, then runs a shell script as root and powers off. The host reads
//! the script's output and exit status from a directory both see.
//!
//! `scripts/dev test` fetches the kernel (`scripts/guest-kernel`) into
//! `target/guest/`: Debian's `linux-image-amd64` and the modules that 9p
//! needs. qemu runs without KVM by default: the CI machine is itself a VM
//! whose nested KVM hangs in the guest's decompressor; software emulation
//! boots in about three seconds. `DOCKLING_GUEST_ACCEL=kvm` tries KVM.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Modules the guest loads from its initramfs, dependencies first.
pub const MODULES: &[&str] = &[
    "virtio_ring",
    "virtio",
    "virtio_pci_legacy_dev",
    "virtio_pci_modern_dev",
    "virtio_pci",
    "netfs",
    "fscache",
    "9pnet",
    "9pnet_virtio",
    "9p",
    // Block devices made of files, for the device rules' tests.
    "loop",
    // Stage 4's layers.
    "overlay",
];

pub const QEMU: &str = "qemu-system-x86_64";

pub struct Guest {
    /// `target/guest`: vmlinuz and modules/*.ko.
    dir: PathBuf,
}

/// Where `scripts/guest-kernel` put the kernel: `DOCKLING_GUEST_DIR`, or
/// this crate's `target/guest`.
pub fn dir() -> PathBuf {
    std::env::var_os("DOCKLING_GUEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/guest"))
}

/// The guest, or `None` after saying loudly why it cannot run (a failure
/// in CI, where everything must run).
pub fn require(test: &str) -> Option<Guest> {
    let dir = dir();
    let missing = if !dir.join("vmlinuz").exists() {
        Some(format!(
            "{} has no guest kernel (scripts/guest-kernel fetches it; scripts/dev test runs that)",
            dir.display()
        ))
    } else if Command::new(QEMU).arg("--version").output().is_err() {
        Some(format!(
            "{QEMU} is missing (apt-get install qemu-system-x86; scripts/dev test installs it)"
        ))
    } else {
        None
    };
    match missing {
        None => Some(Guest { dir }),
        Some(why) => {
            let msg = format!("NOT RUN: {test}: {why}");
            assert!(
                std::env::var_os("CI").is_none(),
                "{msg} — CI must run every test"
            );
            eprintln!("\n!!!!!!!! {msg} !!!!!!!!\n");
            None
        }
    }
}

/// What the guest's script did.
pub struct Ran {
    pub status: Option<i32>,
    pub output: String,
    /// The guest kernel's console, for when something went wrong.
    pub console: String,
}

impl Guest {
    /// Boot, run `script` with `sh` as root (cwd: this crate's directory,
    /// the host's filesystem as /, a pure cgroup v2 hierarchy), power off.
    pub fn run(&self, script: &str, timeout: Duration) -> Ran {
        let runs = self.dir.join("runs");
        std::fs::create_dir_all(&runs).unwrap();
        // Not under /tmp: the guest mounts its own tmpfs there.
        let x = tempfile::Builder::new()
            .prefix("run-")
            .tempdir_in(&runs)
            .unwrap();
        let xd = x.path();
        let busybox = ["/bin/busybox", "/usr/bin/busybox"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("busybox (apt-get install busybox-static)");
        std::fs::write(xd.join("script"), script).unwrap();
        let inner = format!(
            "mount -t proc proc /proc\n\
             mount -t sysfs sysfs /sys\n\
             mount -t cgroup2 cgroup2 /sys/fs/cgroup\n\
             mount -t devtmpfs devtmpfs /dev\n\
             mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs shm /dev/shm\n\
             mount -t tmpfs tmpfs /run\n\
             {tmp}\
             export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root CI=${{CI:-}}\n\
             cd {cwd}\n\
             sh {x}/script > {x}/out 2>&1\n\
             echo $? > {x}/status\n",
            cwd = env!("CARGO_MANIFEST_DIR"),
            x = xd.display(),
            // A checkout under /tmp keeps the host's /tmp (its files are
            // there), and the tests' temporary files go to a tmpfs under
            // /run instead (overlayfs cannot write on 9p); elsewhere the
            // guest has a /tmp of its own.
            tmp = if env!("CARGO_MANIFEST_DIR").starts_with("/tmp/") {
                "mkdir -p /run/tmp && export TMPDIR=/run/tmp\n"
            } else {
                "mount -t tmpfs tmpfs /tmp\n"
            },
        );
        std::fs::write(xd.join("inner"), inner).unwrap();
        let modules: String = MODULES
            .iter()
            .map(|m| format!("insmod /m/{m}.ko || echo \"guest: no module {m}\"\n"))
            .collect();
        let init = format!(
            "#!/bin/busybox sh\n\
             /bin/busybox --install -s /bin\n\
             mount -t proc proc /proc\n\
             {modules}\
             mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 host /host || echo 'guest: no 9p root'\n\
             CI={ci} chroot /host /bin/sh {x}/inner\n\
             poweroff -f\n",
            ci = std::env::var("CI").unwrap_or_default(),
            x = xd.display(),
        );
        let mut cpio = Cpio::default();
        for d in ["bin", "proc", "host", "m", "dev"] {
            cpio.dir(d);
        }
        cpio.file("init", init.as_bytes(), 0o755);
        cpio.file("bin/busybox", &std::fs::read(busybox).unwrap(), 0o755);
        for m in MODULES {
            let ko = self.dir.join("modules").join(format!("{m}.ko"));
            let bytes = std::fs::read(&ko)
                .unwrap_or_else(|e| panic!("{}: {e} (run scripts/guest-kernel)", ko.display()));
            cpio.file(&format!("m/{m}.ko"), &bytes, 0o644);
        }
        let initrd = xd.join("initrd.cpio");
        std::fs::write(&initrd, cpio.finish()).unwrap();
        let accel = std::env::var("DOCKLING_GUEST_ACCEL").unwrap_or_else(|_| "tcg".into());
        let console = xd.join("console");
        let mut vm = Command::new(QEMU)
            .args(["-accel", &accel, "-m", "1536", "-smp", "2", "-nographic"])
            .args(["-no-reboot", "-nic", "none", "-kernel"])
            .arg(self.dir.join("vmlinuz"))
            .arg("-initrd")
            .arg(&initrd)
            .arg("-virtfs")
            .arg("local,path=/,mount_tag=host,security_model=passthrough,id=host")
            .args(["-append", "console=ttyS0 quiet panic=-1"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&console).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{QEMU}: {e}"));
        let deadline = Instant::now() + timeout;
        while vm.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                vm.kill().unwrap();
                let _ = vm.wait();
                panic!(
                    "the guest did not finish in {timeout:?}; console:\n{}",
                    std::fs::read_to_string(&console).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let read = |name: &str| std::fs::read_to_string(xd.join(name)).unwrap_or_default();
        Ran {
            status: read("status").trim().parse().ok(),
            output: read("out"),
            console: read("console"),
        }
    }
}

/// An initramfs: a cpio archive in the "newc" format the kernel unpacks.
#[derive(Default)]
struct Cpio {
    out: Vec<u8>,
    ino: u32,
}

impl Cpio {
    fn entry(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.ino += 1;
        let header = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            self.ino,
            mode,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        );
        self.out.extend_from_slice(header.as_bytes());
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.out.len().is_multiple_of(4) {
            self.out.push(0);
        }
    }

    fn dir(&mut self, name: &str) {
        self.entry(name, 0o040755, &[]);
    }

    fn file(&mut self, name: &str, data: &[u8], perm: u32) {
        self.entry(name, 0o100000 | perm, data);
    }

    fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, &[]);
        self.out
    }
}
