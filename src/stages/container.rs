//! Stage 7, the container lifecycle: `create`, `run -d`, `start`, `stop`,
//! `kill`, `restart`, `rm`, `container prune`, `ps`, `logs`, `attach`,
//! `wait`, `inspect`, `rename`, `port` — docker's verbs, flags, output
//! and exit codes, as `dockling VERB` and `dockling container VERB`.
//! Every earlier stage takes `-d` and `--name` too, and then makes a
//! container of the same kind. Lesson: lessons/07-lifecycle.md.
//!
//! Each verb is a short client of the container's state
//! (src/container/): it changes it under the container's lock, signals
//! the container's process, or starts a monitor, and ends.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::io::Write;
use std::time::{Duration, Instant};

use crate::container::monitor;
use crate::container::restart::Policy;
use crate::container::show;
use crate::container::state::{Config, Status};
use crate::container::store::{self, Store};
use crate::engine::ContainerSpec;
use crate::error::Error;
use crate::narrate::{Event, Narrator, Quiet};
use crate::paths::Paths;

/// The flags that make a container an object with a life of its own.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LifeArgs {
    /// Run it in the background and print its id: a container with a life of its own (`dockling ps`, `logs`, `stop`)
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// A name for the container (also makes it one with a life of its own; at stage 5 also in its /etc/hosts)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Restart policy: no, on-failure[:N], always, unless-stopped
    #[arg(long, value_name = "POLICY")]
    pub restart: Option<String>,
    /// Remove the container when it ends
    #[arg(long)]
    pub rm: bool,
    /// A label, KEY=VALUE (repeat); `ps -f label=KEY=VALUE` finds it
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// The signal `stop` sends first [default: the image's StopSignal, else SIGTERM]
    #[arg(long, value_name = "SIGNAL")]
    pub stop_signal: Option<String>,
    /// Seconds `stop` waits before SIGKILL [default: 10]
    #[arg(long, value_name = "SECONDS")]
    pub stop_timeout: Option<u64>,
}

impl LifeArgs {
    /// Whether a stage's run is a container object rather than a run that
    /// ends with the command (stages 1–5 without these flags).
    pub fn makes_container(&self) -> bool {
        self.detach || self.name.is_some() || self.restart.is_some() || !self.labels.is_empty()
    }
}

/// What a container was made from, for `ps` and `inspect`.
pub struct Origin {
    /// The container's id, when it had to be chosen first (its image pin
    /// is named after it).
    pub id: Option<String>,
    /// The image as given, or `STAGE ROOTFS`.
    pub image: String,
    pub image_id: Option<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub stop_signal: Option<String>,
    pub labels: std::collections::BTreeMap<String, String>,
    /// Holds the image's layers until the container is removed.
    pub pin: Option<crate::image::pins::Pin>,
}

impl Origin {
    /// A container of stages 1–5: no image, a rootfs.
    pub fn rootfs(spec: &ContainerSpec) -> Origin {
        Origin {
            id: None,
            image: spec.rootfs.display().to_string(),
            image_id: None,
            entrypoint: Vec::new(),
            cmd: spec.command.clone(),
            stop_signal: None,
            labels: Default::default(),
            pin: None,
        }
    }
}

/// Make the container (config, state, writable layer) and return its id.
pub fn create(
    mut spec: ContainerSpec,
    life: &LifeArgs,
    origin: Origin,
    paths: &Paths,
) -> Result<String, Error> {
    let policy = Policy::parse(life.restart.as_deref().unwrap_or("no")).map_err(Error::Usage)?;
    if life.rm && policy != Policy::No {
        return Err(Error::Usage(msg!(m::RESTART_AND_RM)));
    }
    let store = Store::new(paths);
    let taken = store.names()?;
    let name = match &life.name {
        Some(n) if !crate::container::names::valid(n) => {
            return Err(Error::Usage(msg!(
                m::BAD_NAME_FLAG,
                name = format!("{n:?}")
            )));
        }
        Some(n) => n.clone(),
        None => crate::container::names::generate(&|n| taken.iter().any(|t| t == n)),
    };
    // On a user-defined network, others know it by its name, even a made-up one.
    if let Some(n) = &mut spec.network {
        n.name.get_or_insert_with(|| name.clone());
    }
    let id = origin.id.clone().unwrap_or_else(store::new_id);
    // Its runs use the short id: cgroup dockling/ID12, veth vethID11…
    spec.id = Some(id[..12].to_string());
    if let Some(o) = &mut spec.overlay {
        o.dir = Some(store.dir(&id).join("fs"));
        o.keep = false;
    }
    let stop_signal = life
        .stop_signal
        .clone()
        .or(origin.stop_signal.clone())
        .unwrap_or_else(|| "SIGTERM".into());
    parse_signal(&stop_signal)?;
    let mut labels = origin.labels;
    for l in &life.labels {
        // docker takes a bare KEY as KEY with an empty value.
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        if k.is_empty() {
            return Err(Error::Usage(msg!(m::BAD_LABEL, label = format!("{l:?}"))));
        }
        labels.insert(k.to_string(), v.to_string());
    }
    let config = Config {
        id: id.clone(),
        name,
        created: crate::clock::now_ns(),
        image: origin.image,
        image_id: origin.image_id,
        spec,
        restart: policy,
        auto_remove: life.rm,
        stop_signal,
        stop_timeout: life.stop_timeout.unwrap_or(10),
        labels,
        cgroup_parent: paths.cgroup_parent.clone(),
        entrypoint: origin.entrypoint,
        cmd: origin.cmd,
    };
    store.create(&config)?;
    // From here on the container's directory keeps the layers alive.
    if let Some(pin) = origin.pin {
        pin.persist();
    }
    Ok(id)
}

/// A stage's container, or `run`: create it, then run it in the
/// foreground (its exit code) or start it detached (its id, exit 0).
pub fn launch(
    spec: ContainerSpec,
    life: &LifeArgs,
    origin: Origin,
    paths: &Paths,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    let id = create(spec, life, origin, paths)?;
    let store = Store::new(paths);
    if life.detach {
        start_detached(paths, &store, &id, narrator)?;
        println!("{id}");
        return Ok(0);
    }
    monitor::foreground(paths, &store, &id, narrator)
}

/// Finish the undo of a run whose monitor was killed, before the
/// container runs again (its run directory has the same name).
fn finish_dead_runs(paths: &Paths) -> Result<(), Error> {
    let scope = crate::journal::check::Scope::new(paths);
    crate::journal::cleanup(&paths.runs(), &scope, &mut Quiet)?;
    Ok(())
}

fn start_detached(
    paths: &Paths,
    store: &Store,
    id: &str,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    let config = store.config(id)?;
    narrator.emit(&Event::MonitorStart {
        id: id[..12].to_string(),
        name: config.name.clone(),
        log: store.log_path(id).display().to_string(),
    });
    match monitor::spawn(paths, store, id, narrator, false)? {
        Some(pid) => Ok(pid),
        None => Err(Error::Usage(msg!(m::CONTAINER_DID_NOT_START))),
    }
}

/// Docker's signal names: `SIGTERM`, `TERM`, `15`.
pub fn parse_signal(s: &str) -> Result<nix::sys::signal::Signal, Error> {
    use std::str::FromStr;
    if let Ok(n) = s.parse::<i32>() {
        return nix::sys::signal::Signal::try_from(n)
            .map_err(|_| Error::Usage(msg!(m::INVALID_SIGNAL, signal = s)));
    }
    let up = s.to_ascii_uppercase();
    let full = if up.starts_with("SIG") {
        up
    } else {
        format!("SIG{up}")
    };
    nix::sys::signal::Signal::from_str(&full)
        .map_err(|_| Error::Usage(msg!(m::INVALID_SIGNAL, signal = s)))
}

/// Send `sig` to the container's PID 1, if it is the process recorded.
fn signal_container(store: &Store, id: &str, sig: nix::sys::signal::Signal) -> Result<bool, Error> {
    let s = store.state(id)?;
    if s.pid <= 0 || crate::journal::process_start_time(s.pid) != Some(s.pid_start) {
        return Ok(false);
    }
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(s.pid), sig) {
        Ok(()) => {
            if s.status == Status::Paused {
                // As docker: a paused container is thawed after the
                // signal, so that it can act on it (the v1 freezer holds
                // even SIGKILL).
                if let Some(cg) = store.config(id)?.cgroup() {
                    match cg.freeze(false) {
                        // A fatal signal can end a frozen task (v2, and v1
                        // on recent kernels): its monitor may have removed
                        // the cgroup already.
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => {
                            return Err(Error::Hinted {
                                message: msg!(m::CANNOT_THAW, error = e),
                                hint: msg!(m::DOCTOR_SHOWS_CGROUPS),
                            });
                        }
                        Ok(_) => {}
                    }
                }
                store.update(id, |s| {
                    if s.status == Status::Paused {
                        s.status = Status::Running;
                    }
                })?;
            }
            Ok(true)
        }
        Err(nix::Error::ESRCH) => Ok(false),
        Err(e) => Err(Error::sys(format!("kill({}, {sig})", s.pid))(e)),
    }
}

/// Wait until nothing looks after the container any more (its monitor
/// recorded how it ended and left), at most `limit`.
fn wait_gone(store: &Store, id: &str, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    loop {
        if !store.monitor_alive(id) {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `stop`: the stop signal, `timeout` seconds, then SIGKILL.
fn stop_one(
    store: &Store,
    id: &str,
    timeout: Option<u64>,
    narrator: &mut dyn Narrator,
) -> Result<(), Error> {
    stop_many(store, &[id.to_string()], timeout, narrator)
        .pop()
        .unwrap_or(Ok(()))
}

/// Stop several containers at once, as `docker stop a b c` does: every
/// stop signal is sent first, then all the waits run side by side, so
/// fifty containers that ignore SIGTERM take one timeout, not fifty.
fn stop_many(
    store: &Store,
    ids: &[String],
    timeout: Option<u64>,
    narrator: &mut dyn Narrator,
) -> Vec<Result<(), Error>> {
    let mut results: Vec<Result<(), Error>> = Vec::new();
    // (index, pid, when to give up waiting for the stop signal)
    let mut waiting = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let asked = (|| {
            let config = store.config(id)?;
            let state = store.update(id, |s| {
                if s.status.is_live() {
                    s.stop_requested = true;
                }
            })?;
            if !state.status.is_live() || !store.monitor_alive(id) {
                return Ok(None);
            }
            let sig = parse_signal(&config.stop_signal)?;
            let timeout = Duration::from_secs(timeout.unwrap_or(config.stop_timeout));
            narrator.emit(&Event::StopSignal {
                signal: sig.as_str().to_string(),
                pid: state.pid,
                timeout: timeout.as_secs(),
            });
            signal_container(store, id, sig)?;
            Ok(Some((state.pid, timeout)))
        })();
        match asked {
            Ok(Some((pid, timeout))) => waiting.push((i, pid, timeout)),
            Ok(None) => {}
            Err(e) => {
                results.push(Err(e));
                continue;
            }
        }
        results.push(Ok(()));
    }
    // Each container gets SIGKILL when its own timeout has passed, and 30
    // seconds more to die of it.
    let started = Instant::now();
    let mut killed = vec![false; ids.len()];
    while !waiting.is_empty() {
        waiting.retain(|(i, _, _)| store.monitor_alive(&ids[*i]));
        let now = started.elapsed();
        for (i, pid, timeout) in &waiting {
            if !killed[*i] && now >= *timeout {
                killed[*i] = true;
                narrator.emit(&Event::StopKill {
                    pid: *pid,
                    timeout: timeout.as_secs(),
                });
                if let Err(e) = signal_container(store, &ids[*i], nix::sys::signal::Signal::SIGKILL)
                {
                    results[*i] = Err(e);
                }
            }
        }
        let given_up: Vec<usize> = waiting
            .iter()
            .filter(|(_, _, t)| now >= *t + Duration::from_secs(30))
            .map(|(i, _, _)| *i)
            .collect();
        for i in given_up {
            waiting.retain(|(j, _, _)| *j != i);
            if results[i].is_ok() {
                results[i] = Err(Error::Hinted {
                    message: msg!(m::DID_NOT_STOP_AFTER_SIGKILL, id = &ids[i][..12]),
                    hint: msg!(m::D_STATE_HINT),
                });
            }
        }
        if !waiting.is_empty() {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    results
}

/// Run `f` for each container named, as docker does: on to the next after
/// an error, which is printed; exit 1 if any failed.
pub(crate) fn each(
    names: &[String],
    store: &Store,
    mut f: impl FnMut(&str, &str) -> Result<(), Error>,
) -> Result<i32, Error> {
    let mut code = 0;
    for name in names {
        let result = store.find(name).and_then(|id| f(name, &id));
        if let Err(e) = result {
            // 1 as docker for "no such container" and a refusal; 125 for
            // a query dockling cannot answer (an ambiguous prefix).
            code = code.max(e.report());
        }
    }
    Ok(code)
}

#[derive(Debug, clap::Args)]
pub struct StartArgs {
    /// Attach to its output (and wait for it to end)
    #[arg(short = 'a', long)]
    pub attach: bool,
    /// Attach its stdin
    #[arg(short = 'i', long)]
    pub interactive: bool,
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

pub fn start(args: &StartArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let store = Store::new(paths);
    if (args.attach || args.interactive) && args.containers.len() > 1 {
        return Err(Error::Usage(msg!(m::START_ATTACH_MULTIPLE)));
    }
    let mut started = None;
    let code = each(&args.containers, &store, |name, id| {
        if store.state(id)?.status.is_live() && store.monitor_alive(id) {
            println!("{name}");
            return Ok(());
        }
        finish_dead_runs(paths)?;
        store.update(id, |s| {
            s.stop_requested = false;
            s.restart_count = 0;
        })?;
        let from = crate::container::logs::Follower::at_end(&store.log_path(id));
        start_detached(paths, &store, id, narrator)?;
        if args.attach || args.interactive {
            started = Some((id.to_string(), from));
        } else {
            println!("{name}");
        }
        Ok(())
    })?;
    let Some((id, from)) = started else {
        return Ok(code);
    };
    if args.interactive {
        return attach_to(&store, &id, true);
    }
    follow(&store, &id, from, false)?;
    wait_exit(&store, &id)
}

/// Copy the log from `from` to our stdout and stderr until the container
/// is no longer looked after (then the rest).
fn follow(
    store: &Store,
    id: &str,
    mut from: crate::container::logs::Follower,
    timestamps: bool,
) -> Result<(), Error> {
    let print = |entries: Vec<crate::container::logs::Entry>| -> Result<(), Error> {
        let mut out = std::io::stdout().lock();
        let mut err = std::io::stderr().lock();
        for e in entries {
            let w: &mut dyn Write = if e.stream == "stderr" {
                &mut err
            } else {
                &mut out
            };
            let line = if timestamps {
                format!("{} {}", e.time, e.log)
            } else {
                e.log
            };
            w.write_all(line.as_bytes())
                .map_err(Error::io("write", "stdout"))?;
        }
        out.flush().map_err(Error::io("write", "stdout"))?;
        Ok(())
    };
    loop {
        let alive = store.monitor_alive(id);
        print(
            from.new_entries()
                .map_err(Error::io("read the log of", store.log_path(id)))?,
        )?;
        if !alive {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The container's exit code, once it has ended.
fn wait_exit(store: &Store, id: &str) -> Result<i32, Error> {
    loop {
        let s = store.state(id)?;
        if !s.status.is_live() || !store.monitor_alive(id) {
            return Ok(store.state(id)?.exit_code);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn attach_to(store: &Store, id: &str, stdin: bool) -> Result<i32, Error> {
    let config = store.config(id)?;
    let socket = store.socket(id);
    let result = crate::container::attach::attach(
        &socket,
        stdin && config.spec.interactive,
        config.spec.tty,
        |sig| {
            // Passed on, as docker's attach does (--sig-proxy).
            let _ = signal_container(store, id, sig);
        },
    )
    .map_err(|e| Error::Hinted {
        message: msg!(m::CANNOT_ATTACH, id = &id[..12], error = e),
        hint: msg!(m::ATTACH_HINT),
    })?;
    match result {
        crate::container::attach::Detached::ByKeys => {
            eprintln!("{}", msg!(m::READ_ESCAPE_SEQUENCE));
            Ok(0)
        }
        crate::container::attach::Detached::Ended => wait_exit(store, id),
    }
}

#[derive(Debug, clap::Args)]
pub struct StopArgs {
    /// Seconds to wait for it to stop before killing it [default: 10]
    #[arg(
        short = 't',
        long = "time",
        visible_alias = "timeout",
        value_name = "SECONDS"
    )]
    pub time: Option<u64>,
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

pub fn stop(args: &StopArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let store = Store::new(paths);
    let mut code = 0;
    let mut found = Vec::new();
    for name in &args.containers {
        match store.find(name) {
            Ok(id) => found.push((name, id)),
            Err(e) => code = code.max(e.report()),
        }
    }
    let ids: Vec<String> = found.iter().map(|(_, id)| id.clone()).collect();
    for ((name, _), result) in found
        .iter()
        .zip(stop_many(&store, &ids, args.time, narrator))
    {
        match result {
            Ok(()) => println!("{name}"),
            Err(e) => code = code.max(e.report()),
        }
    }
    Ok(code)
}

pub fn restart(args: &StopArgs, paths: &Paths, narrator: &mut dyn Narrator) -> Result<i32, Error> {
    let store = Store::new(paths);
    each(&args.containers, &store, |name, id| {
        stop_one(&store, id, args.time, narrator)?;
        finish_dead_runs(paths)?;
        store.update(id, |s| {
            s.stop_requested = false;
            s.restart_count = 0;
        })?;
        start_detached(paths, &store, id, narrator)?;
        println!("{name}");
        Ok(())
    })
}

#[derive(Debug, clap::Args)]
pub struct KillArgs {
    /// The signal to send [default: SIGKILL]
    #[arg(short = 's', long, value_name = "SIGNAL", default_value = "SIGKILL")]
    pub signal: String,
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

pub fn kill(args: &KillArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    let sig = parse_signal(&args.signal)?;
    each(&args.containers, &store, |name, id| {
        let live = matches!(store.state(id)?.status, Status::Running | Status::Paused)
            && store.monitor_alive(id);
        if !live || !signal_container(&store, id, sig)? {
            return Err(Error::Refused {
                message: msg!(m::CANNOT_KILL_NOT_RUNNING, name = name, id = &id[..12]),
                hint: String::new(),
            });
        }
        println!("{name}");
        Ok(())
    })
}

#[derive(Debug, clap::Args)]
pub struct RmArgs {
    /// Stop it first (SIGKILL) if it runs
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Remove its anonymous volumes too (dockling makes none)
    #[arg(short = 'v', long)]
    pub volumes: bool,
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

fn remove_one(
    paths: &Paths,
    store: &Store,
    name: &str,
    id: &str,
    force: bool,
) -> Result<(), Error> {
    let live = store.state(id)?.status.is_live() && store.monitor_alive(id);
    if live && !force {
        let c = store.config(id)?;
        return Err(Error::Refused {
            message: msg!(m::CANNOT_REMOVE_RUNNING, name = c.name),
            hint: msg!(m::RM_RUNNING_HINT, name = name),
        });
    }
    if live {
        stop_one(store, id, Some(0), &mut Quiet)?;
    }
    if !wait_gone(store, id, Duration::from_secs(10)) {
        return Err(Error::Hinted {
            message: msg!(m::STILL_MONITORED, id = &id[..12]),
            hint: msg!(m::TRY_AGAIN),
        });
    }
    finish_dead_runs(paths)?;
    monitor::remove(paths, store, id)
}

pub fn rm(args: &RmArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    let code = each(&args.containers, &store, |name, id| {
        remove_one(paths, &store, name, id, args.force)?;
        println!("{name}");
        Ok(())
    })?;
    store.sweep()?;
    Ok(code)
}

#[derive(Debug, clap::Args)]
pub struct PruneArgs {
    /// Do not ask for confirmation
    #[arg(short = 'f', long)]
    pub force: bool,
}

pub fn prune(args: &PruneArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    if !args.force {
        eprint!("{}", msg!(m::PRUNE_CONTAINERS_WARNING));
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(Error::io("read", "stdin"))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Ok(0);
        }
    }
    let (deleted, space) = prune_stopped(paths)?;
    if !deleted.is_empty() {
        println!("{}", msg!(m::DELETED_CONTAINERS));
        for id in &deleted {
            println!("{id}");
        }
        println!();
    }
    store.sweep()?;
    println!(
        "{}",
        msg!(m::RECLAIMED_SPACE, size = super::image::human(space))
    );
    Ok(0)
}

/// Remove every container that is not running: their ids, and the bytes
/// their writable layers held (`container prune`, `system prune`).
pub fn prune_stopped(paths: &Paths) -> Result<(Vec<String>, u64), Error> {
    let store = Store::new(paths);
    let mut deleted = Vec::new();
    let mut space = 0;
    for (c, s) in store.list()? {
        if s.status.is_live() {
            continue;
        }
        space += show::dir_size(&store.dir(&c.id).join("fs/upper"));
        remove_one(paths, &store, &c.id, &c.id, false)?;
        deleted.push(c.id);
    }
    store.sweep()?;
    Ok((deleted, space))
}

#[derive(Debug, clap::Args)]
pub struct PsArgs {
    /// Show all containers (by default only running ones)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Only the ids
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// The N last created (all states)
    #[arg(short = 'n', long = "last", value_name = "N")]
    pub last: Option<usize>,
    /// The last created (all states)
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// The size of each container's writable layer
    #[arg(short = 's', long)]
    pub size: bool,
    /// Do not shorten ids and commands
    #[arg(long)]
    pub no_trunc: bool,
    /// Filter: name=, status=, exited=, ancestor=, id=, label=
    #[arg(short = 'f', long = "filter", value_name = "KEY=VALUE")]
    pub filters: Vec<String>,
    /// Print each with this template: {{.ID}} {{.Names}} {{.Status}} {{.State}} {{.Image}} …
    #[arg(long, value_name = "TEMPLATE")]
    pub format: Option<String>,
}

fn matches_filter(f: &str, c: &Config, s: &crate::container::state::State) -> Result<bool, Error> {
    let (k, v) = f
        .split_once('=')
        .ok_or_else(|| Error::Usage(msg!(m::BAD_FILTER_FORMAT, filter = f)))?;
    Ok(match k {
        "name" => c.name.contains(v.trim_start_matches('/')),
        "id" => c.id.starts_with(v),
        "status" => {
            if ![
                "created",
                "restarting",
                "running",
                "removing",
                "paused",
                "exited",
                "dead",
            ]
            .contains(&v)
            {
                return Err(Error::Usage(msg!(m::BAD_STATUS_FILTER, value = v)));
            }
            s.status.name() == v
        }
        "exited" => {
            let code: i32 = v
                .parse()
                .map_err(|_| Error::Usage(msg!(m::BAD_EXITED_FILTER, value = v)))?;
            s.status == Status::Exited && s.exit_code == code
        }
        "ancestor" => c.image == v || c.image_id.as_deref().is_some_and(|i| i.contains(v)),
        "label" => match v.split_once('=') {
            Some((lk, lv)) => c.labels.get(lk).is_some_and(|x| x == lv),
            None => c.labels.contains_key(v),
        },
        other => return Err(Error::Usage(msg!(m::BAD_FILTER, filter = other))),
    })
}

pub fn ps(args: &PsArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    let now = crate::clock::now_ns();
    let mut list = store.list()?;
    list.reverse(); // newest first, as docker
    // As docker: a filter on the status or the exit code looks at every
    // container; other filters only at the running ones, unless -a.
    let all = args.all
        || args.last.is_some()
        || args.latest
        || args
            .filters
            .iter()
            .any(|f| f.starts_with("status=") || f.starts_with("exited="));
    let mut rows = Vec::new();
    for (c, s) in &list {
        if !all && !s.status.is_live() {
            continue;
        }
        let mut keep = true;
        for f in &args.filters {
            keep &= matches_filter(f, c, s)?;
        }
        if keep {
            rows.push((c, s));
        }
    }
    if let Some(n) = args.last {
        rows.truncate(n);
    }
    if args.latest {
        rows.truncate(1);
    }
    let id = |c: &Config| {
        if args.no_trunc {
            c.id.clone()
        } else {
            c.id[..12].to_string()
        }
    };
    if args.quiet {
        for (c, _) in rows {
            println!("{}", id(c));
        }
        return Ok(0);
    }
    if let Some(t) = &args.format {
        for (c, s) in rows {
            let v = serde_json::json!({
                "ID": id(c),
                "Image": c.image,
                "Command": show::command(c, !args.no_trunc),
                "RunningFor": format!("{} ago", crate::clock::since(c.created, now)),
                "Status": show::status(s, now),
                "State": s.status.name(),
                "Ports": show::ports(c),
                "Names": c.name,
                "Labels": c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","),
            });
            println!("{}", show::format(t, &v).map_err(Error::Usage)?);
        }
        return Ok(0);
    }
    let mut header = vec![
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ];
    if args.size {
        header.push("SIZE");
    }
    let mut table = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for (c, s) in rows {
        let mut row = vec![
            id(c),
            c.image.clone(),
            show::command(c, !args.no_trunc),
            format!("{} ago", crate::clock::since(c.created, now)),
            show::status(s, now),
            show::ports(c),
            c.name.clone(),
        ];
        if args.size {
            let size = show::dir_size(&store.dir(&c.id).join("fs/upper"));
            row.push(super::image::human(size));
        }
        table.push(row);
    }
    print!("{}", show::table(&table));
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// Follow the log until the container ends
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only the last N lines
    #[arg(short = 'n', long, value_name = "N")]
    pub tail: Option<String>,
    /// Show each line's time
    #[arg(short = 't', long)]
    pub timestamps: bool,
    /// Only lines since a time (RFC 3339) or a duration ago (10m, 1h30m)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

pub fn logs(args: &LogsArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    let id = store.find(&args.container)?;
    let path = store.log_path(&id);
    let since = match &args.since {
        Some(s) => Some(
            crate::clock::parse_since(s, crate::clock::now_ns())
                .ok_or_else(|| Error::Usage(msg!(m::BAD_SINCE, since = s)))?,
        ),
        None => None,
    };
    let tail = match args.tail.as_deref() {
        None | Some("all") => None,
        Some(n) => Some(
            n.parse::<usize>()
                .map_err(|_| Error::Usage(msg!(m::BAD_TAIL, tail = n)))?,
        ),
    };
    // Where following picks up: the end, as it is now.
    let from = crate::container::logs::Follower::at_end(&path);
    let mut entries = crate::container::logs::read(&path).map_err(Error::io("read", &path))?;
    if let Some(t) = since {
        entries.retain(|e| crate::clock::parse_rfc3339(&e.time).is_some_and(|et| et >= t));
    }
    if let Some(n) = tail {
        let skip = entries.len().saturating_sub(n);
        entries.drain(..skip);
    }
    {
        let mut out = std::io::stdout().lock();
        let mut err = std::io::stderr().lock();
        for e in entries {
            let w: &mut dyn Write = if e.stream == "stderr" {
                &mut err
            } else {
                &mut out
            };
            let line = if args.timestamps {
                format!("{} {}", e.time, e.log)
            } else {
                e.log
            };
            w.write_all(line.as_bytes())
                .map_err(Error::io("write", "stdout"))?;
        }
    }
    if args.follow {
        follow(&store, &id, from, args.timestamps)?;
    }
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    /// Do not attach stdin
    #[arg(long)]
    pub no_stdin: bool,
    #[arg(value_name = "CONTAINER")]
    pub container: String,
}

pub fn attach(args: &AttachArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    let id = store.find(&args.container)?;
    if !(store.state(&id)?.status == Status::Running && store.monitor_alive(&id)) {
        return Err(Error::Refused {
            message: msg!(m::ATTACH_STOPPED),
            hint: msg!(m::START_IT_HINT, name = args.container),
        });
    }
    attach_to(&store, &id, !args.no_stdin)
}

#[derive(Debug, clap::Args)]
pub struct WaitArgs {
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

pub fn wait(args: &WaitArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    each(&args.containers, &store, |_, id| {
        // A created container has not run yet: wait for it to run and end.
        // One whose start failed (a missing command: 127) stays created,
        // with the failure recorded: that is its answer.
        loop {
            let s = store.state(id)?;
            if s.status != Status::Created {
                break;
            }
            if s.exit_code != 0 || !s.error.is_empty() {
                println!("{}", s.exit_code);
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        println!("{}", wait_exit(&store, id)?);
        Ok(())
    })
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Print this for each, `{{.State.Status}}`-style paths filled in
    #[arg(short = 'f', long, value_name = "TEMPLATE")]
    pub format: Option<String>,
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

pub fn inspect(args: &InspectArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    let mut all = Vec::new();
    let code = each(&args.containers, &store, |_, id| {
        let c = store.config(id)?;
        let s = store.state(id)?;
        let endpoints = endpoints(&c, paths);
        let v = show::inspect(&c, &s, &store.log_path(id), &endpoints);
        match &args.format {
            Some(t) => println!("{}", show::format(t, &v).map_err(Error::Usage)?),
            None => all.push(v),
        }
        Ok(())
    })?;
    if args.format.is_none() {
        println!("{}", serde_json::to_string_pretty(&all).expect("json"));
    }
    Ok(code)
}

/// Every network container `c` is on, with its address there while it runs.
fn endpoints(c: &Config, paths: &Paths) -> Vec<show::Endpoint> {
    use crate::network::store as net;
    let Some(n) = &c.spec.network else {
        return Vec::new();
    };
    let run = c.spec.id.clone().unwrap_or_default();
    let first = (n.network.name.clone(), n.names(), 0);
    let rest = n
        .connected
        .iter()
        .map(|k| (k.network.clone(), n.names_on(k), k.iface));
    std::iter::once(first)
        .chain(rest)
        .map(|(network, aliases, iface)| {
            let def = net::load(paths, &network).ok().flatten();
            show::Endpoint {
                ip: net::leases(paths, &network)
                    .into_iter()
                    .find(|l| l.run == run)
                    .map(|l| l.ip.to_string())
                    .unwrap_or_default(),
                gateway: def
                    .as_ref()
                    .map(|d| d.gateway().to_string())
                    .unwrap_or_default(),
                prefix: def.map(|d| d.subnet.prefix()).unwrap_or(0),
                aliases,
                interface: crate::network::container_if(iface),
                network,
            }
        })
        .collect()
}

#[derive(Debug, clap::Args)]
pub struct RenameArgs {
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    #[arg(value_name = "NEW_NAME")]
    pub new_name: String,
}

pub fn rename(args: &RenameArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    let id = store.find(&args.container)?;
    if !crate::container::names::valid(&args.new_name) {
        return Err(Error::Usage(msg!(m::BAD_NEW_NAME, name = args.new_name)));
    }
    let c = store.config(&id)?;
    store.rename(&id, &args.new_name)?;
    // A running container's neighbours on its networks learn the new name.
    if let (Some(_), Some(run)) = (&c.spec.network, &c.spec.id) {
        let _lock = crate::network::store::lock(paths)?;
        crate::network::peers::rename(&paths.run, run, &c.name, &args.new_name)
            .map_err(Error::io("rename the container on its networks", &c.name))?;
    }
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct PortArgs {
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Only this port: PORT[/PROTO]
    #[arg(value_name = "PRIVATE_PORT[/PROTO]")]
    pub port: Option<String>,
}

pub fn port(args: &PortArgs, paths: &Paths) -> Result<i32, Error> {
    let store = Store::new(paths);
    let id = store.find(&args.container)?;
    let c = store.config(&id)?;
    let maps = c.spec.network.map(|n| n.ports).unwrap_or_default();
    let mut any = false;
    for p in maps {
        let key = format!("{}/{}", p.container_port, p.proto_name());
        if let Some(want) = &args.port {
            let want = if want.contains('/') {
                want.clone()
            } else {
                format!("{want}/tcp")
            };
            if want != key {
                continue;
            }
        }
        any = true;
        println!(
            "{key} -> {}:{}",
            p.host_ip.map(|i| i.to_string()).unwrap_or("0.0.0.0".into()),
            p.host_port
        );
    }
    if !any && args.port.is_some() {
        return Err(Error::Refused {
            message: msg!(
                m::NO_PUBLIC_PORT,
                port = args.port.as_deref().unwrap_or(""),
                id = &id[..12]
            ),
            hint: String::new(),
        });
    }
    Ok(0)
}
