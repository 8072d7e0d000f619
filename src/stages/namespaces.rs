//! Stage 2, `dockling namespaces`: stage 1 plus PID, mount, UTS and IPC
//! namespaces, a root made with pivot_root, a fresh /proc and /dev, and
//! docker's default capabilities. Lesson: lessons/02-namespaces.md.

use super::CommonArgs;
use crate::engine::{ContainerSpec, Stage};
use crate::error::Error;
use crate::msg;
use crate::namespaces::{Namespace, STAGE2_NAMESPACES};
use crate::narrate::Narrator;
use crate::narrate::messages::containers as m;
use crate::paths::Paths;
use crate::security;

#[derive(Debug, Clone, clap::Args)]
pub struct NamespacesArgs {
    /// The container's hostname [default: the run id]
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Which namespaces to create, for experiments (comma-separated)
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "LIST",
        default_value = "pid,mount,uts,ipc"
    )]
    pub ns: Vec<Namespace>,
    /// Keep a capability docker drops (e.g. NET_ADMIN, or ALL)
    #[arg(long = "cap-add", value_name = "CAP")]
    pub cap_add: Vec<String>,
    /// Drop a capability docker keeps (e.g. CHOWN, or ALL)
    #[arg(long = "cap-drop", value_name = "CAP")]
    pub cap_drop: Vec<String>,
    /// Run a minimal init as PID 1 that reaps orphans and forwards signals
    #[arg(long)]
    pub init: bool,
    /// Turn a defence off, for experiments: seccomp=unconfined
    #[arg(long = "security-opt", value_name = "OPT")]
    pub security_opt: Vec<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(
    args: &NamespacesArgs,
    paths: &Paths,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    let spec = spec(args, paths, Stage::Namespaces)?;
    super::launch(spec, &args.common, paths, narrator)
}

pub fn spec(args: &NamespacesArgs, paths: &Paths, stage: Stage) -> Result<ContainerSpec, Error> {
    let mut spec = super::chroot::spec(&args.common, paths, stage)?;
    // A rootfs path through a symlink would be pivoted into wherever the
    // link points; say so rather than surprise.
    if let Some(given) = &args.common.rootfs {
        let absolute = std::path::absolute(given).map_err(Error::io("resolve", given))?;
        if absolute != spec.rootfs {
            return Err(Error::Rootfs {
                path: given.clone(),
                problem: msg!(m::ROOTFS_THROUGH_SYMLINK, real = spec.rootfs.display()),
                hint: msg!(m::ROOTFS_THROUGH_SYMLINK_HINT, real = spec.rootfs.display()),
            });
        }
    }
    let mut ns: Vec<Namespace> = Vec::new();
    for n in &args.ns {
        if !ns.contains(n) {
            ns.push(*n);
        }
    }
    ns.sort_by_key(|n| STAGE2_NAMESPACES.iter().position(|m| m == n));
    spec.namespaces = ns;
    if let Some(h) = &args.hostname {
        if !valid_hostname(h) {
            return Err(Error::Usage(msg!(
                m::BAD_HOSTNAME,
                hostname = format!("{h:?}")
            )));
        }
        if !spec.has(Namespace::Uts) {
            return Err(Error::Usage(msg!(m::HOSTNAME_NEEDS_UTS)));
        }
    }
    spec.hostname = args.hostname.clone();
    let parse = |names: &[String]| -> Result<Vec<caps::Capability>, Error> {
        names
            .iter()
            .map(|n| security::parse(n).map_err(Error::Usage))
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.concat())
    };
    let (add, drop) = (parse(&args.cap_add)?, parse(&args.cap_drop)?);
    let mut kept = security::kept(&add, &drop);
    // Without a cgroup there are no device rules: mknod would reach any
    // device, so this stage keeps CAP_MKNOD only when asked (stage 3 gives
    // it back with the rules).
    if stage == Stage::Namespaces && !add.contains(&caps::Capability::CAP_MKNOD) {
        kept.remove(&caps::Capability::CAP_MKNOD);
    }
    spec.capabilities = Some(kept);
    spec.seccomp = true;
    for opt in &args.security_opt {
        match opt.as_str() {
            "seccomp=unconfined" | "seccomp:unconfined" => spec.seccomp = false,
            other => {
                return Err(Error::Usage(msg!(
                    m::BAD_SECURITY_OPT,
                    opt = format!("{other:?}")
                )));
            }
        }
    }
    spec.init = args.init;
    if spec.init && !spec.has(Namespace::Pid) {
        return Err(Error::Usage(msg!(m::INIT_NEEDS_PID)));
    }
    Ok(spec)
}

pub fn valid_hostname(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 63
        && !h.starts_with('-')
        && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}
