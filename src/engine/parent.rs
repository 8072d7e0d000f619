//! The parent's side of a run: clone the child, relay its narration,
//! forward signals, wait, and report how the command ended.

use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;
use std::time::{Duration, Instant};

use super::child;
use super::spec::ContainerSpec;
use super::sync::{self, ChildMsg, ParentSide};
use crate::cgroups::{self, Cgroup, Limits};
use crate::error::Error;
use crate::journal::{Journal, Resource, process_start_time};
use crate::namespaces::{self, Namespace};
use crate::narrate::{Event, Narrator, Step};
use crate::paths::Paths;
use crate::process::{self, Ended};

pub fn container_main_process(
    spec: &ContainerSpec,
    attached: Option<super::network::Attached>,
    paths: &Paths,
    id: &str,
    journal: &mut Journal,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    let cgroup = match &spec.limits {
        Some(limits) => Some(create_cgroup(
            limits,
            &paths.cgroup_parent,
            id,
            journal,
            narrator,
        )?),
        None => None,
    };
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
    // Eight readlinks only worth doing when someone reads the result.
    if !spec.namespaces.is_empty() && narrator.wants_events() {
        narrator.emit(&compare_namespaces(pid, &spec.namespaces));
    }
    if let Some(cg) = &cgroup {
        // Before the child is told to go on: it never runs unlimited.
        match cg.add(pid.as_raw()) {
            Ok(writes) => narrate_writes(&writes, narrator),
            Err(e) => {
                let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
                let _ = waitpid(pid, None);
                return Err(Error::io(
                    "move the container into its cgroup",
                    cg.dirs()[0].clone(),
                )(e));
            }
        }
    }
    if let (Some(a), Some(ns)) = (attached, &spec.network)
        && let Err(e) = super::network::plug(pid.as_raw(), a, ns, id, narrator)
    {
        let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
        let _ = waitpid(pid, None);
        return Err(e);
    }
    if let Err(e) = relay(&mut parent, spec.needs_go(), narrator) {
        let _ = waitpid(pid, None);
        return Err(e);
    }
    let ended = wait(pid, &signals, cgroup.as_deref(), narrator)?;
    let code = ended.code();
    let event = match ended {
        Ended::Exited(c) => Event::new(Step::Exited).with("code", c),
        Ended::Signaled(s) => Event::new(Step::Signaled)
            .with("signal", s.as_str())
            .with("number", s as i32),
    };
    narrator.emit(&event.with("pid", pid.as_raw()).with("code", code));
    if let Some(cg) = &cgroup {
        report(cg.as_ref(), spec.limits.as_ref(), code, narrator);
    }
    Ok(code)
}

/// Make the run's cgroup and write its limits, journalling each directory
/// before it is created.
fn create_cgroup(
    limits: &Limits,
    parent: &str,
    id: &str,
    journal: &mut Journal,
    narrator: &mut dyn Narrator,
) -> Result<Box<dyn Cgroup>, Error> {
    let host = cgroups::Host::detect(std::path::Path::new(cgroups::CGROUP_ROOT));
    let cg = cgroups::for_run(&host, parent, id).map_err(|message| Error::Hinted {
        message,
        hint:
            "boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1) or mount the v1 controllers"
                .into(),
    })?;
    for p in cg.parents() {
        journal.record(Resource::CgroupParent { path: p })?;
    }
    for d in cg.dirs() {
        journal.record(Resource::Cgroup { path: d })?;
    }
    let dirs: Vec<String> = cg.dirs().iter().map(|d| d.display().to_string()).collect();
    narrator.emit(
        &Event::new(Step::Cgroup)
            .with("version", cg.version())
            .with("layout", host.layout.name())
            .with("dir", dirs.join(" ")),
    );
    let writes = cg.create(limits).map_err(|e| Error::Hinted {
        message: format!("cannot set up the cgroup: {e}"),
        hint: "`dockling doctor` shows the cgroup layout and which controllers are usable".into(),
    })?;
    narrate_writes(&writes, narrator);
    Ok(cg)
}

fn narrate_writes(writes: &[cgroups::Write], narrator: &mut dyn Narrator) {
    for w in writes {
        let name = w
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        narrator.emit(
            &Event::new(Step::CgroupWrite)
                .with("file", w.file.display().to_string())
                .with("name", name)
                .with("value", w.value.clone()),
        );
    }
}

fn usage(cg: &dyn Cgroup, narrator: &mut dyn Narrator) {
    let s = cg.stats();
    let memory = s.memory_current.unwrap_or(0);
    narrator.emit(
        &Event::new(Step::CgroupUsage)
            .with("dir", cg.dirs()[0].display().to_string())
            .with("memory", cgroups::limits::human(memory))
            .with("memory_bytes", memory)
            .with("cpu_ms", s.cpu_usage_usec / 1000)
            .with("cpu_usec", s.cpu_usage_usec),
    );
}

/// What the container used, and whether the OOM killer ended it.
fn report(cg: &dyn Cgroup, limits: Option<&Limits>, code: i32, narrator: &mut dyn Narrator) {
    let s = cg.stats();
    let dir = cg.dirs()[0].display().to_string();
    narrator.emit(
        &Event::new(Step::CgroupReport)
            .with("dir", dir)
            .with(
                "memory_peak",
                s.memory_peak.or(s.memory_current).unwrap_or(0),
            )
            .with("oom_kills", s.oom_kills)
            .with("cpu_usec", s.cpu_usage_usec)
            .with("nr_periods", s.nr_periods)
            .with("nr_throttled", s.nr_throttled)
            .with("throttled_usec", s.throttled_usec)
            .with("pids_refused", s.pids_refused),
    );
    if s.oom_kills > 0 && code == crate::process::SIGNAL_EXIT_BASE + Signal::SIGKILL as i32 {
        let limit = limits
            .and_then(|l| l.memory)
            .map(cgroups::limits::human)
            .unwrap_or_else(|| "none".into());
        narrator.emit(
            &Event::new(Step::OomKilled)
                .with("limit", limit)
                .with("oom_kills", s.oom_kills),
        );
    }
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
    .chain(new.contains(&Namespace::Net).then_some(&Namespace::Net))
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
fn relay(parent: &mut ParentSide, go: bool, narrator: &mut dyn Narrator) -> Result<(), Error> {
    let broken = |e: std::io::Error| Error::Io {
        what: "talk to the container process over",
        path: "the sync pipe".into(),
        source: e,
    };
    if go {
        parent.go().map_err(broken)?;
    }
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

/// How long a container may take to stop after dockling passes on a
/// SIGTERM, SIGINT, SIGHUP or SIGQUIT before it is killed, as `docker stop`
/// waits 10 seconds. A second such signal kills at once.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// Wait for the child to end, passing on the signals dockling receives.
/// With a cgroup and a narrator that wants events, report usage each second.
fn wait(
    pid: Pid,
    signals: &nix::sys::signal::SigSet,
    cgroup: Option<&dyn Cgroup>,
    narrator: &mut dyn Narrator,
) -> Result<Ended, Error> {
    let tick = cgroup.filter(|_| narrator.wants_events());
    let mut kill_at: Option<Instant> = None;
    loop {
        let status = waitpid(pid, Some(WaitPidFlag::WNOHANG))
            .map_err(Error::sys("wait for the container"))?;
        if let Some(ended) = Ended::from_status(status) {
            return Ok(ended);
        }
        let until_kill = kill_at.map(|t| t.saturating_duration_since(Instant::now()));
        let timeout = match (tick.map(|_| Duration::from_secs(1)), until_kill) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let Some(signal) =
            process::wait_signal(signals, timeout).map_err(Error::sys("wait for signals"))?
        else {
            if kill_at.is_some_and(|t| Instant::now() >= t) {
                kill_now(pid, narrator)?;
                kill_at = None;
            } else if let Some(cg) = tick {
                usage(cg, narrator);
            }
            continue;
        };
        if signal == Signal::SIGCHLD {
            continue;
        }
        let stop = matches!(
            signal,
            Signal::SIGINT | Signal::SIGTERM | Signal::SIGHUP | Signal::SIGQUIT
        );
        if stop && kill_at.is_some() {
            kill_now(pid, narrator)?;
            continue;
        }
        if stop {
            kill_at = Some(Instant::now() + STOP_GRACE);
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

fn kill_now(pid: Pid, narrator: &mut dyn Narrator) -> Result<(), Error> {
    narrator.emit(
        &Event::new(Step::Escalate)
            .with("pid", pid.as_raw())
            .with("grace", STOP_GRACE.as_secs()),
    );
    match nix::sys::signal::kill(pid, Signal::SIGKILL) {
        Ok(()) | Err(nix::Error::ESRCH) => Ok(()),
        Err(e) => Err(Error::sys("kill the container")(e)),
    }
}
