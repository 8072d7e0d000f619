//! The syscall allow-list: docker's default seccomp profile, as data.
//!
//! Same semantics as moby's `profiles/seccomp/default.json`: every system
//! call not listed fails with EPERM; most are allowed outright; a few are
//! allowed only with an argument check (`clone` without namespace flags,
//! `socket` without AF_ALG/AF_VSOCK, `personality` with harmless values);
//! others only when the container holds the capability that would make
//! them useful (`mount` with CAP_SYS_ADMIN, `ptrace`-adjacent calls with
//! CAP_SYS_PTRACE …). `clone3` answers ENOSYS, so that C libraries fall
//! back to `clone`, whose flags a filter can read (clone3 passes them in
//! memory, out of a filter's reach).
//!
//! This file is compiled twice: into dockling, and into `build.rs`, which
//! turns the default (docker's capabilities) into BPF once, at build time.
//! So it uses nothing but `std`, `libc` and `seccompiler`.
//!
//! Man pages: seccomp(2), seccomp_rule_add(3) for the ideas, clone(2).

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// The errno for a call the profile does not allow, as docker's.
pub const DENY_ERRNO: u32 = libc::EPERM as u32;

/// Syscalls newer than the `libc` crate's tables. From 424 on, every
/// architecture uses the same numbers (the kernel's asm-generic table).
mod new {
    pub const CACHESTAT: i64 = 451;
    pub const MAP_SHADOW_STACK: i64 = 453;
    pub const FUTEX_WAKE: i64 = 454;
    pub const FUTEX_WAIT: i64 = 455;
    pub const FUTEX_REQUEUE: i64 = 456;
    pub const STATMOUNT: i64 = 457;
    pub const LISTMOUNT: i64 = 458;
    pub const LSM_GET_SELF_ATTR: i64 = 459;
    pub const LSM_SET_SELF_ATTR: i64 = 460;
    pub const LSM_LIST_MODULES: i64 = 461;
    pub const SETXATTRAT: i64 = 463;
    pub const GETXATTRAT: i64 = 464;
    pub const LISTXATTRAT: i64 = 465;
    pub const REMOVEXATTRAT: i64 = 466;
}

macro_rules! sys {
    ($($name:ident),* $(,)?) => { &[$((stringify!($name), libc::$name as i64)),*] };
}

/// Allowed outright (the names without a `SYS_` are in [`NEWER`]).
pub const ALLOWED: &[(&str, i64)] = sys![
    SYS_accept,
    SYS_accept4,
    SYS_adjtimex,
    SYS_bind,
    SYS_brk,
    SYS_capget,
    SYS_capset,
    SYS_chdir,
    SYS_fchmodat,
    SYS_fchownat,
    SYS_clock_adjtime,
    SYS_clock_getres,
    SYS_clock_gettime,
    SYS_clock_nanosleep,
    SYS_close,
    SYS_close_range,
    SYS_connect,
    SYS_copy_file_range,
    SYS_dup,
    SYS_dup3,
    SYS_epoll_create1,
    SYS_epoll_ctl,
    SYS_epoll_pwait,
    SYS_epoll_pwait2,
    SYS_eventfd2,
    SYS_execve,
    SYS_execveat,
    SYS_exit,
    SYS_exit_group,
    SYS_faccessat,
    SYS_faccessat2,
    SYS_fadvise64,
    SYS_fallocate,
    SYS_fanotify_mark,
    SYS_fchdir,
    SYS_fchmod,
    SYS_fchmodat2,
    SYS_fchown,
    SYS_fcntl,
    SYS_fdatasync,
    SYS_fgetxattr,
    SYS_flistxattr,
    SYS_flock,
    SYS_fremovexattr,
    SYS_fsetxattr,
    SYS_fstat,
    SYS_fstatfs,
    SYS_fsync,
    SYS_ftruncate,
    SYS_futex,
    SYS_futex_waitv,
    SYS_getcpu,
    SYS_getcwd,
    SYS_getdents64,
    SYS_getegid,
    SYS_geteuid,
    SYS_getgid,
    SYS_getgroups,
    SYS_getitimer,
    SYS_getpeername,
    SYS_getpgid,
    SYS_getpid,
    SYS_getppid,
    SYS_getpriority,
    SYS_getrandom,
    SYS_getresgid,
    SYS_getresuid,
    SYS_getrlimit,
    SYS_get_robust_list,
    SYS_getrusage,
    SYS_getsid,
    SYS_getsockname,
    SYS_getsockopt,
    SYS_gettid,
    SYS_gettimeofday,
    SYS_getuid,
    SYS_getxattr,
    SYS_inotify_add_watch,
    SYS_inotify_init1,
    SYS_inotify_rm_watch,
    SYS_io_cancel,
    SYS_ioctl,
    SYS_io_destroy,
    SYS_io_getevents,
    SYS_ioprio_get,
    SYS_ioprio_set,
    SYS_io_setup,
    SYS_io_submit,
    SYS_kill,
    SYS_landlock_add_rule,
    SYS_landlock_create_ruleset,
    SYS_landlock_restrict_self,
    SYS_lgetxattr,
    SYS_linkat,
    SYS_listen,
    SYS_listxattr,
    SYS_llistxattr,
    SYS_lremovexattr,
    SYS_lseek,
    SYS_lsetxattr,
    SYS_madvise,
    SYS_membarrier,
    SYS_memfd_create,
    SYS_memfd_secret,
    SYS_mincore,
    SYS_mkdirat,
    SYS_mknodat,
    SYS_mlock,
    SYS_mlock2,
    SYS_mlockall,
    SYS_mmap,
    SYS_mprotect,
    SYS_mq_getsetattr,
    SYS_mq_notify,
    SYS_mq_open,
    SYS_mq_timedreceive,
    SYS_mq_timedsend,
    SYS_mq_unlink,
    SYS_mremap,
    SYS_mseal,
    SYS_msgctl,
    SYS_msgget,
    SYS_msgrcv,
    SYS_msgsnd,
    SYS_msync,
    SYS_munlock,
    SYS_munlockall,
    SYS_munmap,
    SYS_name_to_handle_at,
    SYS_nanosleep,
    SYS_newfstatat,
    SYS_openat,
    SYS_openat2,
    SYS_pidfd_open,
    SYS_pidfd_send_signal,
    SYS_pipe2,
    SYS_pkey_alloc,
    SYS_pkey_free,
    SYS_pkey_mprotect,
    SYS_ppoll,
    SYS_prctl,
    SYS_pread64,
    SYS_preadv,
    SYS_preadv2,
    SYS_prlimit64,
    SYS_process_mrelease,
    SYS_pselect6,
    SYS_pwrite64,
    SYS_pwritev,
    SYS_pwritev2,
    SYS_read,
    SYS_readahead,
    SYS_readlinkat,
    SYS_readv,
    SYS_recvfrom,
    SYS_recvmmsg,
    SYS_recvmsg,
    SYS_remap_file_pages,
    SYS_removexattr,
    SYS_renameat,
    SYS_renameat2,
    SYS_restart_syscall,
    SYS_rseq,
    SYS_rt_sigaction,
    SYS_rt_sigpending,
    SYS_rt_sigprocmask,
    SYS_rt_sigqueueinfo,
    SYS_rt_sigreturn,
    SYS_rt_sigsuspend,
    SYS_rt_sigtimedwait,
    SYS_rt_tgsigqueueinfo,
    SYS_sched_getaffinity,
    SYS_sched_getattr,
    SYS_sched_getparam,
    SYS_sched_get_priority_max,
    SYS_sched_get_priority_min,
    SYS_sched_getscheduler,
    SYS_sched_rr_get_interval,
    SYS_sched_setaffinity,
    SYS_sched_setattr,
    SYS_sched_setparam,
    SYS_sched_setscheduler,
    SYS_sched_yield,
    SYS_seccomp,
    SYS_semctl,
    SYS_semget,
    SYS_semop,
    SYS_semtimedop,
    SYS_sendmmsg,
    SYS_sendmsg,
    SYS_sendto,
    SYS_setfsgid,
    SYS_setfsuid,
    SYS_setgid,
    SYS_setgroups,
    SYS_setitimer,
    SYS_setpgid,
    SYS_setpriority,
    SYS_setregid,
    SYS_setresgid,
    SYS_setresuid,
    SYS_setreuid,
    SYS_setrlimit,
    SYS_set_robust_list,
    SYS_setsid,
    SYS_setsockopt,
    SYS_set_tid_address,
    SYS_setuid,
    SYS_setxattr,
    SYS_shmat,
    SYS_shmctl,
    SYS_shmdt,
    SYS_shmget,
    SYS_shutdown,
    SYS_sigaltstack,
    SYS_signalfd4,
    SYS_socketpair,
    SYS_splice,
    SYS_statfs,
    SYS_statx,
    SYS_symlinkat,
    SYS_sync,
    SYS_sync_file_range,
    SYS_syncfs,
    SYS_sysinfo,
    SYS_tee,
    SYS_tgkill,
    SYS_timer_create,
    SYS_timer_delete,
    SYS_timer_getoverrun,
    SYS_timer_gettime,
    SYS_timer_settime,
    SYS_timerfd_create,
    SYS_timerfd_gettime,
    SYS_timerfd_settime,
    SYS_times,
    SYS_tkill,
    SYS_truncate,
    SYS_umask,
    SYS_uname,
    SYS_unlinkat,
    SYS_utimensat,
    SYS_vmsplice,
    SYS_wait4,
    SYS_waitid,
    SYS_write,
    SYS_writev,
    // Allowed since kernel 4.8, where seccomp checks a traced call again
    // after the tracer changed it.
    SYS_process_vm_readv,
    SYS_process_vm_writev,
    SYS_ptrace,
];

/// The same, for x86_64 only: the legacy calls aarch64 never had.
#[cfg(target_arch = "x86_64")]
pub const ALLOWED_X86_64: &[(&str, i64)] = sys![
    SYS_access,
    SYS_alarm,
    SYS_arch_prctl,
    SYS_chmod,
    SYS_chown,
    SYS_creat,
    SYS_dup2,
    SYS_epoll_create,
    SYS_epoll_wait,
    SYS_eventfd,
    SYS_fork,
    SYS_futimesat,
    SYS_getdents,
    SYS_getpgrp,
    SYS_inotify_init,
    SYS_lchown,
    SYS_link,
    SYS_lstat,
    SYS_mkdir,
    SYS_mknod,
    SYS_modify_ldt,
    SYS_open,
    SYS_pause,
    SYS_pipe,
    SYS_poll,
    SYS_readlink,
    SYS_rename,
    SYS_rmdir,
    SYS_select,
    SYS_sendfile,
    SYS_signalfd,
    SYS_stat,
    SYS_symlink,
    SYS_time,
    SYS_unlink,
    SYS_utime,
    SYS_utimes,
    SYS_vfork,
];
#[cfg(not(target_arch = "x86_64"))]
pub const ALLOWED_X86_64: &[(&str, i64)] = &[];

/// Allowed outright, newer than the `libc` crate knows.
pub const NEWER: &[(&str, i64)] = &[
    ("cachestat", new::CACHESTAT),
    ("map_shadow_stack", new::MAP_SHADOW_STACK),
    ("futex_wake", new::FUTEX_WAKE),
    ("futex_wait", new::FUTEX_WAIT),
    ("futex_requeue", new::FUTEX_REQUEUE),
    ("statmount", new::STATMOUNT),
    ("listmount", new::LISTMOUNT),
    ("setxattrat", new::SETXATTRAT),
    ("getxattrat", new::GETXATTRAT),
    ("listxattrat", new::LISTXATTRAT),
    ("removexattrat", new::REMOVEXATTRAT),
    #[cfg(target_arch = "x86_64")]
    ("io_pgetevents", 333),
    #[cfg(target_arch = "x86_64")]
    ("uretprobe", 335),
    #[cfg(target_arch = "aarch64")]
    ("io_pgetevents", 292),
];

/// Allowed only to a container that holds the capability, as docker does:
/// without it the call could do nothing useful, and each is attack surface.
pub const BY_CAPABILITY: &[(&str, &[(&str, i64)])] = &[
    (
        "CAP_SYS_ADMIN",
        &[
            ("bpf", libc::SYS_bpf),
            ("clone", libc::SYS_clone),
            ("clone3", libc::SYS_clone3),
            ("fanotify_init", libc::SYS_fanotify_init),
            ("fsconfig", libc::SYS_fsconfig),
            ("fsmount", libc::SYS_fsmount),
            ("fsopen", libc::SYS_fsopen),
            ("fspick", libc::SYS_fspick),
            ("lookup_dcookie", libc::SYS_lookup_dcookie),
            ("lsm_get_self_attr", new::LSM_GET_SELF_ATTR),
            ("lsm_list_modules", new::LSM_LIST_MODULES),
            ("lsm_set_self_attr", new::LSM_SET_SELF_ATTR),
            ("mount", libc::SYS_mount),
            ("mount_setattr", libc::SYS_mount_setattr),
            ("move_mount", libc::SYS_move_mount),
            ("open_tree", libc::SYS_open_tree),
            ("perf_event_open", libc::SYS_perf_event_open),
            ("quotactl", libc::SYS_quotactl),
            ("quotactl_fd", libc::SYS_quotactl_fd),
            ("setdomainname", libc::SYS_setdomainname),
            ("sethostname", libc::SYS_sethostname),
            ("setns", libc::SYS_setns),
            ("syslog", libc::SYS_syslog),
            ("umount2", libc::SYS_umount2),
            ("unshare", libc::SYS_unshare),
        ],
    ),
    ("CAP_SYS_BOOT", &[("reboot", libc::SYS_reboot)]),
    ("CAP_SYS_CHROOT", &[("chroot", libc::SYS_chroot)]),
    (
        "CAP_SYS_MODULE",
        &[
            ("delete_module", libc::SYS_delete_module),
            ("init_module", libc::SYS_init_module),
            ("finit_module", libc::SYS_finit_module),
        ],
    ),
    ("CAP_SYS_PACCT", &[("acct", libc::SYS_acct)]),
    (
        "CAP_SYS_PTRACE",
        &[
            ("kcmp", libc::SYS_kcmp),
            ("pidfd_getfd", libc::SYS_pidfd_getfd),
            ("process_madvise", libc::SYS_process_madvise),
        ],
    ),
    #[cfg(target_arch = "x86_64")]
    (
        "CAP_SYS_RAWIO",
        &[("iopl", libc::SYS_iopl), ("ioperm", libc::SYS_ioperm)],
    ),
    (
        "CAP_SYS_TIME",
        &[
            ("settimeofday", libc::SYS_settimeofday),
            ("clock_settime", libc::SYS_clock_settime),
        ],
    ),
    ("CAP_SYS_TTY_CONFIG", &[("vhangup", libc::SYS_vhangup)]),
    (
        "CAP_SYS_NICE",
        &[
            ("get_mempolicy", libc::SYS_get_mempolicy),
            ("mbind", libc::SYS_mbind),
            ("set_mempolicy", libc::SYS_set_mempolicy),
            ("set_mempolicy_home_node", libc::SYS_set_mempolicy_home_node),
        ],
    ),
    ("CAP_SYSLOG", &[("syslog", libc::SYS_syslog)]),
    ("CAP_BPF", &[("bpf", libc::SYS_bpf)]),
    (
        "CAP_PERFMON",
        &[("perf_event_open", libc::SYS_perf_event_open)],
    ),
    (
        "CAP_DAC_READ_SEARCH",
        &[("open_by_handle_at", libc::SYS_open_by_handle_at)],
    ),
];

/// The capabilities that change the filter: a container holding the same
/// ones of these gets the same program.
pub fn gating_capabilities() -> impl Iterator<Item = &'static str> {
    BY_CAPABILITY.iter().map(|(cap, _)| *cap)
}

/// The flags of clone(2) that make a namespace.
pub const CLONE_NAMESPACES: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWCGROUP) as u64;

/// Socket families a container may not open: AF_ALG (the kernel's crypto
/// API), AF_VSOCK (host–guest sockets that ignore network namespaces), and
/// families the kernel no longer has. Everything below AF_MAX otherwise.
pub const DENIED_SOCKET_FAMILIES: &[(&str, u64)] = &[
    ("AF_DECnet", 12),
    ("AF_ECONET", 19),
    ("AF_ATMSVC", 20),
    ("AF_IRDA", 23),
    ("AF_WANPIPE", 25),
    ("AF_ISDN", 34),
    ("AF_CAIF", 37),
    ("AF_ALG", 38),
    ("AF_VSOCK", 40),
];
/// One past the highest socket family (linux/socket.h AF_MAX).
pub const AF_MAX: u64 = 46;

/// personality(2) values docker allows: PER_LINUX, PER_LINUX with
/// UNAME26, PER_LINUX32 and friends, and the query 0xffffffff.
pub const PERSONALITIES: &[u64] = &[0x0, 0x0008, 0x20000, 0x20008, 0xffff_ffff];

fn cond(arg: u8, op: SeccompCmpOp, value: u64) -> SeccompCondition {
    SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, value).expect("argument index < 6")
}

fn rule(conditions: Vec<SeccompCondition>) -> SeccompRule {
    SeccompRule::new(conditions).expect("a rule has conditions")
}

/// The filters for a container holding `caps` (capability names such as
/// `CAP_SYS_ADMIN`), in the order to install them: the allow-list, then a
/// one-call filter that makes clone3 fail with ENOSYS. (Of two filters the
/// newer one's errno wins when both return an errno; seccompiler gives one
/// filter a single action on a match, so clone3's own errno needs its own.)
pub fn programs(caps: &[&str]) -> Vec<BpfProgram> {
    let arch = TargetArch::try_from(std::env::consts::ARCH).expect("x86_64, aarch64 or riscv64");
    let has = |c: &str| caps.contains(&c);
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for (_, nr) in ALLOWED.iter().chain(ALLOWED_X86_64).chain(NEWER) {
        rules.insert(*nr, Vec::new());
    }
    for (cap, calls) in BY_CAPABILITY {
        if has(cap) {
            for (_, nr) in *calls {
                rules.insert(*nr, Vec::new());
            }
        }
    }
    if !has("CAP_SYS_ADMIN") {
        // clone without any namespace flag: fork, threads.
        rules.insert(
            libc::SYS_clone,
            vec![rule(vec![cond(
                0,
                SeccompCmpOp::MaskedEq(CLONE_NAMESPACES),
                0,
            )])],
        );
    }
    let mut socket = vec![cond(0, SeccompCmpOp::Lt, AF_MAX)];
    socket.extend(
        DENIED_SOCKET_FAMILIES
            .iter()
            .map(|(_, af)| cond(0, SeccompCmpOp::Ne, *af)),
    );
    rules.insert(libc::SYS_socket, vec![rule(socket)]);
    rules.insert(
        libc::SYS_personality,
        PERSONALITIES
            .iter()
            .map(|p| rule(vec![cond(0, SeccompCmpOp::Eq, *p)]))
            .collect(),
    );
    let allow = SeccompFilter::new(
        rules,
        SeccompAction::Errno(DENY_ERRNO),
        SeccompAction::Allow,
        arch,
    )
    .expect("distinct actions");
    let mut out = vec![BpfProgram::try_from(allow).expect("the allow-list compiles")];
    if !has("CAP_SYS_ADMIN") {
        let clone3 = SeccompFilter::new(
            [(libc::SYS_clone3, Vec::new())].into_iter().collect(),
            SeccompAction::Allow,
            SeccompAction::Errno(libc::ENOSYS as u32),
            arch,
        )
        .expect("distinct actions");
        out.push(BpfProgram::try_from(clone3).expect("the clone3 filter compiles"));
    }
    out
}

/// Of the capabilities in [`BY_CAPABILITY`], those docker's default set
/// holds: the filter every container gets unless --cap-add says otherwise,
/// built once by `build.rs`.
pub const DEFAULT_GATING: &[&str] = &["CAP_SYS_CHROOT"];
