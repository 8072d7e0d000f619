//! An exclusive lock on a directory: flock(2) on its `lock` file. The
//! kernel drops it when the holder exits, however it exits, so a killed
//! dockling never leaves a lock held. Network leases and the image store
//! take one around every change.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

use crate::error::Error;

/// Held until dropped.
pub struct Lock(#[allow(dead_code)] File);

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
