//! The child's side of a run: everything the container's process does to
//! itself between clone(2) and execve(2). It reads like the lesson:
//! enter the root filesystem, change directory, find the command, exec.
//!
//! Nothing here prints. Each step sends an event, or the error that stopped
//! it, to the parent over the sync pipe.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::sys::signal::SigSet;
use nix::unistd::{AccessFlags, Pid};

use super::spec::ContainerSpec;
use super::sync::{ChildMsg, ChildSide};
use crate::error::{ChildError, EXIT_DOCKLING_FAILED};
use crate::narrate::{Event, Step};
use crate::process;
use crate::rootfs;

pub fn container_init_process(
    spec: &ContainerSpec,
    mut sync: ChildSide,
    old_mask: &SigSet,
    parent: Pid,
) -> ! {
    let result = setup_and_exec(spec, &mut sync, old_mask, parent);
    // Only reached when something failed: exec does not return.
    let err = result.unwrap_err();
    let _ = sync.send(&ChildMsg::Error(err));
    // SAFETY: _exit skips atexit handlers and stdio flushing that belong to
    // the parent's copy of this memory.
    unsafe { libc::_exit(EXIT_DOCKLING_FAILED) }
}

fn setup_and_exec(
    spec: &ContainerSpec,
    sync: &mut ChildSide,
    old_mask: &SigSet,
    parent: Pid,
) -> Result<std::convert::Infallible, ChildError> {
    die_with_parent(parent)?;
    sync.wait_go()
        .map_err(|e| ChildError::new(Step::Clone, format!("waiting for dockling: {e}")))?;
    enter_rootfs(spec, sync)?;
    change_dir(spec, sync)?;
    let path = find_command(spec)?;
    let argv = cstrings(spec.command.iter().map(String::as_str))?;
    let env = cstrings(
        spec.env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    )?;
    let env_text = spec
        .env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    send(
        sync,
        Event::new(Step::Exec)
            .with("path", path.display().to_string())
            .with("argv", format!("{:?}", spec.command))
            .with("env", env_text)
            .with("command", spec.command.join(" ")),
    )?;
    sync.ready()
        .map_err(|e| ChildError::new(Step::Exec, format!("waiting for dockling: {e}")))?;
    process::set_mask(old_mask)
        .map_err(|e| ChildError::new(Step::Exec, "restore the signal mask").errno(e))?;
    let cpath = CString::new(path.as_os_str().as_bytes()).expect("paths from PATH have no NUL");
    let err = nix::unistd::execve(&cpath, &argv, &env).unwrap_err();
    Err(exec_error(&path, err))
}

fn send(sync: &mut ChildSide, e: Event) -> Result<(), ChildError> {
    let step = e.step;
    sync.event(e)
        .map_err(|io| ChildError::new(step, format!("reporting to dockling: {io}")))
}

/// If dockling dies, so does the container: no orphan keeps running.
fn die_with_parent(parent: Pid) -> Result<(), ChildError> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
        .map_err(|e| ChildError::new(Step::Clone, "set PR_SET_PDEATHSIG").errno(e))?;
    // The parent may have died before the line above took effect.
    if nix::unistd::getppid() != parent {
        return Err(ChildError::new(
            Step::Clone,
            "dockling exited before the container started",
        ));
    }
    Ok(())
}

fn enter_rootfs(spec: &ContainerSpec, sync: &mut ChildSide) -> Result<(), ChildError> {
    rootfs::chroot(&spec.rootfs).map_err(|e| {
        ChildError::new(Step::Chroot, format!("chroot to {}", spec.rootfs.display())).errno(e)
    })?;
    send(
        sync,
        Event::new(Step::Chroot).with("rootfs", spec.rootfs.display().to_string()),
    )
}

fn change_dir(spec: &ContainerSpec, sync: &mut ChildSide) -> Result<(), ChildError> {
    nix::unistd::chdir(spec.workdir.as_str()).map_err(|e| {
        ChildError::new(
            Step::Chdir,
            format!("change to the working directory {}", spec.workdir),
        )
        .errno(e)
        .hint("-w names a directory inside the container; create it in the rootfs or pick another")
    })?;
    send(
        sync,
        Event::new(Step::Chdir).with("dir", spec.workdir.clone()),
    )
}

/// Look argv[0] up as execvp(3) would, but in the container's PATH and
/// with a message that says where we looked.
fn find_command(spec: &ContainerSpec) -> Result<PathBuf, ChildError> {
    let name = &spec.command[0];
    let executable = |p: &Path| p.is_file() && nix::unistd::access(p, AccessFlags::X_OK).is_ok();
    if name.contains('/') {
        return if executable(Path::new(name)) {
            Ok(PathBuf::from(name))
        } else {
            Err(ChildError::new(
                Step::Exec,
                format!("{name}: no such executable file in the container"),
            )
            .hint(format!(
                "the rootfs {} has no executable {name}",
                spec.rootfs.display()
            )))
        };
    }
    let path_var = spec.env_value("PATH").unwrap_or("");
    path_var
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(name))
        .find(|p| executable(p))
        .ok_or_else(|| {
            ChildError::new(Step::Exec, format!("command not found in the container: {name}")).hint(format!(
                "{name} is in none of PATH={path_var} inside {}; see what is there with `ls` in the container",
                spec.rootfs.display()
            ))
        })
}

fn exec_error(path: &Path, err: nix::Error) -> ChildError {
    let e = ChildError::new(Step::Exec, format!("execve {}", path.display())).errno(err);
    if err == nix::Error::ENOENT {
        // The file exists (find_command checked), so what is missing is its
        // ELF interpreter or its #! interpreter.
        e.hint("the program exists but its loader or #! interpreter is missing from the rootfs")
    } else {
        e
    }
}

fn cstrings<'a>(items: impl Iterator<Item = &'a str>) -> Result<Vec<CString>, ChildError> {
    items
        .map(|s| {
            CString::new(s).map_err(|_| {
                ChildError::new(Step::Exec, format!("argument {s:?} contains a NUL byte"))
            })
        })
        .collect()
}
