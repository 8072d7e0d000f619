//! The engine: one way to run a container, whatever the stage.
//!
//! [`run`] takes a [`ContainerSpec`] and does, in order: record the run in
//! a journal, clone the container's process, let the child set itself up
//! (`child.rs`) while the parent relays its events and waits (`parent.rs`),
//! then undo everything the journal lists. Stages differ only in the spec
//! they hand in.

mod child;
mod init;
mod parent;
pub mod spec;
mod sync;

pub use spec::{ContainerSpec, Stage};

use crate::error::Error;
use crate::journal::Journal;
use crate::narrate::{Event, Narrator, Step};
use crate::paths::Paths;

/// Run `spec` to completion and return dockling's exit code: the command's
/// own, 128+N if a signal killed it. Every host resource is removed before
/// this returns, whether the run succeeded or not.
pub fn run(spec: &ContainerSpec, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    narrator.emit(
        &Event::new(Step::Start)
            .with("stage", spec.stage.name())
            .with("rootfs", spec.rootfs.display().to_string())
            .with("command", spec.command.join(" ")),
    );
    let id = crate::journal::new_id();
    let mut journal = Journal::create(&paths.runs(), &id)?;
    narrator.emit(&Event::new(Step::Journal).with("dir", journal.dir().display().to_string()));
    let mut spec = spec.clone();
    if spec.has(crate::namespaces::Namespace::Uts) {
        // Like docker: the hostname defaults to the short container id.
        let name = spec.hostname.get_or_insert_with(|| id.clone()).clone();
        spec.set_env("HOSTNAME", &name);
    }
    let result = parent::container_main_process(&spec, paths, &id, &mut journal, narrator);
    for (resource, err) in journal.undo(narrator) {
        eprintln!("dockling: warning: could not undo {resource:?}: {err}; run `dockling cleanup`");
    }
    result
}
