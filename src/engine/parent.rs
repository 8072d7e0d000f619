//! The parent's side of a run: clone the child, relay its narration,
//! forward signals, wait, and report how the command ended.

use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

use super::child;
use super::spec::ContainerSpec;
use super::sync::{self, ChildMsg, ParentSide};
use crate::error::Error;
use crate::journal::{Journal, Resource, process_start_time};
use crate::namespaces::{self, Namespace};
use crate::narrate::{Event, Narrator, Step};
use crate::process::{self, Ended};

pub fn container_main_process(
    spec: &ContainerSpec,
    journal: &mut Journal,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    let signals = process::handled_signals();
    let old_mask = process::block(&signals).map_err(Error::sys("block signals"))?;
    let (mut parent, child_side) =
        sync::pair(narrator.wants_events()).map_err(Error::sys("create the sync pipe"))?;
    let parent_pid = nix::unistd::getpid();
    let flags = namespaces::clone_flags(&spec.namespaces);
    let pid = match process::clone(flags).map_err(Error::sys("clone the container process"))? {
        None => child::container_init_process(spec, child_side, &old_mask, parent_pid),
        Some(pid) => pid,
    };
    drop(child_side);
    // Recorded right after clone: the child cannot outlive a dockling that
    // is killed before this line (it has PR_SET_PDEATHSIG), and after it
    // `dockling cleanup` knows to stop it.
    if let Some(start_time) = process_start_time(pid.as_raw()) {
        journal.record(Resource::Process {
            pid: pid.as_raw(),
            start_time,
        })?;
    }
    let new: Vec<&str> = spec.namespaces.iter().map(|n| n.proc_name()).collect();
    let options: String = spec
        .namespaces
        .iter()
        .map(|n| format!(" {}", n.unshare_option()))
        .collect();
    narrator.emit(
        &Event::new(Step::Clone)
            .with("flags", namespaces::flags_text(&spec.namespaces))
            .with("pid", pid.as_raw())
            .with(
                "namespaces",
                if new.is_empty() {
                    "none, it shares all of the host's".into()
                } else {
                    new.join(", ")
                },
            )
            .with("unshare_flags", options),
    );
    if !spec.namespaces.is_empty() {
        narrator.emit(&compare_namespaces(pid, &spec.namespaces));
    }
    if let Err(e) = relay(&mut parent, narrator) {
        let _ = waitpid(pid, None);
        return Err(e);
    }
    let ended = wait(pid, &signals, narrator)?;
    let code = ended.code();
    let event = match ended {
        Ended::Exited(c) => Event::new(Step::Exited).with("code", c),
        Ended::Signaled(s) => Event::new(Step::Signaled)
            .with("signal", s.as_str())
            .with("number", s as i32),
    };
    narrator.emit(&event.with("pid", pid.as_raw()).with("code", code));
    Ok(code)
}

/// The host's and the container's namespace ids, side by side.
fn compare_namespaces(pid: Pid, new: &[Namespace]) -> Event {
    let child = pid.as_raw().to_string();
    let lines: Vec<String> = [
        Namespace::Pid,
        Namespace::Mount,
        Namespace::Uts,
        Namespace::Ipc,
    ]
    .iter()
    .map(|&ns| {
        let host = namespaces::id("self", ns).unwrap_or_default();
        let container = namespaces::id(&child, ns).unwrap_or_default();
        let same = if new.contains(&ns) { "new" } else { "shared" };
        format!(
            "{}: host {host}, container {container} ({same})",
            ns.proc_name()
        )
    })
    .collect();
    Event::new(Step::Namespaces)
        .with("pid", pid.as_raw())
        .with("compare", lines.join("; "))
}

/// Let the child set up, printing its events, until it has exec'd.
fn relay(parent: &mut ParentSide, narrator: &mut dyn Narrator) -> Result<(), Error> {
    let broken = |e: std::io::Error| Error::Io {
        what: "talk to the container process over",
        path: "the sync pipe".into(),
        source: e,
    };
    parent.go().map_err(broken)?;
    let mut failure = None;
    while let Some(msg) = parent.recv().map_err(broken)? {
        match msg {
            ChildMsg::Event(e) => narrator.emit(&e),
            ChildMsg::Error(e) => failure = Some(e),
            ChildMsg::Ready => parent.exec().map_err(broken)?,
        }
    }
    match failure {
        Some(e) => Err(Error::Child(e)),
        None => Ok(()),
    }
}

/// Wait for the child to end, passing on the signals dockling receives.
fn wait(
    pid: Pid,
    signals: &nix::sys::signal::SigSet,
    narrator: &mut dyn Narrator,
) -> Result<Ended, Error> {
    loop {
        let status = waitpid(pid, Some(WaitPidFlag::WNOHANG))
            .map_err(Error::sys("wait for the container"))?;
        if let Some(ended) = Ended::from_status(status) {
            return Ok(ended);
        }
        let signal = signals.wait().map_err(Error::sys("wait for signals"))?;
        if signal == Signal::SIGCHLD {
            continue;
        }
        narrator.emit(
            &Event::new(Step::Forward)
                .with("signal", signal.as_str())
                .with("pid", pid.as_raw()),
        );
        match nix::sys::signal::kill(pid, signal) {
            Ok(()) | Err(nix::Error::ESRCH) => {}
            Err(e) => return Err(Error::sys(format!("pass {signal} on to the container"))(e)),
        }
    }
}
