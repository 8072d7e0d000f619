//! An exclusive lock on a directory: flock(2) on its `lock` file. The
//! kernel drops it when the holder exits, however it exits, so a killed
//! dockling never leaves a lock held. Network leases and the image store
//! take one around every change. [`lock_host`] is a lock for the whole
//! host, for what every state root shares (bridges and their addresses).

use crate::msg;
use crate::narrate::messages::containers as m;
use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

use crate::error::Error;

/// Held until dropped.
pub struct Lock(#[allow(dead_code)] File);

/// Take the lock on the file `path` (made if missing) if nobody holds it:
/// `None` when another process does.
pub fn try_lock_file(path: &Path) -> Result<Option<Lock>, Error> {
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(Error::io("open", path))?;
    // SAFETY: the descriptor is open for the duration of the call.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(Some(Lock(f)));
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(None)
    } else {
        Err(Error::io("lock", path)(e))
    }
}

/// Take the lock of `dir` (made if missing), waiting for another holder.
pub fn lock_dir(dir: &Path) -> Result<Lock, Error> {
    fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
    let p = dir.join("lock");
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&p)
        .map_err(Error::io("open", &p))?;
    // SAFETY: the descriptor is open for the duration of the call.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(Error::io("lock", p)(io::Error::last_os_error()));
    }
    Ok(Lock(f))
}

/// A lock for the whole host, held until dropped: the abstract unix
/// socket name `@NAME`, which only one socket at a time can be bound to.
///
/// A state root's own locks are files under that root, but some things
/// are shared by every state root: bridges and the addresses on them
/// belong to the host's network namespace. Abstract socket names belong
/// to the network namespace too, so this lock has exactly that scope; it
/// is no file (nothing is left on the host), and the kernel releases it
/// when the holder exits, however it exits. See unix(7), "Abstract
/// sockets".
pub struct HostLock(#[allow(dead_code)] std::os::unix::net::UnixListener);

/// How long [`lock_host`] waits for another holder (who only holds it for
/// a few netlink requests).
const HOST_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Take the host-wide lock `name`, waiting for another holder.
pub fn lock_host(name: &str) -> Result<HostLock, Error> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
        .map_err(Error::io("name the host lock", format!("@{name}")))?;
    let deadline = std::time::Instant::now() + HOST_LOCK_WAIT;
    loop {
        match std::os::unix::net::UnixListener::bind_addr(&addr) {
            Ok(l) => return Ok(HostLock(l)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                if std::time::Instant::now() > deadline {
                    return Err(Error::Hinted {
                        message: msg!(
                            m::HOST_LOCK_HELD,
                            name = name,
                            secs = HOST_LOCK_WAIT.as_secs()
                        ),
                        hint: msg!(m::HOST_LOCK_HELD_HINT, name = name),
                    });
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(e) => return Err(Error::io("take the host lock", format!("@{name}"))(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_lock_is_held_by_one_at_a_time() {
        let name = format!("dockling-test-lock-{}", std::process::id());
        let held = lock_host(&name).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let n = name.clone();
        let waiter = std::thread::spawn(move || {
            let l = lock_host(&n).unwrap();
            tx.send(()).unwrap();
            drop(l);
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(100))
                .is_err(),
            "a second holder got the lock"
        );
        drop(held);
        rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        waiter.join().unwrap();
    }
}
