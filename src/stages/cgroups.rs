//! Stage 3, `dockling cgroups`: stage 2 plus a cgroup with docker's limit
//! flags, on cgroup v2 or v1. Lesson: lessons/03-cgroups.md.

use super::namespaces::NamespacesArgs;
use crate::cgroups::devices::Device;
use crate::cgroups::{Limits, limits};
use crate::engine::{ContainerSpec, Stage};
use crate::error::Error;
use crate::narrate::Narrator;
use crate::paths::Paths;

#[derive(Debug, Clone, clap::Args)]
pub struct CgroupsArgs {
    /// Memory limit, e.g. 64m or 1g (6m to 1024p)
    #[arg(short = 'm', long, value_name = "SIZE")]
    pub memory: Option<String>,
    /// Memory plus swap, e.g. 128m; -1 for unlimited swap
    #[arg(long = "memory-swap", value_name = "SIZE", allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// How much CPU time, in CPUs, e.g. 0.5
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub cpus: Option<String>,
    /// Relative CPU weight when CPUs are busy (2-262144, default 1024)
    #[arg(long = "cpu-shares", value_name = "N", allow_hyphen_values = true)]
    pub cpu_shares: Option<String>,
    /// The most processes and threads, e.g. 64 (1-4194304)
    #[arg(long = "pids-limit", value_name = "N", allow_hyphen_values = true)]
    pub pids_limit: Option<String>,
    /// Give the container a host device: HOST[:CONTAINER[:rwm]], e.g. /dev/fuse
    #[arg(long = "device", value_name = "HOST[:CONTAINER[:PERMS]]")]
    pub devices: Vec<String>,
    #[command(flatten)]
    pub ns: NamespacesArgs,
}

pub fn run(args: &CgroupsArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    // Values first: a bad one is refused before anything is created.
    let limits = parse_limits(args)?;
    let mut spec: ContainerSpec = super::namespaces::spec(&args.ns, paths, Stage::Cgroups)?;
    spec.limits = Some(limits);
    spec.devices = parse_devices(&args.devices)?;
    super::launch(spec, &args.ns.common, paths, narrator)
}

pub fn parse_devices(args: &[String]) -> Result<Vec<Device>, Error> {
    args.iter()
        .map(|a| Device::parse(a).map_err(Error::Usage))
        .collect()
}

pub fn parse_limits(args: &CgroupsArgs) -> Result<Limits, Error> {
    let cpus_here = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let opt = |v: &Option<String>, f: &dyn Fn(&str) -> Result<u64, String>| {
        v.as_deref().map(f).transpose()
    };
    let l = Limits {
        memory: opt(&args.memory, &limits::memory).map_err(Error::Usage)?,
        memory_swap: args
            .memory_swap
            .as_deref()
            .map(limits::memory_swap)
            .transpose()
            .map_err(Error::Usage)?,
        nano_cpus: opt(&args.cpus, &|c| limits::cpus(c, cpus_here)).map_err(Error::Usage)?,
        cpu_shares: opt(&args.cpu_shares, &limits::cpu_shares).map_err(Error::Usage)?,
        pids: opt(&args.pids_limit, &limits::pids).map_err(Error::Usage)?,
    };
    l.check().map_err(Error::Usage)?;
    Ok(l)
}
