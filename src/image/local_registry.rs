//! The registry lessons 6 and 8 pull from (and 8 pushes to), on this
//! machine: Debian's `docker-registry` (the same server as Docker's
//! registry:2) on 127.0.0.1:5055, holding `dockling/busybox`, an image made
//! from the default rootfs. The tour starts it for each lesson that names
//! it and stops it after, so the tour works offline; the lessons' snapshot
//! tests use the same one.

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::push::{Pusher, layer_from_dir};
use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;
use crate::paths::Paths;

pub const ADDR: &str = "127.0.0.1:5055";
pub const REPOSITORY: &str = "dockling/busybox";
/// The default command of the lesson's image.
pub const GREETING: &str = "hello from an image pulled from a registry";

/// A running local registry; stopped and its storage removed when dropped.
pub struct LocalRegistry {
    child: Option<Child>,
    dir: PathBuf,
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Start the registry (unless one already listens there) and push the
/// lesson's image into it.
pub fn start(paths: &Paths) -> Result<LocalRegistry, Error> {
    start_at(paths, ADDR)
}

/// Where the tour runs lesson 6's registry: [`ADDR`], as the lesson
/// prints it, unless something else holds that port; then a free one.
pub fn free_addr() -> String {
    if std::net::TcpListener::bind(ADDR).is_ok() {
        return ADDR.to_string();
    }
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.to_string())
        .unwrap_or_else(|_| ADDR.to_string())
}

/// [`start`] at `addr` (127.0.0.1:PORT).
pub fn start_at(paths: &Paths, addr: &str) -> Result<LocalRegistry, Error> {
    let rootfs = paths.default_rootfs();
    if !rootfs.is_dir() {
        return Err(Error::Hinted {
            message: msg!(m::REGISTRY_NEEDS_ROOTFS, path = rootfs.display()),
            hint: "dockling rootfs fetch host".into(),
        });
    }
    let dir = paths.run.join("lesson-registry");
    let mut reg = LocalRegistry {
        child: None,
        dir: dir.clone(),
    };
    if TcpStream::connect(addr).is_err() {
        std::fs::create_dir_all(&dir).map_err(Error::io("create", &dir))?;
        let config = dir.join("config.yml");
        let text = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
            dir.join("data").display()
        );
        std::fs::write(&config, text).map_err(Error::io("write", &config))?;
        let mut cmd = Command::new("docker-registry");
        cmd.arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: prctl is async-signal-safe; it makes the registry die
        // with the dockling that started it, however dockling ends.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        reg.child = Some(cmd.spawn().map_err(|e| Error::Hinted {
            message: msg!(m::REGISTRY_CANNOT_START, error = e),
            hint: msg!(m::REGISTRY_CANNOT_START_HINT),
        })?);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            if Instant::now() > deadline {
                return Err(Error::Hinted {
                    message: msg!(m::REGISTRY_NOT_LISTENING, addr = addr),
                    hint: msg!(
                        m::REGISTRY_NOT_LISTENING_HINT,
                        port = addr.rsplit(':').next().unwrap_or(addr)
                    ),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    // The same rootfs always gives the same layer: fixed times, sorted.
    let (tar, gz) = layer_from_dir(&rootfs, 1_700_000_000)?;
    let config = serde_json::json!({
        "architecture": rootfs_fetch::oci::manifest::Platform::host().architecture,
        "os": "linux",
        "created": "2026-01-01T00:00:00Z",
        "config": {
            "Cmd": ["echo", GREETING],
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "WorkingDir": "/",
        },
        "rootfs": {"type": "layers", "diff_ids": [rootfs_fetch::oci::digest::Digest::of(&tar).to_string()]},
    });
    let pusher = Pusher::new(&format!("http://{addr}"), None);
    pusher.image(
        REPOSITORY,
        "latest",
        &serde_json::to_vec(&config).expect("json"),
        &[(&gz, rootfs_fetch::oci::manifest::OCI_LAYER_GZIP)],
        false,
    )?;
    Ok(reg)
}
