//! `exec`: one more process in a running container.
//!
//! A container is nothing but processes that share namespaces, a cgroup
//! and a root, with some privileges taken away. So a new process joins it
//! by doing to itself what the first one had done for it: move into its
//! cgroup, setns(2) into each of its namespaces (read from
//! /proc/PID/ns/* of the container's PID 1, as `nsenter -t PID` does), take
//! its root, then drop the same capabilities, set no_new_privs and load the
//! same seccomp filter before exec. A PID namespace applies only to the
//! children of whoever entered it, so the joining process forks once more.
//! What is shared with every run (descriptors, terminal, the sync socket,
//! the parent's copying and signal forwarding) is the engine's own code.
//!
//! Man pages: setns(2), nsenter(1), proc_pid_ns(5), cgroups(7).

use crate::msg;
use crate::narrate::messages::containers as m;
use std::os::fd::OwnedFd;
use std::path::Path;

use nix::fcntl::{OFlag, open};
use nix::sys::stat::Mode;
use nix::sys::wait::waitpid;
use nix::unistd::Pid;

use super::child::{self, Join};
use super::hooks::{self, Hooks};
use super::parent;
use super::spec::ContainerSpec;
use super::sync::ChildMsg;
use crate::cgroups::Cgroup;
use crate::error::Error;
use crate::journal::process_start_time;
use crate::namespaces::Namespace;
use crate::narrate::Narrator;
use crate::process::{self, Signals};

/// The running container to join.
pub struct Target<'a> {
    /// Its PID 1, in the host's PID namespace, and that process's start
    /// time (so a reused pid is never joined).
    pub pid: i32,
    pub pid_start: u64,
    pub namespaces: &'a [Namespace],
    pub cgroup: Option<&'a dyn Cgroup>,
}

/// The order of entry: mount last (after it, /proc is the container's).
const ORDER: [Namespace; 5] = [
    Namespace::Ipc,
    Namespace::Uts,
    Namespace::Net,
    Namespace::Pid,
    Namespace::Mount,
];

/// A process nobody's terminal belongs to: `exec -d`.
struct Detached;

impl Hooks for Detached {
    fn foreground(&self) -> bool {
        false
    }
}

fn open_at(path: &Path, flags: OFlag) -> Result<OwnedFd, Error> {
    open(path, flags | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| Error::io("open", path.to_path_buf())(std::io::Error::from(e)))
}

/// Run `spec.command` in the container `target` with `spec`'s user,
/// working directory, environment, capabilities and terminal. Returns the
/// command's exit code (128+N for a signal), or 0 at once with `detach`.
pub fn exec(
    spec: &ContainerSpec,
    target: &Target,
    detach: bool,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    let signals = Signals::block().map_err(Error::sys(msg!(m::BLOCK_SIGNALS)))?;
    let proc_dir = Path::new("/proc").join(target.pid.to_string());
    let mut namespaces = Vec::new();
    for ns in ORDER.iter().filter(|ns| target.namespaces.contains(ns)) {
        let fd = open_at(&proc_dir.join("ns").join(ns.proc_name()), OFlag::O_RDONLY)?;
        namespaces.push((*ns, fd));
    }
    let root = open_at(&proc_dir.join("root"), OFlag::O_PATH | OFlag::O_DIRECTORY)?;
    // Checked after opening: had the container ended and its pid been
    // reused meanwhile, the start time would differ.
    if process_start_time(target.pid) != Some(target.pid_start) {
        return Err(Error::Refused {
            message: msg!(m::ENDED_WHILE_JOINING),
            hint: String::new(),
        });
    }
    let mut fg = hooks::Foreground;
    let hooks: &mut dyn Hooks = if detach { &mut Detached } else { &mut fg };
    let (filter, mut stdio, mut sync, child_side) = parent::prepare(spec, hooks, narrator)?;
    let parent_pid = nix::unistd::getpid();
    process::assert_single_threaded();
    let joiner = match process::clone(0).map_err(Error::sys(msg!(m::FORK)))? {
        None => child::exec_process(
            spec,
            child_side,
            child::Prepared {
                stdio: stdio.for_child(),
                seccomp: filter.as_ref(),
                parent: parent_pid,
            },
            Join {
                namespaces,
                root,
                target: target.pid,
                detach,
            },
        ),
        Some(pid) => pid,
    };
    drop(child_side);
    drop(namespaces);
    drop(root);
    stdio.after_clone();
    if let Some(cg) = target.cgroup {
        // Before it enters anything: its memory and forks count from here.
        match cg.add(joiner.as_raw()) {
            Ok(writes) => parent::narrate_writes(&writes, narrator),
            Err(e) => {
                parent::kill_and_reap(joiner);
                return Err(Error::io(
                    "move the process into the container's cgroup",
                    cg.dirs()[0].clone(),
                )(e));
            }
        }
    }
    let broken = |e: std::io::Error| Error::Io {
        what: "talk to the joining process over",
        path: "the sync socket".into(),
        source: e,
    };
    let _ = sync.go();
    // The joining process narrates its setns calls, then names the process
    // it forked and ends (or reports why it could not).
    let mut failure = None;
    let mut forked = None;
    'joining: loop {
        let open = sync.fill().map_err(broken)?;
        while let Some(msg) = sync.next().map_err(broken)? {
            match msg {
                ChildMsg::Event(e) => narrator.emit(&e),
                ChildMsg::Error(e) => failure = Some(e),
                ChildMsg::Forked(pid) => {
                    forked = Some(Pid::from_raw(pid));
                    break 'joining;
                }
                ChildMsg::Terminal | ChildMsg::Ready => {}
            }
        }
        if !open || failure.is_some() {
            break;
        }
    }
    let _ = waitpid(joiner, None);
    let pid = match (forked, failure) {
        (Some(pid), _) => pid,
        (None, Some(e)) => return Err(Error::Child(e)),
        (None, None) => {
            return Err(Error::Usage(msg!(m::JOINER_ENDED_SILENTLY)));
        }
    };
    let _ = sync.go();
    if detach {
        // Wait until it has exec'd (end of file on the socket) or failed;
        // then it is on its own.
        let mut failure = None;
        loop {
            let open = sync.fill().map_err(broken)?;
            parent::read_messages(&mut sync, &mut stdio, &mut failure, true, narrator)
                .map_err(broken)?;
            if !open {
                break;
            }
        }
        return match failure {
            Some(e) => {
                let _ = waitpid(pid, None);
                Err(Error::Child(e))
            }
            None => Ok(0),
        };
    }
    let ended = parent::supervise(
        pid, &mut sync, &mut stdio, &signals, false, None, narrator, hooks,
    )?;
    Ok(parent::narrate_end(ended, pid, narrator))
}
