//! Stage 1, `dockling chroot`: a process with its own root directory and
//! nothing else of its own. Lesson: lessons/01-chroot.md.

use super::CommonArgs;
use crate::engine::{ContainerSpec, Stage};
use crate::error::Error;
use crate::msg;
use crate::narrate::Narrator;
use crate::narrate::messages::containers as m;
use crate::paths::Paths;

pub fn run(args: &CommonArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let spec = spec(args, paths, Stage::Chroot)?;
    super::launch(spec, args, paths, narrator)
}

/// The spec every stage starts from: root check, rootfs, command, env, -w.
pub fn spec(args: &CommonArgs, paths: &Paths, stage: Stage) -> Result<ContainerSpec, Error> {
    if !nix::unistd::geteuid().is_root() {
        return Err(Error::NotRoot {
            what: format!("dockling {}", stage.name()),
            why: "chroot(2)",
        });
    }
    let (rootfs, hint) = match &args.rootfs {
        Some(r) => (r.clone(), msg!(m::CHECK_ROOTFS_PATH)),
        None => (paths.default_rootfs(), msg!(m::MAKE_DEFAULT_ROOTFS)),
    };
    let rootfs = crate::rootfs::validate(&rootfs, args.command.is_empty(), &hint)?;
    let mut spec = ContainerSpec::new(stage, rootfs, args.command.clone());
    for (k, v) in &args.env {
        spec.set_env(k, v);
    }
    let workdir = args.workdir.as_deref().unwrap_or("/");
    if !workdir.starts_with('/') {
        return Err(Error::Usage(msg!(
            m::WORKDIR_NOT_ABSOLUTE,
            workdir = workdir
        )));
    }
    spec.workdir = workdir.to_string();
    spec.tty = args.tty;
    spec.interactive = args.interactive;
    Ok(spec)
}
