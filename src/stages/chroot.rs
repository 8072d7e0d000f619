//! Stage 1, `dockling chroot`: a process with its own root directory and
//! nothing else of its own. Lesson: lessons/01-chroot.md.

use super::CommonArgs;
use crate::engine::{ContainerSpec, Stage};
use crate::error::Error;
use crate::narrate::Narrator;
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
        Some(r) => (r.clone(), "check the --rootfs path".to_string()),
        None => (
            paths.default_rootfs(),
            "make the default rootfs first: dockling rootfs fetch host".to_string(),
        ),
    };
    let rootfs = crate::rootfs::validate(&rootfs, args.command.is_empty(), &hint)?;
    let mut spec = ContainerSpec::new(stage, rootfs, args.command.clone());
    for (k, v) in &args.env {
        spec.set_env(k, v);
    }
    let workdir = args.workdir.as_deref().unwrap_or("/");
    if !workdir.starts_with('/') {
        return Err(Error::Usage(format!(
            "-w {workdir}: the working directory must be an absolute path"
        )));
    }
    spec.workdir = workdir.to_string();
    spec.tty = args.tty;
    spec.interactive = args.interactive;
    Ok(spec)
}
