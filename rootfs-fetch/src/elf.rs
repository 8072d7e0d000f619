//! Which files a dynamically linked program needs in order to start.
//!
//! A dynamic ELF binary names its *interpreter* (the dynamic loader, e.g.
//! `/lib64/ld-linux-x86-64.so.2`, in the `PT_INTERP` program header) and the
//! shared libraries it needs (`DT_NEEDED` entries). Copying a program into a
//! root filesystem is only half the job: without the loader and libraries
//! the kernel's execve(2) fails with "No such file or directory", which is
//! the classic puzzle of a first chroot. This module finds those files the
//! way the loader would: RPATH/RUNPATH first, then the directories of
//! /etc/ld.so.conf, then the built-in defaults; only libraries of the same
//! ELF class and machine count.
//!
//! Man pages: ld.so(8), ldd(1), elf(5).

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    #[error("{}", crate::msg!(crate::messages::ELF_READ, path = .path.display()))]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}", crate::msg!(crate::messages::ELF_PARSE, path = .path.display(), reason = .reason))]
    Parse { path: PathBuf, reason: String },
    #[error("{}", crate::msg!(crate::messages::ELF_MISSING, binary = .binary.display(), library = .library, dirs = format!("{:?}", .dirs)))]
    Missing {
        binary: PathBuf,
        library: String,
        dirs: Vec<PathBuf>,
    },
}

/// What the loader needs to know about one binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub interpreter: Option<String>,
    pub needed: Vec<String>,
    pub search: Vec<String>,
    pub is_64: bool,
    pub machine: u16,
}

pub fn inspect(path: &Path) -> Result<ElfInfo, ElfError> {
    let bytes = fs::read(path).map_err(|source| ElfError::Read {
        path: path.into(),
        source,
    })?;
    let elf = goblin::elf::Elf::parse(&bytes).map_err(|e| ElfError::Parse {
        path: path.into(),
        reason: e.to_string(),
    })?;
    let mut search: Vec<String> = elf.runpaths.iter().map(|s| s.to_string()).collect();
    search.extend(elf.rpaths.iter().map(|s| s.to_string()));
    Ok(ElfInfo {
        interpreter: elf.interpreter.map(str::to_string),
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        search,
        is_64: elf.is_64,
        machine: elf.header.e_machine,
    })
}

/// The directories the loader searches after RPATH/RUNPATH: those listed in
/// `ld_so_conf` (following `include` lines) and then the built-in defaults.
pub fn default_search_dirs(ld_so_conf: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    read_ld_so_conf(ld_so_conf, &mut dirs, 0);
    for d in ["/lib64", "/usr/lib64", "/lib", "/usr/lib"] {
        dirs.push(PathBuf::from(d));
    }
    let mut seen = BTreeSet::new();
    dirs.retain(|d| seen.insert(d.clone()));
    dirs
}

fn read_ld_so_conf(path: &Path, out: &mut Vec<PathBuf>, depth: u32) {
    // ld.so.conf is optional and include loops are possible: stop at depth 4.
    let Ok(text) = fs::read_to_string(path) else {
        return;
    };
    if depth > 4 {
        return;
    }
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(pattern) = line.strip_prefix("include") {
            let pattern = pattern.trim();
            let base = path.parent().unwrap_or(Path::new("/"));
            let pattern = if pattern.starts_with('/') {
                PathBuf::from(pattern)
            } else {
                base.join(pattern)
            };
            for file in glob_star(&pattern) {
                read_ld_so_conf(&file, out, depth + 1);
            }
        } else if line.starts_with('/') {
            out.push(PathBuf::from(line));
        }
    }
}

/// The tiny part of glob(7) that ld.so.conf uses: `*` in the last component.
fn glob_star(pattern: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (
        pattern.parent(),
        pattern.file_name().and_then(|n| n.to_str()),
    ) else {
        return Vec::new();
    };
    let Some((pre, post)) = name.split_once('*') else {
        return vec![pattern.to_path_buf()];
    };
    let mut hits: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.len() >= pre.len() + post.len() && n.starts_with(pre) && n.ends_with(post)
        })
        .map(|e| e.path())
        .collect();
    hits.sort();
    hits
}

/// Find `library` in `dirs`, taking only a file of the same class and machine
/// as the binary that needs it (so an i386 libc in /usr/lib32 is passed over).
pub fn find_library(library: &str, dirs: &[PathBuf], is_64: bool, machine: u16) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(library)).find(|candidate| {
        candidate.is_file()
            && inspect(candidate).is_ok_and(|info| info.is_64 == is_64 && info.machine == machine)
    })
}

/// Every file `binary` needs to run: its interpreter and all shared
/// libraries, transitively, as paths on this host. The binary itself is not
/// included. A static binary needs nothing.
pub fn dependencies(binary: &Path, ld_so_conf: &Path) -> Result<Vec<PathBuf>, ElfError> {
    let top = inspect(binary)?;
    let defaults = default_search_dirs(ld_so_conf);
    let mut out = BTreeSet::new();
    if let Some(interp) = &top.interpreter {
        out.insert(PathBuf::from(interp));
    }
    let mut queue: Vec<(PathBuf, ElfInfo)> = vec![(binary.to_path_buf(), top.clone())];
    let mut done = BTreeSet::new();
    while let Some((path, info)) = queue.pop() {
        let origin = path
            .parent()
            .unwrap_or(Path::new("/"))
            .to_string_lossy()
            .into_owned();
        let mut dirs: Vec<PathBuf> = info
            .search
            .iter()
            .flat_map(|s| s.split(':'))
            .map(|s| PathBuf::from(s.replace("$ORIGIN", &origin)))
            .collect();
        dirs.extend(defaults.iter().cloned());
        for lib in &info.needed {
            if !done.insert(lib.clone()) {
                continue;
            }
            let found = find_library(lib, &dirs, top.is_64, top.machine).ok_or_else(|| {
                ElfError::Missing {
                    binary: path.clone(),
                    library: lib.clone(),
                    dirs: dirs.clone(),
                }
            })?;
            let info = inspect(&found)?;
            out.insert(found.clone());
            queue.push((found, info));
        }
    }
    Ok(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ld_so_conf_includes_are_followed_in_order() {
        let t = tempfile::tempdir().unwrap();
        let conf_d = t.path().join("ld.so.conf.d");
        fs::create_dir(&conf_d).unwrap();
        fs::write(conf_d.join("b.conf"), "/opt/b\n").unwrap();
        fs::write(conf_d.join("a.conf"), "# comment\n/opt/a  # trailing\n").unwrap();
        fs::write(conf_d.join("ignored.txt"), "/opt/no\n").unwrap();
        let conf = t.path().join("ld.so.conf");
        fs::write(&conf, "/opt/first\ninclude ld.so.conf.d/*.conf\n").unwrap();
        let dirs = default_search_dirs(&conf);
        let want: Vec<PathBuf> = [
            "/opt/first",
            "/opt/a",
            "/opt/b",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(dirs, want);
    }

    #[test]
    fn libraries_of_another_machine_are_passed_over() {
        // Our own test binary stands in for "a library of this machine";
        // a text file named like a library is not one.
        let t = tempfile::tempdir().unwrap();
        let wrong = t.path().join("wrong");
        let right = t.path().join("right");
        fs::create_dir_all(&wrong).unwrap();
        fs::create_dir_all(&right).unwrap();
        fs::write(wrong.join("libx.so.1"), "not an elf").unwrap();
        let me = std::env::current_exe().unwrap();
        fs::copy(&me, right.join("libx.so.1")).unwrap();
        let info = inspect(&me).unwrap();
        let found = find_library(
            "libx.so.1",
            &[wrong, right.clone()],
            info.is_64,
            info.machine,
        );
        assert_eq!(found, Some(right.join("libx.so.1")));
        assert_eq!(
            find_library("libx.so.1", &[right], !info.is_64, info.machine),
            None
        );
    }

    #[test]
    fn a_host_binary_needs_its_loader_and_libc() {
        // /bin/sh is dynamically linked on every Debian and Ubuntu system.
        let sh = fs::canonicalize("/bin/sh").unwrap();
        let info = inspect(&sh).unwrap();
        let deps = dependencies(&sh, Path::new("/etc/ld.so.conf")).unwrap();
        let interp = info.interpreter.expect("/bin/sh is dynamically linked");
        assert!(deps.contains(&PathBuf::from(&interp)), "{deps:?}");
        assert!(
            deps.iter().any(|d| d.file_name().unwrap() == "libc.so.6"),
            "{deps:?}"
        );
    }
}
