//! The monitor: the one process that looks after a running container.
//!
//! `run -d` and `start` do not run the container themselves: they start a
//! monitor — dockling again (`dockling __monitor ID`), in a session of its
//! own, its stdin, stdout and stderr on /dev/null, not a child of the
//! caller's shell — and wait only until it says the container started (or
//! why it could not). The monitor runs the container with the same engine
//! as every stage, so the same journal undoes the same things; it owns the
//! container's stdio (captured into the log, and to attached clients),
//! records when it started and how it ended, and applies the restart
//! policy. Then it ends, and with it the container's only process on the
//! host that is not the container.
//!
//! It holds the container's monitor lock (an flock) for as long as it
//! lives, which is how every other command knows a running container is
//! really looked after. A foreground `dockling run` is its own monitor: it
//! takes the same lock and does the same bookkeeping, with the terminal as
//! the container's stdio; when a restart policy says to go on after the
//! command ended, it hands over to a detached monitor and exits with the
//! command's code, as `docker run` does.
//!
//! The handshake is a pipe, the monitor's descriptor 3: JSON lines with
//! the narration of the start (when the client narrates), then
//! `{"started":PID}` or `{"failed":{…}}`.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::attach::Hub;
use super::logs;
use super::restart;
use super::state::Status;
use super::store::Store;
use crate::engine::hooks::{Hooks, Ready, Stream};
use crate::error::Error;
use crate::lock::Lock;
use crate::narrate::{Event, Narrator, Quiet};
use crate::paths::Paths;

/// The monitor's descriptor for the handshake.
const HANDSHAKE_FD: i32 = 3;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Message {
    Event(Box<Event>),
    Started(i32),
    Failed {
        message: String,
        hint: Option<String>,
        code: i32,
    },
}

type Shared = Rc<RefCell<Option<File>>>;

fn send(handshake: &Shared, msg: &Message) {
    let mut h = handshake.borrow_mut();
    if let Some(f) = h.as_mut() {
        let mut line = serde_json::to_vec(msg).expect("messages serialise");
        line.push(b'\n');
        // The client may be gone (Ctrl-C): the container runs regardless.
        if f.write_all(&line).is_err() {
            *h = None;
        }
    }
}

/// The narrator of a detached start: events go to the waiting client.
struct Handshake {
    out: Shared,
    events: bool,
}

impl Narrator for Handshake {
    fn emit(&mut self, event: &Event) {
        if self.events {
            send(&self.out, &Message::Event(Box::new(event.clone())));
        }
    }

    fn wants_events(&self) -> bool {
        self.events && self.out.borrow().is_some()
    }
}

/// A detached monitor spends the container's whole life waiting in one
/// poll loop, yet starting it touched megabytes of dockling's code (the
/// kernel maps a file's pages in generous chunks around each fault). Hand
/// those pages back: unmap the binary's resident pages from this process
/// (they stay in the page cache, shared with every other dockling, and
/// the loop faults back the few it runs) and return freed heap to the
/// kernel. Nothing changes for correctness; `scripts/bench 7` measures
/// what it saves.
fn shed_resident_memory() {
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
        return;
    };
    let exe = exe.to_string_lossy().into_owned();
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return;
    };
    // Each mapping: its header line, then fields such as `Anonymous:`.
    let mut mappings: Vec<(&str, u64)> = Vec::new();
    for line in smaps.lines() {
        if let Some(kb) = line.strip_prefix("Anonymous:") {
            if let Some(last) = mappings.last_mut() {
                last.1 = kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(1);
            }
        } else if line
            .split_whitespace()
            .next()
            .is_some_and(|r| r.contains('-') && !r.ends_with(':'))
        {
            mappings.push((line, 0));
        }
    }
    for (header, anonymous) in mappings {
        let mut fields = header.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        // Only read-only mappings of the binary whose every page is still
        // the file's: code and constants. Pages the loader wrote (its
        // relocations, made read-only afterwards) are this process's own
        // copies, and dropping them would bring back the file's unrelocated
        // bytes: such a mapping has Anonymous pages and is left alone.
        if !header.ends_with(&exe) || perms.contains('w') || anonymous != 0 {
            continue;
        }
        let Some((from, to)) = range.split_once('-') else {
            continue;
        };
        let (Ok(from), Ok(to)) = (
            usize::from_str_radix(from, 16),
            usize::from_str_radix(to, 16),
        ) else {
            continue;
        };
        // SAFETY: a private, read-only file mapping of this process none
        // of whose pages were copied: after MADV_DONTNEED they are read
        // from the file again when used.
        unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_DONTNEED) };
    }
    // SAFETY: malloc_trim only returns unused heap to the kernel.
    unsafe { libc::malloc_trim(0) };
}

/// What the engine tells a container's monitor.
struct Watch<'a> {
    store: &'a Store,
    id: &'a str,
    log: logs::Writer,
    hub: Option<Hub>,
    foreground: bool,
    handshake: Shared,
    started: Option<i32>,
    oom: bool,
}

impl Hooks for Watch<'_> {
    fn captures(&self) -> bool {
        true
    }

    fn foreground(&self) -> bool {
        self.foreground
    }

    fn started(&mut self, pid: i32) {
        self.started = Some(pid);
        let start = crate::journal::process_start_time(pid).unwrap_or(0);
        let recorded = self.store.update(self.id, |s| {
            s.status = Status::Running;
            s.pid = pid;
            s.pid_start = start;
            s.started_at = Some(crate::clock::now_ns());
            s.finished_at = None;
            s.error.clear();
        });
        if let Err(e) = recorded {
            // Nothing else can be told; the run goes on, ps will show the
            // old state.
            eprintln!("dockling: {}", e.chain());
        }
        send(&self.handshake, &Message::Started(pid));
        self.handshake.borrow_mut().take();
        if !self.foreground {
            shed_resident_memory();
        }
    }

    fn oom_killed(&mut self) {
        self.oom = true;
    }

    fn output(&mut self, stream: Stream, data: &[u8]) {
        // A full disk must not stop the container; its log just stops.
        let _ = self.log.write(stream, data);
        if let Some(h) = &mut self.hub {
            h.broadcast(stream, data);
        }
    }

    fn fds(&self) -> Vec<std::os::fd::RawFd> {
        self.hub.as_ref().map(Hub::fds).unwrap_or_default()
    }

    fn ready(&mut self, fd: std::os::fd::RawFd) -> Ready {
        match &mut self.hub {
            Some(h) => h.ready(fd),
            None => Ready::default(),
        }
    }
}

/// The exit code docker gives a container that could not start: 127 when
/// the command is not there, 126 when it cannot be run, else dockling's own.
pub fn start_failure_code(e: &Error) -> i32 {
    match e {
        Error::Child(c) if c.step == crate::narrate::Step::Exec => {
            if c.missing {
                127
            } else {
                126
            }
        }
        other => other.exit_code(),
    }
}

/// Take the container's monitor lock, or say that another monitor has it.
pub fn lock(store: &Store, id: &str) -> Result<Lock, Error> {
    let dir = store.run_dir(id);
    // Root's alone: the attach socket in it is a way into the container.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(Error::io("create", &dir))?;
    crate::lock::try_lock_file(&dir.join("monitor"))?.ok_or_else(|| Error::Refused {
        message: msg!(m::ALREADY_RUNNING, id = &id[..12]),
        hint: msg!(m::ALREADY_RUNNING_HINT),
    })
}

/// How the run of a container ended, for its caller.
pub struct Ended {
    pub code: i32,
    /// The restart policy handed the container to a detached monitor.
    pub restarting: bool,
}

/// Run container `id` until it ends for good (its policy says so, or a
/// user stopped it). The caller holds its monitor lock. In the foreground
/// the first run is narrated on the terminal and a restart is handed over
/// to a detached monitor; a monitor does the restarts itself.
fn run_loop(
    paths: &Paths,
    store: &Store,
    id: &str,
    narrator: &mut dyn Narrator,
    handshake: Shared,
    foreground: bool,
    mut restarting: bool,
) -> Result<Ended, Error> {
    let mut first = true;
    loop {
        let config = store.config(id)?;
        if restarting {
            let state = store.state(id)?;
            let wait = restart::backoff(state.restart_count.saturating_sub(1));
            let until = Instant::now() + wait;
            while Instant::now() < until {
                if store.state(id)?.stop_requested {
                    store.update(id, |s| s.status = Status::Exited)?;
                    return Ok(Ended {
                        code: state.exit_code,
                        restarting: false,
                    });
                }
                std::thread::sleep(Duration::from_millis(20).min(until - Instant::now()));
            }
        }
        let hub = if foreground {
            None
        } else {
            Some(Hub::bind(&store.socket(id)).map_err(Error::io("listen on", store.socket(id)))?)
        };
        let me = std::process::id() as i32;
        store.update(id, |s| {
            s.monitor_pid = me;
            s.oom_killed = false;
        })?;
        let mut watch = Watch {
            store,
            id,
            log: logs::Writer::open(store.log_path(id))
                .map_err(Error::io("open the log", store.log_path(id)))?,
            hub,
            foreground,
            handshake: handshake.clone(),
            started: None,
            oom: false,
        };
        let began = Instant::now();
        let mut quiet = Quiet;
        let n: &mut dyn Narrator = if first { &mut *narrator } else { &mut quiet };
        let result = crate::engine::run_with(&config.spec, paths, n, &mut watch);
        first = false;
        // A full disk loses the last line, not the container.
        let _ = watch.log.flush();
        drop(watch.hub.take());
        let _ = std::fs::remove_file(store.socket(id));
        let started = watch.started.is_some();
        let oom = watch.oom;
        let (code, error) = match result {
            Ok(c) => (c, None),
            Err(e) => (start_failure_code(&e), Some(e)),
        };
        if !started {
            // It never ran: docker leaves it "created", with the error.
            let text = error.as_ref().map(|e| e.chain()).unwrap_or_default();
            store.update(id, |s| {
                s.status = if s.started_at.is_some() {
                    Status::Exited
                } else {
                    Status::Created
                };
                s.exit_code = code;
                s.error = text;
                s.pid = 0;
            })?;
            return Err(error.unwrap_or_else(|| Error::Usage(msg!(m::CONTAINER_DID_NOT_START))));
        }
        let state = store.state(id)?;
        let count = if began.elapsed() >= restart::RESET_AFTER {
            0
        } else {
            state.restart_count
        };
        let again = config.restart.restart(code, count, state.stop_requested);
        let text = error.as_ref().map(|e| e.chain()).unwrap_or_default();
        store.update(id, |s| {
            s.exit_code = code;
            s.oom_killed = oom;
            s.pid = 0;
            s.error = text;
            s.finished_at = Some(crate::clock::now_ns());
            s.status = if again {
                Status::Restarting
            } else {
                Status::Exited
            };
            if again {
                s.restart_count = count + 1;
            }
        })?;
        if !again {
            return Ok(Ended {
                code,
                restarting: false,
            });
        }
        if foreground {
            return Ok(Ended {
                code,
                restarting: true,
            });
        }
        restarting = true;
    }
}

/// Remove a container whose monitor has ended: its directories and pin.
pub fn remove(paths: &Paths, store: &Store, id: &str) -> Result<(), Error> {
    store.remove(id)?;
    let pin = crate::image::pins::container_pin(&paths.data.join("pins"), id);
    match std::fs::remove_file(&pin) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove", pin)(e)),
    }
}

/// `dockling run` in the foreground: this process is the monitor of the
/// container's first run. Returns the command's exit code.
pub fn foreground(
    paths: &Paths,
    store: &Store,
    id: &str,
    narrator: &mut dyn Narrator,
) -> Result<i32, Error> {
    let lock = lock(store, id)?;
    let nobody: Shared = Rc::new(RefCell::new(None));
    let result = run_loop(paths, store, id, narrator, nobody, true, false);
    drop(lock);
    let config = store.config(id)?;
    match result {
        Ok(Ended {
            code,
            restarting: true,
        }) => {
            spawn(paths, store, id, &mut Quiet, true)?;
            Ok(code)
        }
        Ok(Ended { code, .. }) => {
            if config.auto_remove {
                remove(paths, store, id)?;
            }
            Ok(code)
        }
        Err(e) => {
            if config.auto_remove {
                remove(paths, store, id)?;
            }
            Err(e)
        }
    }
}

/// Start a detached monitor for container `id` and wait until it says
/// the container runs (its pid) or why it could not. With `restarting`
/// (a restart handed over) nothing is waited for.
pub fn spawn(
    paths: &Paths,
    store: &Store,
    id: &str,
    narrator: &mut dyn Narrator,
    restarting: bool,
) -> Result<Option<i32>, Error> {
    let config = store.config(id)?;
    let (read, write): (OwnedFd, OwnedFd) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(Error::sys(msg!(m::PIPE)))?;
    let exe = std::fs::read_link("/proc/self/exe").map_err(Error::io("find", "/proc/self/exe"))?;
    let mut cmd = Command::new(exe);
    if let Some(root) = &paths.root {
        cmd.arg("--root").arg(root);
    }
    // The monitor speaks the language of the command that started it:
    // its failures come back to that command's user.
    let lang = match crate::narrate::lang::current() {
        crate::narrate::lang::Lang::En => "en",
        crate::narrate::lang::Lang::Ko => "ko",
    };
    cmd.args(["__monitor", id])
        .env("DOCKLING_CGROUP_PARENT", &config.cgroup_parent)
        .env("DOCKLING_LANG", lang)
        .env_remove("DOCKLING_TRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if restarting {
        cmd.arg("--restarting");
    }
    if narrator.wants_events() {
        cmd.arg("--events");
    }
    let w = write.as_raw_fd();
    // SAFETY: between fork and exec only async-signal-safe calls: setsid
    // (a session of its own: no terminal, no job control from the caller's
    // shell), dup2 onto descriptor 3 (which clears close-on-exec).
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() < 0 || libc::dup2(w, HANDSHAKE_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd
        .spawn()
        .map_err(Error::io("start the monitor", "/proc/self/exe"))?;
    drop(write);
    if restarting {
        return Ok(None);
    }
    let lines = BufReader::new(File::from(read));
    for line in lines.lines() {
        let line = line.map_err(Error::io("read from the monitor of", store.dir(id)))?;
        match serde_json::from_str::<Message>(&line) {
            Ok(Message::Event(e)) => narrator.emit(&e),
            Ok(Message::Started(pid)) => return Ok(Some(pid)),
            Ok(Message::Failed {
                message,
                hint,
                code,
            }) => {
                return Err(Error::Failed {
                    message,
                    hint: hint.unwrap_or_default(),
                    code,
                });
            }
            Err(_) => {}
        }
    }
    drop(child);
    Err(Error::Hinted {
        message: msg!(m::MONITOR_ENDED_EARLY, id = &id[..12]),
        hint: msg!(m::MONITOR_ENDED_EARLY_HINT),
    })
}

/// The monitor process (`dockling __monitor ID`).
pub fn main(paths: &Paths, id: &str, restarting: bool, events: bool) -> i32 {
    // SAFETY: descriptor 3 is the handshake pipe our spawner put there.
    let handshake: Shared = Rc::new(RefCell::new(Some(unsafe {
        File::from_raw_fd(HANDSHAKE_FD)
    })));
    // Nothing of the caller's but the handshake, as for a container.
    let _ = crate::process::close_fds_except(&[HANDSHAKE_FD]);
    let store = Store::new(paths);
    let fail = |e: &Error| Message::Failed {
        message: e.chain(),
        hint: e.hint(),
        code: start_failure_code(e),
    };
    let lock = match lock(&store, id) {
        Ok(l) => l,
        Err(e) => {
            send(&handshake, &fail(&e));
            return e.exit_code();
        }
    };
    let mut narrator = Handshake {
        out: handshake.clone(),
        events,
    };
    let result = run_loop(
        paths,
        &store,
        id,
        &mut narrator,
        handshake.clone(),
        false,
        restarting,
    );
    if let Err(e) = &result {
        send(&handshake, &fail(e));
    }
    drop(lock);
    if store.config(id).is_ok_and(|c| c.auto_remove) {
        let _ = remove(paths, &store, id);
    }
    match result {
        Ok(e) => e.code,
        Err(e) => e.exit_code(),
    }
}
