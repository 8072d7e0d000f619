//! The parent's side of a run: make the cgroup, clone the child, relay its
//! narration and stdio, forward signals, wait, and report how the command
//! ended.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

use super::child;
use super::hooks::Hooks;
use super::spec::ContainerSpec;
use super::stdio::Stdio;
use super::sync::{self, ChildMsg, ParentSide};
use crate::cgroups::{self, Cgroup, DeviceSetup, Limits};
use crate::error::Error;
use crate::journal::{Journal, Resource, process_start_time};
use crate::namespaces::{self, Namespace};
use crate::narrate::{Event, Narrator, NsId};
use crate::paths::Paths;
use crate::process::{self, Ended, Signals};
use crate::seccomp::Filter;

#[allow(clippy::too_many_arguments)]
pub fn container_main_process(
    spec: &ContainerSpec,
    attached: Option<super::network::Attached>,
    paths: &Paths,
    id: &str,
    journal: &mut Journal,
    signals: &Signals,
    narrator: &mut dyn Narrator,
    hooks: &mut dyn Hooks,
) -> Result<i32, Error> {
    let cgroup = match &spec.limits {
        Some(limits) => Some(create_cgroup(
            limits,
            &spec.devices,
            &paths.cgroup_parent,
            id,
            journal,
            narrator,
        )?),
        None => {
            let mknod = caps::Capability::CAP_MKNOD;
            if spec.has(Namespace::Mount)
                && spec
                    .capabilities
                    .as_ref()
                    .is_some_and(|c| !c.contains(&mknod))
            {
                narrator.emit(&Event::NoDeviceCgroup {});
            }
            None
        }
    };
    super::checkpoint(signals)?;
    let (filter, mut stdio, mut sync, child_side) = prepare(spec, hooks, narrator)?;
    let parent_pid = nix::unistd::getpid();
    let flags = namespaces::clone_flags(&spec.namespaces);
    process::assert_single_threaded();
    let pid = match process::clone(flags).map_err(Error::sys(msg!(m::CLONE_CONTAINER)))? {
        None => child::container_init_process(
            spec,
            child_side,
            child::Prepared {
                stdio: stdio.for_child(),
                seccomp: filter.as_ref(),
                parent: parent_pid,
            },
        ),
        Some(pid) => pid,
    };
    drop(child_side);
    stdio.after_clone();
    // Recorded right after clone: the child cannot outlive a dockling that
    // is killed before this line (it has PR_SET_PDEATHSIG), and after it
    // `dockling cleanup` knows to stop it.
    if let Some(start_time) = process_start_time(pid.as_raw()) {
        journal.record(Resource::Process {
            pid: pid.as_raw(),
            start_time,
            pidns: spec
                .has(Namespace::Pid)
                .then(|| namespaces::inode(&pid.as_raw().to_string(), Namespace::Pid))
                .flatten(),
            root: (!spec.has(Namespace::Mount)).then(|| spec.rootfs.clone()),
        })?;
    }
    let new: Vec<String> = spec
        .namespaces
        .iter()
        .map(|n| n.proc_name().to_string())
        .collect();
    let options: String = spec
        .namespaces
        .iter()
        .map(|n| format!(" {}", n.unshare_option()))
        .collect();
    narrator.emit(&Event::Clone {
        flags: namespaces::flags_text(&spec.namespaces),
        pid: pid.as_raw(),
        new_namespaces: new,
        unshare_flags: options,
    });
    // Eight readlinks only worth doing when someone reads the result.
    if !spec.namespaces.is_empty() && narrator.wants_events() {
        narrator.emit(&compare_namespaces(pid, &spec.namespaces));
    }
    if let Some(cg) = &cgroup {
        // Before the child is told to go on: it never runs unlimited.
        match cg.add(pid.as_raw()) {
            Ok(writes) => narrate_writes(&writes, narrator),
            Err(e) => {
                kill_and_reap(pid);
                return Err(Error::io(
                    "move the container into its cgroup",
                    cg.dirs()[0].clone(),
                )(e));
            }
        }
    }
    if let (Some(a), Some(ns)) = (attached, &spec.network)
        && let Err(e) = super::network::plug(pid.as_raw(), a, ns, paths, id, journal, narrator)
    {
        kill_and_reap(pid);
        return Err(e);
    }
    // Live usage lines only where they cannot land in the middle of the
    // container's own output: not with -i/-t, and not when its output and
    // the narration share a terminal. The report at the end always comes.
    let shared_terminal = crate::terminal::is_terminal(std::io::stdout().as_fd())
        && crate::terminal::is_terminal(std::io::stderr().as_fd());
    let tick = cgroup.as_deref().filter(|_| {
        narrator.wants_events() && !stdio.interactive() && !(hooks.foreground() && shared_terminal)
    });
    let ended = supervise(
        pid,
        &mut sync,
        &mut stdio,
        signals,
        spec.needs_go(),
        tick,
        narrator,
        hooks,
    )?;
    let code = narrate_end(ended, pid, narrator);
    if let Some(cg) = &cgroup
        && report(cg.as_ref(), spec.limits.as_ref(), code, narrator)
    {
        hooks.oom_killed();
    }
    Ok(code)
}

/// What the parent makes before forking a container's process (or one
/// that joins it, exec.rs): the seccomp filter it will load, its stdio,
/// and the sync socket.
pub(super) fn prepare(
    spec: &ContainerSpec,
    hooks: &dyn Hooks,
    narrator: &dyn Narrator,
) -> Result<(Option<Filter>, Stdio, ParentSide, sync::ChildSide), Error> {
    let filter = match (&spec.capabilities, spec.seccomp) {
        (Some(caps), true) => Some(Filter::for_capabilities(caps)),
        _ => None,
    };
    let stdio = Stdio::plan(spec.tty, spec.interactive, hooks).map_err(|e| Error::Io {
        what: "set up the container's stdin, stdout and stderr",
        path: "/dev/null".into(),
        source: e,
    })?;
    let (sync, child_side) =
        sync::pair(narrator.wants_events()).map_err(Error::sys(msg!(m::CREATE_SYNC_SOCKET)))?;
    Ok((filter, stdio, sync, child_side))
}

/// Say how the command ended; its exit code (128+N for signal N).
pub(super) fn narrate_end(ended: Ended, pid: Pid, narrator: &mut dyn Narrator) -> i32 {
    let code = ended.code();
    let pid = pid.as_raw();
    narrator.emit(&match ended {
        Ended::Exited(_) => Event::Exited { pid, code },
        Ended::Signaled(s) => Event::Signaled {
            signal: s.as_str().to_string(),
            number: s as i32,
            pid,
            code,
        },
    });
    code
}

/// For a child that must not go on: SIGKILL cannot be caught, so the
/// wait is short.
pub(super) fn kill_and_reap(pid: Pid) {
    // ESRCH: it is gone already; either way it is reaped below.
    let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
    let _ = waitpid(pid, None);
}

/// Make the run's cgroup and write its limits, journalling each directory
/// before it is created.
fn create_cgroup(
    limits: &Limits,
    devices: &[crate::cgroups::devices::Device],
    parent: &str,
    id: &str,
    journal: &mut Journal,
    narrator: &mut dyn Narrator,
) -> Result<Box<dyn Cgroup>, Error> {
    let host = cgroups::Host::detect(std::path::Path::new(cgroups::CGROUP_ROOT));
    let cg = cgroups::for_run(&host, parent, id).map_err(|message| Error::Hinted {
        message,
        hint: msg!(m::NO_CGROUPS_HINT),
    })?;
    for p in cg.parents() {
        journal.record(Resource::CgroupParent { path: p })?;
    }
    for d in cg.dirs() {
        journal.record(Resource::Cgroup { path: d })?;
    }
    let dirs: Vec<String> = cg.dirs().iter().map(|d| d.display().to_string()).collect();
    narrator.emit(&Event::Cgroup {
        version: cg.version().to_string(),
        layout_id: host.layout.id().to_string(),
        dir: dirs.join(" "),
    });
    let writes = cg.create(limits).map_err(|e| Error::Hinted {
        message: msg!(m::CANNOT_SET_UP_CGROUP, error = e),
        hint: msg!(m::DOCTOR_SHOWS_CONTROLLERS),
    })?;
    narrate_writes(&writes, narrator);
    let rules = crate::cgroups::devices::rules(devices);
    let setup = cg.allow_devices(&rules).map_err(|e| Error::Hinted {
        message: msg!(m::CANNOT_SET_DEVICE_RULES, error = e),
        hint: msg!(m::DOCTOR_SHOWS_CONTROLLERS),
    })?;
    let allowed: Vec<String> = rules
        .iter()
        .filter(|r| r.access.read || r.access.write)
        .map(|r| r.v1())
        .collect();
    let (dir, instructions) = match setup {
        DeviceSetup::Files { deny, .. } => (
            deny.parent()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
            None,
        ),
        DeviceSetup::Program { dir, instructions } => {
            (dir.display().to_string(), Some(instructions))
        }
    };
    narrator.emit(&Event::Devices {
        version: cg.version().to_string(),
        count: rules.len(),
        rules: allowed.join(", "),
        dir,
        instructions,
    });
    Ok(cg)
}

pub(super) fn narrate_writes(writes: &[cgroups::Write], narrator: &mut dyn Narrator) {
    for w in writes {
        let name = w
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        narrator.emit(&Event::CgroupWrite {
            file: w.file.display().to_string(),
            name,
            value: w.value.clone(),
        });
    }
}

fn usage(cg: &dyn Cgroup, narrator: &mut dyn Narrator) {
    let s = cg.stats();
    let memory = s.memory_current.unwrap_or(0);
    let files = cg.stat_files();
    let path = |p: Option<std::path::PathBuf>| p.map(|p| p.display().to_string());
    narrator.emit(&Event::CgroupUsage {
        dir: cg.dirs()[0].display().to_string(),
        version: cg.version().to_string(),
        memory_file: path(files.memory).unwrap_or_default(),
        cpu_file: path(files.cpu).unwrap_or_default(),
        memory: cgroups::limits::human(memory),
        memory_bytes: memory,
        cpu_ms: s.cpu_usage_usec / 1000,
        cpu_usec: s.cpu_usage_usec,
    });
}

/// What the container used, and whether the OOM killer ended it (true).
fn report(
    cg: &dyn Cgroup,
    limits: Option<&Limits>,
    code: i32,
    narrator: &mut dyn Narrator,
) -> bool {
    let s = cg.stats();
    let dir = cg.dirs()[0].display().to_string();
    let files = cg.stat_files();
    let report_files: Vec<String> = files
        .report
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    narrator.emit(&Event::CgroupReport {
        dir,
        version: cg.version().to_string(),
        files: report_files.join(" "),
        memory_peak: s.memory_peak.or(s.memory_current).unwrap_or(0),
        oom_kills: s.oom_kills,
        cpu_usec: s.cpu_usage_usec,
        nr_periods: s.nr_periods,
        nr_throttled: s.nr_throttled,
        throttled_usec: s.throttled_usec,
        pids_refused: s.pids_refused,
    });
    if s.oom_kills > 0 && code == crate::process::SIGNAL_EXIT_BASE + Signal::SIGKILL as i32 {
        let limit = limits
            .and_then(|l| l.memory)
            .map(cgroups::limits::human)
            .unwrap_or_else(|| "none".into());
        narrator.emit(&Event::OomKilled {
            limit,
            oom_file: files
                .oom
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            oom_kills: s.oom_kills,
        });
        return true;
    }
    false
}

/// The host's and the container's namespace ids, side by side.
fn compare_namespaces(pid: Pid, new: &[Namespace]) -> Event {
    let child = pid.as_raw().to_string();
    let lines: Vec<NsId> = [
        Namespace::Pid,
        Namespace::Mount,
        Namespace::Uts,
        Namespace::Ipc,
    ]
    .iter()
    .chain(new.contains(&Namespace::Net).then_some(&Namespace::Net))
    .map(|&ns| {
        let host = namespaces::id("self", ns).unwrap_or_default();
        let container = namespaces::id(&child, ns).unwrap_or_default();
        NsId {
            ns: ns.proc_name().to_string(),
            host,
            container,
            new: new.contains(&ns),
        }
    })
    .collect();
    Event::Namespaces {
        pid: pid.as_raw(),
        ns_ids: lines,
    }
}

/// How long a container may take to stop after dockling passes on a
/// SIGTERM, SIGINT, SIGHUP or SIGQUIT before it is killed, as `docker stop`
/// waits 10 seconds. A second such signal kills at once.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// From clone to the end: let the child set up (printing its events,
/// taking its terminal), then wait for it, copying its stdio and passing
/// on the signals dockling receives; with `tick`, report its usage each
/// second. One poll(2) loop over the signalfd, the sync socket and the
/// copies, so that nothing the child does can make dockling deaf to a
/// Ctrl-C. A stop signal before the command runs ends the setup instead.
#[allow(clippy::too_many_arguments)]
pub(super) fn supervise(
    pid: Pid,
    sync: &mut ParentSide,
    stdio: &mut Stdio,
    signals: &Signals,
    go: bool,
    tick: Option<&dyn Cgroup>,
    narrator: &mut dyn Narrator,
    hooks: &mut dyn Hooks,
) -> Result<Ended, Error> {
    let broken = |e: std::io::Error| Error::Io {
        what: "talk to the container process over",
        path: "the sync socket".into(),
        source: e,
    };
    let mut failure = None;
    let mut interrupted = None;
    // The line to the child ends when it execs (or dies).
    let mut set_up = false;
    let mut kill_at: Option<Instant> = None;
    let mut next_tick = Instant::now() + Duration::from_secs(1);
    if go && sync.go().is_err() {
        // The child died already; its exit status says why.
        set_up = true;
    }
    loop {
        if let Some(ended) = reap(pid)? {
            let was_set_up = set_up;
            while !set_up {
                set_up = !sync.fill().map_err(broken)?;
                read_messages(sync, stdio, &mut failure, interrupted.is_none(), narrator)
                    .map_err(broken)?;
            }
            // A command that ended at once still ran: say so first.
            if !was_set_up && failure.is_none() && interrupted.is_none() {
                hooks.started(pid.as_raw());
            }
            stdio.drain(hooks);
            return match (failure, interrupted) {
                (Some(e), _) => Err(Error::Child(e)),
                (None, Some(signal)) => Err(Error::Interrupted(signal)),
                (None, None) => Ok(ended),
            };
        }
        let now = Instant::now();
        let deadline = [kill_at, (set_up && tick.is_some()).then_some(next_tick)]
            .into_iter()
            .flatten()
            .min();
        let timeout = match deadline {
            // Rounded up: a timeout that rounds down to 0 ms would spin.
            Some(d) => {
                PollTimeout::try_from(d.saturating_duration_since(now) + Duration::from_millis(1))
                    .unwrap_or(PollTimeout::MAX)
            }
            None => PollTimeout::NONE,
        };
        let sources: Vec<RawFd> = stdio.sources().iter().map(|f| f.as_raw_fd()).collect();
        let extra = hooks.fds();
        let mut fds = vec![PollFd::new(signals.fd(), PollFlags::POLLIN)];
        if !set_up {
            fds.push(PollFd::new(sync.fd(), PollFlags::POLLIN));
        }
        for fd in sources.iter().chain(&extra) {
            // SAFETY: stdio owns these descriptors for the whole loop.
            fds.push(PollFd::new(
                unsafe { BorrowedFd::borrow_raw(*fd) },
                PollFlags::POLLIN,
            ));
        }
        match poll(&mut fds, timeout) {
            Ok(_) | Err(nix::Error::EINTR) => {}
            Err(e) => return Err(Error::sys(msg!(m::WAIT_FOR_CONTAINER_POLL))(e)),
        }
        let ready: Vec<RawFd> = fds
            .iter()
            .filter(|f| f.revents().is_some_and(|r| !r.is_empty()))
            .map(|f| f.as_fd().as_raw_fd())
            .collect();
        drop(fds);
        while let Some(signal) = signals.next().map_err(Error::sys(msg!(m::READ_SIGNALS)))? {
            match signal {
                Signal::SIGCHLD => {}
                Signal::SIGWINCH => stdio.resize(),
                s if !set_up && process::is_stop(s) => {
                    // Nothing of the command has run: stop the setup, undo.
                    interrupted.get_or_insert(s);
                    let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
                }
                s => {
                    let stop = process::is_stop(s);
                    if stop && kill_at.is_some() {
                        kill_now(pid, narrator)?;
                        continue;
                    }
                    if stop {
                        kill_at = Some(Instant::now() + STOP_GRACE);
                    }
                    narrator.emit(&Event::Forward {
                        signal: s.as_str().to_string(),
                        pid: pid.as_raw(),
                    });
                    match nix::sys::signal::kill(pid, s) {
                        Ok(()) | Err(nix::Error::ESRCH) => {}
                        Err(e) => {
                            return Err(Error::sys(msg!(m::PASS_SIGNAL_ON, signal = s))(e));
                        }
                    }
                }
            }
        }
        if !set_up && ready.contains(&sync.fd().as_raw_fd()) {
            set_up = !sync.fill().map_err(broken)?;
            read_messages(sync, stdio, &mut failure, interrupted.is_none(), narrator)
                .map_err(broken)?;
            if set_up && failure.is_none() && interrupted.is_none() {
                hooks.started(pid.as_raw());
            }
        }
        for fd in sources.iter().filter(|fd| ready.contains(fd)) {
            stdio.pump(*fd, hooks);
        }
        for fd in extra.iter().filter(|fd| ready.contains(fd)) {
            let r = hooks.ready(*fd);
            stdio.feed(&r.input);
            if let Some((rows, cols)) = r.resize {
                stdio.resize_to(rows, cols);
            }
        }
        let now = Instant::now();
        if kill_at.is_some_and(|t| now >= t) {
            kill_now(pid, narrator)?;
            kill_at = None;
        }
        if let (true, Some(cg)) = (set_up && now >= next_tick, tick) {
            usage(cg, narrator);
            next_tick = now + Duration::from_secs(1);
        }
    }
}

/// Handle every whole message the child has sent so far.
pub(super) fn read_messages(
    sync: &mut ParentSide,
    stdio: &mut Stdio,
    failure: &mut Option<crate::error::ChildError>,
    may_exec: bool,
    narrator: &mut dyn Narrator,
) -> std::io::Result<()> {
    while let Some(msg) = sync.next()? {
        match msg {
            ChildMsg::Event(e) => narrator.emit(&e),
            ChildMsg::Error(e) => *failure = Some(e),
            ChildMsg::Terminal => {
                if let Some(master) = sync.take_fd() {
                    stdio.attach_terminal(master)?;
                }
            }
            // A child interrupted before it ran is killed, not told to exec.
            ChildMsg::Ready if may_exec => sync.exec()?,
            ChildMsg::Ready => {}
            // Only `exec` sends it, and reads it itself (exec.rs).
            ChildMsg::Forked(_) => {}
        }
    }
    Ok(())
}

/// The child's end, if it has ended (never blocks).
fn reap(pid: Pid) -> Result<Option<Ended>, Error> {
    match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
        Ok(status) => Ok(Ended::from_status(status)),
        Err(nix::Error::EINTR) => Ok(None),
        Err(e) => Err(Error::sys(msg!(m::WAIT_FOR_CONTAINER))(e)),
    }
}

fn kill_now(pid: Pid, narrator: &mut dyn Narrator) -> Result<(), Error> {
    narrator.emit(&Event::Escalate {
        pid: pid.as_raw(),
        grace: STOP_GRACE.as_secs(),
    });
    match nix::sys::signal::kill(pid, Signal::SIGKILL) {
        Ok(()) | Err(nix::Error::ESRCH) => Ok(()),
        Err(e) => Err(Error::sys(msg!(m::KILL_THE_CONTAINER))(e)),
    }
}
