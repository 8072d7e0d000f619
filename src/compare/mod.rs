//! `dockling compare`: a virtual machine and a container, measured side by
//! side on this machine.
//!
//! Lesson 0 says a VM boots a whole kernel and a container does not; this
//! module measures it. It packs the container's own busybox rootfs into an
//! initramfs ([`initramfs`]), boots a real guest kernel with it ([`vm`]:
//! user-mode Linux, qemu with KVM, or qemu emulating the CPU), runs the
//! same script in a stage 5 container ([`container`]), and prints what it
//! measured: the time to the command's first instruction and to the end,
//! peak memory, disk, kernels and processes. Both sides run the same
//! script ([`probe`]), which prints a line right before the command and one
//! after; the host timestamps each as it arrives. A kind of VM that cannot
//! run here (nested KVM that hangs, a UML that crashes) is reported and
//! the next kind tried. The figures are kept in the state directory
//! (`compare.json`) so that narration can quote them ([`cached`]).
//!
//! Man pages: qemu-system-x86_64(1), proc(5), cpio(5).

mod container;
pub mod initramfs;
pub mod probe;
mod report;
pub mod vm;

use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;
use crate::narrate::{Event, Narrator};
use crate::paths::Paths;
use vm::Kind;

/// Which VM to boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VmChoice {
    /// qemu with KVM where it works, else qemu emulating the CPU (TCG)
    Qemu,
    /// qemu with KVM (hardware virtualisation); TCG if KVM cannot run here
    Kvm,
    /// qemu emulating the CPU in software
    Tcg,
    /// user-mode Linux: a guest kernel run as host processes; TCG if it cannot run here
    Uml,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The kind of VM
    #[arg(long, value_enum, default_value = "qemu")]
    pub vm: VmChoice,
    /// The guest kernel qemu boots
    /// [default: <root>/guest/vmlinuz, else /boot/vmlinuz-$(uname -r)]
    #[arg(long, value_name = "PATH", env = "DOCKLING_GUEST_KERNEL")]
    pub kernel: Option<PathBuf>,
    /// The rootfs both run [default: <root>/rootfs/default]
    #[arg(long, value_name = "DIR")]
    pub rootfs: Option<PathBuf>,
    /// The command both run, after -- [default: true]
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

/// What the last `dockling compare` measured on this machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VmFigures {
    /// The kind of VM, as the catalog names it: "UML", "qemu KVM", "qemu TCG".
    pub kind: String,
    /// From starting the VM to the command's first instruction in the guest.
    pub boot_ms: u64,
    /// From starting dockling to the command's first instruction in the container.
    pub container_ms: u64,
    /// From starting each to its end.
    pub vm_total_ms: u64,
    pub container_total_ms: u64,
    /// The VM process's peak resident memory; the container cgroup's peak.
    pub vm_memory_bytes: u64,
    pub container_memory_bytes: u64,
    /// Guest kernel plus initramfs; the rootfs.
    pub vm_disk_bytes: u64,
    pub container_disk_bytes: u64,
    /// Kernel releases, as the command read them.
    pub guest_kernel: String,
    pub host_kernel: String,
    /// Pids handed out when the command started.
    pub vm_processes: u32,
    pub container_processes: u32,
    pub command: Vec<String>,
    /// When, in seconds since 1970.
    pub measured_at: u64,
}

/// The file in the state directory: the last figures, and whether KVM hung.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Cache {
    figures: Option<VmFigures>,
    /// The guest kernel with which KVM hung here, so that `--vm qemu`
    /// does not wait for it again.
    #[serde(default)]
    kvm_hung: Option<PathBuf>,
}

fn cache_file(paths: &Paths) -> PathBuf {
    paths.data.join("compare.json")
}

fn load(paths: &Paths) -> Cache {
    std::fs::read(cache_file(paths))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The figures of the last `dockling compare` on this machine, if any.
pub fn cached(paths: &Paths) -> Option<VmFigures> {
    load(paths).figures
}

fn save(paths: &Paths, cache: &Cache) -> Result<PathBuf, Error> {
    let file = cache_file(paths);
    std::fs::create_dir_all(&paths.data).map_err(Error::io("create", &paths.data))?;
    let tmp = file.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(cache).expect("figures serialize");
    std::fs::write(&tmp, text).map_err(Error::io("write", &tmp))?;
    std::fs::rename(&tmp, &file).map_err(Error::io("rename into place", &file))?;
    Ok(file)
}

/// The kinds to try, in order.
fn kinds(choice: VmChoice) -> &'static [Kind] {
    match choice {
        VmChoice::Qemu | VmChoice::Kvm => &[Kind::Kvm, Kind::Tcg],
        VmChoice::Tcg => &[Kind::Tcg],
        VmChoice::Uml => &[Kind::Uml, Kind::Tcg],
    }
}

/// The guest kernel for qemu: `--kernel` (or DOCKLING_GUEST_KERNEL) when
/// given, else the first of the state directory's and the host's own.
pub fn guest_kernel(given: Option<&Path>, paths: &Paths) -> Result<PathBuf, Error> {
    let fetch = msg!(
        m::COMPARE_KERNEL_HINT,
        dir = paths.data.join("guest").display()
    );
    if let Some(k) = given.filter(|k| !k.as_os_str().is_empty()) {
        return if k.is_file() {
            Ok(k.to_path_buf())
        } else {
            Err(Error::Hinted {
                message: msg!(m::COMPARE_NO_KERNEL_AT, path = k.display()),
                hint: fetch,
            })
        };
    }
    let release = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    let tried = [
        paths.data.join("guest/vmlinuz"),
        PathBuf::from(format!("/boot/vmlinuz-{release}")),
    ];
    tried
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| Error::Hinted {
            message: msg!(
                m::COMPARE_NO_KERNEL,
                first = tried[0].display(),
                second = tried[1].display()
            ),
            hint: fetch,
        })
}

pub fn run(args: &CompareArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    if !nix::unistd::geteuid().is_root() {
        return Err(Error::NotRoot {
            what: "dockling compare".into(),
            why: "a stage 5 container beside the VM",
        });
    }
    let (rootfs, hint) = match &args.rootfs {
        Some(r) => (r.clone(), "check the --rootfs path"),
        None => (
            paths.default_rootfs(),
            "make the default rootfs first: dockling rootfs fetch host",
        ),
    };
    let rootfs = crate::rootfs::validate(&rootfs, true, hint)?;
    let command = if args.command.is_empty() {
        vec!["true".to_string()]
    } else {
        args.command.clone()
    };
    let mut cache = load(paths);
    // qemu's kernel is needed only when a qemu kind is tried; a missing
    // one is an error before anything runs.
    let kinds = kinds(args.vm);
    let kernel = match args.vm {
        // UML is its own kernel; qemu's is looked for if UML cannot run.
        VmChoice::Uml => None,
        _ => Some(guest_kernel(args.kernel.as_deref(), paths)?),
    };
    let tag = probe::tag();

    // The initramfs: the rootfs and the script, in a memfd the VM opens
    // through /proc (nothing on disk to remove).
    let mut w = initramfs::Writer::new();
    w.tree(&rootfs)?;
    w.file(
        probe::GUEST_INIT,
        0o755,
        probe::guest_init(&tag, &command).as_bytes(),
    );
    let packed = w.finish();
    let memfd = nix::sys::memfd::memfd_create(
        c"dockling-initramfs",
        nix::sys::memfd::MFdFlags::MFD_CLOEXEC,
    )
    .map_err(Error::sys("memfd_create"))?;
    let mut file = std::fs::File::from(memfd);
    file.write_all(&packed.bytes).map_err(Error::io(
        "write the initramfs to",
        "memfd:dockling-initramfs",
    ))?;
    let initrd = PathBuf::from(format!(
        "/proc/{}/fd/{}",
        std::process::id(),
        file.as_raw_fd()
    ));
    narrator.emit(&Event::CompareInitramfs {
        rootfs: rootfs.display().to_string(),
        name: "dockling-initramfs".to_string(),
        entries: packed.entries,
        size: crate::cgroups::limits::human(packed.bytes.len() as u64),
        path: initrd.display().to_string(),
    });
    // The UML control socket's directory, removed at the end.
    let uml_dir = paths.run.join(format!("compare-{}", std::process::id()));

    let mut ran = None;
    let mut kvm_hung_now = false;
    for (i, &kind) in kinds.iter().enumerate() {
        let next = kinds.get(i + 1).map(|k| k.id());
        let (program_name, package) = kind.program();
        let unusable = |problem: &str, detail: String, the: Particulars| Event::CompareVmUnusable {
            kind_id: kind.id().to_string(),
            problem_id: problem.to_string(),
            program: program_name.to_string(),
            package: package.to_string(),
            next_id: next.map(str::to_string),
            detail,
            error: the.error,
            file: the.file,
            seconds: the.seconds,
            status: the.status,
            last: the.last,
            command: the.command,
        };
        let Some(program) = vm::which(program_name) else {
            if kind == Kind::Tcg || next.is_none() {
                return Err(Error::Hinted {
                    message: msg!(m::COMPARE_NOT_INSTALLED, program = program_name),
                    hint: msg!(m::COMPARE_INSTALL_HINT, package = package),
                });
            }
            narrator.emit(&unusable(
                "missing",
                format!("{program_name}: not on PATH"),
                Particulars::default(),
            ));
            continue;
        };
        if kind == Kind::Kvm {
            if let Err(e) = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/kvm")
            {
                narrator.emit(&unusable(
                    "no_kvm",
                    format!("open(\"/dev/kvm\", O_RDWR) = {e}"),
                    Particulars {
                        error: Some(e.to_string()),
                        ..Default::default()
                    },
                ));
                continue;
            }
            if args.vm == VmChoice::Qemu && cache.kvm_hung.is_some() && cache.kvm_hung == kernel {
                let file = cache_file(paths).display().to_string();
                narrator.emit(&unusable(
                    "hung_before",
                    format!("{file}: \"kvm_hung\""),
                    Particulars {
                        file: Some(file.clone()),
                        ..Default::default()
                    },
                ));
                continue;
            }
        }
        let kernel_path = match (kind, &kernel) {
            (Kind::Uml, _) => program.clone(),
            (_, Some(k)) => k.clone(),
            (_, None) => guest_kernel(args.kernel.as_deref(), paths)?,
        };
        let argv = vm::argv(kind, &program, &kernel_path, &initrd, &uml_dir);
        if kind == Kind::Uml {
            std::fs::create_dir_all(&uml_dir).map_err(Error::io("create", &uml_dir))?;
        }
        narrator.emit(&Event::CompareBoot {
            kind_id: kind.id().to_string(),
            program: program.display().to_string(),
            memory: format!("{} MiB", vm::MEMORY_MIB),
            argv: argv.clone(),
            args: vm::by_hand(&argv, &initrd),
        });
        let outcome = vm::boot(kind, &argv, &tag);
        if kind == Kind::Uml {
            // Its control socket and pid file; gone with the VM.
            std::fs::remove_dir_all(&uml_dir).map_err(Error::io("remove", &uml_dir))?;
        }
        match outcome? {
            Ok(r) => {
                let disk = file_size(&kernel_path) + packed.bytes.len() as u64;
                ran = Some((r, program, kernel_path, disk));
                break;
            }
            Err(why) => {
                let command = crate::narrate::catalog::shell_join(&vm::by_hand(&argv, &initrd));
                let command = Some(command);
                narrator.emit(&match why {
                    vm::Unusable::Hung(t) => {
                        if kind == Kind::Kvm {
                            kvm_hung_now = true;
                        }
                        unusable(
                            "hung",
                            format!(
                                "no start line in {} s: SIGKILL to the VM's process group",
                                t.as_secs()
                            ),
                            Particulars {
                                seconds: Some(t.as_secs()),
                                command,
                                ..Default::default()
                            },
                        )
                    }
                    vm::Unusable::Crashed { status, last } => unusable(
                        "crashed",
                        format!("{program_name}: {status}"),
                        Particulars {
                            status: Some(status),
                            last: Some(last),
                            command,
                            ..Default::default()
                        },
                    ),
                });
            }
        }
    }
    drop(file);
    let Some((vm_ran, program, kernel_path, vm_disk)) = ran else {
        return Err(Error::Hinted {
            message: msg!(m::COMPARE_NO_VM),
            hint: msg!(m::COMPARE_NO_VM_HINT),
        });
    };

    let argv = container::argv(paths, &rootfs, &tag, &command);
    let mut shown: Vec<String> = vec!["dockling".into(), "network".into(), "--rootfs".into()];
    shown.push(rootfs.display().to_string());
    shown.extend(argv.iter().skip_while(|a| *a != "--").cloned());
    narrator.emit(&Event::CompareContainer {
        program: argv[0].clone(),
        args: shown,
    });
    let ct = container::run(&argv, &tag)?;

    let host_kernel = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    let ms = |d: std::time::Duration| d.as_millis() as u64;
    let figures = VmFigures {
        kind: crate::narrate::catalog::vm_kind_text(vm_ran.kind.id())
            .0
            .to_string(),
        boot_ms: ms(vm_ran.start),
        container_ms: ms(ct.start),
        vm_total_ms: ms(vm_ran.total),
        container_total_ms: ms(ct.total),
        vm_memory_bytes: vm_ran.peak_rss,
        container_memory_bytes: ct.peak_memory,
        vm_disk_bytes: vm_disk,
        container_disk_bytes: packed.file_bytes,
        guest_kernel: vm_ran.kernel.clone(),
        host_kernel,
        vm_processes: vm_ran.start_pids,
        container_processes: ct.start_pids,
        command: command.clone(),
        measured_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };
    report::print(&report::Report {
        kind_id: vm_ran.kind.id(),
        vm: &vm_ran,
        container: &ct,
        figures: &figures,
        program: &program,
        kernel: &kernel_path,
        rootfs: &rootfs,
    });
    if kvm_hung_now {
        cache.kvm_hung = kernel.clone();
    } else if vm_ran.kind == Kind::Kvm {
        cache.kvm_hung = None;
    }
    cache.figures = Some(figures);
    let file = save(paths, &cache)?;
    narrator.emit(&Event::CompareSaved {
        file: file.display().to_string(),
    });
    Ok(0)
}

/// What `compare_vm_unusable` tells of one problem besides its detail:
/// no_kvm's error, hung_before's file, hung's seconds, crashed's status
/// and last line, and for hung and crashed the command by hand.
#[derive(Default)]
struct Particulars {
    error: Option<String>,
    file: Option<String>,
    seconds: Option<u64>,
    status: Option<String>,
    last: Option<String>,
    command: Option<String>,
}

/// Bytes of `path`'s file, or 0.
pub fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_fall_back_to_tcg_and_figures_round_trip_through_the_state_directory() {
        assert_eq!(kinds(VmChoice::Qemu), [Kind::Kvm, Kind::Tcg]);
        assert_eq!(kinds(VmChoice::Kvm), [Kind::Kvm, Kind::Tcg]);
        assert_eq!(kinds(VmChoice::Uml), [Kind::Uml, Kind::Tcg]);
        assert_eq!(kinds(VmChoice::Tcg), [Kind::Tcg]);
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(Some(dir.path()));
        assert_eq!(cached(&paths), None);
        let figures = VmFigures {
            kind: "qemu TCG".into(),
            boot_ms: 3100,
            container_ms: 9,
            vm_total_ms: 3200,
            container_total_ms: 30,
            vm_memory_bytes: 200 << 20,
            container_memory_bytes: 1 << 19,
            vm_disk_bytes: 22 << 20,
            container_disk_bytes: 14 << 20,
            guest_kernel: "6.1.0-57-amd64".into(),
            host_kernel: "6.18.44".into(),
            vm_processes: 81,
            container_processes: 1,
            command: vec!["true".into()],
            measured_at: 1,
        };
        let cache = Cache {
            figures: Some(figures.clone()),
            kvm_hung: Some("/k".into()),
        };
        let file = save(&paths, &cache).unwrap();
        assert_eq!(file, dir.path().join("compare.json"));
        assert_eq!(cached(&paths), Some(figures));
        assert_eq!(load(&paths).kvm_hung, Some(PathBuf::from("/k")));
        // A file that is not ours reads as nothing measured.
        std::fs::write(&file, "not json").unwrap();
        assert_eq!(cached(&paths), None);
    }

    #[test]
    fn a_missing_kernel_names_where_it_looked_and_how_to_get_one() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(Some(dir.path()));
        let e = guest_kernel(Some(Path::new("/nonexistent/vmlinuz")), &paths).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no guest kernel at /nonexistent/vmlinuz (--kernel)"
        );
        assert!(e.hint().unwrap().contains("scripts/guest-kernel"));
        std::fs::create_dir_all(dir.path().join("guest")).unwrap();
        std::fs::write(dir.path().join("guest/vmlinuz"), b"").unwrap();
        assert_eq!(
            guest_kernel(None, &paths).unwrap(),
            dir.path().join("guest/vmlinuz")
        );
        // An empty DOCKLING_GUEST_KERNEL is no kernel given.
        assert_eq!(
            guest_kernel(Some(Path::new("")), &paths).unwrap(),
            dir.path().join("guest/vmlinuz")
        );
    }
}
