//! Stage 7, inside a running container: `exec`, `top`, `stats`, `pause`,
//! `unpause` — docker's verbs, flags and output. None of them needs the
//! container's help: each reads or joins what the kernel keeps for it (its
//! namespaces, its cgroup, its processes in /proc). Lesson:
//! lessons/07-lifecycle.md.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::container::processes;
use crate::container::state::{Config, State, Status};
use crate::container::stats;
use crate::container::store::Store;
use crate::engine::exec::{self, Target};
use crate::engine::spec::parse_env;
use crate::error::Error;
use crate::narrate::{Event, Narrator};
use crate::paths::Paths;

fn refused(message: String) -> Error {
    Error::Refused {
        message,
        hint: String::new(),
    }
}

/// The container `name`, which must be running (or paused, where
/// `paused_too`): docker's errors otherwise.
fn running(
    store: &Store,
    name: &str,
    verb: &str,
    paused_too: bool,
) -> Result<(String, Config, State), Error> {
    let id = store.find(name)?;
    let config = store.config(&id)?;
    let state = store.state(&id)?;
    let alive = state.pid > 0
        && store.monitor_alive(&id)
        && crate::journal::process_start_time(state.pid) == Some(state.pid_start);
    match state.status {
        Status::Paused if alive && paused_too => Ok((id, config, state)),
        Status::Paused if alive => Err(refused(msg!(m::VERB_PAUSED, verb = verb, id = &id[..12]))),
        Status::Running if alive => Ok((id, config, state)),
        _ => Err(refused(msg!(
            m::VERB_NOT_RUNNING,
            verb = verb,
            id = &id[..12]
        ))),
    }
}

#[derive(Debug, clap::Args)]
#[command(trailing_var_arg = true)]
pub struct ExecArgs {
    /// Run it in the background and return at once
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Keep stdin open and pass it to the command
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Give it a terminal of its own (from the container's /dev/pts)
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Set an environment variable (KEY=VALUE, or KEY to copy dockling's)
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// Read environment variables from a file of KEY=VALUE lines
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// The working directory inside the container [default: the container's]
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    pub workdir: Option<String>,
    /// Run as USER[:GROUP] (names from the container's /etc/passwd, or numbers)
    #[arg(short = 'u', long, value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    #[arg(required = true, value_name = "COMMAND", allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// Read a file of the container as it sees it: resolved inside its root
/// (/proc/PID/root), never following a link out of it, regular files only.
fn container_file(pid: i32, path: &str) -> Option<String> {
    let root =
        crate::rootfs::Root::open(std::path::Path::new(&format!("/proc/{pid}/root"))).ok()?;
    let fd = root
        .open_at(path, libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .ok()?;
    let file = std::fs::File::from(fd);
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    use std::io::Read;
    file.take(1 << 20).read_to_string(&mut text).ok()?;
    Some(text)
}

/// `exec`: one more process in a running container (engine/exec.rs).
pub fn exec_cmd(args: &ExecArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let mut env_file = Vec::new();
    for f in &args.env_files {
        env_file.extend(crate::image::envfile::read(f)?);
    }
    if args.detach && (args.tty || args.interactive) {
        // docker allows it and then ignores the terminal; say so instead.
        return Err(Error::Usage(msg!(m::EXEC_DETACH_TTY)));
    }
    let store = Store::new(paths);
    let (_, config, state) = running(&store, &args.container, "exec", false)?;
    let mut spec = config.spec.clone();
    spec.command = args.command.clone();
    spec.tty = args.tty;
    spec.interactive = args.interactive;
    spec.init = false;
    if spec.has(crate::namespaces::Namespace::Uts) {
        let host = spec
            .hostname
            .clone()
            .or_else(|| spec.id.clone())
            .unwrap_or_default();
        spec.set_env("HOSTNAME", &host);
    }
    for (k, v) in env_file.iter().chain(&args.env) {
        spec.set_env(k, v);
    }
    if let Some(w) = &args.workdir {
        if !w.starts_with('/') {
            return Err(Error::Usage(msg!(
                m::EXEC_WORKDIR_NOT_ABSOLUTE,
                workdir = format!("{w:?}")
            )));
        }
        spec.workdir = w.clone();
    }
    if let Some(u) = &args.user {
        spec.user = Some(crate::image::config::resolve_user(
            u,
            "the container's",
            |f| container_file(state.pid, f),
        )?);
    }
    let cgroup = config.cgroup();
    let target = Target {
        pid: state.pid,
        pid_start: state.pid_start,
        namespaces: &spec.namespaces.clone(),
        cgroup: cgroup.as_deref(),
    };
    // As docker's exec: 127 for a command that is not there, 126 for one
    // that cannot run.
    exec::exec(&spec, &target, args.detach, narrator).map_err(|e| {
        match crate::container::monitor::start_failure_code(&e) {
            code @ (126 | 127) => Error::Failed {
                message: e.chain(),
                hint: e.hint().unwrap_or_default(),
                code,
            },
            _ => e,
        }
    })
}

#[derive(Debug, clap::Args)]
#[command(trailing_var_arg = true)]
pub struct TopArgs {
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Options for ps(1) instead of dockling's own columns (docker runs ps too)
    #[arg(value_name = "PS OPTIONS", allow_hyphen_values = true)]
    pub ps_options: Vec<String>,
}

/// The host pids of a running container's processes.
fn container_pids(config: &Config, state: &State) -> Vec<i32> {
    if let Some(cg) = config.cgroup() {
        let pids = cg.procs();
        if !pids.is_empty() {
            return pids;
        }
    }
    let ns = config
        .spec
        .has(crate::namespaces::Namespace::Pid)
        .then(|| {
            crate::namespaces::inode(&state.pid.to_string(), crate::namespaces::Namespace::Pid)
        })
        .flatten();
    processes::scan(state.pid, ns)
}

/// `top`: the container's processes with their host and container pids.
pub fn top(args: &TopArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    // docker's top works on a paused container too.
    let (_, config, state) = running(&store, &args.container, "top", true)?;
    let pids = container_pids(&config, &state);
    if !args.ps_options.is_empty() {
        return top_with_ps(&args.ps_options, &pids);
    }
    let mut rows = vec![processes::HEADER.iter().map(|h| h.to_string()).collect()];
    rows.extend(processes::rows(
        pids.iter().filter_map(|p| processes::read(*p)).collect(),
    ));
    print!("{}", crate::container::show::table(&rows));
    Ok(0)
}

/// docker's way with ps options: run the host's ps, keep its header and
/// the rows whose PID column is one of the container's.
fn top_with_ps(options: &[String], pids: &[i32]) -> Result<i32, Error> {
    let out = std::process::Command::new("ps")
        .args(options)
        .output()
        .map_err(|e| Error::Usage(msg!(m::CANNOT_RUN_PS, error = e)))?;
    if !out.status.success() {
        return Err(Error::Usage(msg!(
            m::PS_FAILED,
            options = options.join(" "),
            error = String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let Some(col) = header.split_whitespace().position(|h| h == "PID") else {
        return Err(Error::Usage(msg!(
            m::PS_NO_PID,
            options = options.join(" ")
        )));
    };
    println!("{header}");
    for line in lines {
        let pid = line
            .split_whitespace()
            .nth(col)
            .and_then(|p| p.parse::<i32>().ok());
        if pid.is_some_and(|p| pids.contains(&p)) {
            println!("{line}");
        }
    }
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Show every container (default: the running ones)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Print one reading and end (the default when stdout is not a terminal)
    #[arg(long)]
    pub no_stream: bool,
    /// Do not truncate ids
    #[arg(long)]
    pub no_trunc: bool,
    #[arg(value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `stats`: docker's columns, once a second in place on a terminal, one
/// reading otherwise (container/stats.rs says where each number comes from).
pub fn stats_cmd(args: &StatsArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    let mut ids = Vec::new();
    if args.containers.is_empty() {
        for (c, s) in store.list()? {
            if args.all || s.status.is_live() {
                ids.push(c.id);
            }
        }
    } else {
        for name in &args.containers {
            ids.push(store.find(name)?);
        }
    }
    let stream = !args.no_stream
        && crate::terminal::is_terminal(std::os::fd::AsFd::as_fd(&std::io::stdout()));
    let host_mem = stats::host_memory();
    let read_all = |ids: &[String]| -> Vec<Option<stats::Sample>> {
        ids.iter()
            .map(|id| {
                let state = store.state(id).ok()?;
                if !state.status.is_live() || state.pid <= 0 {
                    return None;
                }
                let config = store.config(id).ok()?;
                let cg = config.cgroup()?;
                // A container without a network namespace uses the host's
                // interfaces: docker shows 0B for those (--network host).
                let own_net = config.spec.has(crate::namespaces::Namespace::Net);
                Some(stats::sample(cg.as_ref(), own_net.then_some(state.pid)))
            })
            .collect()
    };
    let mut prev = read_all(&ids);
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let cur = read_all(&ids);
        let mut rows = vec![stats::HEADER.iter().map(|h| h.to_string()).collect()];
        for (i, id) in ids.iter().enumerate() {
            let name = store.config(id).map(|c| c.name).unwrap_or_default();
            let shown = if args.no_trunc {
                id.as_str()
            } else {
                &id[..12]
            };
            let readings = match (&prev[i], &cur[i]) {
                (Some(p), Some(c)) => Some((p, c)),
                _ => None,
            };
            rows.push(stats::row(shown, &name, readings, host_mem));
        }
        let table = crate::container::show::table(&rows);
        let mut out = std::io::stdout().lock();
        if stream {
            // Home and clear, as docker redraws its table.
            let _ = write!(out, "\x1b[H\x1b[2J{table}");
        } else {
            let _ = write!(out, "{table}");
        }
        let _ = out.flush();
        if !stream {
            return Ok(0);
        }
        prev = cur;
    }
}

#[derive(Debug, clap::Args)]
pub struct PauseArgs {
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

/// `pause` (`frozen`) or `unpause`: the cgroup freezer, then the state.
pub fn pause(
    args: &PauseArgs,
    frozen: bool,
    paths: &Paths,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    let store = Store::new(paths);
    let verb = if frozen { "pause" } else { "unpause" };
    super::container::each(&args.containers, &store, |name, id| {
        let config = store.config(id)?;
        let state = store.state(id)?;
        let alive = state.pid > 0 && store.monitor_alive(id);
        match (frozen, state.status) {
            (true, Status::Paused) if alive => {
                return Err(refused(msg!(
                    m::ALREADY_PAUSED,
                    name = name,
                    id = &id[..12]
                )));
            }
            (false, Status::Running) if alive => {
                return Err(refused(msg!(m::NOT_PAUSED, name = name, id = &id[..12])));
            }
            (_, Status::Running | Status::Paused) if alive => {}
            _ => {
                return Err(refused(msg!(
                    m::PAUSE_NOT_RUNNING,
                    verb = verb,
                    name = name,
                    id = &id[..12]
                )));
            }
        }
        let cg = config.cgroup().ok_or_else(|| Error::Refused {
            message: msg!(m::NO_CGROUP_TO_FREEZE, verb = verb, name = name),
            hint: msg!(m::NO_CGROUP_TO_FREEZE_HINT),
        })?;
        freeze(cg.as_ref(), frozen, narrator)?;
        // Under the container's lock; a container that ended meanwhile
        // keeps the state its monitor recorded.
        store.update(id, |s| {
            if s.status.is_live() {
                s.status = if frozen {
                    Status::Paused
                } else {
                    Status::Running
                };
            }
        })?;
        println!("{name}");
        Ok(())
    })
}

/// Freeze or thaw a cgroup, narrated.
pub fn freeze(
    cg: &dyn crate::cgroups::Cgroup,
    frozen: bool,
    narrator: &mut dyn Narrator,
) -> Result<(), Error> {
    let writes = cg.freeze(frozen).map_err(|e| Error::Hinted {
        message: if frozen {
            msg!(m::CANNOT_FREEZE, error = e)
        } else {
            msg!(m::CANNOT_THAW, error = e)
        },
        hint: msg!(m::DOCTOR_SHOWS_CONTROLLERS),
    })?;
    for w in writes {
        let (file, value) = (w.file.display().to_string(), w.value);
        narrator.emit(&match frozen {
            true => Event::Freeze { file, value },
            false => Event::Thaw { file, value },
        });
    }
    Ok(())
}
