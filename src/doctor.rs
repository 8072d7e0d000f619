//! `dockling doctor`: does this machine have what the stages need?
//!
//! Every check reads the kernel's own answer (files under /proc and /sys,
//! statfs(2), the tools on PATH) and says ok, warn or fail, with how to fix
//! it. Failures are things a stage cannot work without; warnings are things
//! that change what a lesson shows or that a stage works around.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cgroups::{self, Host, Layout};
use crate::narrate::TraceMode;
use crate::paths::Paths;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: String,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fix: String,
}

fn check(name: &str, status: Status, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        check: name.into(),
        status,
        detail: detail.into(),
        fix: fix.into(),
    }
}

/// The namespace types and the lesson that needs each.
const NAMESPACES: &[(&str, &str)] = &[
    ("mnt", "lesson 2"),
    ("uts", "lesson 2"),
    ("ipc", "lesson 2"),
    ("pid", "lesson 2"),
    ("net", "lesson 5"),
    ("cgroup", "lesson 3"),
    ("user", "not needed as root"),
];

use crate::overlay::OVERLAYFS_SUPER_MAGIC;

pub fn run(paths: &Paths, trace: TraceMode) -> i32 {
    let checks = all(paths);
    let mut out = std::io::stdout().lock();
    for c in &checks {
        // stdout closed (e.g. `| head`): nothing more to say.
        let _ = if trace == TraceMode::Json {
            writeln!(
                out,
                "{}",
                serde_json::to_string(c).expect("checks serialize")
            )
        } else {
            let tag = match c.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
            };
            let fix = if c.fix.is_empty() {
                String::new()
            } else {
                format!("\n       fix: {}", c.fix)
            };
            writeln!(out, "{tag}  {:<22} {}{fix}", c.check, c.detail)
        };
    }
    if checks.iter().any(|c| c.status == Status::Fail) {
        1
    } else {
        0
    }
}

pub fn all(paths: &Paths) -> Vec<Check> {
    let mut v = vec![root(), kernel()];
    v.extend(namespaces());
    v.push(userns_restrictions());
    v.extend(cgroups());
    v.push(device_rules());
    v.push(seccomp());
    v.push(overlay());
    v.push(state_dir_fs(paths));
    v.push(net_devices());
    v.push(firewall());
    v.push(ip_forward());
    v.push(forward_policy());
    v.push(resolv_conf());
    v.push(registry_server());
    v.push(default_rootfs(paths));
    v.push(compare_vm(paths));
    v
}

/// What `dockling compare` (lesson 0) needs to boot a VM: qemu and a
/// guest kernel.
fn compare_vm(paths: &Paths) -> Check {
    let name = "VM for compare";
    if crate::compare::vm::which(crate::compare::vm::QEMU).is_none() {
        return check(
            name,
            Status::Warn,
            "qemu is not installed; lesson 0's `dockling compare` needs it",
            "apt-get install qemu-system-x86",
        );
    }
    let given = std::env::var_os("DOCKLING_GUEST_KERNEL").map(PathBuf::from);
    match crate::compare::guest_kernel(given.as_deref(), paths) {
        Ok(k) => check(
            name,
            Status::Ok,
            format!("qemu, guest kernel {}", k.display()),
            "",
        ),
        Err(e) => check(
            name,
            Status::Warn,
            format!("{e} (lesson 0's `dockling compare`)"),
            e.hint().unwrap_or_default(),
        ),
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn root() -> Check {
    if nix::unistd::geteuid().is_root() {
        check("root", Status::Ok, "running as root", "")
    } else {
        check(
            "root",
            Status::Fail,
            "not running as root; the stages need it",
            "run dockling with sudo",
        )
    }
}

/// `uname -r`.
fn kernel_release() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn kernel() -> Check {
    let release = kernel_release();
    let mut nums = release
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse::<u32>().ok());
    let version = (nums.next().unwrap_or(0), nums.next().unwrap_or(0));
    if version >= (5, 4) {
        check("kernel", Status::Ok, format!("Linux {release}"), "")
    } else {
        check(
            "kernel",
            Status::Warn,
            format!("Linux {release} is older than 5.4"),
            "some lessons may differ; use a newer VM image",
        )
    }
}

fn namespaces() -> Vec<Check> {
    NAMESPACES
        .iter()
        .map(|(ns, needed)| {
            let name = format!("namespace {ns}");
            if Path::new("/proc/self/ns").join(ns).exists() {
                check(&name, Status::Ok, format!("available ({needed})"), "")
            } else {
                let status = if *ns == "user" {
                    Status::Warn
                } else {
                    Status::Fail
                };
                check(
                    &name,
                    status,
                    format!("missing ({needed})"),
                    format!("use a kernel built with CONFIG_{}_NS", ns.to_uppercase()),
                )
            }
        })
        .collect()
}

fn userns_restrictions() -> Check {
    let mut notes = Vec::new();
    if read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        notes.push("kernel.unprivileged_userns_clone=0");
    }
    if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        notes.push("user.max_user_namespaces=0");
    }
    if read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1") {
        notes.push("kernel.apparmor_restrict_unprivileged_userns=1");
    }
    if notes.is_empty() {
        check(
            "user namespaces",
            Status::Ok,
            "unprivileged user namespaces are not restricted",
            "",
        )
    } else {
        check(
            "user namespaces",
            Status::Warn,
            format!(
                "restricted for unprivileged users ({}); dockling runs as root, so it is not affected",
                notes.join(", ")
            ),
            "",
        )
    }
}

fn cgroups() -> Vec<Check> {
    let host = Host::detect(Path::new(cgroups::CGROUP_ROOT));
    let none = host.layout == Layout::None;
    let mut out = vec![check(
        "cgroup layout",
        if none { Status::Fail } else { Status::Ok },
        match host.layout {
            Layout::Unified => "cgroup v2 (unified)".to_string(),
            Layout::Hybrid => {
                "hybrid: controllers on cgroup v1, plus a v2 tree at /sys/fs/cgroup/unified".into()
            }
            Layout::Legacy => "cgroup v1".into(),
            Layout::None => "no cgroup filesystem at /sys/fs/cgroup".into(),
        },
        if none {
            "mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)"
        } else {
            ""
        },
    )];
    let use_v2 = host.v2_has_all();
    for ctrl in cgroups::CONTROLLERS {
        let name = format!("cgroup {ctrl}");
        if host.v2_controllers.iter().any(|c| c == ctrl) && use_v2 {
            out.push(check(
                &name,
                Status::Ok,
                "on cgroup v2 (lesson 3 uses v2)",
                "",
            ));
        } else if host.v1_mounts.iter().any(|(c, _)| c == ctrl) {
            out.push(check(
                &name,
                Status::Ok,
                "on cgroup v1 (lesson 3 uses v1)",
                "",
            ));
        } else {
            out.push(check(
                &name,
                Status::Fail,
                "not available on v1 or v2 (lesson 3)",
                format!("boot with the {ctrl} controller enabled"),
            ));
        }
    }
    if let Some(r) = &host.v2_root {
        let sub = std::fs::read_to_string(r.join("cgroup.subtree_control")).unwrap_or_default();
        let detail = if !use_v2 {
            format!(
                "the v2 tree has controllers [{}]; the others are bound to v1",
                host.v2_controllers.join(" ")
            )
        } else if sub.trim().is_empty() {
            "root subtree_control is empty; dockling enables what it needs for its own cgroups"
                .into()
        } else {
            format!("root subtree_control: {}", sub.trim())
        };
        out.push(check("cgroup v2 delegation", Status::Ok, detail, ""));
    }
    out
}

/// The cgroup's device allow-list: v1's devices controller, or v2's BPF
/// device programs (a program is loaded and dropped to find out).
fn device_rules() -> Check {
    let host = Host::detect(Path::new(cgroups::CGROUP_ROOT));
    if host.v2_has_all() {
        return match cgroups::bpf::available() {
            Ok(()) => check(
                "device rules",
                Status::Ok,
                "cgroup v2: a BPF device program per container (lessons 2 and 3)",
                "",
            ),
            Err(e) => check(
                "device rules",
                Status::Fail,
                format!("cgroup v2, but the kernel refuses a BPF device program: {e}"),
                "a kernel with CONFIG_CGROUP_BPF=y (every distribution kernel has it)",
            ),
        };
    }
    if host.v1_mounts.iter().any(|(c, _)| c == "devices") {
        check(
            "device rules",
            Status::Ok,
            "cgroup v1 devices controller (lessons 2 and 3)",
            "",
        )
    } else {
        check(
            "device rules",
            Status::Fail,
            "no devices controller on cgroup v1 (stages 3 to 6 need it)",
            "mount -t cgroup -o devices devices /sys/fs/cgroup/devices",
        )
    }
}

/// seccomp filters, with the errno action docker's profile uses.
fn seccomp() -> Check {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let actions = read("/proc/sys/kernel/seccomp/actions_avail").unwrap_or_default();
    if status.contains("Seccomp:") && actions.split_whitespace().any(|a| a == "errno") {
        check(
            "seccomp",
            Status::Ok,
            "filters available (lesson 2: docker's default profile)",
            "",
        )
    } else {
        check(
            "seccomp",
            Status::Fail,
            "this kernel has no seccomp filters (stage 2 installs docker's)",
            "a kernel with CONFIG_SECCOMP_FILTER=y (every distribution kernel has it)",
        )
    }
}

fn overlay() -> Check {
    let fs = std::fs::read_to_string("/proc/filesystems").unwrap_or_default();
    if fs
        .lines()
        .any(|l| l.split_whitespace().last() == Some("overlay"))
    {
        check("overlayfs", Status::Ok, "available (lesson 4)", "")
    } else if Path::new("/sys/module/overlay").exists() || module_exists("overlay") {
        check(
            "overlayfs",
            Status::Ok,
            "available as a module, loaded on first use (lesson 4)",
            "",
        )
    } else {
        check(
            "overlayfs",
            Status::Fail,
            "not available (lesson 4)",
            "modprobe overlay",
        )
    }
}

fn module_exists(name: &str) -> bool {
    let release = kernel_release();
    let dir = PathBuf::from("/lib/modules").join(release);
    let listed = |f: &str| {
        std::fs::read_to_string(dir.join(f))
            .is_ok_and(|s| s.lines().any(|l| l.contains(&format!("/{name}.ko"))))
    };
    listed("modules.dep") || listed("modules.builtin")
}

fn state_dir_fs(paths: &Paths) -> Check {
    // The nearest existing ancestor is where the state dir would be made.
    let mut p = paths.data.clone();
    while !p.exists() {
        if !p.pop() {
            break;
        }
    }
    match cgroups::fs_magic(&p) {
        Ok(OVERLAYFS_SUPER_MAGIC) => check(
            "state directory",
            Status::Fail,
            format!(
                "{} is on overlayfs (inside a container?): overlay on overlay fails",
                p.display()
            ),
            "use --root on a real filesystem, e.g. a tmpfs: mount -t tmpfs tmpfs /mnt && dockling --root /mnt …",
        ),
        Ok(_) => check(
            "state directory",
            Status::Ok,
            format!("{} is not on overlayfs", paths.data.display()),
            "",
        ),
        Err(e) => check(
            "state directory",
            Status::Warn,
            format!("cannot statfs {}: {e}", p.display()),
            "",
        ),
    }
}

/// The kernel's build configuration, where the distribution ships it.
fn kernel_config() -> String {
    let release = kernel_release();
    if let Ok(text) = std::fs::read_to_string(format!("/boot/config-{release}")) {
        return text;
    }
    let Ok(file) = std::fs::File::open("/proc/config.gz") else {
        return String::new();
    };
    let mut text = String::new();
    use std::io::Read;
    let _ = flate2::read::GzDecoder::new(file).read_to_string(&mut text);
    text
}

fn net_devices() -> Check {
    let config = kernel_config();
    let have = |m: &str, option: &str| {
        Path::new("/sys/module").join(m).exists()
            || module_exists(m)
            || config
                .lines()
                .any(|l| l == format!("{option}=y") || l == format!("{option}=m"))
    };
    let missing: Vec<&str> = [("veth", "CONFIG_VETH"), ("bridge", "CONFIG_BRIDGE")]
        .iter()
        .filter(|(m, o)| !have(m, o))
        .map(|(m, _)| *m)
        .collect();
    if missing.is_empty() {
        check("veth and bridge", Status::Ok, "available (lesson 5)", "")
    } else if config.is_empty() {
        check(
            "veth and bridge",
            Status::Warn,
            format!("could not confirm {} (lesson 5)", missing.join(", ")),
            "modprobe veth bridge",
        )
    } else {
        check(
            "veth and bridge",
            Status::Fail,
            format!("missing: {} (lesson 5)", missing.join(", ")),
            "modprobe veth bridge",
        )
    }
}

fn on_path(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].iter().map(PathBuf::from))
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

fn firewall() -> Check {
    // Stage 5 applies its rules with iptables-restore, which drives either
    // backend (iptables-nft or iptables-legacy); nft alone is not enough.
    match on_path("iptables-restore") {
        Some(p) => check(
            "iptables or nft",
            Status::Ok,
            format!("{} (lesson 5)", p.display()),
            "",
        ),
        None => check(
            "iptables or nft",
            Status::Fail,
            "iptables-restore not found (lesson 5)",
            "apt-get install iptables",
        ),
    }
}

fn registry_server() -> Check {
    match on_path("docker-registry") {
        Some(p) => check(
            "local registry",
            Status::Ok,
            format!("{} (lesson 6 pulls from it, offline)", p.display()),
            "",
        ),
        None => check(
            "local registry",
            Status::Warn,
            "docker-registry not found: the tour's lesson 6 needs a registry on this machine",
            "apt-get install docker-registry",
        ),
    }
}

fn ip_forward() -> Check {
    match read("/proc/sys/net/ipv4/ip_forward").as_deref() {
        Some("1") => check("ip_forward", Status::Ok, "on", ""),
        _ => check(
            "ip_forward",
            Status::Warn,
            "off; lesson 5 turns it on and leaves it on, as docker does (`sysctl -w net.ipv4.ip_forward=0` turns it off)",
            "",
        ),
    }
}

fn forward_policy() -> Check {
    let Some(iptables) = on_path("iptables") else {
        return check(
            "FORWARD policy",
            Status::Warn,
            "cannot check without iptables",
            "",
        );
    };
    match std::process::Command::new(iptables)
        .args(["-S", "FORWARD"])
        .output()
    {
        Ok(o) if String::from_utf8_lossy(&o.stdout).contains("-P FORWARD DROP") => check(
            "FORWARD policy",
            Status::Warn,
            "DROP (docker sets this): lesson 5 adds accept rules for its own bridge",
            "",
        ),
        Ok(o) if o.status.success() => check("FORWARD policy", Status::Ok, "ACCEPT", ""),
        _ => check(
            "FORWARD policy",
            Status::Warn,
            "could not read the FORWARD chain",
            "",
        ),
    }
}

fn resolv_conf() -> Check {
    let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let stub = text
        .lines()
        .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["nameserver", "127.0.0.53"]);
    if stub {
        check(
            "resolv.conf",
            Status::Warn,
            "points at systemd-resolved's stub 127.0.0.53, unreachable from a container",
            "lesson 5 uses the upstream servers from /run/systemd/resolve/resolv.conf, or --dns",
        )
    } else {
        check("resolv.conf", Status::Ok, "no 127.0.0.53 stub", "")
    }
}

fn default_rootfs(paths: &Paths) -> Check {
    let r = paths.default_rootfs();
    if r.join("bin/sh").symlink_metadata().is_ok() {
        check("default rootfs", Status::Ok, format!("{}", r.display()), "")
    } else {
        check(
            "default rootfs",
            Status::Warn,
            format!("{} is missing", r.display()),
            "dockling rootfs fetch host",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_serialize_as_one_json_object_each() {
        let c = check("root", Status::Fail, "not root", "use sudo");
        let v: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(v["status"], "fail");
        assert_eq!(v["fix"], "use sudo");
    }
}
