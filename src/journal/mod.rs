//! The undo journal: every host resource a run creates, written down first.
//!
//! Containers are made of host resources: a state directory, a cgroup, an
//! overlay directory, later veth pairs and iptables rules. If dockling forgot one when it
//! stopped — by error, by Ctrl-C, by `kill -9` — it would stay on the host
//! for good. So each run has a directory `<run>/runs/<id>` with a file
//! `journal`: one JSON line per resource, appended *before* the resource is
//! created. At the end the entries are undone newest first; each undo
//! accepts that its resource may never have been made.
//!
//! The journal file is held with flock(2) for the whole run. The kernel drops
//! that lock when the process dies, however it dies, so `dockling cleanup`
//! can tell a dead run (lock free) from a live one (lock held) without
//! guessing from pids.
//!
//! Nothing in a journal is trusted blindly: before an entry is undone it
//! is checked against what this run could have written ([`check`]): paths
//! only under dockling's own state and this run's cgroups, firewall rules
//! of the fixed shapes dockling makes, processes only where this run put
//! them. An entry that fails the check, or whose undo fails, stays in the
//! journal, so that a later `dockling cleanup` can try again.
//!
//! Man pages: flock(2), kill(2), proc(5) (`/proc/PID/stat`).

pub mod check;

use crate::msg;
use crate::narrate::messages::containers as m;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::narrate::{Event, Narrator};

const JOURNAL: &str = "journal";

/// One thing on the host that a run created and must remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resource {
    /// A directory, removed with everything in it.
    Dir { path: PathBuf },
    /// A process, identified by pid and start time so a reused pid is
    /// never killed by mistake, and by where the run put it: its PID
    /// namespace (inode), or for a chroot its root directory.
    Process {
        pid: i32,
        start_time: u64,
        #[serde(default)]
        pidns: Option<u64>,
        #[serde(default)]
        root: Option<PathBuf>,
    },
    /// A container's cgroup directory: emptied (SIGKILL) and removed.
    Cgroup { path: PathBuf },
    /// The shared `dockling` parent cgroup: removed when no run uses it.
    CgroupParent { path: PathBuf },
    /// A container's place on a network: its address lease, the host end
    /// of its veth pair (`link`) and its port mapping rules (the network's
    /// own rules and its bridge stay until `dockling network rm`).
    Lease {
        path: PathBuf,
        networks: PathBuf,
        bridge: String,
        subnet: crate::network::ipnet::Subnet,
        ports: Vec<crate::network::firewall::Rule>,
        link: String,
        /// The run the lease belongs to (empty in journals of older
        /// dockling): a lease file that names another is not removed.
        #[serde(default)]
        run: String,
    },
    /// A pin on the image store's layers (a run of an image holds one, see
    /// `image::pins`): the file is removed. It is made (and locked) before
    /// the journal exists, to check the image's layers under it; one left
    /// by a kill in between is unlocked, so `image prune` sweeps it.
    Pin { path: PathBuf },
}

impl Resource {
    /// Remove the resource. Returns whether there was anything to remove.
    pub fn undo(&self) -> io::Result<bool> {
        match self {
            Resource::Dir { path } => match fs::remove_dir_all(path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(e),
            },
            Resource::Pin { path } => match fs::remove_file(path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(e),
            },
            Resource::Cgroup { path } => crate::cgroups::destroy(path),
            Resource::CgroupParent { path } => crate::cgroups::remove_parent(path),
            Resource::Lease {
                path,
                networks,
                ports,
                link,
                run,
                ..
            } => crate::network::release(path, networks, ports, link, run),
            Resource::Process {
                pid, start_time, ..
            } => {
                if process_start_time(*pid) != Some(*start_time) {
                    return Ok(false);
                }
                let target = nix::unistd::Pid::from_raw(*pid);
                match nix::sys::signal::kill(target, nix::sys::signal::Signal::SIGKILL) {
                    Ok(()) => {}
                    Err(nix::Error::ESRCH) => return Ok(false),
                    Err(e) => return Err(e.into()),
                }
                // It is not our child (or it is, and we reap it): wait until
                // it is gone so that what it holds is released too.
                for _ in 0..200 {
                    let _ =
                        nix::sys::wait::waitpid(target, Some(nix::sys::wait::WaitPidFlag::WNOHANG));
                    if process_start_time(*pid) != Some(*start_time) {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Ok(true)
            }
        }
    }

    /// The event that narrates this undo.
    pub fn event(&self) -> Event {
        match self {
            Resource::Dir { path } => Event::UndoDir {
                path: path.display().to_string(),
            },
            Resource::Process { pid, .. } => Event::UndoProcess { pid: *pid },
            Resource::Pin { path } => Event::UndoPin {
                path: path.display().to_string(),
            },
            Resource::Cgroup { path } => Event::UndoCgroup {
                path: path.display().to_string(),
                cgroup_kill: Some(path.join("cgroup.kill").exists()),
                parent: None,
            },
            Resource::CgroupParent { path } => Event::UndoCgroup {
                path: path.display().to_string(),
                cgroup_kill: None,
                parent: Some(true),
            },
            Resource::Lease {
                path,
                bridge,
                ports,
                link,
                ..
            } => Event::UndoLease {
                ip: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                bridge: bridge.clone(),
                ports: ports.len(),
                link: link.clone(),
            },
        }
    }
}

/// The time a process started, in clock ticks since boot (field 22 of
/// /proc/PID/stat); `None` if there is no such process.
pub fn process_start_time(pid: i32) -> Option<u64> {
    // One read: the file is generated on each read and is under 1 KiB.
    let mut buf = Vec::with_capacity(1024);
    fs::File::open(format!("/proc/{pid}/stat"))
        .ok()?
        .read_to_end(&mut buf)
        .ok()?;
    let stat = String::from_utf8(buf).ok()?;
    // The command name (field 2) may contain spaces and ')': skip past the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// A live run's journal, locked for as long as this value lives.
pub struct Journal {
    dir: PathBuf,
    file: File,
    entries: Vec<Resource>,
}

/// An entry that was not undone, and why.
#[derive(Debug)]
pub struct Failure {
    pub resource: Resource,
    pub error: io::Error,
}

impl Journal {
    /// Make `<runs>/<id>` and its locked journal. The directory itself is
    /// the first entry, so it is the last thing undone.
    pub fn create(runs: &Path, id: &str) -> Result<Journal, Error> {
        fs::create_dir_all(runs).map_err(Error::io("create the state directory", runs))?;
        let dir = runs.join(id);
        fs::create_dir(&dir).map_err(Error::io("create the run directory", &dir))?;
        let path = dir.join(JOURNAL);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(Error::io("create the journal", &path))?;
        lock(&file, false).map_err(Error::io("lock the journal", &path))?;
        let mut journal = Journal {
            dir: dir.clone(),
            file,
            entries: Vec::new(),
        };
        journal.record(Resource::Dir { path: dir })?;
        Ok(journal)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Write `resource` down. Call this *before* creating it.
    pub fn record(&mut self, resource: Resource) -> Result<(), Error> {
        let mut line = serde_json::to_string(&resource).expect("resources serialize");
        line.push('\n');
        let path = self.dir.join(JOURNAL);
        self.file
            .write_all(line.as_bytes())
            .map_err(Error::io("write the journal", path))?;
        self.entries.push(resource);
        Ok(())
    }

    /// Undo every entry, newest first, narrating each one that did
    /// something. Failures are collected, not allowed to stop the rest,
    /// and stay in the journal for `dockling cleanup`. The entries are
    /// read from the file again: another process may have added some
    /// ([`append`], for `network connect`).
    pub fn undo(self, scope: &check::Scope, narrator: &mut dyn Narrator) -> Vec<Failure> {
        let entries = read_entries(&self.dir.join(JOURNAL))
            .ok()
            .filter(|e| e.len() >= self.entries.len())
            .unwrap_or(self.entries);
        undo_all(&self.dir, entries, scope, narrator)
    }
}

/// Add `resource` to the journal of the live run in `dir` (whose owner
/// holds its lock), before creating it: one line, appended in one
/// write(2) with O_APPEND, so it never interleaves with the owner's. The
/// owner undoes it with the rest when the run ends, and `dockling
/// cleanup` if the owner is killed.
pub fn append(dir: &Path, resource: &Resource) -> Result<(), Error> {
    let path = dir.join(JOURNAL);
    let mut line = serde_json::to_string(resource).expect("resources serialize");
    line.push('\n');
    let mut f = OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(Error::io("open the journal", &path))?;
    f.write_all(line.as_bytes())
        .map_err(Error::io("write the journal", &path))
}

/// Undo `entries` of the run in `dir`, newest first, each checked first.
/// The run's own directory (the first entry, holding the journal) goes
/// last, and only if everything else went: otherwise the journal is
/// rewritten with what is left.
fn undo_all(
    dir: &Path,
    entries: Vec<Resource>,
    scope: &check::Scope,
    narrator: &mut dyn Narrator,
) -> Vec<Failure> {
    let id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let run_dir = Resource::Dir {
        path: dir.to_path_buf(),
    };
    let mut failures = Vec::new();
    let mut own_dir = false;
    for resource in entries.into_iter().rev() {
        if resource == run_dir {
            own_dir = true;
            continue;
        }
        // Told from what is there before it goes (v2's cgroup.kill).
        let event = resource.event();
        let outcome = scope
            .check(&resource, &id, dir)
            .map_err(|why| {
                io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    msg!(m::NOT_UNDONE, why = why),
                )
            })
            .and_then(|()| resource.undo());
        match outcome {
            Ok(true) => narrator.emit(&event),
            Ok(false) => {}
            Err(error) => failures.push(Failure { resource, error }),
        }
    }
    if !own_dir {
        return failures;
    }
    if failures.is_empty() {
        match run_dir.undo() {
            Ok(true) => narrator.emit(&run_dir.event()),
            Ok(false) => {}
            Err(error) => failures.push(Failure {
                resource: run_dir,
                error,
            }),
        }
    } else if let Err(error) = rewrite(dir, &failures) {
        failures.push(Failure {
            resource: run_dir,
            error,
        });
    }
    failures
}

/// Replace the journal in `dir` with the run's directory and `left`,
/// oldest first, atomically (a rename).
fn rewrite(dir: &Path, left: &[Failure]) -> io::Result<()> {
    let mut text = String::new();
    let own = Resource::Dir {
        path: dir.to_path_buf(),
    };
    for r in std::iter::once(&own).chain(left.iter().rev().map(|f| &f.resource)) {
        text.push_str(&serde_json::to_string(r).map_err(io::Error::other)?);
        text.push('\n');
    }
    let tmp = dir.join("journal.tmp");
    fs::write(&tmp, text)?;
    fs::rename(tmp, dir.join(JOURNAL))
}

fn lock(file: &File, nonblocking: bool) -> io::Result<()> {
    let op = libc::LOCK_EX | if nonblocking { libc::LOCK_NB } else { 0 };
    // SAFETY: the descriptor is open for the duration of the call.
    if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn read_entries(path: &Path) -> io::Result<Vec<Resource>> {
    let mut out = Vec::new();
    for line in BufReader::new(File::open(path)?).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        // A line cut short by a crash mid-write is the last one; skip it.
        if let Ok(r) = serde_json::from_str(&line) {
            out.push(r);
        }
    }
    Ok(out)
}

/// What `dockling cleanup` did.
#[derive(Debug, Default)]
pub struct CleanupReport {
    /// Runs whose owner was gone and whose journal was undone.
    pub finished: Vec<PathBuf>,
    /// Resources removed in those runs.
    pub removed: usize,
    /// Runs still alive, left alone.
    pub alive: Vec<PathBuf>,
    pub failures: Vec<Failure>,
}

/// Finish the undo of every run under `runs` whose process is gone.
pub fn cleanup(
    runs: &Path,
    scope: &check::Scope,
    narrator: &mut dyn Narrator,
) -> Result<CleanupReport, Error> {
    let mut report = CleanupReport::default();
    let dirs = match fs::read_dir(runs) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(report),
        Err(e) => return Err(Error::io("read", runs)(e)),
    };
    let mut dirs: Vec<PathBuf> = dirs
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let path = dir.join(JOURNAL);
        let file = match File::options().read(true).append(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Killed between mkdir and creating the journal: nothing
                // else can have been created yet.
                if is_stale(&dir) {
                    fs::remove_dir_all(&dir).map_err(Error::io("remove", &dir))?;
                    narrator.emit(&Resource::Dir { path: dir.clone() }.event());
                    report.finished.push(dir);
                    report.removed += 1;
                }
                continue;
            }
            Err(e) => return Err(Error::io("open", &path)(e)),
        };
        if lock(&file, true).is_err() {
            report.alive.push(dir);
            continue;
        }
        let entries = read_entries(&path).map_err(Error::io("read", &path))?;
        let count = entries.len();
        let failures = undo_all(&dir, entries, scope, narrator);
        report.removed += count.saturating_sub(failures.len());
        report.failures.extend(failures);
        report.finished.push(dir);
    }
    Ok(report)
}

/// A directory untouched for a minute cannot belong to a run still starting.
pub(crate) fn is_stale(dir: &Path) -> bool {
    fs::metadata(dir)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age.as_secs() >= 60)
}

/// A fresh run id: 12 hex digits from the kernel's random pool, like the
/// short ids docker prints.
pub fn new_id() -> String {
    let mut buf = [0u8; 6];
    // SAFETY: buf is valid for buf.len() bytes.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n != buf.len() as isize {
        // getrandom cannot fail for 6 bytes once the pool is ready; the pid
        // and time are unique enough for a directory name regardless.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        return format!(
            "{:06x}{:06x}",
            std::process::id() & 0xffffff,
            t.subsec_nanos() & 0xffffff
        );
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrate::Quiet;

    /// A scope whose state lives in `t`: runs in t/runs, overlays in t/overlay.
    fn scope(t: &Path) -> check::Scope {
        check::Scope {
            runs: t.join("runs"),
            per_run: vec![t.join("overlay")],
            networks: t.join("networks"),
            pins: t.join("pins"),
            cgroup_root: PathBuf::from("/sys/fs/cgroup"),
            cgroup_parent: "dockling".into(),
        }
    }

    #[test]
    fn undo_removes_entries_newest_first_and_the_run_dir_last() {
        let t = tempfile::tempdir().unwrap();
        let s = scope(t.path());
        let mut j = Journal::create(&s.runs, "abc").unwrap();
        let inner = t.path().join("overlay/abc");
        j.record(Resource::Dir {
            path: inner.clone(),
        })
        .unwrap();
        fs::create_dir_all(&inner).unwrap();
        let text = fs::read_to_string(s.runs.join("abc/journal")).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(j.undo(&s, &mut Quiet).is_empty());
        assert!(!inner.exists());
        assert_eq!(fs::read_dir(&s.runs).unwrap().count(), 0);
    }

    #[test]
    fn cleanup_leaves_a_locked_run_alone_and_finishes_an_unlocked_one() {
        let t = tempfile::tempdir().unwrap();
        let s = scope(t.path());
        let live = Journal::create(&s.runs, "live").unwrap();
        let mut dead = Journal::create(&s.runs, "dead").unwrap();
        let made = t.path().join("overlay/dead");
        dead.record(Resource::Dir { path: made.clone() }).unwrap();
        fs::create_dir_all(&made).unwrap();
        // Dropping the journal without undo is what a SIGKILL looks like:
        // the lock goes, the entries stay.
        drop(dead);
        let report = cleanup(&s.runs, &s, &mut Quiet).unwrap();
        assert_eq!(report.finished, [s.runs.join("dead")]);
        assert_eq!(report.alive, [s.runs.join("live")]);
        assert_eq!(report.removed, 2);
        assert!(!made.exists());
        assert!(live.dir().exists());
    }

    #[test]
    fn a_forged_entry_is_not_undone_and_stays_for_later() {
        let t = tempfile::tempdir().unwrap();
        let s = scope(t.path());
        let victim = t.path().join("victim");
        fs::create_dir(&victim).unwrap();
        let mut j = Journal::create(&s.runs, "0123456789ab").unwrap();
        j.record(Resource::Dir {
            path: victim.clone(),
        })
        .unwrap();
        let failures = j.undo(&s, &mut Quiet);
        assert_eq!(failures.len(), 1);
        assert!(
            failures[0]
                .error
                .to_string()
                .contains("not this run's own directory")
        );
        assert!(
            victim.exists(),
            "cleanup deleted a directory it did not make"
        );
        // The run's directory and the refused entry are kept for cleanup.
        let text = fs::read_to_string(s.runs.join("0123456789ab/journal")).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains("victim"));
        let report = cleanup(&s.runs, &s, &mut Quiet).unwrap();
        assert_eq!(report.failures.len(), 1);
        assert!(victim.exists());
    }

    #[test]
    fn a_reused_pid_is_not_killed() {
        let me = std::process::id() as i32;
        let start = process_start_time(me).unwrap();
        let wrong = Resource::Process {
            pid: me,
            start_time: start + 1,
            pidns: None,
            root: None,
        };
        assert!(!wrong.undo().unwrap());
    }

    #[test]
    fn ids_are_12_hex_digits_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 12);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
