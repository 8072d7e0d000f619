//! Where containers are kept, and how one is found.
//!
//! Each container has a directory `<data>/containers/ID/` (its config,
//! state, log and writable layer: what lasts until `rm`, across reboots)
//! and, while a monitor looks after it, `<run>/containers/ID/` (the
//! monitor's lock and attach socket: what a reboot empties). A container
//! is addressed as docker does: by its full id, any unique prefix of it,
//! or its name.
//!
//! Liveness is the monitor's flock on `<run>/containers/ID/monitor`: the
//! kernel drops it however the monitor dies, so a state that says
//! "running" without a live monitor is known to be stale. Every reader
//! repairs that on sight ([`Store::repair`]): the container is exited,
//! and `dockling cleanup` finishes the undo its monitor could not.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::fs;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use super::state::{Config, State, Status};
use crate::error::Error;
use crate::lock::{Lock, lock_dir};
use crate::paths::Paths;

pub struct Store {
    data: PathBuf,
    run: PathBuf,
}

const CONFIG: &str = "config.json";
const STATE: &str = "state.json";

/// The exit code recorded for a container whose monitor died with it.
pub const LOST_EXIT_CODE: i32 = 137;

pub fn is_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// A new container id: 64 hex digits from the kernel's random pool.
pub fn new_id() -> String {
    let mut buf = [0u8; 32];
    let mut filled = 0;
    while filled < buf.len() {
        // SAFETY: the buffer is valid for the remaining length.
        let n =
            unsafe { libc::getrandom(buf[filled..].as_mut_ptr().cast(), buf.len() - filled, 0) };
        if n > 0 {
            filled += n as usize;
        }
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Write `value` to `path` whole: a temporary file, then rename.
fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let text = serde_json::to_vec_pretty(value).expect("states serialise");
    fs::write(&tmp, text).map_err(Error::io("write", &tmp))?;
    fs::rename(&tmp, path).map_err(Error::io("rename into place", path))
}

/// Remove a directory tree; one already gone is fine.
fn remove_all(dir: &Path) -> Result<(), Error> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove", dir)(e)),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = fs::read(path).map_err(Error::io("read", path))?;
    serde_json::from_slice(&text).map_err(|e| Error::Hinted {
        message: msg!(m::STATE_UNREADABLE, path = path.display(), error = e),
        hint: msg!(m::STATE_UNREADABLE_HINT),
    })
}

impl Store {
    pub fn new(paths: &Paths) -> Store {
        Store {
            data: paths.data.join("containers"),
            run: paths.run.join("containers"),
        }
    }

    pub fn dir(&self, id: &str) -> PathBuf {
        self.data.join(id)
    }

    /// `<run>/containers/ID12`: short, because a Unix socket's path has
    /// at most 107 bytes.
    pub fn run_dir(&self, id: &str) -> PathBuf {
        self.run.join(&id[..id.len().min(12)])
    }

    pub fn log_path(&self, id: &str) -> PathBuf {
        super::logs::path(&self.dir(id), id)
    }

    /// The attach socket of a running container.
    pub fn socket(&self, id: &str) -> PathBuf {
        self.run_dir(id).join("attach.sock")
    }

    /// The container's lock: taken to change its state.
    pub fn lock(&self, id: &str) -> Result<Lock, Error> {
        lock_dir(&self.dir(id))
    }

    /// Make a new container's directory, config and state (created). Its
    /// name must be free: checked under the store's lock.
    pub fn create(&self, config: &Config) -> Result<(), Error> {
        let _all = lock_dir(&self.data)?;
        if let Some(other) = self.by_name(&config.name)? {
            return Err(Error::Hinted {
                message: msg!(m::NAME_IN_USE, name = config.name, other = other),
                hint: msg!(m::NAME_IN_USE_HINT),
            });
        }
        // Made whole beside the others, then renamed into place: a
        // dockling killed half-way leaves no container without a state
        // (unlisted, yet holding its name), only a `.new-` directory
        // that the next sweep removes.
        let new = self.data.join(format!(".new-{}", config.id));
        // Root's alone, as docker's: the config holds the environment
        // (passwords given with -e) and the log what the program printed.
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&new)
            .map_err(Error::io("create", &new))?;
        write_json(&new.join(CONFIG), config)?;
        write_json(&new.join(STATE), &State::created())?;
        let dir = self.dir(&config.id);
        fs::rename(&new, &dir).map_err(Error::io("rename into place", &dir))
    }

    pub fn config(&self, id: &str) -> Result<Config, Error> {
        read_json(&self.dir(id).join(CONFIG))
    }

    /// Replace the config (rename), under the container's lock.
    pub fn write_config(&self, config: &Config, _held: &Lock) -> Result<(), Error> {
        write_json(&self.dir(&config.id).join(CONFIG), config)
    }

    /// The state as recorded, repaired if its monitor is gone.
    pub fn state(&self, id: &str) -> Result<State, Error> {
        let state: State = read_json(&self.dir(id).join(STATE))?;
        if state.status.is_live() && !self.monitor_alive(id) {
            return self.repair(id);
        }
        Ok(state)
    }

    /// Change the state under the container's lock; returns the new one.
    pub fn update(&self, id: &str, f: impl FnOnce(&mut State)) -> Result<State, Error> {
        let _held = self.lock(id)?;
        let mut state: State = read_json(&self.dir(id).join(STATE))?;
        f(&mut state);
        write_json(&self.dir(id).join(STATE), &state)?;
        Ok(state)
    }

    /// A live state whose monitor is gone (SIGKILLed, or the host
    /// rebooted): the container is not running. Recorded as exited.
    fn repair(&self, id: &str) -> Result<State, Error> {
        self.update(id, |s| {
            if s.status.is_live() && !self.monitor_alive(id) {
                s.status = Status::Exited;
                s.exit_code = LOST_EXIT_CODE;
                s.pid = 0;
                s.error = "its monitor ended without recording how it ended (killed, or the host \
                           restarted); `dockling cleanup` removes what its run left"
                    .into();
                s.finished_at = Some(crate::clock::now_ns());
            }
        })
    }

    /// Whether a monitor holds the container's monitor lock.
    pub fn monitor_alive(&self, id: &str) -> bool {
        let Ok(f) = fs::File::open(self.run_dir(id).join("monitor")) else {
            return false;
        };
        // SAFETY: the descriptor is open for the duration of the call.
        let free = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) } == 0;
        !free
    }

    /// The ids of every container, oldest first.
    pub fn ids(&self) -> Result<Vec<String>, Error> {
        let entries = match fs::read_dir(&self.data) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("read", &self.data)(e)),
        };
        let mut ids: Vec<(i128, String)> = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !is_id(&name) {
                continue;
            }
            // A container being removed may vanish as we look.
            if let Ok(c) = self.config(&name) {
                ids.push((c.created, name));
            }
        }
        ids.sort();
        Ok(ids.into_iter().map(|(_, id)| id).collect())
    }

    /// Every container's config and state, oldest first.
    pub fn list(&self) -> Result<Vec<(Config, State)>, Error> {
        let mut out = Vec::new();
        for id in self.ids()? {
            if let (Ok(c), Ok(s)) = (self.config(&id), self.state(&id)) {
                out.push((c, s));
            }
        }
        Ok(out)
    }

    fn by_name(&self, name: &str) -> Result<Option<String>, Error> {
        for id in self.ids()? {
            if self.config(&id).is_ok_and(|c| c.name == name) {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// The container `query` names: a full id, a name, or a unique prefix
    /// of an id (docker's order).
    pub fn find(&self, query: &str) -> Result<String, Error> {
        let ids = self.ids()?;
        if ids.iter().any(|i| i == query) {
            return Ok(query.to_string());
        }
        if let Some(id) = self.by_name(query.trim_start_matches('/'))? {
            return Ok(id);
        }
        let matches: Vec<&String> = if query.is_empty() {
            Vec::new()
        } else {
            ids.iter().filter(|i| i.starts_with(query)).collect()
        };
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::NoSuchContainer(query.to_string())),
            // docker's words, and the matches, so the next try can be right.
            many => Err(Error::Hinted {
                message: msg!(
                    m::AMBIGUOUS_PREFIX,
                    query = query,
                    ids = many.iter().map(|i| &i[..12]).collect::<Vec<_>>().join(", ")
                ),
                hint: msg!(m::AMBIGUOUS_PREFIX_HINT),
            }),
        }
    }

    /// Remove a container's directories (its monitor is gone). First its
    /// directory is renamed out of sight in one step, so a dockling killed
    /// during the removal leaves either the whole container or none: what
    /// is left of the files the next [`Store::sweep`] deletes.
    pub fn remove(&self, id: &str) -> Result<(), Error> {
        let _all = lock_dir(&self.data)?;
        let gone = self.data.join(format!(".removing-{id}"));
        match fs::rename(self.dir(id), &gone) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("remove", self.dir(id))(e)),
        }
        for dir in [self.run_dir(id), gone] {
            remove_all(&dir)?;
        }
        Ok(())
    }

    /// Finish what killed commands left: half-made (`.new-`) and
    /// half-removed (`.removing-`) container directories, and monitor
    /// directories under /run whose container is gone and whose monitor
    /// is not alive.
    pub fn sweep(&self) -> Result<(), Error> {
        let _all = lock_dir(&self.data)?;
        for e in fs::read_dir(&self.data).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".new-") || name.starts_with(".removing-") {
                remove_all(&e.path())?;
            }
        }
        let live: Vec<String> = self.ids()?;
        for e in fs::read_dir(&self.run).into_iter().flatten().flatten() {
            let short = e.file_name().to_string_lossy().into_owned();
            if short.len() == 12
                && !live.iter().any(|id| id.starts_with(&short))
                && !self.monitor_alive(&short)
            {
                remove_all(&e.path())?;
            }
        }
        Ok(())
    }

    /// Give container `id` the name `new`, if no other has it.
    pub fn rename(&self, id: &str, new: &str) -> Result<(), Error> {
        let _all = lock_dir(&self.data)?;
        if let Some(other) = self.by_name(new)?.filter(|o| o != id) {
            return Err(Error::Refused {
                message: msg!(m::NAME_IN_USE, name = new, other = other),
                hint: msg!(m::CHOOSE_ANOTHER_NAME),
            });
        }
        let held = self.lock(id)?;
        let mut c = self.config(id)?;
        // The name it is known by on its networks, from its next start.
        if let Some(n) = &mut c.spec.network
            && n.name.as_deref() == Some(c.name.as_str())
        {
            n.name = Some(new.to_string());
        }
        c.name = new.to_string();
        self.write_config(&c, &held)
    }

    /// Names in use, for a generated one.
    pub fn names(&self) -> Result<Vec<String>, Error> {
        Ok(self
            .ids()?
            .iter()
            .filter_map(|id| self.config(id).ok().map(|c| c.name))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_64_hex_digits_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert!(is_id(&a) && is_id(&b));
        assert_ne!(a, b);
        assert!(!is_id("abc") && !is_id(&a.to_uppercase()));
    }
}
