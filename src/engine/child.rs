//! The child's side of a run: everything the container's process does to
//! itself between clone(2) and execve(2). It reads like the lessons:
//! descriptors and a session of its own, hostname, mounts, enter the root
//! filesystem, a terminal, change directory, drop capabilities, reset
//! signals, the seccomp filter, find the command, exec (through a minimal
//! init if asked).
//!
//! Nothing here prints. Each step sends an event, or the error that stopped
//! it, to the parent over the sync pipe.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use std::os::fd::{AsFd, RawFd};

use nix::sys::signal::SigSet;
use nix::unistd::{AccessFlags, Pid};

use super::init;
use super::spec::ContainerSpec;
use super::sync::{ChildMsg, ChildSide};
use crate::error::{ChildError, EXIT_DOCKLING_FAILED};
use crate::mounts::{self, MountError};
use crate::namespaces::Namespace;
use crate::narrate::{Event, Step};
use crate::process;
use crate::rootfs;
use crate::seccomp::Filter;
use crate::security;
use crate::terminal;

/// What the parent prepared for the child before clone.
pub struct Prepared<'a> {
    /// Descriptors to put on 0, 1, 2 (`None`: keep the inherited one).
    pub stdio: [Option<RawFd>; 3],
    pub seccomp: Option<&'a Filter>,
    pub parent: Pid,
}

pub fn container_init_process(spec: &ContainerSpec, mut sync: ChildSide, p: Prepared) -> ! {
    let result = setup_and_exec(spec, &mut sync, &p);
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
    p: &Prepared,
) -> Result<std::convert::Infallible, ChildError> {
    die_with_parent(p.parent, spec.has(Namespace::Pid))?;
    own_descriptors(p.stdio, sync)?;
    if spec.needs_go() {
        sync.wait_go()
            .map_err(|e| ChildError::new(Step::Clone, msg!(m::WAITING_FOR_DOCKLING, error = e)))?;
    }
    new_session(sync)?;
    if spec.has(Namespace::Uts) {
        set_hostname(spec, sync)?;
    }
    if spec.has(Namespace::Mount) {
        build_mounts(spec, sync)?;
        pivot_root(spec, sync)?;
    } else {
        // No /dev of its own to take a terminal from: the host's devpts.
        if spec.tty {
            open_terminal(Path::new("/dev/ptmx"), None, sync)?;
        }
        enter_rootfs(spec, sync)?;
    }
    finish_and_exec(spec, sync, p)
}

/// The second half of the setup, shared with `exec` (a process joining a
/// running container): working directory, capabilities, user, signals,
/// the seccomp filter, exec.
fn finish_and_exec(
    spec: &ContainerSpec,
    sync: &mut ChildSide,
    p: &Prepared,
) -> Result<std::convert::Infallible, ChildError> {
    change_dir(spec, sync)?;
    if let Some(keep) = &spec.capabilities {
        drop_capabilities(keep, sync)?;
    }
    if let Some((uid, gid)) = spec.user {
        send(sync, Event::User { uid, gid })?;
        become_user(uid, gid)?;
    }
    reset_signals(sync)?;
    let path = find_command(spec)?;
    let argv = cstrings(spec.command.iter().map(String::as_str))?;
    let env_pairs: Vec<String> = spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let env = cstrings(env_pairs.iter().map(String::as_str))?;
    // Last before exec: from here on only the calls the filter allows.
    if let Some(filter) = p.seccomp {
        install_seccomp(filter, sync)?;
    }
    send(
        sync,
        Event::Exec {
            path: path.display().to_string(),
            argv: format!("{:?}", spec.command),
            env: env_pairs.join(" "),
            env_list: env_pairs.clone(),
            command: spec.command.join(" "),
            args: spec.command.clone(),
        },
    )?;
    if spec.init {
        send(sync, Event::Init { command_pid: 2 })?;
    }
    sync.ready()
        .map_err(|e| ChildError::new(Step::Exec, msg!(m::WAITING_FOR_DOCKLING, error = e)))?;
    // With --init, the command waits on this pipe until PID 1 has let go
    // of everything (the end of file comes when PID 1 closes its write
    // end): else the command could look into /proc/1/fd before that.
    let init_ready = if spec.init {
        Some(
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
                .map_err(|e| ChildError::new(Step::Init, msg!(m::FORK_THE_COMMAND)).errno(e))?,
        )
    } else {
        None
    };
    if spec.init
        && let Some(command) = process::clone(0)
            .map_err(|e| ChildError::new(Step::Init, msg!(m::FORK_THE_COMMAND)).errno(e))?
    {
        // PID 1 keeps no line to dockling: the parent's read ends when the
        // command execs (or reports why it could not). It holds nothing of
        // the host but 0, 1 and 2, and is not dumpable, so the container's
        // root cannot read its memory or descriptors through /proc/1.
        sync.close();
        // Errors here can only be reported by dying; the command runs anyway.
        let _ = nix::sys::prctl::set_dumpable(false);
        std::mem::forget(init_ready);
        let _ = process::close_fds_except(&[]);
        init::run(command)
    }
    if let Some((r, w)) = init_ready {
        drop(w);
        let mut byte = [0u8; 1];
        loop {
            match nix::unistd::read(&r, &mut byte) {
                Ok(0) => break,
                Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => break,
            }
        }
    }
    process::set_mask(&SigSet::empty())
        .map_err(|e| ChildError::new(Step::Exec, msg!(m::CLEAR_SIGNAL_MASK)).errno(e))?;
    let cpath = CString::new(path.as_os_str().as_bytes()).expect("paths from PATH have no NUL");
    let err = nix::unistd::execve(&cpath, &argv, &env).unwrap_err();
    Err(exec_error(&path, err))
}

/// What `exec` opened before forking: the namespaces and the root of the
/// container's PID 1, and how the new process is to live.
pub struct Join {
    /// In the order they are entered; mount comes last, as after it the
    /// process sees the container's files.
    pub namespaces: Vec<(Namespace, std::os::fd::OwnedFd)>,
    /// /proc/PID/root, opened O_PATH.
    pub root: std::os::fd::OwnedFd,
    /// The container's PID 1, as the host numbers it (for the narration).
    pub target: i32,
    /// `exec -d`: the process outlives this dockling.
    pub detach: bool,
}

/// `exec`: join a running container and run one more command in it. The
/// process dockling forked enters the container's namespaces and root,
/// then forks the one that runs the command (setns(2) into a PID
/// namespace applies to children only) as dockling's child
/// (CLONE_PARENT), and ends. That one sets itself up as a container's
/// process does from the working directory on: the same capabilities,
/// no_new_privs and seccomp filter.
pub fn exec_process(spec: &ContainerSpec, mut sync: ChildSide, p: Prepared, join: Join) -> ! {
    let result = join_and_exec(spec, &mut sync, &p, join);
    let err = result.unwrap_err();
    let _ = sync.send(&ChildMsg::Error(err));
    // SAFETY: as in container_init_process.
    unsafe { libc::_exit(EXIT_DOCKLING_FAILED) }
}

fn join_and_exec(
    spec: &ContainerSpec,
    sync: &mut ChildSide,
    p: &Prepared,
    join: Join,
) -> Result<std::convert::Infallible, ChildError> {
    // dockling first puts this process in the container's cgroup.
    sync.wait_go()
        .map_err(|e| ChildError::new(Step::Setns, msg!(m::WAITING_FOR_DOCKLING, error = e)))?;
    for (ns, fd) in &join.namespaces {
        nix::sched::setns(
            fd,
            nix::sched::CloneFlags::from_bits_retain(ns.clone_flag()),
        )
        .map_err(|e| {
            ChildError::new(Step::Setns, msg!(m::SETNS_INTO, ns = ns.proc_name())).errno(e)
        })?;
        send(
            sync,
            Event::Setns {
                ns: ns.proc_name().to_string(),
                flag: ns.flag_name().to_string(),
                option: ns.unshare_option().to_string(),
                pid: join.target,
            },
        )?;
    }
    nix::unistd::fchdir(&join.root)
        .and_then(|()| nix::unistd::chroot("."))
        .map_err(|e| ChildError::new(Step::JoinRoot, msg!(m::CHROOT_PROC_ROOT)).errno(e))?;
    drop(join.namespaces);
    drop(join.root);
    send(sync, Event::JoinRoot { pid: join.target })?;
    if let Some(pid) = process::clone(libc::CLONE_PARENT)
        .map_err(|e| ChildError::new(Step::JoinRoot, msg!(m::FORK_INTO_CONTAINER)).errno(e))?
    {
        let _ = sync.send(&ChildMsg::Forked(pid.as_raw()));
        // SAFETY: as in container_init_process; this process's part is done.
        unsafe { libc::_exit(0) }
    }
    if !join.detach {
        die_with_parent(p.parent, true)?;
    }
    sync.wait_go()
        .map_err(|e| ChildError::new(Step::Setns, msg!(m::WAITING_FOR_DOCKLING, error = e)))?;
    own_descriptors(p.stdio, sync)?;
    new_session(sync)?;
    if spec.tty {
        open_terminal(Path::new("/dev/ptmx"), None, sync)?;
    }
    finish_and_exec(spec, sync, p)
}

/// Drop from root to the image's (or --user's) uid and gid, with no
/// supplementary groups. Root's capabilities go with it: setuid from 0 to
/// another uid clears the permitted set.
fn become_user(uid: u32, gid: u32) -> Result<(), ChildError> {
    use nix::unistd::{Gid, Uid};
    let fail = |what: crate::narrate::messages::Msg| {
        let what = msg!(what, ids = format!("{uid}:{gid}"));
        move |e: nix::Error| ChildError::new(Step::Exec, what).errno(e)
    };
    nix::unistd::setgroups(&[Gid::from_raw(gid)]).map_err(fail(m::SETGROUPS_FOR))?;
    nix::unistd::setgid(Gid::from_raw(gid)).map_err(fail(m::SETGID_TO))?;
    nix::unistd::setuid(Uid::from_raw(uid)).map_err(fail(m::SETUID_TO))
}

fn send(sync: &mut ChildSide, e: Event) -> Result<(), ChildError> {
    let step = e.step();
    sync.event(e)
        .map_err(|io| ChildError::new(step, msg!(m::REPORTING_TO_DOCKLING, error = io)))
}

/// If dockling dies, so does the container: no orphan keeps running.
fn die_with_parent(parent: Pid, new_pid_ns: bool) -> Result<(), ChildError> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
        .map_err(|e| ChildError::new(Step::Clone, msg!(m::SET_PDEATHSIG)).errno(e))?;
    // The parent may have died before the line above took effect. In a new
    // PID namespace the parent is outside it and getppid() is 0; there the
    // sync pipe's end of file tells us instead (wait_go fails).
    if !new_pid_ns && nix::unistd::getppid() != parent {
        return Err(ChildError::new(Step::Clone, msg!(m::DOCKLING_EXITED_EARLY)));
    }
    Ok(())
}

/// Put the prepared descriptors on 0, 1, 2 and close every other one but
/// the line to dockling.
fn own_descriptors(stdio: [Option<RawFd>; 3], sync: &mut ChildSide) -> Result<(), ChildError> {
    for (target, fd) in stdio.iter().enumerate() {
        if let Some(fd) = fd {
            // SAFETY: dup2 onto a standard descriptor we mean to replace.
            if unsafe { libc::dup2(*fd, target as RawFd) } < 0 {
                return Err(
                    ChildError::new(Step::CloseFds, msg!(m::DUP2_ONTO, fd = target))
                        .errno(nix::Error::last()),
                );
            }
        }
    }
    let keep: Vec<RawFd> = sync.raw_fd().into_iter().collect();
    process::close_fds_except(&keep)
        .map_err(|e| ChildError::new(Step::CloseFds, "close_range(3, ~0U)").errno(e))?;
    send(sync, Event::CloseFds {})
}

/// A session of its own, with no controlling terminal: TIOCSTI and
/// job-control signals of the caller's terminal cannot reach it.
fn new_session(sync: &mut ChildSide) -> Result<(), ChildError> {
    let sid =
        nix::unistd::setsid().map_err(|e| ChildError::new(Step::Session, "setsid()").errno(e))?;
    send(sync, Event::Session { sid: sid.as_raw() })
}

/// `-t`: a pseudo-terminal from the container's devpts, made this
/// session's controlling terminal and stdin/stdout/stderr; the master end
/// goes to dockling. With a rootfs, also bind it over /dev/console.
fn open_terminal(
    ptmx: &Path,
    rootfs: Option<&Path>,
    sync: &mut ChildSide,
) -> Result<(), ChildError> {
    let fail = |what: crate::narrate::messages::Msg| {
        let what = msg!(what);
        move |e: std::io::Error| {
            ChildError::new(Step::Terminal, what)
                .errno(nix::Error::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
        }
    };
    let (master, slave, n) = terminal::open_pair(ptmx).map_err(fail(m::OPEN_PTY))?;
    terminal::become_controlling(slave.as_fd()).map_err(fail(m::MAKE_CONTROLLING_TERMINAL))?;
    if let Some(root) = rootfs {
        mounts::bind_console(root, n).map_err(mount_step(Step::Terminal))?;
    }
    sync.send_fd(&super::sync::ChildMsg::Terminal, master.as_fd())
        .map_err(fail(m::SEND_TERMINAL))?;
    drop(slave);
    drop(master);
    send(
        sync,
        Event::Terminal {
            pts: format!("/dev/pts/{n}"),
            fd: 0,
        },
    )
}

/// Default actions for every signal (none ignored); the mask is cleared
/// just before execve.
fn reset_signals(sync: &mut ChildSide) -> Result<(), ChildError> {
    let ignored = process::reset_signal_dispositions();
    send(sync, Event::Signals { ignored })
}

fn install_seccomp(filter: &Filter, sync: &mut ChildSide) -> Result<(), ChildError> {
    filter
        .install()
        .map_err(|e| ChildError::new(Step::Seccomp, "seccomp(SECCOMP_SET_MODE_FILTER)").errno(e))?;
    send(
        sync,
        Event::Seccomp {
            instructions: filter.instructions(),
            allowed: Filter::allowed_calls(),
            prebuilt: filter.prebuilt,
        },
    )
}

fn set_hostname(spec: &ContainerSpec, sync: &mut ChildSide) -> Result<(), ChildError> {
    let name = spec.hostname.as_deref().unwrap_or("dockling");
    nix::unistd::sethostname(name)
        .map_err(|e| ChildError::new(Step::Hostname, format!("sethostname {name:?}")).errno(e))?;
    send(
        sync,
        Event::Hostname {
            hostname: name.to_string(),
        },
    )
}

fn mount_step(step: Step) -> impl Fn(MountError) -> ChildError {
    move |e| ChildError::new(step, e.what).errno(e.errno)
}

/// Everything mounted before pivot_root, each step narrated.
fn build_mounts(spec: &ContainerSpec, sync: &mut ChildSide) -> Result<(), ChildError> {
    let root = &spec.rootfs;
    let rootfs = root.display().to_string();
    mounts::make_private().map_err(mount_step(Step::MountPrivate))?;
    send(sync, Event::MountPrivate {})?;
    if let Some(stack) = &spec.stack {
        // An overlay mount is a mount point already: pivot_root can use it.
        stack.mount().map_err(mount_step(Step::MountOverlay))?;
        send(
            sync,
            Event::MountOverlay {
                dir: stack.dir.display().to_string(),
                merged: stack.merged().display().to_string(),
                options: stack.options(),
            },
        )?;
    } else {
        mounts::bind_self(root).map_err(mount_step(Step::BindRootfs))?;
        send(
            sync,
            Event::BindRootfs {
                rootfs: rootfs.clone(),
            },
        )?;
    }
    // From here on every path below the rootfs is resolved inside it.
    let r = rootfs::Root::open(root).map_err(|e| {
        ChildError::new(Step::MountProc, msg!(m::OPEN_PATH, path = root.display()))
            .errno(nix::Error::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
    })?;
    mounts::mount_proc(&r).map_err(mount_step(Step::MountProc))?;
    send(
        sync,
        Event::MountProc {
            rootfs: rootfs.clone(),
        },
    )?;
    mounts::mount_sys(&r).map_err(mount_step(Step::MountSys))?;
    send(
        sync,
        Event::MountSys {
            rootfs: rootfs.clone(),
        },
    )?;
    mounts::mount_dev(&r, &spec.devices).map_err(mount_step(Step::MountDev))?;
    let devices: Vec<&str> = mounts::DEVICES
        .iter()
        .map(|d| d.0)
        .chain(
            spec.devices
                .iter()
                .map(|d| d.container.trim_start_matches("/dev/")),
        )
        .collect();
    send(
        sync,
        Event::MountDev {
            rootfs: rootfs.clone(),
            devices: devices.join(", "),
        },
    )?;
    if spec.tty {
        open_terminal(&root.join("dev/pts/ptmx"), Some(root), sync)?;
    }
    let (masked, read_only) =
        mounts::protect_proc_and_sys(&r).map_err(mount_step(Step::MaskPaths))?;
    send(
        sync,
        Event::MaskPaths {
            rootfs: rootfs.clone(),
            masked,
            read_only,
        },
    )?;
    for b in &spec.binds {
        mounts::bind(&r, &b.source, &b.target, b.readonly).map_err(mount_step(Step::BindFiles))?;
    }
    if let Some(first) = spec.binds.first() {
        let targets: Vec<&str> = spec.binds.iter().map(|b| b.target.as_str()).collect();
        let dir = first.source.parent().unwrap_or(Path::new("/"));
        send(
            sync,
            Event::BindFiles {
                targets: targets.join(" "),
                dir: dir.display().to_string(),
                rootfs,
                first_source: first.source.display().to_string(),
                first_target: first.target.clone(),
            },
        )?;
    }
    Ok(())
}

fn pivot_root(spec: &ContainerSpec, sync: &mut ChildSide) -> Result<(), ChildError> {
    mounts::pivot_root(&spec.rootfs).map_err(mount_step(Step::PivotRoot))?;
    send(
        sync,
        Event::PivotRoot {
            rootfs: spec.rootfs.display().to_string(),
        },
    )
}

fn drop_capabilities(keep: &caps::CapsHashSet, sync: &mut ChildSide) -> Result<(), ChildError> {
    let dropped = security::drop_to(keep)
        .map_err(|e| ChildError::new(Step::DropCaps, msg!(m::DROP_CAPS, error = e)))?;
    send(
        sync,
        Event::DropCaps {
            kept: security::names(keep),
            kept_count: keep.len(),
            dropped,
        },
    )?;
    security::set_no_new_privs()
        .map_err(|e| ChildError::new(Step::NoNewPrivs, "prctl(PR_SET_NO_NEW_PRIVS)").errno(e))?;
    send(sync, Event::NoNewPrivs {})
}

fn enter_rootfs(spec: &ContainerSpec, sync: &mut ChildSide) -> Result<(), ChildError> {
    rootfs::chroot(&spec.rootfs).map_err(|e| {
        ChildError::new(
            Step::Chroot,
            msg!(m::CHROOT_TO, path = spec.rootfs.display()),
        )
        .errno(e)
    })?;
    send(
        sync,
        Event::Chroot {
            rootfs: spec.rootfs.display().to_string(),
        },
    )
}

fn change_dir(spec: &ContainerSpec, sync: &mut ChildSide) -> Result<(), ChildError> {
    nix::unistd::chdir(spec.workdir.as_str()).map_err(|e| {
        ChildError::new(Step::Chdir, msg!(m::CHDIR_TO, dir = spec.workdir))
            .errno(e)
            .hint(msg!(m::CHDIR_HINT))
    })?;
    send(
        sync,
        Event::Chdir {
            dir: spec.workdir.clone(),
        },
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
            Err(
                ChildError::new(Step::Exec, msg!(m::NO_SUCH_EXECUTABLE, name = name))
                    .missing()
                    .hint(msg!(
                        m::NO_SUCH_EXECUTABLE_HINT,
                        rootfs = spec.rootfs.display(),
                        name = name
                    )),
            )
        };
    }
    let path_var = spec.env_value("PATH").unwrap_or("");
    path_var
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(name))
        .find(|p| executable(p))
        .ok_or_else(|| {
            ChildError::new(Step::Exec, msg!(m::COMMAND_NOT_FOUND, name = name))
                .missing()
                .hint(msg!(
                    m::COMMAND_NOT_FOUND_HINT,
                    name = name,
                    path = path_var,
                    rootfs = spec.rootfs.display()
                ))
        })
}

fn exec_error(path: &Path, err: nix::Error) -> ChildError {
    let e = ChildError::new(Step::Exec, format!("execve {}", path.display())).errno(err);
    if err == nix::Error::ENOENT {
        // The file exists (find_command checked), so what is missing is its
        // ELF interpreter or its #! interpreter.
        e.hint(msg!(m::LOADER_MISSING_HINT))
    } else {
        e
    }
}

fn cstrings<'a>(items: impl Iterator<Item = &'a str>) -> Result<Vec<CString>, ChildError> {
    items
        .map(|s| {
            CString::new(s).map_err(|_| {
                ChildError::new(Step::Exec, msg!(m::NUL_IN_ARGUMENT, arg = format!("{s:?}")))
            })
        })
        .collect()
}
