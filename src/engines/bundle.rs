//! `dockling bundle CONTAINER|IMAGE DIR`: an OCI runtime bundle, the
//! input every low-level runtime takes (`runc run -b DIR ID`, crun,
//! youki): `DIR/config.json` and `DIR/rootfs`.
//!
//! Everything dockling does between clone(2) and execve(2) is described by
//! a [`ContainerSpec`]; the runtime-spec's config.json describes the same
//! things in the words every runtime understands. Each field here is
//! mapped from the spec dockling would run, never written by hand:
//! the process (argv, environment, working directory, uid and gid, the
//! five capability sets as dockling leaves them, no_new_privs), the
//! hostname, the mounts dockling makes (proc, sysfs read-only, a tmpfs
//! /dev with devpts and shm, volumes), the namespaces, the cgroup limits
//! (memory, CPU quota, pids, the device allow-list), the seccomp filter
//! (docker's default profile, from the same tables dockling compiles to
//! BPF) and the masked and read-only paths.
//!
//! Two things dockling does are not in a bundle, because the runtime-spec
//! leaves them to the engine above the runtime: the network (a runtime
//! makes an empty network namespace; docker and podman wire it with their
//! own code or CNI) and the files a run writes (/etc/hosts, resolv.conf).
//!
//! The rootfs is the image's layers flattened: the kernel stacks them
//! with a read-only overlay mount (the container's own writable layer on
//! top, for a container), in a mount namespace of this process's own, so
//! the mount vanishes with the process whatever happens, and `cp -a`
//! copies the merged view.

use std::fs;
use std::path::{Path, PathBuf};

use caps::Capability;
use serde_json::{Value, json};

use crate::engine::ContainerSpec;
use crate::error::Error;
use crate::image::store::Store;
use crate::msg;
use crate::namespaces::Namespace;
use crate::narrate::messages::engines as m;
use crate::narrate::{Event, Narrator};
use crate::paths::Paths;
use crate::seccomp::profile;

#[derive(Debug, clap::Args)]
pub struct BundleArgs {
    /// A container (name or id), or an image to make one of with the defaults
    #[arg(value_name = "CONTAINER|IMAGE")]
    pub source: String,
    /// The bundle's directory (made if missing; must be empty)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// The runtime-spec namespace type of a dockling namespace.
fn ns_type(ns: Namespace) -> &'static str {
    match ns {
        Namespace::Pid => "pid",
        Namespace::Mount => "mount",
        Namespace::Uts => "uts",
        Namespace::Ipc => "ipc",
        Namespace::Net => "network",
    }
}

fn cap_names(set: impl IntoIterator<Item = Capability>) -> Vec<String> {
    let mut v: Vec<String> = set.into_iter().map(|c| c.to_string()).collect();
    v.sort();
    v
}

/// The five capability sets as dockling leaves the process: bounding,
/// effective and permitted are the kept set (setuid to another user
/// then empties effective and permitted), inheritable and ambient empty.
fn capabilities(spec: &ContainerSpec) -> Value {
    let kept: Vec<String> = match &spec.capabilities {
        Some(k) => cap_names(k.iter().copied()),
        None => cap_names(caps::all()),
    };
    let (uid, _) = spec.user.unwrap_or((0, 0));
    let working = if uid == 0 { kept.clone() } else { Vec::new() };
    let inheritable: Vec<String> = if spec.capabilities.is_some() {
        Vec::new()
    } else {
        kept.clone()
    };
    json!({
        "bounding": kept,
        "effective": working,
        "permitted": working,
        "inheritable": inheritable,
        "ambient": [],
    })
}

/// The mounts dockling makes, in its order (src/mounts.rs).
fn mounts(spec: &ContainerSpec) -> Vec<Value> {
    let mut out = vec![
        json!({"destination": "/proc", "type": "proc", "source": "proc",
               "options": ["nosuid", "noexec", "nodev"]}),
        json!({"destination": "/sys", "type": "sysfs", "source": "sysfs",
               "options": ["nosuid", "noexec", "nodev", "ro"]}),
        json!({"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
               "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}),
        json!({"destination": "/dev/pts", "type": "devpts", "source": "devpts",
               "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}),
        json!({"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
               "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}),
    ];
    for b in &spec.binds {
        let mut options = vec!["rbind", "rprivate"];
        if b.readonly {
            options.push("ro");
        }
        out.push(json!({"destination": b.target, "type": "bind",
                        "source": b.source, "options": options}));
    }
    out
}

/// The cgroup limits dockling writes, as linux.resources.
fn resources(spec: &ContainerSpec) -> Result<Value, Error> {
    let mut r = serde_json::Map::new();
    let mut devices = vec![json!({"allow": false, "access": "rwm"})];
    for rule in crate::cgroups::devices::rules(&spec.devices) {
        let v1 = rule.v1();
        let mut parts = v1.split(' ');
        let kind = parts.next().unwrap_or("a");
        let mut d = serde_json::Map::new();
        d.insert("allow".into(), json!(true));
        d.insert("type".into(), json!(kind));
        if let Some(n) = rule.major {
            d.insert("major".into(), json!(n));
        }
        if let Some(n) = rule.minor {
            d.insert("minor".into(), json!(n));
        }
        d.insert("access".into(), json!(parts.nth(1).unwrap_or("rwm")));
        devices.push(Value::Object(d));
    }
    r.insert("devices".into(), Value::Array(devices));
    if let Some(l) = &spec.limits {
        let mut mem = serde_json::Map::new();
        if let Some(bytes) = l.memory {
            mem.insert("limit".into(), json!(bytes));
        }
        // Swap only where dockling writes it: v1 with swap accounting on.
        let memsw =
            Path::new(crate::cgroups::CGROUP_ROOT).join("memory/memory.memsw.limit_in_bytes");
        if memsw.exists() {
            match l.memory_and_swap().map_err(Error::Usage)? {
                Some(crate::cgroups::limits::Swap::Bytes(t)) => {
                    mem.insert("swap".into(), json!(t));
                }
                Some(crate::cgroups::limits::Swap::Unlimited) => {
                    mem.insert("swap".into(), json!(-1));
                }
                None => {}
            }
        }
        if !mem.is_empty() {
            r.insert("memory".into(), Value::Object(mem));
        }
        let mut cpu = serde_json::Map::new();
        if let Some((quota, period)) = l.cpu_quota().map_err(Error::Usage)? {
            cpu.insert("quota".into(), json!(quota));
            cpu.insert("period".into(), json!(period));
        }
        if let Some(s) = l.cpu_shares {
            cpu.insert("shares".into(), json!(s));
        }
        if !cpu.is_empty() {
            r.insert("cpu".into(), Value::Object(cpu));
        }
        if let Some(p) = l.pids {
            r.insert("pids".into(), json!({"limit": p}));
        }
    }
    Ok(Value::Object(r))
}

/// linux.resources in one line, for the narration.
fn resources_summary(r: &Value) -> String {
    let mut parts = Vec::new();
    for (key, path) in [
        ("memory.limit", ["memory", "limit"]),
        ("memory.swap", ["memory", "swap"]),
        ("cpu.quota", ["cpu", "quota"]),
        ("cpu.period", ["cpu", "period"]),
        ("cpu.shares", ["cpu", "shares"]),
        ("pids.limit", ["pids", "limit"]),
    ] {
        let v = &r[path[0]][path[1]];
        if !v.is_null() {
            parts.push(format!("{key} {v}"));
        }
    }
    parts.push(format!(
        "devices {}",
        r["devices"].as_array().map_or(0, Vec::len)
    ));
    parts.join(", ")
}

/// docker's default seccomp profile for a process holding `caps`, in the
/// runtime-spec's form: the same tables ([`profile`]) dockling compiles
/// to BPF. Argument checks become one rule per allowed value (a rule's
/// conditions are ANDed, rules are ORed), which every libseccomp takes.
pub fn seccomp(caps: &[String]) -> Value {
    let has = |c: &str| caps.iter().any(|x| x == c);
    let arch = match std::env::consts::ARCH {
        "x86_64" => "SCMP_ARCH_X86_64",
        "aarch64" => "SCMP_ARCH_AARCH64",
        "riscv64" => "SCMP_ARCH_RISCV64",
        other => other,
    };
    let mut names: Vec<String> = profile::ALLOWED
        .iter()
        .chain(profile::ALLOWED_X86_64)
        .chain(profile::NEWER)
        .map(|(n, _)| n.strip_prefix("SYS_").unwrap_or(n).to_string())
        .collect();
    for (cap, calls) in profile::BY_CAPABILITY {
        if has(cap) {
            names.extend(calls.iter().map(|(n, _)| n.to_string()));
        }
    }
    names.sort();
    names.dedup();
    let mut syscalls = vec![json!({"names": names, "action": "SCMP_ACT_ALLOW"})];
    if !has("CAP_SYS_ADMIN") {
        syscalls.push(json!({
            "names": ["clone"], "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": profile::CLONE_NAMESPACES, "valueTwo": 0,
                      "op": "SCMP_CMP_MASKED_EQ"}],
        }));
        syscalls.push(json!({
            "names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": libc::ENOSYS,
        }));
    }
    for family in 0..profile::AF_MAX {
        if profile::DENIED_SOCKET_FAMILIES
            .iter()
            .any(|(_, f)| *f == family)
        {
            continue;
        }
        syscalls.push(json!({
            "names": ["socket"], "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": family, "op": "SCMP_CMP_EQ"}],
        }));
    }
    for p in profile::PERSONALITIES {
        syscalls.push(json!({
            "names": ["personality"], "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": p, "op": "SCMP_CMP_EQ"}],
        }));
    }
    json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": profile::DENY_ERRNO,
        "architectures": [arch],
        "syscalls": syscalls,
    })
}

/// The runtime-spec config.json for `spec` (rootfs at `rootfs`, relative
/// to the bundle).
pub fn config(spec: &ContainerSpec, hostname: &str) -> Result<Value, Error> {
    let (uid, gid) = spec.user.unwrap_or((0, 0));
    let mut user = json!({"uid": uid, "gid": gid});
    if spec.user.is_some() {
        // dockling's setgroups(2): the one group.
        user["additionalGids"] = json!([gid]);
    }
    let caps = capabilities(spec);
    let mut rlimits = Vec::new();
    if let Ok((soft, hard)) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
    {
        // dockling sets no limit: its process inherits dockling's own.
        rlimits.push(json!({"type": "RLIMIT_NOFILE", "soft": soft, "hard": hard}));
    }
    let mut linux = serde_json::Map::new();
    linux.insert(
        "namespaces".into(),
        Value::Array(
            spec.namespaces
                .iter()
                .map(|ns| json!({"type": ns_type(*ns)}))
                .collect(),
        ),
    );
    linux.insert("resources".into(), resources(spec)?);
    if spec.seccomp && spec.capabilities.is_some() {
        let held: Vec<String> = caps["bounding"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        linux.insert("seccomp".into(), seccomp(&held));
    }
    if spec.has(Namespace::Mount) {
        linux.insert("maskedPaths".into(), json!(crate::mounts::MASKED));
        linux.insert("readonlyPaths".into(), json!(crate::mounts::READ_ONLY));
    }
    let devices: Vec<Value> = spec
        .devices
        .iter()
        .map(|d| {
            json!({
                "path": d.container,
                "type": if d.rule.kind == crate::cgroups::devices::Kind::Block { "b" } else { "c" },
                "major": d.rule.major.unwrap_or(0),
                "minor": d.rule.minor.unwrap_or(0),
                "fileMode": d.mode,
                "uid": 0,
                "gid": 0,
            })
        })
        .collect();
    if !devices.is_empty() {
        linux.insert("devices".into(), Value::Array(devices));
    }
    let mut c = json!({
        "ociVersion": "1.0.2",
        "process": {
            "terminal": false,
            "user": user,
            "args": spec.command,
            "env": spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            "cwd": spec.workdir,
            "capabilities": caps,
            "rlimits": rlimits,
            "noNewPrivileges": spec.capabilities.is_some(),
        },
        "root": {"path": "rootfs", "readonly": false},
        "mounts": if spec.has(Namespace::Mount) { mounts(spec) } else { Vec::new() },
        "linux": linux,
    });
    if spec.has(Namespace::Uts) {
        c["hostname"] = json!(hostname);
    }
    Ok(c)
}

/// The layers to flatten, bottom first.
fn layers(spec: &ContainerSpec) -> Vec<PathBuf> {
    let mut v = match &spec.overlay {
        Some(o) => o.layers.clone(),
        None => vec![spec.rootfs.clone()],
    };
    if let Some(dir) = spec.overlay.as_ref().and_then(|o| o.dir.as_ref()) {
        let upper = dir.join("upper");
        if upper.is_dir() {
            v.push(upper);
        }
    }
    v
}

fn copy_tree(src: &Path, dest: &Path) -> Result<(), Error> {
    let out = std::process::Command::new("cp")
        .arg("-a")
        .arg("--")
        .arg(src.join("."))
        .arg(dest)
        .output()
        .map_err(Error::io("run", "cp"))?;
    if !out.status.success() {
        return Err(Error::Usage(msg!(
            m::BUNDLE_COPY_FAILED,
            src = src.display(),
            error = String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// The layers' merged view, copied into `dest`.
fn flatten(layers: &[PathBuf], dest: &Path, scratch: &Path) -> Result<(), Error> {
    fs::create_dir(dest).map_err(Error::io("create", dest))?;
    if layers.len() == 1 {
        return copy_tree(&layers[0], dest);
    }
    use nix::mount::{MntFlags, MsFlags};
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
        .map_err(Error::sys("unshare(CLONE_NEWNS)".to_string()))?;
    crate::mounts::make_private().map_err(|e| Error::sys(e.what)(e.errno))?;
    if let Some(parent) = scratch.parent() {
        fs::create_dir_all(parent).map_err(Error::io("create", parent))?;
    }
    fs::create_dir(scratch).map_err(Error::io("create", scratch))?;
    let result = (|| {
        let lower: Vec<String> = layers
            .iter()
            .rev()
            .map(|l| l.display().to_string())
            .collect();
        let opts = format!("lowerdir={}", lower.join(":"));
        nix::mount::mount(
            Some("overlay"),
            scratch,
            Some("overlay"),
            MsFlags::MS_RDONLY,
            Some(opts.as_str()),
        )
        .map_err(Error::sys(format!("mount -t overlay -o ro,{opts}")))?;
        let copied = copy_tree(scratch, dest);
        let _ = nix::mount::umount2(scratch, MntFlags::MNT_DETACH);
        copied
    })();
    let _ = fs::remove_dir(scratch);
    result
}

pub fn bundle(args: &BundleArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let dir = std::path::absolute(&args.dir).map_err(Error::io("resolve", &args.dir))?;
    let exists = match fs::read_dir(&dir) {
        Ok(mut d) => {
            if d.next().is_some() {
                return Err(Error::Hinted {
                    message: msg!(m::BUNDLE_DIR_NOT_EMPTY, dir = dir.display()),
                    hint: msg!(m::BUNDLE_DIR_NOT_EMPTY_HINT),
                });
            }
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(Error::io("read", &dir)(e)),
    };
    // A container by its name or id; else an image, as `create` would make it.
    let containers = crate::container::store::Store::new(paths);
    let mut _origin = None;
    let (spec, hostname, what) = match containers.find(&args.source) {
        Ok(id) => {
            let c = containers.config(&id)?;
            let host = c
                .spec
                .hostname
                .clone()
                .or(c.spec.id.clone())
                .unwrap_or_else(|| id[..12].to_string());
            (c.spec, host, format!("{} ({})", c.name, &id[..12]))
        }
        Err(Error::NoSuchContainer(_)) => {
            let store = Store::open(paths)?;
            if store.find(&args.source)?.is_none() {
                return Err(Error::Hinted {
                    message: msg!(m::BUNDLE_NO_SUCH, name = format!("{:?}", args.source)),
                    hint: msg!(m::BUNDLE_NO_SUCH_HINT),
                });
            }
            use clap::{Args, FromArgMatches};
            let matches = crate::stages::image::RunArgs::augment_args(clap::Command::new("run"))
                .try_get_matches_from(["run", "--network", "none", &args.source])
                .map_err(|e| Error::Usage(e.to_string()))?;
            let run = crate::stages::image::RunArgs::from_arg_matches(&matches)
                .map_err(|e| Error::Usage(e.to_string()))?;
            let (spec, origin) = crate::stages::image::image_container(&run, paths, narrator)?;
            let host = origin
                .id
                .as_deref()
                .map(|i| i[..12].to_string())
                .unwrap_or_else(|| "dockling".into());
            _origin = Some(origin);
            (spec, host, args.source.clone())
        }
        Err(e) => return Err(e),
    };
    let made_dir = !exists;
    if made_dir {
        fs::create_dir_all(&dir).map_err(Error::io("create", &dir))?;
    }
    let result = (|| {
        let value = config(&spec, &hostname)?;
        let layers = layers(&spec);
        let rootfs = dir.join("rootfs");
        let scratch = Store::temp_in(&paths.data.join("layers"), "flatten");
        flatten(&layers, &rootfs, &scratch)?;
        narrator.emit(&Event::BundleRootfs {
            rootfs: rootfs.display().to_string(),
            layers: layers.len(),
            lowerdir: layers
                .iter()
                .rev()
                .map(|l| l.display().to_string())
                .collect::<Vec<_>>()
                .join(":"),
        });
        let p = &value["process"];
        narrator.emit(&Event::BundleProcess {
            args: p["args"].to_string(),
            uid: p["user"]["uid"].as_u64().unwrap_or_default(),
            gid: p["user"]["gid"].as_u64().unwrap_or_default(),
            cwd: spec.workdir.clone(),
            caps: p["capabilities"]["bounding"].as_array().map_or(0, Vec::len),
            effective: p["capabilities"]["effective"]
                .as_array()
                .map_or(0, Vec::len),
            no_new_privs: p["noNewPrivileges"].as_bool().unwrap_or_default(),
        });
        let l = &value["linux"];
        narrator.emit(&Event::BundleLinux {
            namespaces: spec
                .namespaces
                .iter()
                .map(|n| ns_type(*n))
                .collect::<Vec<_>>()
                .join(", "),
            resources: resources_summary(&l["resources"]),
            syscalls: l["seccomp"]["syscalls"][0]["names"]
                .as_array()
                .map_or(0, Vec::len),
            masked: crate::mounts::MASKED.len(),
            read_only: crate::mounts::READ_ONLY.len(),
        });
        let text = serde_json::to_vec_pretty(&value).expect("json");
        let file = dir.join("config.json");
        fs::write(&file, text).map_err(Error::io("write", &file))?;
        narrator.emit(&Event::BundleWritten {
            config: file.display().to_string(),
            dir: dir.display().to_string(),
        });
        Ok(())
    })();
    if let Err(e) = result {
        let _ = crate::image::store::remove_tree(&dir.join("rootfs"));
        let _ = fs::remove_file(dir.join("config.json"));
        if made_dir {
            let _ = fs::remove_dir(&dir);
        }
        return Err(e);
    }
    println!(
        "{}",
        msg!(m::BUNDLE_WRITTEN, dir = dir.display(), what = what)
    );
    Ok(0)
}
