//! Stage 4, `dockling overlay`: stage 3 with a layered root. The rootfs is
//! the bottom layer, each `--layer` goes on top in order, and a fresh upper
//! directory takes every write. Lesson: lessons/04-overlay.md.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::path::PathBuf;

use super::cgroups::CgroupsArgs;
use crate::engine::spec::OverlaySpec;
use crate::engine::{ContainerSpec, Stage};
use crate::error::Error;
use crate::namespaces::Namespace;
use crate::narrate::Narrator;
use crate::paths::Paths;

#[derive(Debug, Clone, clap::Args)]
pub struct OverlayArgs {
    /// A read-only layer on top of the rootfs (repeat: the first is lowest)
    #[arg(long = "layer", value_name = "DIR")]
    pub layers: Vec<PathBuf>,
    /// Keep the writable upper layer afterwards and print where it is
    #[arg(long)]
    pub keep: bool,
    /// Save what the container changed as a new layer directory DIR
    #[arg(long, value_name = "DIR")]
    pub commit: Option<PathBuf>,
    #[command(flatten)]
    pub cgroups: CgroupsArgs,
}

pub fn run(args: &OverlayArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    super::launch(
        spec(args, paths, Stage::Overlay)?,
        &args.cgroups.ns.common,
        paths,
        narrator,
    )
}

/// The spec stage 4 runs, for this stage and the ones built on it.
pub fn spec(args: &OverlayArgs, paths: &Paths, stage: Stage) -> Result<ContainerSpec, Error> {
    let limits = super::cgroups::parse_limits(&args.cgroups)?;
    let mut spec = super::namespaces::spec(&args.cgroups.ns, paths, stage)?;
    if !spec.has(Namespace::Mount) {
        return Err(Error::Usage(msg!(m::OVERLAY_NEEDS_MOUNT)));
    }
    let mut layers = vec![spec.rootfs.clone()];
    for l in &args.layers {
        let meta = std::fs::metadata(l).map_err(|e| Error::Hinted {
            message: msg!(m::LAYER_PROBLEM, layer = l.display(), problem = e),
            hint: msg!(m::LAYER_HINT),
        })?;
        if !meta.is_dir() {
            return Err(Error::Usage(msg!(
                m::LAYER_NOT_A_DIRECTORY,
                layer = l.display()
            )));
        }
        layers.push(std::fs::canonicalize(l).map_err(Error::io("resolve", l))?);
    }
    if let Some(c) = &args.commit
        && c.symlink_metadata().is_ok()
    {
        return Err(Error::Usage(msg!(m::COMMIT_EXISTS, dir = c.display())));
    }
    let commit = match &args.commit {
        Some(c) => Some(std::path::absolute(c).map_err(Error::io("resolve", c))?),
        None => None,
    };
    spec.limits = Some(limits);
    spec.devices = super::cgroups::parse_devices(&args.cgroups.devices)?;
    spec.overlay = Some(OverlaySpec {
        layers,
        keep: args.keep,
        commit,
        dir: None,
    });
    Ok(spec)
}
