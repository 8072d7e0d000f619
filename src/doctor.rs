//! `dockling doctor`: does this machine have what the stages need?
//!
//! Every check reads the kernel's own answer (files under /proc and /sys,
//! statfs(2), the tools on PATH) and says ok, warn or fail, with how to fix
//! it. Failures are things a stage cannot work without; warnings are things
//! that change what a lesson shows or that a stage works around.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use unicode_width::UnicodeWidthStr;

use crate::cgroups::{self, Host, Layout};
use crate::msg;
use crate::narrate::TraceMode;
use crate::narrate::messages::{Msg, fill, images as m};
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
    /// The check's name in English: what `--trace json` and scripts match.
    pub check: String,
    /// The check's name in the run's language, as the text form shows it.
    #[serde(skip)]
    pub name: String,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fix: String,
}

/// A check's name: English for the json, and as shown.
pub struct Name {
    en: String,
    shown: String,
}

impl From<Msg> for Name {
    fn from(m: Msg) -> Name {
        Name {
            en: m.en.into(),
            shown: msg!(m),
        }
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name {
            en: s.into(),
            shown: s.into(),
        }
    }
}

fn check(
    name: impl Into<Name>,
    status: Status,
    detail: impl Into<String>,
    fix: impl Into<String>,
) -> Check {
    let name = name.into();
    Check {
        check: name.en,
        name: name.shown,
        status,
        detail: detail.into(),
        fix: fix.into(),
    }
}

/// The namespace types and the lesson that needs each (none: not needed
/// when running as root).
const NAMESPACES: &[(&str, Option<u32>)] = &[
    ("mnt", Some(2)),
    ("uts", Some(2)),
    ("ipc", Some(2)),
    ("pid", Some(2)),
    ("net", Some(5)),
    ("cgroup", Some(3)),
    ("user", None),
];

/// The width of the name column: at least 22, as wide as the widest name
/// in display columns (a Hangul syllable takes two).
const NAME_WIDTH: usize = 22;

use crate::overlay::OVERLAYFS_SUPER_MAGIC;

pub fn run(paths: &Paths, trace: TraceMode) -> i32 {
    let checks = all(paths);
    let width = checks
        .iter()
        .map(|c| c.name.width())
        .max()
        .unwrap_or(0)
        .max(NAME_WIDTH);
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
                Status::Ok => msg!(m::DOCTOR_OK),
                Status::Warn => msg!(m::DOCTOR_WARN),
                Status::Fail => msg!(m::DOCTOR_FAIL),
            };
            let fix = if c.fix.is_empty() {
                String::new()
            } else {
                format!("\n       {} {}", msg!(m::DOCTOR_FIX), c.fix)
            };
            let pad = " ".repeat(width - c.name.width());
            writeln!(out, "{tag}  {}{pad} {}{fix}", c.name, c.detail)
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
    let name = || m::CHECK_COMPARE_VM;
    if crate::compare::vm::which(crate::compare::vm::QEMU).is_none() {
        return check(
            name(),
            Status::Warn,
            msg!(m::DOCTOR_COMPARE_NO_QEMU),
            "apt-get install qemu-system-x86",
        );
    }
    let given = std::env::var_os("DOCKLING_GUEST_KERNEL").map(PathBuf::from);
    match crate::compare::guest_kernel(given.as_deref(), paths) {
        Ok(k) => check(
            name(),
            Status::Ok,
            msg!(m::DOCTOR_COMPARE_OK, kernel = k.display()),
            "",
        ),
        Err(e) => check(
            name(),
            Status::Warn,
            msg!(m::DOCTOR_COMPARE_MISSING, error = e),
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
        check(m::CHECK_ROOT, Status::Ok, msg!(m::DOCTOR_ROOT_OK), "")
    } else {
        check(
            m::CHECK_ROOT,
            Status::Fail,
            msg!(m::DOCTOR_ROOT_FAIL),
            msg!(m::DOCTOR_ROOT_FIX),
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
        check(m::CHECK_KERNEL, Status::Ok, format!("Linux {release}"), "")
    } else {
        check(
            m::CHECK_KERNEL,
            Status::Warn,
            msg!(m::DOCTOR_KERNEL_OLD, release = release),
            msg!(m::DOCTOR_KERNEL_OLD_FIX),
        )
    }
}

fn namespaces() -> Vec<Check> {
    NAMESPACES
        .iter()
        .map(|(ns, lesson)| {
            let name = Name {
                en: fill(m::CHECK_NAMESPACE.en, &[("ns", ns)]),
                shown: msg!(m::CHECK_NAMESPACE, ns = ns),
            };
            let needed = match lesson {
                Some(n) => msg!(m::DOCTOR_LESSON, n = n),
                None => msg!(m::DOCTOR_USER_NS_NOT_NEEDED),
            };
            if Path::new("/proc/self/ns").join(ns).exists() {
                check(
                    name,
                    Status::Ok,
                    msg!(m::DOCTOR_NS_AVAILABLE, needed = needed),
                    "",
                )
            } else {
                let status = if *ns == "user" {
                    Status::Warn
                } else {
                    Status::Fail
                };
                check(
                    name,
                    status,
                    msg!(m::DOCTOR_NS_MISSING, needed = needed),
                    msg!(m::DOCTOR_NS_FIX, option = ns.to_uppercase()),
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
        check(m::CHECK_USERNS, Status::Ok, msg!(m::DOCTOR_USERNS_FREE), "")
    } else {
        check(
            m::CHECK_USERNS,
            Status::Warn,
            msg!(m::DOCTOR_USERNS_RESTRICTED, notes = notes.join(", ")),
            "",
        )
    }
}

fn cgroups() -> Vec<Check> {
    let host = Host::detect(Path::new(cgroups::CGROUP_ROOT));
    let none = host.layout == Layout::None;
    let mut out = vec![check(
        m::CHECK_CGROUP_LAYOUT,
        if none { Status::Fail } else { Status::Ok },
        match host.layout {
            Layout::Unified => msg!(m::DOCTOR_CGROUP_UNIFIED),
            Layout::Hybrid => msg!(m::DOCTOR_CGROUP_HYBRID),
            Layout::Legacy => msg!(m::DOCTOR_CGROUP_LEGACY),
            Layout::None => msg!(m::DOCTOR_CGROUP_NONE),
        },
        if none {
            msg!(m::DOCTOR_CGROUP_NONE_FIX)
        } else {
            String::new()
        },
    )];
    let use_v2 = host.v2_has_all();
    for ctrl in cgroups::CONTROLLERS {
        let name = || Name {
            en: fill(m::CHECK_CGROUP_CONTROLLER.en, &[("ctrl", ctrl)]),
            shown: msg!(m::CHECK_CGROUP_CONTROLLER, ctrl = ctrl),
        };
        if host.v2_controllers.iter().any(|c| c == ctrl) && use_v2 {
            out.push(check(name(), Status::Ok, msg!(m::DOCTOR_CTRL_V2), ""));
        } else if host.v1_mounts.iter().any(|(c, _)| c == ctrl) {
            out.push(check(name(), Status::Ok, msg!(m::DOCTOR_CTRL_V1), ""));
        } else {
            out.push(check(
                name(),
                Status::Fail,
                msg!(m::DOCTOR_CTRL_MISSING),
                msg!(m::DOCTOR_CTRL_FIX, ctrl = ctrl),
            ));
        }
    }
    if let Some(r) = &host.v2_root {
        let sub = std::fs::read_to_string(r.join("cgroup.subtree_control")).unwrap_or_default();
        let detail = if !use_v2 {
            msg!(
                m::DOCTOR_DELEGATION_SPLIT,
                controllers = host.v2_controllers.join(" ")
            )
        } else if sub.trim().is_empty() {
            msg!(m::DOCTOR_DELEGATION_EMPTY)
        } else {
            msg!(m::DOCTOR_DELEGATION, controllers = sub.trim())
        };
        out.push(check(m::CHECK_CGROUP_DELEGATION, Status::Ok, detail, ""));
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
                m::CHECK_DEVICE_RULES,
                Status::Ok,
                msg!(m::DOCTOR_DEVICES_BPF),
                "",
            ),
            Err(e) => check(
                m::CHECK_DEVICE_RULES,
                Status::Fail,
                msg!(m::DOCTOR_DEVICES_BPF_REFUSED, error = e),
                msg!(m::DOCTOR_DEVICES_BPF_FIX),
            ),
        };
    }
    if host.v1_mounts.iter().any(|(c, _)| c == "devices") {
        check(
            m::CHECK_DEVICE_RULES,
            Status::Ok,
            msg!(m::DOCTOR_DEVICES_V1),
            "",
        )
    } else {
        check(
            m::CHECK_DEVICE_RULES,
            Status::Fail,
            msg!(m::DOCTOR_DEVICES_V1_MISSING),
            "mount -t cgroup -o devices devices /sys/fs/cgroup/devices",
        )
    }
}

/// seccomp filters, with the errno action docker's profile uses.
fn seccomp() -> Check {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let actions = read("/proc/sys/kernel/seccomp/actions_avail").unwrap_or_default();
    if status.contains("Seccomp:") && actions.split_whitespace().any(|a| a == "errno") {
        check(m::CHECK_SECCOMP, Status::Ok, msg!(m::DOCTOR_SECCOMP_OK), "")
    } else {
        check(
            m::CHECK_SECCOMP,
            Status::Fail,
            msg!(m::DOCTOR_SECCOMP_MISSING),
            msg!(m::DOCTOR_SECCOMP_FIX),
        )
    }
}

fn overlay() -> Check {
    let fs = std::fs::read_to_string("/proc/filesystems").unwrap_or_default();
    if fs
        .lines()
        .any(|l| l.split_whitespace().last() == Some("overlay"))
    {
        check(
            m::CHECK_OVERLAYFS,
            Status::Ok,
            msg!(m::DOCTOR_OVERLAY_OK),
            "",
        )
    } else if Path::new("/sys/module/overlay").exists() || module_exists("overlay") {
        check(
            m::CHECK_OVERLAYFS,
            Status::Ok,
            msg!(m::DOCTOR_OVERLAY_MODULE),
            "",
        )
    } else {
        check(
            m::CHECK_OVERLAYFS,
            Status::Fail,
            msg!(m::DOCTOR_OVERLAY_MISSING),
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
            m::CHECK_STATE_DIR,
            Status::Fail,
            msg!(m::DOCTOR_STATE_ON_OVERLAY, path = p.display()),
            msg!(m::DOCTOR_STATE_ON_OVERLAY_FIX),
        ),
        Ok(_) => check(
            m::CHECK_STATE_DIR,
            Status::Ok,
            msg!(m::DOCTOR_STATE_OK, path = paths.data.display()),
            "",
        ),
        Err(e) => check(
            m::CHECK_STATE_DIR,
            Status::Warn,
            msg!(m::DOCTOR_STATE_STATFS, path = p.display(), error = e),
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
        check(m::CHECK_NET_DEVICES, Status::Ok, msg!(m::DOCTOR_NET_OK), "")
    } else if config.is_empty() {
        check(
            m::CHECK_NET_DEVICES,
            Status::Warn,
            msg!(m::DOCTOR_NET_UNCONFIRMED, missing = missing.join(", ")),
            "modprobe veth bridge",
        )
    } else {
        check(
            m::CHECK_NET_DEVICES,
            Status::Fail,
            msg!(m::DOCTOR_NET_MISSING, missing = missing.join(", ")),
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
            m::CHECK_FIREWALL,
            Status::Ok,
            msg!(m::DOCTOR_FIREWALL_OK, path = p.display()),
            "",
        ),
        None => check(
            m::CHECK_FIREWALL,
            Status::Fail,
            msg!(m::DOCTOR_FIREWALL_MISSING),
            "apt-get install iptables",
        ),
    }
}

fn registry_server() -> Check {
    match on_path("docker-registry") {
        Some(p) => check(
            m::CHECK_REGISTRY,
            Status::Ok,
            msg!(m::DOCTOR_REGISTRY_OK, path = p.display()),
            "",
        ),
        None => check(
            m::CHECK_REGISTRY,
            Status::Warn,
            msg!(m::DOCTOR_REGISTRY_MISSING),
            "apt-get install docker-registry",
        ),
    }
}

fn ip_forward() -> Check {
    match read("/proc/sys/net/ipv4/ip_forward").as_deref() {
        Some("1") => check(
            m::CHECK_IP_FORWARD,
            Status::Ok,
            msg!(m::DOCTOR_IP_FORWARD_ON),
            "",
        ),
        _ => check(
            m::CHECK_IP_FORWARD,
            Status::Warn,
            msg!(m::DOCTOR_IP_FORWARD_OFF),
            "",
        ),
    }
}

fn forward_policy() -> Check {
    let Some(iptables) = on_path("iptables") else {
        return check(
            m::CHECK_FORWARD_POLICY,
            Status::Warn,
            msg!(m::DOCTOR_FORWARD_NO_IPTABLES),
            "",
        );
    };
    match std::process::Command::new(iptables)
        .args(["-S", "FORWARD"])
        .output()
    {
        Ok(o) if String::from_utf8_lossy(&o.stdout).contains("-P FORWARD DROP") => check(
            m::CHECK_FORWARD_POLICY,
            Status::Warn,
            msg!(m::DOCTOR_FORWARD_DROP),
            "",
        ),
        Ok(o) if o.status.success() => check(
            m::CHECK_FORWARD_POLICY,
            Status::Ok,
            msg!(m::DOCTOR_FORWARD_ACCEPT),
            "",
        ),
        _ => check(
            m::CHECK_FORWARD_POLICY,
            Status::Warn,
            msg!(m::DOCTOR_FORWARD_UNREADABLE),
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
            m::CHECK_RESOLV_CONF,
            Status::Warn,
            msg!(m::DOCTOR_RESOLV_STUB),
            msg!(m::DOCTOR_RESOLV_STUB_FIX),
        )
    } else {
        check(
            m::CHECK_RESOLV_CONF,
            Status::Ok,
            msg!(m::DOCTOR_RESOLV_OK),
            "",
        )
    }
}

fn default_rootfs(paths: &Paths) -> Check {
    let r = paths.default_rootfs();
    if r.join("bin/sh").symlink_metadata().is_ok() {
        check(
            m::CHECK_DEFAULT_ROOTFS,
            Status::Ok,
            format!("{}", r.display()),
            "",
        )
    } else {
        check(
            m::CHECK_DEFAULT_ROOTFS,
            Status::Warn,
            msg!(m::DOCTOR_ROOTFS_MISSING, path = r.display()),
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
