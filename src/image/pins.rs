//! Pins: what keeps layers in the image store while something uses them.
//!
//! `image prune` and `rmi` remove the layers and blobs no image names. An
//! image is not the only user of a layer, though: a pull has layers in
//! place before it names its image (it tags last, so a half-pulled image
//! is never listed), and a running container reads its image's layers as
//! overlayfs's lower directories (changing a lower directory under a
//! mounted overlay is undefined behaviour, and deleting it empties the
//! container's `/bin`). So each such holder writes a *pin*: a small file
//! `<data>/pins/<holder>-<id>` listing the layers (diff_ids) and blobs it
//! holds, and keeps it locked with flock(2) for as long as it lives.
//!
//! The lock discipline, in one place:
//! - The store's lock ([`super::store::Store::lock`]) is taken to change
//!   index.json, to publish a pin, and for the whole of a garbage
//!   collection. A pin is published (written under a temporary name,
//!   locked, renamed into place) under that lock, so a collection sees
//!   every pin published before it started, and none appears halfway.
//! - A holder publishes its pin *before* it looks at or creates the
//!   layers it will use, and removes it when done (a pull: after tagging;
//!   a run: when the container has ended).
//! - A collection keeps every layer and blob that an image or a live pin
//!   names. A pin whose lock is free belongs to a holder that is gone
//!   (killed, crashed): it is stale, and the collection (or `dockling
//!   cleanup`) removes it. The kernel drops the lock however the holder
//!   dies, so there is no pid to guess from.
//!
//! Man pages: flock(2), rename(2).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use rootfs_fetch::oci::digest::Digest;
use serde::{Deserialize, Serialize};

use super::store::Store;
use crate::error::Error;
use crate::lock::Lock;
use crate::msg;
use crate::narrate::messages::images as m;

/// Who holds a pin.
///
/// Pulls and runs are processes, live while their lock is held. A stage 7
/// container exists while stopped too, with no process to hold a lock: its
/// pin is live while the container's directory (`<data>/containers/ID`)
/// exists, from `create` to `rm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// A pull or a load, from before its first layer until its image is named.
    Pull,
    /// A running container (`dockling run`), for the whole run.
    Run,
    /// A container (stage 7), from `create` to `rm`.
    Container,
}

impl Holder {
    fn name(self) -> &'static str {
        match self {
            Holder::Pull => "pull",
            Holder::Run => "run",
            Holder::Container => "container",
        }
    }
}

/// The file name of the pin of holder `holder` with id `id`.
fn pin_name(holder: Holder, id: &str) -> String {
    format!("{}-{id}", holder.name())
}

/// The file name of the pin of run `id` (what its journal may name).
pub fn run_pin_name(id: &str) -> String {
    pin_name(Holder::Run, id)
}

/// What a pin holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pinned {
    pub holder: Holder,
    /// The holder's id: a run's container id, a pull's own.
    pub id: String,
    /// The image reference it is about.
    pub reference: String,
    /// The image id (config digest), for `rmi`'s conflict check.
    pub image: Option<Digest>,
    /// Blobs (manifest, config, compressed layers) it needs kept.
    #[serde(default)]
    pub blobs: Vec<Digest>,
    /// Layers (diff_ids) it needs kept.
    #[serde(default)]
    pub layers: Vec<Digest>,
}

impl Pinned {
    /// Whether a container uses the image (`rmi` refuses to remove it).
    pub fn is_container(&self) -> bool {
        matches!(self.holder, Holder::Run | Holder::Container)
    }
}

/// A published pin, held until dropped (which removes it).
#[derive(Debug)]
pub struct Pin {
    path: PathBuf,
    /// The open file whose flock(2) says the holder is alive.
    _file: File,
    /// Not removed when dropped ([`Pin::persist`]).
    keep: bool,
}

impl Pin {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Leave the pin in place when this value goes: a container's pin
    /// lasts as long as the container's directory, not a process.
    pub fn persist(mut self) {
        self.keep = true;
    }
}

/// The pin file of container `id` (removed with the container).
pub fn container_pin(dir: &Path, id: &str) -> PathBuf {
    dir.join(pin_name(Holder::Container, id))
}

impl Drop for Pin {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        // Unlink first, unlock (close) after: a collection never sees the
        // file unlocked while its holder still needs it. A pin that cannot
        // be removed is stale once this process ends, and the next
        // collection removes it; there is nobody to tell here.
        match fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                let warning = msg!(m::PIN_NOT_REMOVED, path = self.path.display(), error = e);
                eprintln!("{}", msg!(m::WARNING, warning = warning))
            }
        }
    }
}

/// Publish a pin in `dir` for `what`. The caller holds the store's lock
/// (`_held`), so a collection in progress cannot miss it.
pub fn publish(dir: &Path, what: &Pinned, _held: &Lock) -> Result<Pin, Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(pin_name(what.holder, &what.id));
    let tmp = Store::temp_in(dir, "pin");
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)
            .map_err(Error::io("create", &tmp))?;
        flock(&f, libc::LOCK_EX | libc::LOCK_NB).map_err(Error::io("lock", &tmp))?;
        let text = serde_json::to_vec(what).expect("a pin serialises");
        f.write_all(&text).map_err(Error::io("write", &tmp))?;
        fs::rename(&tmp, &path).map_err(Error::io("rename into place", &path))?;
        Ok(Pin {
            path,
            _file: f,
            keep: false,
        })
    })();
    if result.is_err() {
        remove_quietly(&tmp);
    }
    result
}

/// What [`scan`] found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Pins whose holder is alive.
    pub live: Vec<Pinned>,
    /// Pins whose holder is gone.
    pub stale: Vec<PathBuf>,
}

/// Every pin in `dir`, live or stale. Call under the store's lock.
pub fn scan(dir: &Path) -> Result<Scan, Error> {
    let mut scan = Scan::default();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(scan),
        Err(e) => return Err(Error::io("read", dir)(e)),
    };
    for e in entries {
        let e = e.map_err(Error::io("read", dir))?;
        // `.tmp-pin-*`: a pin being published, or a killed publisher's
        // (the store's temporary files are swept by their pid).
        if e.file_name().to_string_lossy().starts_with('.')
            || !e.file_type().is_ok_and(|t| t.is_file())
        {
            continue;
        }
        let path = e.path();
        let f = match File::open(&path) {
            Ok(f) => f,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue, // its holder just ended
            Err(err) => return Err(Error::io("open", &path)(err)),
        };
        match flock(&f, libc::LOCK_EX | libc::LOCK_NB) {
            // Free: a container's pin lives with the container's directory;
            // any other holder is gone.
            Ok(()) => {
                let mut text = Vec::new();
                (&f).read_to_end(&mut text)
                    .map_err(Error::io("read", &path))?;
                match serde_json::from_slice::<Pinned>(&text) {
                    Ok(p)
                        if p.holder == Holder::Container
                            && dir.parent().is_some_and(|data| {
                                data.join("containers").join(&p.id).is_dir()
                            }) =>
                    {
                        scan.live.push(p)
                    }
                    _ => scan.stale.push(path),
                }
            }
            Err(err) if err.raw_os_error() == Some(libc::EWOULDBLOCK) => {
                // Through the descriptor: the holder may end (and unlink
                // the file) right now; what it held was held until then.
                let mut text = Vec::new();
                (&f).read_to_end(&mut text)
                    .map_err(Error::io("read", &path))?;
                let pinned = serde_json::from_slice(&text).map_err(|err| Error::Hinted {
                    message: msg!(m::PIN_UNREADABLE, path = path.display(), error = err),
                    hint: msg!(m::PIN_UNREADABLE_HINT),
                })?;
                scan.live.push(pinned);
            }
            Err(err) => return Err(Error::io("lock", &path)(err)),
        }
    }
    Ok(scan)
}

/// Remove the stale pins `scan` found. Call under the store's lock.
pub fn sweep(stale: &[PathBuf]) -> Result<usize, Error> {
    let mut n = 0;
    for p in stale {
        match fs::remove_file(p) {
            Ok(()) => n += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("remove", p)(e)),
        }
    }
    Ok(n)
}

fn flock(f: &File, op: i32) -> io::Result<()> {
    // SAFETY: the descriptor is open for the duration of the call.
    if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Remove a temporary file after a failure that is already being reported.
fn remove_quietly(p: &Path) {
    if let Err(e) = fs::remove_file(p)
        && e.kind() != io::ErrorKind::NotFound
    {
        let warning = msg!(m::CANNOT_REMOVE, path = p.display(), error = e);
        eprintln!("{}", msg!(m::WARNING, warning = warning));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned(id: &str) -> Pinned {
        Pinned {
            holder: Holder::Run,
            id: id.into(),
            reference: "r".into(),
            image: Some(Digest::of(b"config")),
            blobs: vec![],
            layers: vec![Digest::of(b"layer")],
        }
    }

    #[test]
    fn a_held_pin_is_live_and_a_dropped_one_is_gone() {
        let t = tempfile::tempdir().unwrap();
        let lock = crate::lock::lock_dir(&t.path().join(".lock")).unwrap();
        let pin = publish(t.path(), &pinned("abc"), &lock).unwrap();
        assert!(pin.path().ends_with("run-abc"));
        let s = scan(t.path()).unwrap();
        assert_eq!(s.live, [pinned("abc")]);
        assert!(s.stale.is_empty());
        drop(pin);
        let s = scan(t.path()).unwrap();
        assert!(s.live.is_empty() && s.stale.is_empty());
    }

    #[test]
    fn an_unlocked_pin_is_stale_and_swept() {
        let t = tempfile::tempdir().unwrap();
        // What a SIGKILLed holder leaves: the file, without its lock.
        let p = t.path().join("pull-dead");
        fs::write(&p, serde_json::to_vec(&pinned("dead")).unwrap()).unwrap();
        let s = scan(t.path()).unwrap();
        assert!(s.live.is_empty());
        assert_eq!(s.stale, std::slice::from_ref(&p));
        assert_eq!(sweep(&s.stale).unwrap(), 1);
        assert!(!p.exists());
    }
}
