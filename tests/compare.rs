//! `dockling compare`: a real VM beside a container, measured.
//!
//! These boot qemu (TCG, the kind every machine can run) and user-mode
//! Linux with the test root's rootfs, so they need root, qemu and the
//! guest kernel (`scripts/guest-kernel`; `scripts/dev test` installs and
//! fetches them); without, they say so loudly, and fail in CI. Kinds that
//! cannot run (a KVM that hangs, a UML that crashes) are played by small
//! stand-ins on PATH, so the fallbacks are tested on every machine.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Env, guest};
use dockling::compare::VmFigures;

/// A root with a rootfs, when root, qemu and the kernel are here.
fn ready(test: &str) -> Option<Env> {
    if !common::require_root(test) {
        return None;
    }
    guest::require(test)?;
    Some(Env::with_rootfs())
}

/// `dockling compare ARGS`: exit code, stdout, stderr.
fn compare(env: &Env, args: &[&str], path: Option<&Path>) -> (Option<i32>, String, String) {
    let mut all = vec!["--trace", "plain", "compare"];
    all.extend_from_slice(args);
    let mut cmd = env.cmd(&all);
    if let Some(dir) = path {
        let old = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{}:{old}", dir.display()));
    }
    let out = cmd.output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn figures(env: &Env) -> VmFigures {
    dockling::compare::cached(&dockling::paths::Paths::new(Some(&env.root)))
        .expect("compare keeps its figures")
}

/// Every process whose command line contains `needle`.
fn processes_with(needle: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(needle))
        .collect()
}

/// Nothing of a compare is left: no VM, no run, cgroup, mount or
/// overlay, no veth on the bridge, no UML directory, no temporary file.
/// `stderr` is its narration, which names the initramfs every VM it
/// started opened (/proc/PID/fd/N, PID being that dockling's).
fn assert_nothing_left(env: &Env, stderr: &str) {
    env.assert_clean();
    let initrd = regex::Regex::new(r"given to the VM as (/proc/\d+/fd/\d+)")
        .unwrap()
        .captures(stderr)
        .map(|c| c[1].to_string());
    if let Some(initrd) = initrd {
        let left = processes_with(&initrd);
        assert!(left.is_empty(), "VMs left running: {left:?}");
    }
    let bridge = env.bridge(dockling::network::store::DEFAULT_NETWORK);
    assert_eq!(common::bridge_ports(&bridge), Vec::<String>::new());
    let strays: Vec<_> = std::fs::read_dir(env.root.join("run"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("compare-"))
        .chain(
            std::fs::read_dir(&env.root)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tmp")),
        )
        .collect();
    assert!(strays.is_empty(), "files left behind: {strays:?}");
}

/// A figure of the table: the row `label`'s cells.
fn row<'a>(stdout: &'a str, label: &str) -> Vec<&'a str> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no row {label:?} in\n{stdout}"));
    line[label.len()..]
        .split("   ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

#[test]
fn compare_prints_a_vm_and_a_container_side_by_side_and_leaves_nothing() {
    let Some(env) = ready("compare_prints_a_vm_and_a_container_side_by_side") else {
        return;
    };
    let (code, out, err) = compare(&env, &["--vm", "tcg", "--", "echo", "hello"], None);
    assert_eq!(code, Some(0), "{out}\n{err}");
    let header = out.lines().next().unwrap();
    assert!(header.starts_with("MEASURED"), "{out}");
    assert!(header.contains("VM (qemu TCG)"), "{out}");
    assert!(header.contains("CONTAINER (stage 5)"), "{out}");
    for label in [
        "command started",
        "command ended",
        "memory, peak",
        "disk",
        "kernels running",
        "processes started",
        "exit code",
    ] {
        assert!(row(&out, label).len() >= 2, "{label}: {out}");
    }
    assert_eq!(row(&out, "kernels running")[..2], ["2", "1"]);
    assert_eq!(row(&out, "exit code")[..2], ["0", "0"]);
    // The command ran on both sides: its output, under each heading.
    assert_eq!(out.matches("\nhello\n").count(), 2, "{out}");
    // The narration names each step, the qemu line to type by hand too.
    for step in [
        "compare_initramfs",
        "compare_boot",
        "compare_container",
        "compare_saved",
    ] {
        assert!(err.contains(&format!(". {step}: ")), "{step}: {err}");
    }
    assert!(err.contains("qemu-system-x86_64 -accel tcg"), "{err}");
    // The figures are real: the guest booted a kernel of its own first.
    let f = figures(&env);
    assert_eq!(f.kind, "qemu TCG");
    assert!(f.boot_ms > f.container_ms, "{f:?}");
    assert!(f.boot_ms >= 200, "a kernel boots in no less: {f:?}");
    assert!(f.vm_total_ms >= f.boot_ms && f.container_total_ms >= f.container_ms);
    assert!(f.vm_memory_bytes > 16 << 20, "{f:?}");
    assert!(f.container_memory_bytes > 0, "{f:?}");
    assert!(f.vm_disk_bytes > f.container_disk_bytes, "{f:?}");
    assert_ne!(f.guest_kernel, f.host_kernel);
    assert_eq!(
        f.host_kernel,
        nix::sys::utsname::uname()
            .unwrap()
            .release()
            .to_string_lossy()
    );
    // Kernel threads and init's mounts in the guest; the script alone in
    // the container's PID namespace.
    assert!(f.vm_processes > 10, "{f:?}");
    assert_eq!(f.container_processes, 1, "{f:?}");
    assert_eq!(f.command, ["echo", "hello"]);
    assert_nothing_left(&env, &err);
}

#[test]
fn the_vm_column_grows_when_the_guest_does_more_work() {
    let Some(env) = ready("the_vm_column_grows_when_the_guest_does_more_work") else {
        return;
    };
    let run = |cmd: &[&str]| {
        let mut args = vec!["--vm", "tcg", "--"];
        args.extend_from_slice(cmd);
        let (code, out, err) = compare(&env, &args, None);
        assert_eq!(code, Some(0), "{out}\n{err}");
        let f = figures(&env);
        // The command's own time in the guest: from its start line to the VM's end.
        (f.vm_total_ms - f.boot_ms, f, err)
    };
    let (idle, _, _) = run(&["true"]);
    let (busy, f, err) = run(&[
        "sh",
        "-c",
        "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done",
    ]);
    assert!(
        busy > idle + 300,
        "a loop of 200000 takes longer in the guest than `true`: {busy} ms vs {idle} ms ({f:?})"
    );
    assert_nothing_left(&env, &err);
}

#[test]
fn a_missing_kernel_is_one_line_that_says_how_to_get_one() {
    if !common::require_root("a_missing_kernel_is_one_line") {
        return;
    }
    let env = Env::with_rootfs();
    let (code, out, err) = compare(
        &env,
        &["--vm", "tcg", "--kernel", "/nonexistent/vmlinuz"],
        None,
    );
    assert_eq!(code, Some(125), "{out}\n{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "dockling: no guest kernel at /nonexistent/vmlinuz (--kernel)"
    );
    assert!(
        lines[1].starts_with("hint: give one with --kernel PATH"),
        "{err}"
    );
    assert!(lines[1].contains("scripts/guest-kernel"), "{err}");
    assert_eq!(lines.len(), 2, "{err}");
    assert!(out.is_empty());
    // Without --kernel: the state directory's and the host's are looked for.
    let release = nix::sys::utsname::uname().unwrap();
    let host = format!("/boot/vmlinuz-{}", release.release().to_string_lossy());
    if !Path::new(&host).exists() {
        let out = env
            .cmd(&["--trace", "plain", "compare", "--vm", "tcg"])
            .env_remove("DOCKLING_GUEST_KERNEL")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{err}");
        assert!(
            err.starts_with(&format!(
                "dockling: no guest kernel for qemu: neither {}/guest/vmlinuz nor {host} exists\nhint: ",
                env.root.display()
            )),
            "{err}"
        );
    }
    assert_nothing_left(&env, &err);
}

#[test]
fn uml_boots_a_guest_kernel_as_a_host_process() {
    let Some(env) = ready("uml_boots_a_guest_kernel_as_a_host_process") else {
        return;
    };
    if dockling::compare::vm::which(dockling::compare::vm::UML).is_none() {
        let msg = "NOT RUN: uml_boots_a_guest_kernel_as_a_host_process: user-mode-linux is not \
                   installed (apt-get install user-mode-linux; scripts/dev test installs it)";
        assert!(
            std::env::var_os("CI").is_none(),
            "{msg} — CI must run every test"
        );
        eprintln!("\n!!!!!!!! {msg} !!!!!!!!\n");
        return;
    }
    let (code, out, err) = compare(&env, &["--vm", "uml", "--", "/bin/true"], None);
    assert_eq!(code, Some(0), "{out}\n{err}");
    // UML either ran, or this machine cannot run it and compare says so
    // (and runs qemu instead): never a hang, never silence.
    if err.contains("compare_vm_unusable: UML cannot run here") {
        eprintln!("\n!!!!!!!! UML cannot run on this machine; compare said so:\n{err}\n!!!!!!!!\n");
        assert!(
            out.starts_with("MEASURED") && out.lines().next().unwrap().contains("VM (qemu TCG)")
        );
    } else {
        assert!(
            out.lines().next().unwrap().contains("VM (UML)"),
            "{out}\n{err}"
        );
        let f = figures(&env);
        assert_eq!(f.kind, "UML");
        assert!(f.boot_ms > f.container_ms, "{f:?}");
        // /bin/true is one more process on both sides.
        assert_eq!(row(&out, "processes started")[1], "1 -> 2", "{out}");
    }
    assert_nothing_left(&env, &err);
}

/// A directory for stand-ins, with one executable script `name`.
fn stand_in(name: &str, script: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}")).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
    dir
}

#[test]
fn a_uml_that_crashes_is_reported_and_qemu_runs_instead() {
    let Some(env) = ready("a_uml_that_crashes_is_reported_and_qemu_runs_instead") else {
        return;
    };
    // As UML dies on a CPU it does not know: a message, then a signal.
    let bin = stand_in(
        "linux",
        "echo 'Kernel panic - not syncing: stand-in'\nkill -SEGV $$\n",
    );
    let (code, out, err) = compare(&env, &["--vm", "uml", "--", "true"], Some(bin.path()));
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(
        err.contains(
            "compare_vm_unusable: UML cannot run here: the guest ended before running the command"
        ) && err.contains("SIGSEGV")
            && err.contains("trying qemu TCG instead"),
        "{err}"
    );
    assert!(
        err.contains("Kernel panic - not syncing: stand-in"),
        "{err}"
    );
    assert!(
        out.lines().next().unwrap().contains("VM (qemu TCG)"),
        "{out}"
    );
    assert_eq!(figures(&env).kind, "qemu TCG");
    assert_nothing_left(&env, &err);
}

#[test]
fn a_kvm_that_hangs_is_killed_and_tcg_runs_instead() {
    let Some(env) = ready("a_kvm_that_hangs_is_killed_and_tcg_runs_instead") else {
        return;
    };
    // As nested KVM hangs in the guest's decompressor: nothing on the
    // console, ever. Its pid is kept to check that it was killed.
    let pids = tempfile::tempdir().unwrap();
    let real = dockling::compare::vm::which(dockling::compare::vm::QEMU).unwrap();
    let bin = stand_in(
        dockling::compare::vm::QEMU,
        &format!(
            "case \"$*\" in *'-accel kvm'*) echo $$ > {pids}/kvm; exec sleep 600;; esac\nexec {real} \"$@\"\n",
            pids = pids.path().display(),
            real = real.display()
        ),
    );
    let began = std::time::Instant::now();
    let (code, out, err) = compare(&env, &["--vm", "kvm", "--", "true"], Some(bin.path()));
    assert_eq!(code, Some(0), "{out}\n{err}");
    let kvm = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm");
    if kvm.is_err() {
        // No KVM at all here: that is said, and TCG runs.
        assert!(
            err.contains("qemu KVM cannot run here: /dev/kvm cannot be opened"),
            "{err}"
        );
        eprintln!("\n!!!!!!!! no /dev/kvm here: the hang itself was not tested !!!!!!!!\n");
        return;
    }
    let kvm_pid: u32 = std::fs::read_to_string(pids.path().join("kvm"))
        .unwrap_or_else(|_| panic!("the stand-in never ran as KVM (no /dev/kvm?): {err}"))
        .trim()
        .parse()
        .unwrap();
    assert!(
        err.contains(
            "compare_vm_unusable: qemu KVM cannot run here: the guest printed nothing of its own in 10 s"
        ) && err.contains("trying qemu TCG instead"),
        "{err}"
    );
    assert!(
        out.lines().next().unwrap().contains("VM (qemu TCG)"),
        "{out}"
    );
    assert!(!common::alive(kvm_pid), "the hung VM was left running");
    assert!(began.elapsed() < Duration::from_secs(120));
    // The hang is remembered: `--vm qemu` does not wait for it again.
    let (code, out, err) = compare(&env, &["--", "true"], Some(bin.path()));
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(
        err.contains("qemu KVM cannot run here: it hung here before"),
        "{err}"
    );
    assert!(!err.contains("-accel kvm"), "{err}");
    assert_nothing_left(&env, &err);
}
