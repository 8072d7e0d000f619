//! Stage 6 against a real registry: Debian's docker-registry on 127.0.0.1
//! (one per test, its own port and storage), holding images that the tests
//! push through the registry API, skopeo and umoci. Pull by tag and digest,
//! OCI and docker schema2, multi-platform indexes, Basic and Bearer auth,
//! redirects, tampered and interrupted downloads, hostile layers,
//! whiteouts against umoci, run with the image's config, the store's
//! commands, concurrent pulls and load. Runs use `--network none`: the
//! default network's bridge is named the same in every state root, and
//! these tests run at once (networking has its own tests).

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::Env;
use common::registry::{Front, Layer, Mode, Registry, TarBuilder, TestImage};
use rootfs_fetch::oci::manifest::{OCI_INDEX, OCI_MANIFEST};

/// The test rootfs (host busybox) as one layer; built once per binary.
fn base(env: &Env) -> Layer {
    static BASE: OnceLock<Layer> = OnceLock::new();
    BASE.get_or_init(|| Layer::from_dir(&env.rootfs())).clone()
}

fn setup(test: &str) -> Option<Env> {
    if !common::registry::tools(test) {
        return None;
    }
    common::rooted(test)
}

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(env: &Env, args: &[&str]) -> String {
    let o = env.run(args);
    assert!(o.status.success(), "dockling {args:?}: {}", out(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fails(env: &Env, args: &[&str], says: &str) -> String {
    fails_with(env, args, 125, says)
}

/// As [`fails`], with exit code `code` (1: refused, as docker's daemon).
fn fails_with(env: &Env, args: &[&str], code: i32, says: &str) -> String {
    let o = env.run(args);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(code), "dockling {args:?}: {text}");
    assert!(
        text.contains(says),
        "dockling {args:?}: expected {says:?} in {text}"
    );
    text
}

/// `dockling run --rm --network none ARGS…`: its standard output, after
/// checking that it succeeded.
fn run_image(env: &Env, args: &[&str]) -> String {
    let mut all = vec!["--trace", "quiet", "run", "--rm", "--network", "none"];
    all.extend_from_slice(args);
    let o = env.run(&all);
    assert!(o.status.success(), "dockling {all:?}: {}", out(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every file below `dir`, relative, sorted (the store's content).
fn files(dir: &Path) -> Vec<String> {
    let mut outv = Vec::new();
    fn go(base: &Path, d: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            out.push(e.path().strip_prefix(base).unwrap().display().to_string());
            if e.file_type().unwrap().is_dir() {
                go(base, &e.path(), out);
            }
        }
    }
    go(dir, dir, &mut outv);
    outv.sort();
    outv
}

fn layer_dirs(env: &Env) -> Vec<String> {
    std::fs::read_dir(env.root.join("layers"))
        .map(|d| {
            let mut v: Vec<String> = d
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.ends_with(".size"))
                .collect();
            v.sort();
            v
        })
        .unwrap_or_default()
}

fn app_layer() -> Layer {
    TarBuilder::new()
        .dir("app/")
        .file("app/message", b"hello from layer two\n")
        .file("etc/motd", b"layered\n")
        .build()
}

#[test]
fn pull_one_and_multi_layer_images_oci_and_schema2_by_tag_and_digest_then_run() {
    let Some(env) =
        setup("pull_one_and_multi_layer_images_oci_and_schema2_by_tag_and_digest_then_run")
    else {
        return;
    };
    let reg = Registry::start(None);
    let host = reg.host();
    let mut one = TestImage::new(vec![base(&env)]);
    one.cmd = vec!["sh".into(), "-c".into(), "echo default command ran".into()];
    reg.push_image("t/one", "v1", &one, false);
    let mut multi = TestImage::new(vec![
        base(&env),
        app_layer(),
        TarBuilder::new().file("app/third", b"3\n").build(),
    ]);
    multi.cmd = vec!["cat".into(), "/app/message".into()];
    multi.workdir = Some("/app".into());
    multi.env.push("GREETING=from-image".into());
    let digest = reg.push_image("t/multi", "v2", &multi, true);

    let one_ref = format!("{host}/t/one:v1");
    let text = ok(&env, &["--trace", "quiet", "pull", &one_ref]);
    assert!(text.starts_with(&format!("{one_ref}: sha256:")), "{text}");
    assert_eq!(run_image(&env, &[&one_ref]), "default command ran\n");

    // By digest, a docker schema2 manifest; the base layer is already there.
    let by_digest = format!("{host}/t/multi@{digest}");
    let o = env.run(&["--trace", "json", "pull", &by_digest]);
    assert!(o.status.success(), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.matches("\"step\":\"pull_layer_present\"").count(),
        1,
        "{err}"
    );
    assert_eq!(err.matches("\"step\":\"pull_layer\"").count(), 2, "{err}");
    assert_eq!(
        layer_dirs(&env).len(),
        3,
        "the shared base layer is stored once"
    );
    assert_eq!(run_image(&env, &[&by_digest]), "hello from layer two\n");

    // The image's config, and docker's override rules.
    assert_eq!(
        run_image(
            &env,
            &[
                "-e",
                "EXTRA=1",
                &by_digest,
                "sh",
                "-c",
                "pwd; echo $GREETING $EXTRA; cat third"
            ]
        ),
        "/app\nfrom-image 1\n3\n"
    );
    assert_eq!(
        run_image(
            &env,
            &[
                "-w",
                "/etc",
                "-e",
                "GREETING=flag",
                &by_digest,
                "sh",
                "-c",
                "pwd; echo $GREETING; cat motd"
            ]
        ),
        "/etc\nflag\nlayered\n"
    );
    assert_eq!(
        run_image(
            &env,
            &["--entrypoint", "/bin/echo", &by_digest, "entry", "point"]
        ),
        "entry point\n"
    );
    assert_eq!(
        run_image(&env, &["--user", "65534:65534", &by_digest, "id", "-u"]),
        "65534\n"
    );

    let images = ok(&env, &["images"]);
    assert!(images.contains(&format!("{host}/t/one")), "{images}");
    // CREATED as docker shows it, from the config's 2026-11-24T00:00:00Z.
    assert!(
        images.lines().skip(1).all(|l| l.contains(" ago ")),
        "{images}"
    );
    assert!(images.contains(&format!("{host}/t/multi")), "{images}");
    let inspect: serde_json::Value =
        serde_json::from_str(&ok(&env, &["image", "inspect", &one_ref])).unwrap();
    assert_eq!(inspect["Config"]["Cmd"][2], "echo default command ran");
    env.assert_clean();
}

#[test]
fn an_index_gives_this_machines_platform_or_a_clear_error() {
    let Some(env) = setup("an_index_gives_this_machines_platform_or_a_clear_error") else {
        return;
    };
    let reg = Registry::start(None);
    let mut amd = TestImage::new(vec![base(&env)]);
    amd.cmd = vec!["echo".into(), "amd64 image".into()];
    let mut arm = amd.clone();
    arm.architecture = "arm64".into();
    arm.cmd = vec!["echo".into(), "arm64 image".into()];
    let a = reg.manifest_for("t/multi-arch", &amd, false);
    let b = reg.manifest_for("t/multi-arch", &arm, false);
    let da = reg.push_manifest(
        "t/multi-arch",
        &rootfs_fetch::oci::digest::Digest::of(&a).to_string(),
        OCI_MANIFEST,
        &a,
    );
    let db = reg.push_manifest(
        "t/multi-arch",
        &rootfs_fetch::oci::digest::Digest::of(&b).to_string(),
        OCI_MANIFEST,
        &b,
    );
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": db.to_string(), "size": b.len(), "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
            {"mediaType": OCI_MANIFEST, "digest": da.to_string(), "size": a.len(), "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": OCI_MANIFEST, "digest": da.to_string(), "size": a.len(), "platform": {"os": "unknown", "architecture": "unknown"}}
        ]
    });
    reg.push_manifest(
        "t/multi-arch",
        "latest",
        OCI_INDEX,
        &serde_json::to_vec(&index).unwrap(),
    );
    let r = format!("{}/t/multi-arch", reg.host());
    let host_arch = rootfs_fetch::oci::manifest::Platform::host();
    assert_eq!(
        host_arch.architecture, "amd64",
        "this test expects an amd64 host"
    );
    assert_eq!(run_image(&env, &[&r]), "amd64 image\n");
    let text = fails(
        &env,
        &["--trace", "quiet", "pull", "--platform", "linux/s390x", &r],
        "no variant for linux/s390x",
    );
    assert!(text.contains("linux/arm64/v8, linux/amd64"), "{text}");
    assert!(!text.contains("unknown/unknown"), "{text}");
}

#[test]
fn basic_auth_needs_the_right_login() {
    let Some(env) = setup("basic_auth_needs_the_right_login") else {
        return;
    };
    let reg = Registry::start(Some(("alice", "wonderland")));
    reg.push_image(
        "t/private",
        "latest",
        &TestImage::new(vec![app_layer()]),
        false,
    );
    let r = format!("{}/t/private", reg.host());
    fails(&env, &["--trace", "quiet", "pull", &r], "dockling login");
    fails(
        &env,
        &["login", &reg.host(), "-u", "alice", "-p", "wrong"],
        "login to",
    );
    assert!(
        !env.root.join("auth.json").exists(),
        "a failed login stores nothing"
    );
    ok(
        &env,
        &["login", &reg.host(), "-u", "alice", "-p", "wonderland"],
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(env.root.join("auth.json"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "credentials are readable by root only");
    ok(&env, &["--trace", "quiet", "pull", &r]);
    ok(&env, &["logout", &reg.host()]);
    ok(&env, &["rmi", &r]);
    fails(&env, &["--trace", "quiet", "pull", &r], "dockling login");
}

#[test]
fn bearer_tokens_anonymous_and_with_a_login_and_a_redirect_that_gets_no_credentials() {
    let Some(env) =
        setup("bearer_tokens_anonymous_and_with_a_login_and_a_redirect_that_gets_no_credentials")
    else {
        return;
    };
    let reg = Registry::start(None);
    reg.push_image(
        "t/tokened",
        "latest",
        &TestImage::new(vec![app_layer()]),
        false,
    );
    let front = Front::start(reg.port, Mode::TokenAndRedirect);
    let r = format!("127.0.0.1:{}/t/tokened", front.port);
    let o = env.run(&["--trace", "json", "pull", &r]);
    assert!(o.status.success(), "{}", out(&o));
    let seen = front.seen.lock().unwrap();
    assert!(
        !seen.token_requests.is_empty(),
        "the token server was asked"
    );
    assert!(
        seen.token_requests
            .iter()
            .all(|p| p.contains("scope=repository%3At%2Ftokened%3Apull")),
        "{:?}",
        seen.token_requests
    );
    assert!(
        seen.redirected >= 2,
        "config and layer came from the second host"
    );
    assert!(
        seen.redirected_auth.iter().all(Option::is_none),
        "the Authorization header went to another host: {:?}",
        seen.redirected_auth
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Bearer [redacted]"), "{err}");
    assert!(
        !err.contains("test-token-7f3a"),
        "the token must not be printed"
    );
    let anonymous = seen.token_auth.len();
    assert!(
        seen.token_auth.iter().all(Option::is_none),
        "{:?}",
        seen.token_auth
    );
    drop(seen);

    // With a login, the token server gets the user's Basic credentials;
    // still nothing follows a redirect.
    ok(&env, &["rmi", &r]);
    ok(
        &env,
        &[
            "login",
            &format!("127.0.0.1:{}", front.port),
            "-u",
            "bob",
            "-p",
            "secret",
        ],
    );
    ok(&env, &["--trace", "quiet", "pull", &r]);
    let seen = front.seen.lock().unwrap();
    let basic = rootfs_fetch::oci::auth::Credentials {
        user: "bob".into(),
        password: "secret".into(),
    }
    .basic_header();
    let logged_in = &seen.token_auth[anonymous..];
    assert!(!logged_in.is_empty());
    assert!(
        logged_in
            .iter()
            .all(|a| a.as_deref() == Some(basic.as_str())),
        "the token server gets the login: {logged_in:?}"
    );
    assert!(
        seen.redirected_auth.iter().all(Option::is_none),
        "neither token nor password follows a redirect: {:?}",
        seen.redirected_auth
    );
}

#[test]
fn a_tampered_blob_is_refused_and_an_interrupted_pull_leaves_the_store_valid() {
    let Some(env) =
        setup("a_tampered_blob_is_refused_and_an_interrupted_pull_leaves_the_store_valid")
    else {
        return;
    };
    let reg = Registry::start(None);
    let layer = app_layer();
    let image = TestImage::new(vec![base(&env), layer.clone()]);
    reg.push_image("t/good", "latest", &image, false);
    // A second repository whose layer blob is changed in the registry's storage.
    let bad = TestImage::new(vec![TarBuilder::new().file("x", b"original bytes").build()]);
    reg.push_image("t/bad", "latest", &bad, false);
    let blob = reg.blob_file(&rootfs_fetch::oci::digest::Digest::of(&bad.layers[0].gz));
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 9;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let before = files(&env.root);
    fails(
        &env,
        &["--trace", "quiet", "pull", &format!("{}/t/bad", reg.host())],
        "digest",
    );
    let after = files(&env.root);
    let gained: Vec<&String> = after
        .iter()
        .filter(|f| !before.contains(f))
        .filter(|f| !f.ends_with("lock"))
        .collect();
    assert!(
        gained
            .iter()
            .all(|f| !f.starts_with("layers/") || f.as_str() == "layers"),
        "a refused layer left files: {gained:?}"
    );
    assert!(!ok(&env, &["images"]).contains("t/bad"));

    // Cut every blob download short, then pull again directly.
    let front = Front::start(reg.port, Mode::CutBlobsAfter(4096));
    let cut = format!("127.0.0.1:{}/t/good", front.port);
    fails(&env, &["--trace", "quiet", "pull", &cut], "pull failed");
    assert!(
        layer_dirs(&env).iter().all(|d| !d.starts_with(".tmp")),
        "{:?}",
        layer_dirs(&env)
    );
    assert!(!ok(&env, &["images"]).contains("t/good"));
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "pull",
            &format!("{}/t/good", reg.host()),
        ],
    );
    assert_eq!(
        run_image(
            &env,
            &[&format!("{}/t/good", reg.host()), "cat", "/app/message"]
        ),
        "hello from layer two\n"
    );
}

#[test]
fn hostile_layers_are_refused_or_neutralised_and_nothing_escapes() {
    let Some(env) = setup("hostile_layers_are_refused_or_neutralised_and_nothing_escapes") else {
        return;
    };
    let reg = Registry::start(None);
    let canary = tempfile::tempdir().unwrap();
    let c = canary.path().display().to_string();
    let rel = c.trim_start_matches('/');
    std::fs::write(canary.path().join("keep"), "untouched").unwrap();
    let passwd = std::fs::read("/etc/passwd").unwrap();
    use tar::EntryType::{Link, Symlink};
    let cases: Vec<(&str, Layer, Option<&str>)> = vec![
        (
            "dotdot",
            TarBuilder::new()
                .file(&format!("../../../../../../..{c}/dotdot"), b"x")
                .build(),
            Some("`..`"),
        ),
        (
            "absolute",
            TarBuilder::new()
                .file(&format!("{c}/absolute"), b"x")
                .build(),
            None,
        ),
        (
            "symlink-then-write",
            TarBuilder::new()
                .link(Symlink, "escape", "/")
                .file(&format!("escape/{rel}/through-link"), b"x")
                .build(),
            Some("symlink"),
        ),
        (
            "hardlink-to-passwd",
            TarBuilder::new().link(Link, "pw", "/etc/passwd").build(),
            Some("pw"),
        ),
        (
            "device",
            TarBuilder::new()
                .device("dev-null-copy")
                .file("ok", b"fine")
                .build(),
            None,
        ),
        (
            "whiteout-parent",
            TarBuilder::new().dir("d/").file("d/.wh..", b"").build(),
            Some("whiteout"),
        ),
        (
            "huge",
            TarBuilder::new().huge("big", 9 << 30).build(),
            Some("size limit"),
        ),
    ];
    for (name, layer, refused) in cases {
        let r = format!("{}/hostile/{name}", reg.host());
        reg.push_image(
            &format!("hostile/{name}"),
            "latest",
            &TestImage::new(vec![layer]),
            false,
        );
        let o = env.run(&["--trace", "quiet", "pull", &r]);
        match refused {
            Some(says) => {
                assert_eq!(o.status.code(), Some(125), "{name}: {}", out(&o));
                assert!(
                    out(&o).contains(says),
                    "{name}: expected {says:?} in {}",
                    out(&o)
                );
            }
            None => assert!(o.status.success(), "{name}: {}", out(&o)),
        }
    }
    assert_eq!(
        files(canary.path()),
        ["keep"],
        "something was written outside the store"
    );
    assert_eq!(std::fs::read("/etc/passwd").unwrap(), passwd);
    // The absolute path landed inside its layer; the device was not made.
    let layers = env.root.join("layers");
    let found: Vec<String> = files(&layers);
    assert!(
        found
            .iter()
            .any(|f| f.ends_with(&format!("{rel}/absolute"))),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|f| f.ends_with("dev-null-copy")),
        "{found:?}"
    );
    assert!(found.iter().all(|f| !f.contains(".tmp-")), "{found:?}");
}

/// (path, kind, mode, content hash or link target) of a tree.
fn tree_summary(root: &Path) -> Vec<String> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let mut outv = Vec::new();
    fn go(base: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(base).unwrap().display().to_string();
            let what = if m.is_dir() {
                "dir".to_string()
            } else if m.file_type().is_symlink() {
                format!("link {}", std::fs::read_link(&p).unwrap().display())
            } else if m.file_type().is_char_device() {
                format!("chardev {}", m.rdev())
            } else {
                format!(
                    "file {}",
                    rootfs_fetch::oci::digest::Digest::of(&std::fs::read(&p).unwrap()).short()
                )
            };
            out.push(format!(
                "{rel} {what} {:o} {}:{}",
                m.mode() & 0o7777,
                m.uid(),
                m.gid()
            ));
            if m.is_dir() {
                go(base, &p, out);
            }
        }
    }
    go(root, root, &mut outv);
    outv.sort();
    outv
}

#[test]
fn whiteouts_and_opaque_dirs_give_the_same_tree_as_umoci() {
    let Some(env) = setup("whiteouts_and_opaque_dirs_give_the_same_tree_as_umoci") else {
        return;
    };
    let reg = Registry::start(None);
    let l1 = TarBuilder::new()
        .dir("etc/")
        .file("etc/keep", b"k")
        .file("etc/gone", b"g")
        .dir("opt/")
        .dir("opt/old/")
        .file("opt/old/a", b"a")
        .file("opt/b", b"b")
        .link(tar::EntryType::Symlink, "etc/link", "keep")
        .build();
    let l2 = TarBuilder::new()
        .file("etc/.wh.gone", b"")
        .dir("opt/")
        .file("opt/.wh..wh..opq", b"")
        .file("opt/new", b"n")
        .file("etc/keep", b"changed")
        .build();
    let l3 = TarBuilder::new()
        .file("opt/.wh.new", b"")
        .file("top", b"t")
        .build();
    reg.push_image("t/wh", "latest", &TestImage::new(vec![l1, l2, l3]), false);
    let r = format!("{}/t/wh", reg.host());
    ok(&env, &["--trace", "quiet", "pull", &r]);

    // umoci's view of the same image.
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("layout");
    let o = std::process::Command::new("skopeo")
        .args([
            "copy",
            "--src-tls-verify=false",
            &format!("docker://{r}:latest"),
            &format!("oci:{}:latest", layout.display()),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "skopeo: {}", out(&o));
    let bundle = work.path().join("bundle");
    let o = std::process::Command::new("umoci")
        .args([
            "unpack",
            "--image",
            &format!("{}:latest", layout.display()),
            bundle.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "umoci: {}", out(&o));
    let theirs = tree_summary(&bundle.join("rootfs"));

    // dockling's: its layers stacked by overlayfs, as a run sees them.
    let inspect: serde_json::Value =
        serde_json::from_str(&ok(&env, &["image", "inspect", &r])).unwrap();
    let dirs: Vec<String> = inspect["LayerDirs"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    let mnt = work.path().join("merged");
    std::fs::create_dir(&mnt).unwrap();
    let o = std::process::Command::new("mount")
        .args([
            "-t",
            "overlay",
            "overlay",
            "-o",
            &format!("ro,lowerdir={}", dirs.join(":")),
            mnt.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "mount: {}", out(&o));
    let ours = tree_summary(&mnt);
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    let strip_root_dir = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
            .collect()
    };
    let ours = strip_root_dir(ours);
    let names: Vec<&str> = ours.iter().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(
        names,
        ["etc", "etc/keep", "etc/link", "opt", "top"],
        "{ours:#?}"
    );
    assert_eq!(ours, strip_root_dir(theirs));
}

#[test]
fn images_rmi_prune_and_four_concurrent_pulls() {
    let Some(env) = setup("images_rmi_prune_and_four_concurrent_pulls") else {
        return;
    };
    let reg = Registry::start(None);
    let a = TestImage::new(vec![base(&env), app_layer()]);
    let b = TestImage::new(vec![
        base(&env),
        TarBuilder::new().file("b-only", b"b").build(),
    ]);
    reg.push_image("t/a", "latest", &a, false);
    reg.push_image("t/b", "latest", &b, false);
    let ra = format!("{}/t/a", reg.host());
    let rb = format!("{}/t/b", reg.host());
    let pulls: Vec<std::process::Child> = (0..4)
        .map(|_| {
            env.cmd(&["--trace", "quiet", "pull", &ra])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for p in pulls {
        let o = p.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", out(&o));
    }
    assert_eq!(
        layer_dirs(&env).len(),
        2,
        "one copy of each layer: {:?}",
        layer_dirs(&env)
    );
    let images = ok(&env, &["images"]);
    assert_eq!(images.matches("t/a").count(), 1, "{images}");
    ok(&env, &["--trace", "quiet", "pull", &rb]);
    assert_eq!(layer_dirs(&env).len(), 3);
    let text = ok(&env, &["rmi", &ra]);
    assert!(
        text.contains("Deleted 1 layer"),
        "only a's own layer goes: {text}"
    );
    assert_eq!(layer_dirs(&env).len(), 2, "the shared base stays for b");
    fails(&env, &["rmi", &ra], "no image");
    assert_eq!(run_image(&env, &[&rb, "cat", "/b-only"]), "b");
    // A leftover of an interrupted pull (its process is gone) is pruned.
    std::fs::create_dir(env.root.join("layers/.tmp-layer-999999999-0")).unwrap();
    ok(&env, &["image", "prune"]);
    assert_eq!(layer_dirs(&env).len(), 2, "{:?}", layer_dirs(&env));
    ok(&env, &["rmi", &rb]);
    assert!(layer_dirs(&env).is_empty(), "{:?}", layer_dirs(&env));
}

#[test]
fn load_an_oci_layout_and_a_docker_archive() {
    let Some(env) = setup("load_an_oci_layout_and_a_docker_archive") else {
        return;
    };
    let reg = Registry::start(None);
    let mut img = TestImage::new(vec![base(&env), app_layer()]);
    img.cmd = vec!["cat".into(), "/app/message".into()];
    reg.push_image("t/offline", "v1", &img, false);
    let src = format!("docker://{}/t/offline:v1", reg.host());
    let work = tempfile::tempdir().unwrap();
    let layout: PathBuf = work.path().join("layout");
    let archive: PathBuf = work.path().join("saved.tar");
    for dest in [
        format!("oci:{}:v1", layout.display()),
        format!("docker-archive:{}:offline/saved:v2", archive.display()),
    ] {
        let o = std::process::Command::new("skopeo")
            .args(["copy", "--src-tls-verify=false", &src, &dest])
            .output()
            .unwrap();
        assert!(o.status.success(), "skopeo {dest}: {}", out(&o));
    }
    // docker save since docker 25 writes an OCI layout in a tar: the same
    // layout as a tarball, gzip'd.
    let layout_tar = work.path().join("layout2.tar.gz");
    let o = std::process::Command::new("tar")
        .args([
            "-czf",
            layout_tar.to_str().unwrap(),
            "-C",
            layout.to_str().unwrap(),
            ".",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", out(&o));
    drop(reg); // offline from here on
    let text = ok(
        &env,
        &["--trace", "quiet", "load", layout.to_str().unwrap()],
    );
    assert!(text.contains("Loaded image: localhost/layout:v1"), "{text}");
    let text = ok(
        &env,
        &["--trace", "quiet", "load", layout_tar.to_str().unwrap()],
    );
    assert!(
        text.contains("Loaded image: localhost/layout2:v1"),
        "{text}"
    );
    assert_eq!(
        run_image(&env, &["localhost/layout2:v1"]),
        "hello from layer two\n"
    );
    let text = ok(
        &env,
        &["--trace", "quiet", "load", archive.to_str().unwrap()],
    );
    assert!(
        text.contains("Loaded image: docker.io/offline/saved:v2"),
        "{text}"
    );
    for r in ["localhost/layout:v1", "offline/saved:v2"] {
        assert_eq!(run_image(&env, &[r]), "hello from layer two\n");
    }
    fails(&env, &["load", "/nonexistent.tar"], "nonexistent");
}

#[test]
fn bad_references_are_refused_clearly() {
    let Some(env) = setup("bad_references_are_refused_clearly") else {
        return;
    };
    fails(&env, &["pull", "Bad/Name"], "invalid reference");
    fails(
        &env,
        &["pull", "alpine@sha256:123"],
        "64 lowercase hex digits",
    );
    fails(&env, &["pull", "alpine:bad tag"], "tag");
    let port = common::registry::free_port();
    fails(
        &env,
        &[
            "--trace",
            "quiet",
            "pull",
            &format!("127.0.0.1:{port}/nothing"),
        ],
        "pull failed",
    );
    fails(
        &env,
        &["run", "--network", "none", "-v", "relative:/x", "whatever"],
        "absolute",
    );
}

#[test]
fn rootfs_fetch_registry_applies_the_layers_into_one_tree() {
    let Some(env) = setup("rootfs_fetch_registry_applies_the_layers_into_one_tree") else {
        return;
    };
    let reg = Registry::start(None);
    let top = TarBuilder::new()
        .file("etc/.wh.motd", b"")
        .dir("app/")
        .file("app/.wh..wh..opq", b"")
        .file("app/fresh", b"fresh\n")
        .build();
    let img = TestImage::new(vec![base(&env), app_layer(), top]);
    reg.push_image("t/base", "latest", &img, false);
    let dir = env.root.join("rootfs/from-image");
    let r = format!("{}/t/base", reg.host());
    let text = ok(
        &env,
        &[
            "--trace",
            "quiet",
            "rootfs",
            "fetch",
            "registry",
            dir.to_str().unwrap(),
            "--image",
            &r,
        ],
    );
    assert!(text.contains("rootfs ready"), "{text}");
    assert!(
        !dir.join("etc/motd").exists(),
        "the whiteout deleted etc/motd"
    );
    assert!(
        !dir.join("app/message").exists(),
        "the opaque marker hid app/message"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("app/fresh")).unwrap(),
        "fresh\n"
    );
    let wh: Vec<String> = files(&dir)
        .into_iter()
        .filter(|f| f.contains(".wh."))
        .collect();
    assert!(wh.is_empty(), "{wh:?}");
    let o = env.run(&[
        "--trace",
        "quiet",
        "chroot",
        "--rootfs",
        dir.to_str().unwrap(),
        "--",
        "cat",
        "/app/fresh",
    ]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "fresh\n", "{}", out(&o));
    // Asked again for an existing directory: refused, nothing changed.
    fails(
        &env,
        &[
            "--trace",
            "quiet",
            "rootfs",
            "fetch",
            "registry",
            dir.to_str().unwrap(),
            "--image",
            &r,
        ],
        "already exists",
    );
}

/// A file capability: VFS_CAP_REVISION_2, effective, CAP_NET_RAW permitted.
const CAP_NET_RAW: [u8; 20] = [
    1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

#[test]
fn gzip_zstd_and_plain_layers_keep_modes_xattrs_and_hardlinks_and_run_takes_every_flag() {
    let Some(env) = setup(
        "gzip_zstd_and_plain_layers_keep_modes_xattrs_and_hardlinks_and_run_takes_every_flag",
    ) else {
        return;
    };
    let reg = Registry::start(None);
    let plain = TarBuilder::new()
        .file_with("opt/suid", b"#!/bin/sh\n", 0o4755, &[])
        .file_with(
            "opt/pinger",
            b"x",
            0o755,
            &[
                ("security.capability", &CAP_NET_RAW),
                ("user.note", b"kept"),
            ],
        )
        .build()
        .uncompressed();
    let zstd = TarBuilder::new()
        .file("opt/data", b"one file, two names\n")
        .link(tar::EntryType::Link, "opt/data-link", "opt/data")
        .build()
        .zstd();
    let mut img = TestImage::new(vec![base(&env), plain, zstd]);
    img.cmd = vec![
        "sh".into(),
        "-c".into(),
        "stat -c '%a %h' /opt/suid /opt/data".into(),
    ];
    reg.push_image("t/formats", "latest", &img, false);
    let r = format!("{}/t/formats", reg.host());
    assert_eq!(run_image(&env, &[&r]), "4755 1\n644 2\n");
    let inspect: serde_json::Value =
        serde_json::from_str(&ok(&env, &["image", "inspect", &r])).unwrap();
    let layer = std::path::PathBuf::from(inspect["LayerDirs"][1].as_str().unwrap());
    let xattr = |name: &str| {
        let p = std::ffi::CString::new(layer.join("opt/pinger").to_str().unwrap()).unwrap();
        let n = std::ffi::CString::new(name).unwrap();
        let mut buf = [0u8; 64];
        // SAFETY: valid C strings and buffer.
        let len =
            unsafe { libc::getxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        (len >= 0).then(|| buf[..len as usize].to_vec())
    };
    assert_eq!(
        xattr("security.capability").as_deref(),
        Some(&CAP_NET_RAW[..])
    );
    assert_eq!(xattr("user.note").as_deref(), Some(&b"kept"[..]));

    // The store is a real OCI layout: skopeo reads it.
    let o = std::process::Command::new("skopeo")
        .args([
            "inspect",
            &format!("oci:{}:{r}:latest", env.root.join("images").display()),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "skopeo: {}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["Layers"].as_array().unwrap().len(), 3);

    // Bind mounts, read-only and not, and the earlier stages' flags.
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("in"), "from the host\n").unwrap();
    let h = host.path().display().to_string();
    let text = run_image(
        &env,
        &[
            "-v",
            &format!("{h}:/data:ro"),
            "-v",
            &format!("{h}:/rw"),
            "--memory",
            "64m",
            "--pids-limit",
            "20",
            "--cpus",
            "1",
            "--hostname",
            "imagehost",
            &r,
            "sh",
            "-c",
            "cat /data/in; touch /data/x 2>/dev/null || echo read-only; echo out > /rw/out; hostname",
        ],
    );
    assert_eq!(text, "from the host\nread-only\nimagehost\n");
    assert_eq!(
        std::fs::read_to_string(host.path().join("out")).unwrap(),
        "out\n"
    );
    env.assert_clean();
}

/// The store's temporary entries (of pulls in progress or interrupted).
fn temps(env: &Env) -> Vec<String> {
    [
        env.root.join("layers"),
        env.root.join("images/blobs/sha256"),
    ]
    .iter()
    .flat_map(|d| files(d))
    .filter(|f| f.contains(".tmp-"))
    .collect()
}

#[test]
fn ctrl_c_removes_a_pulls_partial_downloads_and_cleanup_does_after_sigkill() {
    let Some(env) =
        setup("ctrl_c_removes_a_pulls_partial_downloads_and_cleanup_does_after_sigkill")
    else {
        return;
    };
    let reg = Registry::start(None);
    reg.push_image("t/slow", "latest", &TestImage::new(vec![base(&env)]), false);
    let front = Front::start(reg.port, Mode::SlowBlobs);
    let r = format!("127.0.0.1:{}/t/slow", front.port);
    for signal in [
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGKILL,
    ] {
        let mut child = env
            .cmd(&["--trace", "quiet", "pull", &r])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        common::wait_for(10, || (!temps(&env).is_empty()).then_some(()));
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
        let status = child.wait().unwrap();
        if signal == nix::sys::signal::Signal::SIGINT {
            assert_eq!(status.code(), Some(130), "Ctrl-C ends a pull with 128+2");
            assert_eq!(
                temps(&env),
                Vec::<String>::new(),
                "Ctrl-C left partial downloads"
            );
        } else {
            assert!(
                !temps(&env).is_empty(),
                "SIGKILL gives no chance to clean up"
            );
            ok(&env, &["--trace", "quiet", "cleanup"]);
            assert_eq!(
                temps(&env),
                Vec::<String>::new(),
                "cleanup left partial downloads"
            );
        }
        assert!(layer_dirs(&env).is_empty(), "{:?}", layer_dirs(&env));
        assert!(!ok(&env, &["images"]).contains("t/slow"));
    }
}

/// `pull --all-platforms` downloads the other platforms' blobs after this
/// machine's layers: Ctrl-C there removes its partial blobs and its pin
/// too, and names nothing.
#[test]
fn ctrl_c_during_another_platforms_download_leaves_nothing() {
    let Some(env) = setup("ctrl_c_during_another_platforms_download_leaves_nothing") else {
        return;
    };
    let reg = Registry::start(None);
    let repo = "t/slow-multi";
    // This machine's image is small; the other platform's is the busybox
    // layer, which trickles for a second or more.
    let small = TestImage::new(vec![app_layer()]);
    let mut big = TestImage::new(vec![base(&env)]);
    big.architecture = "arm64".into();
    let a = reg.manifest_for(repo, &small, false);
    let b = reg.manifest_for(repo, &big, false);
    let (da, db) = (
        rootfs_fetch::oci::digest::Digest::of(&a),
        rootfs_fetch::oci::digest::Digest::of(&b),
    );
    reg.push_manifest(repo, &da.to_string(), OCI_MANIFEST, &a);
    reg.push_manifest(repo, &db.to_string(), OCI_MANIFEST, &b);
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": da.to_string(), "size": a.len(), "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": OCI_MANIFEST, "digest": db.to_string(), "size": b.len(), "platform": {"os": "linux", "architecture": "arm64"}}
        ]
    });
    reg.push_manifest(
        repo,
        "latest",
        OCI_INDEX,
        &serde_json::to_vec(&index).unwrap(),
    );
    let front = Front::start(reg.port, Mode::SlowBlobs);
    let r = format!("127.0.0.1:{}/{repo}", front.port);
    let mut child = env
        .cmd(&["--trace", "quiet", "pull", "--all-platforms", &r])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // This machine's layer is unpacked; the other platform's blob is on
    // its way.
    let unpacked = |env: &Env| {
        layer_dirs(env)
            .iter()
            .filter(|d| !d.starts_with(".tmp-"))
            .count()
    };
    common::wait_for(20, || {
        (unpacked(&env) == 1
            && files(&env.root.join("images/blobs/sha256"))
                .iter()
                .any(|f| f.starts_with(".tmp-")))
        .then_some(())
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert_eq!(
        temps(&env),
        Vec::<String>::new(),
        "Ctrl-C left partial blobs"
    );
    assert_eq!(
        files(&env.root.join("pins")),
        Vec::<String>::new(),
        "Ctrl-C left the pull's pin"
    );
    assert!(!ok(&env, &["images"]).contains(repo));
    // What was finished is unnamed, and a collection removes it.
    ok(&env, &["image", "prune"]);
    assert!(layer_dirs(&env).is_empty(), "{:?}", layer_dirs(&env));
    env.assert_clean();
}

#[test]
fn run_publishes_a_port_on_a_network_of_its_own() {
    let Some(env) = setup("run_publishes_a_port_on_a_network_of_its_own") else {
        return;
    };
    let reg = Registry::start(None);
    let mut img = TestImage::new(vec![base(&env)]);
    img.cmd = vec![
        "sh".into(),
        "-c".into(),
        "mkdir -p /www && echo served from an image > /www/index.html && echo ready && exec httpd -f -p 80 -h /www".into(),
    ];
    reg.push_image("t/web", "latest", &img, false);
    ok(
        &env,
        &["network", "create", "t-img", "--subnet", "10.147.221.0/24"],
    );
    let mut child = env
        .cmd(&[
            "--trace",
            "quiet",
            "run",
            "--network",
            "t-img",
            "-p",
            "127.0.0.1:18098:80",
            &format!("{}/t/web", reg.host()),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line, "ready\n");
    let page = common::wait_for(10, || common::http_get("127.0.0.1:18098"));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    // httpd as PID 1 ignores the first SIGTERM; the second one kills.
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    child.wait().unwrap();
    assert!(page.ends_with("served from an image\n"), "{page}");
    ok(&env, &["network", "rm", "t-img"]);
    assert!(
        !std::path::Path::new("/sys/class/net")
            .join(env.bridge("t-img"))
            .exists()
    );
    env.assert_clean();
}

/// `dockling ARGS` with extra environment variables: its output and how
/// long it took. Killed (and the test failed) after `limit`.
fn timed(
    env: &Env,
    args: &[&str],
    vars: &[(&str, &str)],
    limit: std::time::Duration,
) -> (std::process::Output, std::time::Duration) {
    let start = std::time::Instant::now();
    let mut cmd = env.cmd(args);
    cmd.envs(vars.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            return (child.wait_with_output().unwrap(), start.elapsed());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!(
                "dockling {args:?} still running after {limit:?}: {}",
                out(&o)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// What the store holds besides its fixed files: blobs, layers, pins and
/// temporary entries, relative to the root.
fn store_contents(env: &Env) -> Vec<String> {
    let mut v: Vec<String> = ["images/blobs/sha256", "layers", "pins"]
        .iter()
        .flat_map(|d| {
            files(&env.root.join(d))
                .into_iter()
                .map(move |f| format!("{d}/{f}"))
        })
        .collect();
    v.extend(
        files(&env.root.join("images"))
            .into_iter()
            .filter(|f| f.starts_with(".tmp-"))
            .map(|f| format!("images/{f}")),
    );
    v
}

#[test]
fn a_stalled_download_ends_within_the_timeout_naming_the_host_and_leaves_nothing() {
    let Some(env) =
        setup("a_stalled_download_ends_within_the_timeout_naming_the_host_and_leaves_nothing")
    else {
        return;
    };
    let reg = Registry::start(None);
    reg.push_image(
        "t/stall",
        "latest",
        &TestImage::new(vec![base(&env)]),
        false,
    );
    let front = Front::start(reg.port, Mode::StallBlobsAfter(64 << 10));
    let host = format!("127.0.0.1:{}", front.port);
    let r = format!("{host}/t/stall");
    let (o, took) = timed(
        &env,
        &["--trace", "quiet", "pull", &r],
        &[("DOCKLING_PULL_TIMEOUT", "3")],
        std::time::Duration::from_secs(60),
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(125), "{text}");
    assert!(
        text.contains(&format!("{host} sent nothing for 3s")),
        "the error names the host and the timeout: {text}"
    );
    assert!(text.contains("DOCKLING_PULL_TIMEOUT"), "{text}");
    assert!(
        took >= std::time::Duration::from_secs(3) && took < std::time::Duration::from_secs(15),
        "a 3 s stall timeout ended the pull after {took:?}"
    );
    eprintln!("stalled pull ended after {took:?}");
    assert_eq!(store_contents(&env), Vec::<String>::new());
    assert!(!ok(&env, &["images"]).contains("t/stall"));
    // On a terminal (script(1) gives it one), the layer's bar says it stalls.
    let o = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{} --trace quiet pull {r}", common::DOCKLING),
            "/dev/null",
        ])
        .env("DOCKLING_ROOT", &env.root)
        .env("DOCKLING_PULL_TIMEOUT", "4")
        .env("TERM", "xterm")
        .env_remove("DOCKLING_NO_PROGRESS")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(shown.contains("stalled 2s"), "{shown}");
    assert!(
        shown.contains(&format!("{host} sent nothing for 4s")),
        "{shown}"
    );
    assert_eq!(store_contents(&env), Vec::<String>::new());
    let (o, _) = timed(
        &env,
        &["--trace", "quiet", "pull", &r],
        &[("DOCKLING_PULL_TIMEOUT", "soon")],
        std::time::Duration::from_secs(60),
    );
    assert_eq!(o.status.code(), Some(125));
    assert!(
        out(&o).contains("DOCKLING_PULL_TIMEOUT=\"soon\""),
        "{}",
        out(&o)
    );
}

#[test]
fn a_redirect_target_that_asks_for_credentials_gets_none_and_the_pull_fails_cleanly() {
    let Some(env) =
        setup("a_redirect_target_that_asks_for_credentials_gets_none_and_the_pull_fails_cleanly")
    else {
        return;
    };
    let reg = Registry::start(None);
    reg.push_image(
        "t/redirected",
        "latest",
        &TestImage::new(vec![app_layer()]),
        false,
    );
    let front = Front::start(reg.port, Mode::RedirectToChallenger);
    let host = format!("127.0.0.1:{}", front.port);
    // The user is logged in to the registry: those are the credentials
    // the storage host must never see.
    ok(&env, &["login", &host, "-u", "carol", "-p", "hunter2"]);
    let text = fails(
        &env,
        &["--trace", "quiet", "pull", &format!("{host}/t/redirected")],
        "asks for credentials",
    );
    assert!(text.contains("127.0.0.2:"), "names the other host: {text}");
    let seen = front.seen.lock().unwrap();
    assert!(
        !seen.second_requests.is_empty(),
        "the redirect was followed"
    );
    assert!(
        seen.second_requests.iter().all(|(_, auth)| auth.is_none()),
        "an Authorization header reached the redirect target: {:?}",
        seen.second_requests
    );
    assert!(
        seen.second_requests
            .iter()
            .all(|(path, _)| !path.starts_with("/token")),
        "the redirect target's realm was asked for a token: {:?}",
        seen.second_requests
    );
    drop(seen);
    assert_eq!(store_contents(&env), Vec::<String>::new());
}

#[test]
fn a_token_realm_over_plain_http_off_loopback_is_refused_before_any_request() {
    let Some(env) =
        setup("a_token_realm_over_plain_http_off_loopback_is_refused_before_any_request")
    else {
        return;
    };
    let reg = Registry::start(None);
    // 192.0.2.1 (TEST-NET-1) is no host of this machine: dockling must
    // refuse without trying to connect (a connection would take its 10 s
    // connect timeout to fail).
    let front = Front::start(reg.port, Mode::Realm("http://192.0.2.1/token".into()));
    let host = format!("127.0.0.1:{}", front.port);
    let (o, took) = timed(
        &env,
        &["--trace", "quiet", "pull", &format!("{host}/t/any")],
        &[],
        std::time::Duration::from_secs(60),
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(125), "{text}");
    assert!(text.contains("plain http on 192.0.2.1"), "{text}");
    assert!(text.contains("refused"), "{text}");
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    // The same realm on loopback is the Bearer test's (accepted).
}

/// A tmpfs of `size` mounted on `dir` for the test's life.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        let o = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "mount tmpfs: {}", out(&o));
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let o = std::process::Command::new("umount")
            .arg(&self.0)
            .output()
            .unwrap();
        if !o.status.success() && !std::thread::panicking() {
            panic!("umount {}: {}", self.0.display(), out(&o));
        }
    }
}

#[test]
fn a_gzip_bomb_is_refused_early_by_the_size_limit_and_a_full_disk_is_named() {
    let Some(_env) =
        setup("a_gzip_bomb_is_refused_early_by_the_size_limit_and_a_full_disk_is_named")
    else {
        return;
    };
    let reg = Registry::start(None);
    let built = std::time::Instant::now();
    let bomb = Layer::gzip_bomb(3 << 30);
    eprintln!(
        "3 GiB of zeros in a {} byte gzip, built in {:?}",
        bomb.gz.len(),
        built.elapsed()
    );
    assert!(bomb.gz.len() < 16 << 20);
    reg.push_image(
        "t/bomb",
        "latest",
        &TestImage::new(vec![bomb.clone()]),
        false,
    );
    let r = format!("{}/t/bomb", reg.host());
    let pull = ["--trace", "quiet", "pull", r.as_str()];
    let minute = std::time::Duration::from_secs(60);

    // A 64 MiB store: the default limit is its free space, less a margin.
    let small = Env::new();
    let tmpfs = Tmpfs::mount(&small.root, "64m");
    let (o, took) = timed(&small, &pull, &[], minute);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(125), "{text}");
    assert!(
        text.contains("unpacks to more than the") && text.contains("the store can take"),
        "{text}"
    );
    assert!(
        text.contains(&small.root.join("layers").display().to_string()),
        "{text}"
    );
    assert!(!text.contains("registry's copy"), "{text}");
    eprintln!("bomb refused by the free space after {took:?}");
    assert_eq!(store_contents(&small), Vec::<String>::new());

    // A limit above the disk's size: the disk fills, and the error says so
    // (where, not the registry).
    let (o, took) = timed(
        &small,
        &pull,
        &[("DOCKLING_MAX_IMAGE_SIZE", "100g")],
        minute,
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(125), "{text}");
    assert!(
        text.contains(&format!(
            "the disk is full: no space left on the filesystem of {}",
            small.root.join("layers").display()
        )),
        "{text}"
    );
    assert!(!text.contains("registry"), "{text}");
    eprintln!("a full disk was reported after {took:?}");
    assert_eq!(store_contents(&small), Vec::<String>::new());
    drop(tmpfs);

    // DOCKLING_MAX_IMAGE_SIZE on a big disk.
    let big = Env::new();
    let (o, took) = timed(&big, &pull, &[("DOCKLING_MAX_IMAGE_SIZE", "16m")], minute);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(125), "{text}");
    assert!(
        text.contains("takes the image past DOCKLING_MAX_IMAGE_SIZE=16 MiB unpacked"),
        "{text}"
    );
    assert!(took < std::time::Duration::from_secs(20), "took {took:?}");
    assert_eq!(store_contents(&big), Vec::<String>::new());
    let (o, _) = timed(&big, &pull, &[("DOCKLING_MAX_IMAGE_SIZE", "huge")], minute);
    assert!(out(&o).contains("DOCKLING_MAX_IMAGE_SIZE"), "{}", out(&o));
    // `load` unpacks a tarball whole before its layers: the same limit.
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("bomb.tar.gz");
    std::fs::write(&archive, &bomb.gz).unwrap();
    let (o, took) = timed(
        &big,
        &["--trace", "quiet", "load", archive.to_str().unwrap()],
        &[("DOCKLING_MAX_IMAGE_SIZE", "16m")],
        minute,
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(125), "{text}");
    assert!(
        text.contains(&format!(
            "refused: {} takes the image past DOCKLING_MAX_IMAGE_SIZE=16 MiB",
            archive.display()
        )),
        "{text}"
    );
    assert!(took < std::time::Duration::from_secs(20), "took {took:?}");
    assert_eq!(store_contents(&big), Vec::<String>::new());
}

#[test]
fn load_refuses_a_fifo_or_a_device_as_a_blob_without_opening_it() {
    let Some(env) = setup("load_refuses_a_fifo_or_a_device_as_a_blob_without_opening_it") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let minute = std::time::Duration::from_secs(60);
    // A docker save archive whose layer is a FIFO entry.
    let config = TestImage::new(vec![app_layer()]).config_bytes();
    let manifest = serde_json::to_vec(&serde_json::json!([
        {"Config": "config.json", "RepoTags": ["fifo/test:1"], "Layers": ["layer.tar"]}
    ]))
    .unwrap();
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in [("manifest.json", &manifest), ("config.json", &config)] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_path(name).unwrap();
        h.set_cksum();
        b.append(&h, &data[..]).unwrap();
    }
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Fifo);
    h.set_size(0);
    h.set_mode(0o644);
    h.set_path("layer.tar").unwrap();
    h.set_cksum();
    b.append(&h, &[][..]).unwrap();
    let archive = work.path().join("fifo.tar");
    std::fs::write(&archive, b.into_inner().unwrap()).unwrap();
    let (o, took) = timed(
        &env,
        &["--trace", "quiet", "load", archive.to_str().unwrap()],
        &[],
        minute,
    );
    assert_eq!(o.status.code(), Some(125), "{}", out(&o));
    assert!(out(&o).contains("FIFO"), "{}", out(&o));
    eprintln!("a FIFO in an archive was refused in {took:?}");

    // An OCI layout directory whose layer blob is a FIFO (and one whose
    // config is a device).
    let reg = Registry::start(None);
    reg.push_image("t/fifo", "v1", &TestImage::new(vec![app_layer()]), false);
    let layout = work.path().join("layout");
    let o = std::process::Command::new("skopeo")
        .args([
            "copy",
            "--src-tls-verify=false",
            &format!("docker://{}/t/fifo:v1", reg.host()),
            &format!("oci:{}:v1", layout.display()),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "skopeo: {}", out(&o));
    let layer_hex = rootfs_fetch::oci::digest::Digest::of(&app_layer().gz)
        .hex()
        .to_string();
    let blob = layout.join("blobs/sha256").join(&layer_hex);
    std::fs::remove_file(&blob).unwrap();
    nix::unistd::mkfifo(&blob, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    let (o, took) = timed(
        &env,
        &["--trace", "quiet", "load", layout.to_str().unwrap()],
        &[],
        minute,
    );
    assert_eq!(o.status.code(), Some(125), "{}", out(&o));
    assert!(out(&o).contains("is a FIFO"), "{}", out(&o));
    eprintln!("a FIFO in a layout was refused in {took:?}");
    // The index itself as a device: refused, not read.
    let index = layout.join("index.json");
    std::fs::remove_file(&index).unwrap();
    nix::sys::stat::mknod(
        &index,
        nix::sys::stat::SFlag::S_IFCHR,
        nix::sys::stat::Mode::from_bits_truncate(0o644),
        nix::sys::stat::makedev(1, 5),
    )
    .unwrap();
    let (o, _) = timed(
        &env,
        &["--trace", "quiet", "load", layout.to_str().unwrap()],
        &[],
        minute,
    );
    assert_eq!(o.status.code(), Some(125), "{}", out(&o));
    assert!(!ok(&env, &["images"]).contains("fifo"));
    assert!(
        store_contents(&env)
            .iter()
            .all(|f| !f.starts_with("layers/")),
        "{:?}",
        store_contents(&env)
    );
}

#[test]
fn prune_and_rmi_during_a_pull_keep_the_layers_it_finished_and_run_works_after() {
    let Some(env) =
        setup("prune_and_rmi_during_a_pull_keep_the_layers_it_finished_and_run_works_after")
    else {
        return;
    };
    let reg = Registry::start(None);
    let other = TestImage::new(vec![TarBuilder::new().file("other", b"o").build()]);
    reg.push_image("t/other", "latest", &other, false);
    let other_ref = format!("{}/t/other", reg.host());
    ok(&env, &["--trace", "quiet", "pull", &other_ref]);
    let top = app_layer();
    let img = TestImage::new(vec![base(&env), top.clone()]);
    reg.push_image("t/raced", "latest", &img, false);
    let held = rootfs_fetch::oci::digest::Digest::of(&top.gz);
    let front = Front::start(reg.port, Mode::HoldBlob(held.hex().to_string()));
    let r = format!("127.0.0.1:{}/t/raced", front.port);
    let pull = env
        .cmd(&["--trace", "quiet", "pull", &r])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The base layer is in place, the top one is being downloaded.
    let base_dir = env.root.join("layers").join(base(&env).diff_id().hex());
    common::wait_for(30, || {
        (base_dir.is_dir() && layer_dirs(&env).iter().any(|d| d.starts_with(".tmp-layer")))
            .then_some(())
    });
    let text = ok(&env, &["image", "prune"]);
    assert!(text.contains("kept 1 layer(s)"), "{text}");
    let text = ok(&env, &["rmi", &other_ref]);
    assert!(text.contains("Deleted 1 layer(s)"), "{text}");
    assert!(
        base_dir.join("bin").is_dir(),
        "prune and rmi removed a layer the pull had finished"
    );
    front.release();
    let o = pull.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(
        run_image(&env, &[&r, "cat", "/app/message"]),
        "hello from layer two\n"
    );
    // Done: the pull's pin is gone, and a prune keeps the image whole.
    assert!(files(&env.root.join("pins")).is_empty());
    let text = ok(&env, &["image", "prune"]);
    assert!(text.contains("removed 0 blob(s) and 0 layer(s)"), "{text}");
    env.assert_clean();
}

#[test]
fn rmi_of_a_running_containers_image_is_a_conflict_and_rmi_f_keeps_its_layers() {
    let Some(env) =
        setup("rmi_of_a_running_containers_image_is_a_conflict_and_rmi_f_keeps_its_layers")
    else {
        return;
    };
    let reg = Registry::start(None);
    reg.push_image("t/busy", "latest", &TestImage::new(vec![base(&env)]), false);
    let r = format!("{}/t/busy", reg.host());
    ok(&env, &["--trace", "quiet", "pull", &r]);
    let id = {
        let v: serde_json::Value =
            serde_json::from_str(&ok(&env, &["image", "inspect", &r])).unwrap();
        v["Id"].as_str().unwrap()[7..19].to_string()
    };
    let signal = tempfile::tempdir().unwrap();
    let mut child = env
        .cmd(&[
            "--trace",
            "quiet",
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            &format!("{}:/s", signal.path().display()),
            &r,
            "sh",
            "-c",
            "echo ready; while [ ! -e /s/go ]; do sleep 0.1; done; ls /bin/busybox && echo still-there",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert_eq!(line, "ready\n");
    let runs: Vec<String> = std::fs::read_dir(env.runs())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let layer = env.root.join("layers").join(base(&env).diff_id().hex());

    let text = fails_with(
        &env,
        &["rmi", &r],
        1,
        "conflict: unable to remove repository reference",
    );
    assert!(
        text.contains(&format!(
            "conflict: unable to remove repository reference \"{r}\" (must force) - container {} is using its referenced image {id}",
            runs[0]
        )),
        "{text}"
    );
    assert!(layer.join("bin").is_dir());
    assert!(ok(&env, &["images"]).contains("t/busy"));
    let text = fails_with(&env, &["rmi", &id], 1, "conflict: unable to delete");
    assert!(
        text.contains("image is being used by running container"),
        "{text}"
    );

    // -f: the name goes, the layers stay while the container runs.
    let text = ok(&env, &["rmi", "-f", &r]);
    assert!(text.contains(&format!("Untagged: {r}:latest")), "{text}");
    assert!(text.contains("kept 1 layer(s)"), "{text}");
    assert!(!ok(&env, &["images"]).contains("t/busy"));
    ok(&env, &["image", "prune"]);
    assert!(
        layer.join("bin").is_dir(),
        "prune removed a running container's layer"
    );

    std::fs::write(signal.path().join("go"), "").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{rest}");
    assert_eq!(rest, "/bin/busybox\nstill-there\n");
    // The container has ended and was removed (--rm): its pin is gone,
    // and prune takes the layer.
    assert!(files(&env.root.join("pins")).is_empty());
    let text = ok(&env, &["image", "prune"]);
    assert!(text.contains("1 layer(s)"), "{text}");
    assert!(layer_dirs(&env).is_empty(), "{:?}", layer_dirs(&env));
    env.assert_clean();
}

#[test]
fn a_run_killed_with_sigkill_shows_exited_and_its_container_holds_the_image_until_rm() {
    let Some(env) =
        setup("a_run_killed_with_sigkill_shows_exited_and_its_container_holds_the_image_until_rm")
    else {
        return;
    };
    let reg = Registry::start(None);
    reg.push_image(
        "t/killed",
        "latest",
        &TestImage::new(vec![base(&env)]),
        false,
    );
    let r = format!("{}/t/killed", reg.host());
    ok(&env, &["--trace", "quiet", "pull", &r]);
    let mut child = env
        .cmd(&[
            "--trace",
            "quiet",
            "run",
            "--network",
            "none",
            &r,
            "sh",
            "-c",
            "echo ready; sleep 30",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line, "ready\n");
    assert_eq!(files(&env.root.join("pins")).len(), 1);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    child.wait().unwrap();
    assert_eq!(
        files(&env.root.join("pins")).len(),
        1,
        "SIGKILL leaves the pin"
    );
    // The foreground run was the container's monitor: ps tells the truth.
    let ps = ok(&env, &["ps", "-a"]);
    assert!(ps.contains("Exited (137)"), "{ps}");
    ok(&env, &["--trace", "quiet", "cleanup"]);
    // The container is still there (stopped, as after docker's daemon
    // lost it), and it still holds its image.
    assert_eq!(files(&env.root.join("pins")).len(), 1);
    fails_with(&env, &["rmi", &r], 1, "is using its referenced image");
    let id = ok(&env, &["ps", "-aq"]);
    ok(&env, &["rm", id.trim()]);
    assert!(files(&env.root.join("pins")).is_empty());
    ok(&env, &["rmi", &r]);
    assert!(layer_dirs(&env).is_empty());
    env.assert_clean();
}

#[test]
fn a_layer_unpacked_from_another_blob_keeps_this_images_blob_and_schema2_is_stored_as_oci() {
    let Some(env) = setup(
        "a_layer_unpacked_from_another_blob_keeps_this_images_blob_and_schema2_is_stored_as_oci",
    ) else {
        return;
    };
    let reg = Registry::start(None);
    let layer = app_layer();
    let again = layer.clone().regzipped();
    assert_eq!(layer.diff_id(), again.diff_id());
    let mut a = TestImage::new(vec![base(&env), layer]);
    a.cmd = vec!["cat".into(), "/app/message".into()];
    let mut b = a.clone();
    b.layers[1] = again.clone();
    reg.push_image("t/first", "latest", &a, false);
    let b_digest = reg.push_image("t/second", "latest", &b, true);
    let ra = format!("{}/t/first", reg.host());
    let rb = format!("{}/t/second", reg.host());
    ok(&env, &["--trace", "quiet", "pull", &ra]);
    let o = env.run(&["--trace", "json", "pull", &rb]);
    assert!(o.status.success(), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.matches("\"step\":\"pull_layer_blob\"").count(),
        1,
        "{err}"
    );
    assert_eq!(
        err.matches("\"step\":\"pull_layer_present\"").count(),
        1,
        "{err}"
    );
    // The registry's digest is what pull prints and inspect shows.
    assert!(
        String::from_utf8_lossy(&o.stdout).contains(&b_digest.to_string()),
        "{}",
        out(&o)
    );
    let blob = |l: &Layer| {
        env.root
            .join("images/blobs/sha256")
            .join(rootfs_fetch::oci::digest::Digest::of(&l.gz).hex())
    };
    assert!(
        blob(&again).is_file(),
        "the second image's own blob is kept"
    );
    let inspect: serde_json::Value =
        serde_json::from_str(&ok(&env, &["image", "inspect", &rb])).unwrap();
    assert_eq!(inspect["ManifestDigest"], b_digest.to_string());
    assert_eq!(
        inspect["RepoDigests"][0],
        format!("{}/t/second@{b_digest}", reg.host())
    );
    let layout_digest = inspect["LayoutManifestDigest"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(
        layout_digest,
        b_digest.to_string(),
        "stored in its OCI form"
    );
    let stored: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            env.root
                .join("images/blobs/sha256")
                .join(&layout_digest["sha256:".len()..]),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["mediaType"], OCI_MANIFEST);
    assert!(!stored.to_string().contains("vnd.docker"), "{stored}");
    // Found by the registry's digest, and runs.
    assert_eq!(
        run_image(&env, &[&format!("{rb}@{b_digest}")]),
        "hello from layer two\n"
    );

    // skopeo and umoci read both images from the store.
    let layout = env.root.join("images");
    let umoci = |r: &str| {
        let work = tempfile::tempdir().unwrap();
        let bundle = work.path().join("bundle");
        let o = std::process::Command::new("skopeo")
            .args(["inspect", &format!("oci:{}:{r}:latest", layout.display())])
            .output()
            .unwrap();
        assert!(o.status.success(), "skopeo inspect {r}: {}", out(&o));
        let o = std::process::Command::new("umoci")
            .args([
                "unpack",
                "--image",
                &format!("{}:{r}:latest", layout.display()),
                bundle.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "umoci unpack {r}: {}", out(&o));
        std::fs::read_to_string(bundle.join("rootfs/app/message")).unwrap()
    };
    assert_eq!(umoci(&ra), "hello from layer two\n");
    assert_eq!(umoci(&rb), "hello from layer two\n");
    // The first image goes: its blob with it, the shared layer stays.
    ok(&env, &["rmi", &ra]);
    assert!(!blob(&a.layers[1]).exists());
    assert!(blob(&again).is_file());
    assert_eq!(umoci(&rb), "hello from layer two\n");
    assert_eq!(run_image(&env, &[&rb]), "hello from layer two\n");
}

#[test]
fn temporary_files_and_stale_pins_are_swept_by_cleanup_and_image_prune() {
    let Some(env) = setup("temporary_files_and_stale_pins_are_swept_by_cleanup_and_image_prune")
    else {
        return;
    };
    let reg = Registry::start(None);
    reg.push_image(
        "t/kept",
        "latest",
        &TestImage::new(vec![app_layer()]),
        false,
    );
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "pull",
            &format!("{}/t/kept", reg.host()),
        ],
    );
    // A process that is alive (this test) keeps its temporary files.
    let live = env
        .root
        .join(format!("images/.tmp-write-{}-0", std::process::id()));
    std::fs::write(&live, "in progress").unwrap();
    let kept = store_contents(&env);
    let leave = || {
        // What killed processes leave: pid 999999999 is above any pid_max.
        std::fs::write(env.root.join("images/.tmp-write-999999999-0"), "{").unwrap();
        std::fs::write(
            env.root.join("images/blobs/sha256/.tmp-blob-999999999-1"),
            "partial",
        )
        .unwrap();
        let layer = env.root.join("layers/.tmp-layer-999999999-2/etc");
        std::fs::create_dir_all(&layer).unwrap();
        std::fs::write(layer.join("passwd"), "x").unwrap();
        std::fs::set_permissions(&layer, std::os::unix::fs::PermissionsExt::from_mode(0o555))
            .unwrap();
        std::fs::create_dir_all(env.root.join("layers/.tmp-load-999999999-3")).unwrap();
        std::fs::write(env.root.join("pins/.tmp-pin-999999999-4"), "{").unwrap();
        // A pin whose holder was killed: unlocked.
        std::fs::write(
            env.root.join("pins/pull-deadbeef0000"),
            r#"{"holder":"pull","id":"deadbeef0000","reference":"x","image":null,"blobs":[],"layers":[]}"#,
        )
        .unwrap();
    };
    for how in [
        &["--trace", "quiet", "cleanup"][..],
        &["image", "prune"][..],
    ] {
        leave();
        assert_eq!(store_contents(&env).len(), kept.len() + 8);
        ok(&env, how);
        assert_eq!(store_contents(&env), kept, "after {how:?}");
        assert!(live.exists(), "{how:?} removed a live process's file");
    }
    std::fs::remove_file(&live).unwrap();
}
