//! The engine: one way to run a container, whatever the stage.
//!
//! [`run`] takes a [`ContainerSpec`] and does, in order: record the run in
//! a journal, prepare the host side (overlay directories, network
//! lease and bridge), clone the container's process, let the child set itself up
//! (`child.rs`) while the parent relays its events and waits (`parent.rs`),
//! then undo everything the journal lists. Stages differ only in the spec
//! they hand in.

mod child;
pub mod exec;
pub mod hooks;
mod init;
pub mod network;
mod parent;
pub mod spec;
mod stdio;
mod sync;

pub use spec::{ContainerSpec, Stage};

use crate::error::Error;
use crate::journal::{Journal, Resource};
use crate::msg;
use crate::narrate::messages::containers as m;
use crate::narrate::{Event, Narrator};
use crate::overlay::Stack;
use crate::paths::Paths;
use crate::process::Signals;

/// Run `spec` to completion and return dockling's exit code: the command's
/// own, 128+N if a signal killed it. Every host resource is removed before
/// this returns, whether the run succeeded or not, or was interrupted: the
/// signals that stop a run are blocked from the first step, and a Ctrl-C
/// during the setup ends it at the next step, with everything undone.
pub fn run(spec: &ContainerSpec, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    run_with(spec, paths, narrator, &mut hooks::Foreground)
}

/// [`run`], with a supervisor's [`hooks::Hooks`] told what happens.
pub fn run_with(
    spec: &ContainerSpec,
    paths: &Paths,
    narrator: &mut dyn Narrator,
    hooks: &mut dyn hooks::Hooks,
) -> Result<i32, Error> {
    let signals = Signals::block().map_err(Error::sys(msg!(m::BLOCK_SIGNALS)))?;
    if spec.has(crate::namespaces::Namespace::Mount) && spec.overlay.is_none() {
        // The mounts need these; an overlay makes missing ones in its own
        // layer, but a plain rootfs is not written to.
        crate::rootfs::check_mount_points(&spec.rootfs)?;
    }
    narrator.emit(&Event::Start {
        stage: spec.stage.name().to_string(),
        stage_n: spec.stage.number(),
        rootfs: spec.rootfs.display().to_string(),
        command: spec.command.join(" "),
        args: spec.command.clone(),
        unshare_flags: spec
            .namespaces
            .iter()
            .map(|n| format!(" {}", n.unshare_option()))
            .collect::<String>(),
        namespaces: spec
            .namespaces
            .iter()
            .map(|n| n.proc_name().to_string())
            .collect::<Vec<_>>(),
        mount_ns: spec.has(crate::namespaces::Namespace::Mount),
    });
    // Published ports are bound first: a port in use is an error before
    // anything exists to undo.
    let listeners = match &spec.network {
        Some(n) => crate::network::ports::bind_all(&n.ports).map_err(|message| Error::Hinted {
            message,
            hint: msg!(m::PORT_IN_USE_HINT),
        })?,
        None => Vec::new(),
    };
    let id = spec.id.clone().unwrap_or_else(crate::journal::new_id);
    let mut journal = Journal::create(&paths.runs(), &id)?;
    narrator.emit(&Event::Journal {
        dir: journal.dir().display().to_string(),
    });
    for pin in &spec.pins {
        journal.record(Resource::Pin { path: pin.clone() })?;
    }
    let mut spec = spec.clone();
    if spec.has(crate::namespaces::Namespace::Uts) {
        // Like docker: the hostname defaults to the short container id.
        let name = spec.hostname.get_or_insert_with(|| id.clone()).clone();
        spec.set_env("HOSTNAME", &name);
    }
    let result = match &spec.overlay {
        Some(o) => prepare_overlay(o, paths, &id, &mut journal, narrator).map(|stack| {
            spec.rootfs = stack.merged();
            spec.stack = Some(stack);
        }),
        None => Ok(()),
    };
    let result = result.and_then(|()| checkpoint(&signals));
    let result = result.and_then(|()| match spec.network.is_some() {
        true => network::attach(&mut spec, listeners, paths, &id, &mut journal, narrator).map(Some),
        false => Ok(None),
    });
    let result = result.and_then(|attached| {
        checkpoint(&signals)?;
        parent::container_main_process(
            &spec,
            attached,
            paths,
            &id,
            &mut journal,
            &signals,
            narrator,
            hooks,
        )
    });
    let result = match (result, &spec.overlay, &spec.stack) {
        (Ok(code), Some(o), Some(stack)) => finish_overlay(o, stack, narrator).map(|()| code),
        (other, _, _) => other,
    };
    let scope = crate::journal::check::Scope::new(paths);
    for f in journal.undo(&scope, narrator) {
        eprintln!(
            "dockling: {}",
            msg!(
                m::COULD_NOT_UNDO,
                resource = format!("{:?}", f.resource),
                error = f.error
            )
        );
    }
    if result.is_ok() && narrator.wants_events() {
        // What `dockling compare` measured on this machine, if it ran.
        let vm = crate::compare::cached(paths);
        narrator.emit(&Event::Summary {
            stage: spec.stage.name().to_string(),
            args: spec.command.clone(),
            vm_kind: vm.as_ref().map(|vm| vm.kind.clone()),
            vm_boot_ms: vm.as_ref().map(|vm| vm.boot_ms),
            vm_memory_bytes: vm.as_ref().map(|vm| vm.vm_memory_bytes),
            started: None,
            total: None,
        });
    }
    result
}

/// Between setup steps: a stop signal that arrived ends the setup (the
/// caller undoes what was made).
pub(crate) fn checkpoint(signals: &Signals) -> Result<(), Error> {
    match signals
        .stop_requested()
        .map_err(Error::sys(msg!(m::READ_SIGNALS)))?
    {
        Some(s) => Err(Error::Interrupted(s)),
        None => Ok(()),
    }
}

/// Make the container's overlay directories under `<root>/overlay/<id>`,
/// journalled first (all of it, or all but upper with --keep).
fn prepare_overlay(
    o: &spec::OverlaySpec,
    paths: &Paths,
    id: &str,
    journal: &mut Journal,
    narrator: &mut dyn Narrator,
) -> Result<Stack, Error> {
    let base = paths.data.join("overlay");
    let mut existing = base.clone();
    while !existing.exists() && existing.pop() {}
    if crate::cgroups::fs_magic(&existing) == Ok(crate::overlay::OVERLAYFS_SUPER_MAGIC) {
        return Err(Error::Hinted {
            message: msg!(m::ROOT_ON_OVERLAYFS, path = existing.display()),
            hint: msg!(m::ROOT_ON_OVERLAYFS_HINT),
        });
    }
    if !crate::overlay::available() {
        return Err(Error::Hinted {
            message: msg!(m::NO_OVERLAYFS),
            hint: msg!(m::NO_OVERLAYFS_HINT),
        });
    }
    let stack = Stack {
        dir: o.dir.clone().unwrap_or_else(|| base.join(id)),
        lowers: o.layers.clone(),
    };
    if o.dir.is_some() {
        // The container's own: only the links to the layers are made anew.
        let links = stack.dir.join("l");
        match std::fs::remove_dir_all(&links) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("remove", links)(e)),
        }
    } else if o.keep {
        for d in [stack.work(), stack.merged(), stack.dir.join("l")] {
            journal.record(Resource::Dir { path: d })?;
        }
    } else {
        journal.record(Resource::Dir {
            path: stack.dir.clone(),
        })?;
    }
    stack
        .prepare()
        .map_err(Error::io("prepare the overlay directories in", &stack.dir))?;
    let dev = |p: &std::path::Path| {
        std::fs::metadata(p)
            .map(|m| std::os::unix::fs::MetadataExt::dev(&m))
            .ok()
    };
    if dev(&stack.upper()) != dev(&stack.work()) {
        return Err(Error::Hinted {
            message: msg!(m::UPPER_WORK_DIFFERENT_FS),
            hint: msg!(m::UPPER_WORK_DIFFERENT_FS_HINT, dir = stack.dir.display()),
        });
    }
    narrator.emit(&Event::OverlayDirs {
        dir: stack.dir.display().to_string(),
        layers: o.layers.len(),
        bottom: o.layers[0].display().to_string(),
        layer_paths: o
            .layers
            .iter()
            .map(|l| l.display().to_string())
            .collect::<Vec<_>>(),
    });
    Ok(stack)
}

/// After the run: report the changes, then commit or keep the upper dir.
fn finish_overlay(
    o: &spec::OverlaySpec,
    stack: &Stack,
    narrator: &mut dyn Narrator,
) -> Result<(), Error> {
    let changes = crate::overlay::diff(&stack.upper(), &stack.lowers)
        .map_err(Error::io("read", stack.upper()))?;
    let lines: Vec<String> = changes
        .iter()
        .map(|c| format!("{} {}", c.kind, c.path))
        .collect();
    narrator.emit(&Event::OverlayDiff {
        change_list: lines.clone(),
        count: lines.len(),
        upper: stack.upper().display().to_string(),
    });
    if let Some(dest) = &o.commit {
        crate::overlay::commit(&stack.upper(), dest)
            .map_err(Error::io("commit the container's layer to", dest))?;
        narrator.emit(&Event::OverlayCommit {
            dest: dest.display().to_string(),
            upper: stack.upper().display().to_string(),
        });
    }
    if o.keep {
        narrator.emit(&Event::OverlayKept {
            upper: stack.upper().display().to_string(),
        });
    }
    Ok(())
}
