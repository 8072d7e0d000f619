//! Stage 2, `dockling namespaces`, run as a subprocess against a private root.

mod common;

use common::{Env, require_root};

fn inside(env: &Env, extra: &[&str], script: &str) -> (Option<i32>, String, String) {
    env.sh(
        &[&["--trace", "quiet", "namespaces"], extra].concat(),
        script,
    )
}

#[test]
fn the_container_has_its_own_pid_hostname_and_namespaces() {
    let Some(env) = common::rooted("the_container_has_its_own_pid_hostname_and_namespaces") else {
        return;
    };
    let host_name = nix::unistd::gethostname().unwrap();
    let mounts_before = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let (code, out, err) = inside(
        &env,
        &["--hostname", "box1"],
        "echo $$; hostname; ps -o pid,comm | wc -l; for n in pid mnt uts ipc; do readlink /proc/self/ns/$n; done",
    );
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1", "the command is PID 1");
    assert_eq!(lines[1], "box1");
    assert_eq!(
        lines[2], "4",
        "ps lists a header, sh, ps and wc only: {out}"
    );
    for (i, ns) in ["pid", "mnt", "uts", "ipc"].iter().enumerate() {
        let host = std::fs::read_link(format!("/proc/self/ns/{ns}")).unwrap();
        assert_ne!(
            lines[3 + i],
            host.to_str().unwrap(),
            "{ns} namespace is the host's"
        );
    }
    assert_eq!(
        nix::unistd::gethostname().unwrap(),
        host_name,
        "the host's hostname changed"
    );
    assert_eq!(
        std::fs::read_to_string("/proc/self/mountinfo").unwrap(),
        mounts_before
    );
    env.assert_clean();
}

#[test]
fn capabilities_are_dropped_and_mounting_fails() {
    let Some(env) = common::rooted("capabilities_are_dropped_and_mounting_fails") else {
        return;
    };
    let (_, out, _) = inside(
        &env,
        &[],
        "grep CapEff /proc/self/status; mount -t tmpfs x /mnt && echo MOUNTED",
    );
    let hex = out
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .last()
        .unwrap();
    let eff = u64::from_str_radix(hex, 16).unwrap();
    for (name, bit) in [
        ("CAP_SYS_ADMIN", 21),
        ("CAP_SYS_MODULE", 16),
        ("CAP_NET_ADMIN", 12),
        ("CAP_SYS_PTRACE", 19),
    ] {
        assert_eq!(eff & (1 << bit), 0, "{name} is still effective: {hex}");
    }
    assert_ne!(eff & (1 << 18), 0, "CAP_SYS_CHROOT is kept, as docker does");
    assert!(!out.contains("MOUNTED"), "mount inside succeeded: {out}");
    // --cap-add gives one back; an unknown name is a clear error.
    let (_, out, _) = inside(
        &env,
        &["--cap-add", "NET_ADMIN"],
        "grep CapEff /proc/self/status",
    );
    let eff = u64::from_str_radix(out.split_whitespace().last().unwrap(), 16).unwrap();
    assert_ne!(eff & (1 << 12), 0);
    let (code, _, err) = inside(&env, &["--cap-add", "FLY"], "true");
    assert_eq!(code, Some(125));
    assert!(err.contains("unknown capability \"FLY\""), "{err}");
    env.assert_clean();
}

#[test]
fn the_chroot_escape_fails_and_proc_is_protected() {
    let Some(env) = common::rooted("the_chroot_escape_fails_and_proc_is_protected") else {
        return;
    };
    let (_, out, _) = inside(
        &env,
        &[],
        "chroot-escape; echo x > /proc/sysrq-trigger && echo WROTE-SYSRQ; \
         echo 1 > /proc/sys/kernel/panic && echo WROTE-SYS; \
         echo kcore=$(cat /proc/kcore 2>/dev/null | wc -c) keys=$(cat /proc/keys 2>/dev/null | wc -c)",
    );
    assert!(out.contains("still inside"), "{out}");
    assert!(!out.contains("WROTE"), "{out}");
    assert!(out.contains("kcore=0 keys=0"), "{out}");
    env.assert_clean();
}

#[test]
fn orphans_are_reaped_by_the_init() {
    let Some(env) = common::rooted("orphans_are_reaped_by_the_init") else {
        return;
    };
    let (code, out, err) = inside(
        &env,
        &["--init"],
        "(sleep 0.1 &); sleep 0.6; ps -o stat | grep -c Z",
    );
    assert_eq!(out.trim(), "0", "zombies remain: {out} {err}");
    assert_eq!(code, Some(1), "grep -c found no Z lines");
    let (code, _, _) = inside(&env, &["--init"], "kill -TERM $$");
    assert_eq!(code, Some(143));
    env.assert_clean();
}

#[test]
fn without_a_mount_namespace_a_mount_reaches_the_host() {
    if !require_root("without_a_mount_namespace_a_mount_reaches_the_host") {
        return;
    }
    // The lesson's exercise, checked: with --ns pid,uts the container falls
    // back to chroot and its mounts land in the host's mount table.
    let env = Env::with_rootfs();
    let (code, out, err) = inside(
        &env,
        &["--ns", "uts", "--cap-add", "SYS_ADMIN"],
        "mount -t tmpfs leak /mnt && echo ok",
    );
    assert_eq!((code, out.as_str()), (Some(0), "ok\n"), "{err}");
    let target = env.rootfs().join("mnt");
    let seen = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .contains(target.to_str().unwrap());
    nix::mount::umount2(&target, nix::mount::MntFlags::MNT_DETACH).unwrap();
    assert!(seen, "the mount did not reach the host");
}

#[test]
fn bad_input_is_refused_before_anything_is_created() {
    let Some(env) = common::rooted("bad_input_is_refused_before_anything_is_created") else {
        return;
    };
    let link = env.root.join("link");
    std::os::unix::fs::symlink(env.rootfs(), &link).unwrap();
    let file = env.root.join("file");
    std::fs::write(&file, "").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--rootfs", link.to_str().unwrap()],
            "goes through a symlink",
        ),
        (&["--rootfs", file.to_str().unwrap()], "is not a directory"),
        (&["--hostname", "bad name"], "--hostname"),
        (
            &["--", "nosuchcmd"],
            "command not found in the container: nosuchcmd",
        ),
        (&["-w", "/nope", "--", "true"], "working directory /nope"),
    ];
    for (args, message) in cases {
        let mut all = vec!["--trace", "quiet", "namespaces"];
        all.extend_from_slice(args);
        let out = env.run(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        env.assert_clean();
    }
}

#[test]
fn a_failing_setup_step_is_reported_with_its_step_and_errno() {
    if !require_root("a_failing_setup_step_is_reported_with_its_step_and_errno") {
        return;
    }
    // A layer whose /proc is a file: procfs cannot be mounted on it, and
    // the child, which finds out, says which step failed and why.
    let env = Env::with_rootfs();
    let layer = env.root.join("layer");
    std::fs::create_dir(&layer).unwrap();
    std::fs::write(layer.join("proc"), "").unwrap();
    let out = env.run(&[
        "--trace",
        "quiet",
        "overlay",
        "--layer",
        layer.to_str().unwrap(),
        "--",
        "true",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.contains("step mount_proc") && err.contains("/proc is a file in the container"),
        "{err}"
    );
    env.assert_clean();
    // A plain rootfs is checked before anything starts, and left as it is.
    let proc_dir = env.rootfs().join("proc");
    std::fs::remove_dir(&proc_dir).unwrap();
    std::fs::write(&proc_dir, "").unwrap();
    let out = env.run(&["--trace", "quiet", "namespaces", "--", "true"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(err.contains("has no directory /proc"), "{err}");
    env.assert_clean();
}

#[test]
fn an_interactive_shell_works_on_a_terminal() {
    if !require_root("an_interactive_shell_works_on_a_terminal") {
        return;
    }
    // script(1) (util-linux, on every Debian and Ubuntu) gives dockling a
    // pseudo-terminal, as a student's terminal would.
    let env = Env::with_rootfs();
    let mut child = std::process::Command::new("script")
        .args([
            "-qec",
            &format!(
                "{} --trace quiet namespaces -it --hostname tty1",
                common::DOCKLING
            ),
            "/dev/null",
        ])
        .env("DOCKLING_ROOT", &env.root)
        .env("DOCKLING_CGROUP_PARENT", &env.cgroup_parent)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"echo \"pid=$$ host=$(hostname)\"; exit 3\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("pid=1 host=tty1"), "{text}");
    assert!(text.contains("/ # "), "no interactive prompt: {text}");
    assert_eq!(out.status.code(), Some(3), "{text}");
    env.assert_clean();
}
