//! Stage 4, `dockling overlay`: layers, copy-on-write, whiteouts, diff,
//! commit, many layers, concurrent containers, cleanup.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::Env;

/// A layer directory holding `files` (path, content).
fn layer(env: &Env, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = env.root.join("layers").join(name);
    for (path, content) in files {
        let p = dir.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn overlay(env: &Env, extra: &[&str], script: &str) -> (Option<i32>, String, String) {
    env.sh(&[&["--trace", "json", "overlay"], extra].concat(), script)
}

fn kept_upper(stderr: &str) -> PathBuf {
    PathBuf::from(
        common::event(stderr, "overlay_kept").expect("kept")["fields"]["upper"]
            .as_str()
            .unwrap(),
    )
}

#[test]
fn writes_land_in_upper_and_deletes_leave_whiteouts() {
    let Some(env) = common::rooted("writes_land_in_upper_and_deletes_leave_whiteouts") else {
        return;
    };
    let before = fs::read_to_string(env.rootfs().join("etc/passwd")).unwrap();
    let (code, out, err) = overlay(
        &env,
        &["--keep"],
        "echo more >> /etc/passwd; rm /etc/hostname; ls /etc/hostname 2>/dev/null || echo gone",
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "gone\n");
    assert_eq!(
        fs::read_to_string(env.rootfs().join("etc/passwd")).unwrap(),
        before,
        "the lower layer changed"
    );
    assert!(
        env.rootfs().join("etc/hostname").exists(),
        "the lower file was deleted"
    );
    let upper = kept_upper(&err);
    assert_eq!(
        fs::read_to_string(upper.join("etc/passwd")).unwrap(),
        format!("{before}more\n")
    );
    let wh = fs::symlink_metadata(upper.join("etc/hostname")).unwrap();
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    assert!(
        wh.file_type().is_char_device() && wh.rdev() == 0,
        "not a whiteout: {wh:?}"
    );
    // --keep leaves only the upper dir, which the test removes.
    fs::remove_dir_all(upper.parent().unwrap()).unwrap();
    env.assert_clean();
}

#[test]
fn the_diff_lists_added_changed_and_deleted() {
    let Some(env) = common::rooted("the_diff_lists_added_changed_and_deleted") else {
        return;
    };
    let (code, _, err) = overlay(
        &env,
        &[],
        "mkdir -p /srv/app; echo a > /srv/app/new; echo c >> /etc/group; rm /etc/hostname; rm -r /mnt",
    );
    assert_eq!(code, Some(0), "{err}");
    let d = common::event(&err, "overlay_diff").expect("a diff");
    let changes: Vec<String> = d["fields"]["change_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    let want = [
        "C /etc",
        "C /etc/group",
        "D /etc/hostname",
        "D /mnt",
        "A /srv",
        "A /srv/app",
        "A /srv/app/new",
    ];
    assert_eq!(changes, want);
    env.assert_clean();
}

#[test]
fn stacked_layers_override_in_order_and_a_commit_is_a_layer() {
    let Some(env) = common::rooted("stacked_layers_override_in_order_and_a_commit_is_a_layer")
    else {
        return;
    };
    let l1 = layer(&env, "l1", &[("f", "1"), ("only1", "x")]);
    let l2 = layer(&env, "l2", &[("f", "2"), ("g", "2")]);
    let l3 = layer(&env, "l3", &[("f", "3")]);
    let args = [
        "--layer",
        l1.to_str().unwrap(),
        "--layer",
        l2.to_str().unwrap(),
        "--layer",
        l3.to_str().unwrap(),
    ];
    let (code, out, err) = overlay(&env, &args, "cat /f /g /only1");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "32x");
    // Commit a change, then use it as a layer.
    let saved = env.root.join("layers/saved");
    let (code, _, err) = overlay(
        &env,
        &["--commit", saved.to_str().unwrap()],
        "echo built > /etc/motd; rm /etc/hostname",
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, out, _) = overlay(
        &env,
        &["--layer", saved.to_str().unwrap()],
        "cat /etc/motd; test -e /etc/hostname || echo no-hostname",
    );
    assert_eq!((code, out.as_str()), (Some(0), "built\nno-hostname\n"));
    env.assert_clean();
}

#[test]
fn a_hundred_and_twenty_layers_mount() {
    let Some(env) = common::rooted("a_hundred_and_twenty_layers_mount") else {
        return;
    };
    let layers: Vec<PathBuf> = (0..120)
        .map(|i| {
            layer(
                &env,
                &format!("layer-with-a-long-name-{i:03}"),
                &[(&format!("f{i}"), "x")],
            )
        })
        .collect();
    let mut args: Vec<&str> = Vec::new();
    for l in &layers {
        args.push("--layer");
        args.push(l.to_str().unwrap());
    }
    let (code, out, err) = overlay(&env, &args, "ls / | grep -c '^f'");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim(), "120");
    env.assert_clean();
}

#[test]
fn two_containers_on_the_same_layers_do_not_see_each_others_writes() {
    let Some(env) =
        common::rooted("two_containers_on_the_same_layers_do_not_see_each_others_writes")
    else {
        return;
    };
    let base = layer(&env, "shared", &[("shared", "s")]);
    let spawn = |name: &str| {
        env.cmd(&[
            "--trace",
            "quiet",
            "overlay",
            "--layer",
            base.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            &format!("echo {name} > /mine; sleep 1; cat /mine; ls /other 2>/dev/null; echo end"),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let a = spawn("a");
    let b = spawn("b");
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(String::from_utf8_lossy(&a.stdout), "a\nend\n");
    assert_eq!(String::from_utf8_lossy(&b.stdout), "b\nend\n");
    assert!(!base.join("mine").exists());
    env.assert_clean();
}

#[test]
fn errors_are_clear_and_leave_nothing() {
    let Some(env) = common::rooted("errors_are_clear_and_leave_nothing") else {
        return;
    };
    let out = env.run(&[
        "--trace",
        "quiet",
        "overlay",
        "--layer",
        "/no/such/layer",
        "--",
        "true",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(err.contains("layer /no/such/layer"), "{err}");
    env.assert_clean();
    // A state directory on overlayfs (as inside a docker container).
    let t = env.root.join("ovl");
    for d in ["lower", "upper", "work", "merged"] {
        fs::create_dir_all(t.join(d)).unwrap();
    }
    let merged = t.join("merged");
    let opts = format!(
        "lowerdir={},upperdir={},workdir={}",
        t.join("lower").display(),
        t.join("upper").display(),
        t.join("work").display()
    );
    nix::mount::mount(
        Some("overlay"),
        &merged,
        Some("overlay"),
        nix::mount::MsFlags::empty(),
        Some(opts.as_str()),
    )
    .unwrap();
    let out = env
        .cmd(&[
            "--trace",
            "quiet",
            "overlay",
            "--rootfs",
            env.rootfs().to_str().unwrap(),
            "--",
            "true",
        ])
        .env("DOCKLING_ROOT", merged.join("state"))
        .output()
        .unwrap();
    nix::mount::umount2(&merged, nix::mount::MntFlags::MNT_DETACH).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(err.contains("is on overlayfs"), "{err}");
    assert!(
        !Path::new(&t.join("upper/state/overlay"))
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    );
}

#[test]
fn after_sigkill_cleanup_removes_the_cgroup_and_the_overlay() {
    let Some(env) = common::rooted("after_sigkill_cleanup_removes_the_cgroup_and_the_overlay")
    else {
        return;
    };
    let mut child = env
        .cmd(&[
            "--trace", "quiet", "overlay", "--memory", "64m", "--", "sleep", "60",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let container = common::wait_for(10, || common::children(child.id()).first().copied());
    common::wait_for(10, || (!env.cgroups().is_empty()).then_some(()));
    child.kill().unwrap();
    child.wait().unwrap();
    common::wait_for(5, || (!common::alive(container)).then_some(()));
    assert!(
        !env.cgroups().is_empty(),
        "a SIGKILLed dockling cannot remove its cgroup itself"
    );
    let out = env.run(&["--trace", "quiet", "cleanup"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.assert_clean();
}
