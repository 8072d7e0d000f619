//! Build a small root filesystem offline, from this host's own programs.
//!
//! A container's root filesystem is just a directory tree with the programs
//! and files a process expects to find at `/`. The smallest useful one is
//! BusyBox: one binary that acts as `sh`, `ls`, `ps`, `mount` and hundreds of
//! other tools depending on the name it is called by (its "applets"), plus
//! a few files in /etc. When the host has no BusyBox we fall back to the
//! host's own /bin/sh and a handful of coreutils, each with the shared
//! libraries it needs (see [`crate::elf`]).
//!
//! Everything is assembled in a temporary sibling directory and renamed into
//! place only when complete, so a failed build leaves nothing half made.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::elf;
use crate::{Error, Staging};

/// Where to look for BusyBox, in order (a static build first).
const BUSYBOX_CANDIDATES: &[&str] = &[
    "/bin/busybox",
    "/usr/bin/busybox",
    "/sbin/busybox",
    "/usr/sbin/busybox",
];

/// Host programs copied when there is no BusyBox: enough for the lessons.
const FALLBACK_PROGRAMS: &[&str] = &[
    "sh", "ls", "cat", "echo", "mkdir", "rm", "rmdir", "cp", "mv", "ln", "touch", "id", "env",
    "uname", "sleep", "true", "false", "head", "tail", "wc", "grep", "hostname", "ps", "mount",
    "umount", "chroot", "readlink", "stat", "dd", "sed", "test", "kill", "seq",
];

/// dockling's own small programs that lessons run inside the container.
pub const LESSON_HELPERS: &[&str] = &["chroot-escape", "breakout"];

/// Directories every root filesystem has, and their modes.
const SKELETON: &[(&str, u32)] = &[
    ("bin", 0o755),
    ("sbin", 0o755),
    ("usr/bin", 0o755),
    ("usr/sbin", 0o755),
    ("usr/local/bin", 0o755),
    ("etc", 0o755),
    ("root", 0o700),
    ("home", 0o755),
    ("proc", 0o555),
    ("sys", 0o555),
    ("dev", 0o755),
    ("tmp", 0o1777),
    ("var/tmp", 0o1777),
    ("mnt", 0o755),
    ("run", 0o755),
];

/// What went into the root filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostReport {
    /// "busybox" or "host programs".
    pub source: String,
    pub programs: usize,
    pub libraries: Vec<PathBuf>,
}

/// A program to put into the root filesystem besides the base tools:
/// a host file and where it goes inside.
#[derive(Debug, Clone)]
pub struct Extra {
    pub host: PathBuf,
    pub inside: PathBuf,
}

/// Build the root filesystem at `dest` (which must not exist yet).
pub fn build(dest: &Path, extras: &[Extra]) -> Result<HostReport, Error> {
    let staging = Staging::new(dest)?;
    let report = fill(staging.path(), extras)?;
    staging.commit()?;
    Ok(report)
}

fn fill(root: &Path, extras: &[Extra]) -> Result<HostReport, Error> {
    for (dir, mode) in SKELETON {
        let p = root.join(dir);
        fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
        fs::set_permissions(&p, fs::Permissions::from_mode(*mode)).map_err(|e| Error::io(&p, e))?;
    }
    let mut libraries = Vec::new();
    let (source, programs) = match find_busybox() {
        Some(busybox) => (
            "busybox".to_string(),
            install_busybox(root, &busybox, &mut libraries)?,
        ),
        None => (
            "host programs".to_string(),
            install_fallback(root, &mut libraries)?,
        ),
    };
    for extra in extras {
        copy_program(root, &extra.host, &extra.inside, &mut libraries)?;
    }
    write_etc(root, &source)?;
    libraries.sort();
    libraries.dedup();
    Ok(HostReport {
        source,
        programs,
        libraries,
    })
}

/// The helper programs dockling's lessons use inside the rootfs, found next
/// to the running executable (cargo builds them into the same directory).
pub fn lesson_helpers() -> Vec<Extra> {
    let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    else {
        return Vec::new();
    };
    LESSON_HELPERS
        .iter()
        .map(|name| (dir.join(name), name))
        .filter(|(host, _)| host.is_file())
        .map(|(host, name)| Extra {
            host,
            inside: Path::new("/usr/local/bin").join(name),
        })
        .collect()
}

pub fn find_busybox() -> Option<PathBuf> {
    BUSYBOX_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

fn install_busybox(root: &Path, busybox: &Path, libs: &mut Vec<PathBuf>) -> Result<usize, Error> {
    copy_program(root, busybox, Path::new("/bin/busybox"), libs)?;
    let out = Command::new(busybox)
        .arg("--list-full")
        .output()
        .map_err(|e| Error::io(busybox, e))?;
    if !out.status.success() {
        return Err(Error::Host(format!(
            "{} --list-full failed",
            busybox.display()
        )));
    }
    let mut count = 0;
    for applet in String::from_utf8_lossy(&out.stdout).lines() {
        let applet = applet.trim().trim_start_matches('/');
        if applet.is_empty() || applet == "bin/busybox" {
            continue;
        }
        let link = root.join(applet);
        if link.symlink_metadata().is_ok() {
            continue;
        }
        if let Some(parent) = link.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        symlink("/bin/busybox", &link).map_err(|e| Error::io(&link, e))?;
        count += 1;
    }
    Ok(count)
}

fn install_fallback(root: &Path, libs: &mut Vec<PathBuf>) -> Result<usize, Error> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin:/usr/sbin:/sbin".into());
    let mut count = 0;
    for name in FALLBACK_PROGRAMS {
        let Some(host) = std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
        else {
            continue;
        };
        copy_program(root, &host, &Path::new("/bin").join(name), libs)?;
        count += 1;
    }
    if !root.join("bin/sh").exists() {
        return Err(Error::Host(
            "this host has neither busybox nor /bin/sh; install busybox: apt-get install busybox-static".into(),
        ));
    }
    Ok(count)
}

/// Copy one program to `inside` (an absolute path in the rootfs), with the
/// loader and libraries it needs at the same paths as on the host.
pub fn copy_program(
    root: &Path,
    host: &Path,
    inside: &Path,
    libs: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let host = fs::canonicalize(host).map_err(|e| Error::io(host, e))?;
    copy_file(&host, &under(root, inside))?;
    for dep in elf::dependencies(&host, Path::new("/etc/ld.so.conf"))? {
        let target = under(root, &dep);
        if !target.exists() {
            let real = fs::canonicalize(&dep).map_err(|e| Error::io(&dep, e))?;
            copy_file(&real, &target)?;
        }
        libs.push(dep);
    }
    Ok(())
}

fn under(root: &Path, abs: &Path) -> PathBuf {
    root.join(abs.strip_prefix("/").unwrap_or(abs))
}

fn copy_file(from: &Path, to: &Path) -> Result<(), Error> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    fs::copy(from, to).map_err(|e| Error::io(from, e))?;
    Ok(())
}

fn write_etc(root: &Path, source: &str) -> Result<(), Error> {
    let files: &[(&str, String, u32)] = &[
        (
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                .into(),
            0o644,
        ),
        ("etc/group", "root:x:0:\nnogroup:x:65534:\n".into(), 0o644),
        ("etc/hostname", "dockling\n".into(), 0o644),
        // Stage 5 bind-mounts its own copies over these two.
        ("etc/hosts", "127.0.0.1\tlocalhost\n".into(), 0o644),
        ("etc/resolv.conf", String::new(), 0o644),
        (
            "etc/os-release",
            format!(
                "NAME=\"dockling rootfs\"\nID=dockling\nVERSION_ID=1\nVARIANT_ID=host\n\
                 PRETTY_NAME=\"dockling rootfs (built from this host's {source})\"\n"
            ),
            0o644,
        ),
    ];
    for (path, text, mode) in files {
        let p = root.join(path);
        write_file(&p, text.as_bytes(), *mode)?;
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    fs::write(path, bytes).map_err(|e| Error::io(path, e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_rootfs_with_a_shell_and_identity_files() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("rootfs");
        let report = build(&dest, &[]).unwrap();
        assert!(report.programs > 5, "{report:?}");
        assert!(dest.join("bin/sh").exists());
        let os = fs::read_to_string(dest.join("etc/os-release")).unwrap();
        assert!(os.contains("ID=dockling"), "{os}");
        let tmp = fs::metadata(dest.join("tmp")).unwrap();
        assert_eq!(tmp.permissions().mode() & 0o7777, 0o1777);
        // No staging directory is left beside the result.
        let names: Vec<_> = fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["rootfs"]);
    }

    #[test]
    fn without_busybox_the_host_shell_and_coreutils_are_copied_with_their_libraries() {
        let t = tempfile::tempdir().unwrap();
        let mut libs = Vec::new();
        let count = install_fallback(t.path(), &mut libs).unwrap();
        assert!(count > 10, "{count}");
        let sh = fs::canonicalize("/bin/sh").unwrap();
        let interp = crate::elf::inspect(&sh).unwrap().interpreter.unwrap();
        assert!(
            t.path().join(interp.trim_start_matches('/')).is_file(),
            "the loader was not copied"
        );
        assert!(
            libs.iter().any(|l| l.file_name().unwrap() == "libc.so.6"),
            "{libs:?}"
        );
        assert!(t.path().join("bin/ls").is_file());
    }

    #[test]
    fn refuses_to_overwrite_an_existing_rootfs() {
        let t = tempfile::tempdir().unwrap();
        let err = build(t.path(), &[]).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
    }
}
