//! Images made here: `dockling build` from a Dockerfile (steps, the layer
//! cache, bad input), `commit` of a container's changes (its layer tar
//! against `diff`), `image history`, and podman running a built image
//! pushed to a local registry. Each test has its own state root, registry
//! and names; runs use `--network none` (networking has its own tests).

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::Env;
use common::registry::{Layer, Registry, TarBuilder, TestImage};

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

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(env: &Env, args: &[&str]) -> Output {
    let o = env.run(args);
    assert!(o.status.success(), "dockling {args:?}: {}", out(&o));
    o
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `dockling run --rm --network none ARGS…`: its standard output.
fn run_image(env: &Env, args: &[&str]) -> String {
    let mut all = vec!["--trace", "quiet", "run", "--rm", "--network", "none"];
    all.extend_from_slice(args);
    stdout(&ok(env, &all))
}

/// A registry holding the busybox rootfs (plus an /app layer) as
/// HOST/base:1, pulled into the store; returns the registry and the name.
fn base_image(env: &Env) -> (Registry, String) {
    let reg = Registry::start(None);
    let app = TarBuilder::new()
        .dir("app/")
        .file("app/keep", b"keep\n")
        .file("app/change", b"before\n")
        .file("app/remove", b"doomed\n")
        .build();
    let img = TestImage::new(vec![base(env), app]);
    reg.push_image("base", "1", &img, false);
    let name = format!("{}/base:1", reg.host());
    ok(env, &["--trace", "quiet", "pull", &name]);
    (reg, name)
}

/// A build context with these files.
fn context(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    d
}

fn build(env: &Env, tag: &str, ctx: &Path) -> Output {
    env.run(&[
        "--trace",
        "quiet",
        "build",
        "-t",
        tag,
        &ctx.display().to_string(),
    ])
}

/// Each `#N` step line's text, and whether it said CACHED.
fn steps(err: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for l in err.lines() {
        let Some(rest) = l.strip_prefix('#') else {
            continue;
        };
        let (_, text) = rest.split_once(' ').unwrap_or((rest, ""));
        if text.starts_with('[') {
            out.push((text.to_string(), false));
        } else if text == "CACHED"
            && let Some(last) = out.last_mut()
        {
            last.1 = true;
        }
    }
    out
}

fn inspect(env: &Env, image: &str) -> serde_json::Value {
    let o = ok(env, &["image", "inspect", image]);
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The store's manifest of `image`.
fn manifest(env: &Env, image: &str) -> serde_json::Value {
    let d = inspect(env, image)["LayoutManifestDigest"]
        .as_str()
        .unwrap()
        .to_string();
    let hex = d.strip_prefix("sha256:").unwrap();
    serde_json::from_slice(&std::fs::read(blob(env, hex)).unwrap()).unwrap()
}

fn blob(env: &Env, hex: &str) -> PathBuf {
    env.root.join("images/blobs/sha256").join(hex)
}

/// The entry names of the image's top layer tar (from its gzip'd blob).
fn top_layer_entries(env: &Env, image: &str) -> Vec<String> {
    let m = manifest(env, image);
    let top = m["layers"].as_array().unwrap().last().unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let gz = std::fs::read(blob(env, top.strip_prefix("sha256:").unwrap())).unwrap();
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut tar)
        .unwrap();
    let mut a = tar::Archive::new(&tar[..]);
    a.entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect()
}

/// Mounts whose source or target is below this test's root.
fn mounts_below(env: &Env) -> Vec<String> {
    let root = env.root.display().to_string();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(&root))
        .map(String::from)
        .collect()
}

/// Temporary entries (`.tmp-*`) in the store.
fn temps(env: &Env) -> Vec<String> {
    let mut v = Vec::new();
    for d in ["layers", "images", "images/blobs/sha256", "pins"] {
        for e in std::fs::read_dir(env.root.join(d))
            .into_iter()
            .flatten()
            .flatten()
        {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(".tmp-") {
                v.push(format!("{d}/{n}"));
            }
        }
    }
    v
}

fn assert_nothing_left(env: &Env) {
    assert_eq!(
        stdout(&ok(env, &["ps", "-aq"])).trim(),
        "",
        "containers left"
    );
    assert!(
        mounts_below(env).is_empty(),
        "mounts left: {:?}",
        mounts_below(env)
    );
    assert!(
        temps(env).is_empty(),
        "temporary files left: {:?}",
        temps(env)
    );
    let runs: Vec<_> = std::fs::read_dir(env.runs())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(runs.is_empty(), "run directories left: {runs:?}");
    let overlay: Vec<_> = std::fs::read_dir(env.root.join("overlay"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(overlay.is_empty(), "overlay directories left: {overlay:?}");
    env.assert_clean();
}

#[test]
fn a_three_step_dockerfile_builds_runs_and_is_cached_until_a_copied_file_changes() {
    let Some(env) = setup("a_three_step_dockerfile_builds") else {
        return;
    };
    let (_reg, base) = base_image(&env);
    let dockerfile = format!(
        "# a comment\nFROM {base}\nCOPY greeting.txt /data/\nRUN cat /data/greeting.txt > /data/out \\\n    && echo made-by-run >> /data/out\nCMD [\"cat\", \"/data/out\"]\n"
    );
    let ctx = context(&[("Dockerfile", &dockerfile), ("greeting.txt", "hello\n")]);
    let first = build(&env, "localhost/app:1", ctx.path());
    assert!(first.status.success(), "{}", out(&first));
    eprintln!("--- first build:\n{}", out(&first));
    let s = steps(&stderr(&first));
    assert_eq!(s.len(), 3, "{}", stderr(&first));
    assert!(s[0].0.starts_with("[1/3] FROM"), "{s:?}");
    assert!(
        s[1].0.starts_with("[2/3] COPY greeting.txt /data/"),
        "{s:?}"
    );
    assert!(s[2].0.starts_with("[3/3] RUN /bin/sh -c cat"), "{s:?}");
    assert!(
        s.iter().all(|(_, cached)| !cached),
        "a first build ran every step: {s:?}"
    );
    assert_eq!(
        run_image(&env, &["localhost/app:1"]),
        "hello\nmade-by-run\n"
    );
    let id = inspect(&env, "localhost/app:1")["Id"].clone();

    // The same context again: every step CACHED, the same image, fast.
    let t = Instant::now();
    let again = build(&env, "localhost/app:1", ctx.path());
    let took = t.elapsed();
    assert!(again.status.success(), "{}", out(&again));
    eprintln!("--- the same again:\n{}", out(&again));
    let s = steps(&stderr(&again));
    assert_eq!(s.len(), 3);
    assert!(
        s[1..].iter().all(|(_, cached)| *cached),
        "{}",
        stderr(&again)
    );
    assert!(!stderr(&again).contains("DONE"), "{}", stderr(&again));
    assert_eq!(
        inspect(&env, "localhost/app:1")["Id"],
        id,
        "a cached build is the same image"
    );
    eprintln!("cached rebuild took {took:?}");
    assert!(
        took < Duration::from_millis(200),
        "a cached build took {took:?}"
    );

    // A copied file changed: COPY and what follows run again.
    std::fs::write(ctx.path().join("greeting.txt"), "changed\n").unwrap();
    let third = build(&env, "localhost/app:1", ctx.path());
    assert!(third.status.success(), "{}", out(&third));
    eprintln!("--- after changing greeting.txt:\n{}", out(&third));
    let s = steps(&stderr(&third));
    assert!(!s[1].1 && !s[2].1, "COPY and RUN must run again: {s:?}");
    assert_eq!(
        run_image(&env, &["localhost/app:1"]),
        "changed\nmade-by-run\n"
    );
    assert_ne!(inspect(&env, "localhost/app:1")["Id"], id);

    // Only the CMD changed: the layers before it are CACHED.
    let ctx2 = context(&[
        (
            "Dockerfile",
            &dockerfile.replace("/data/out\"]", "/data/greeting.txt\"]"),
        ),
        ("greeting.txt", "changed\n"),
    ]);
    let fourth = build(&env, "localhost/app:2", ctx2.path());
    assert!(fourth.status.success(), "{}", out(&fourth));
    let s = steps(&stderr(&fourth));
    assert!(s[1].1 && s[2].1, "{s:?}");
    assert_eq!(run_image(&env, &["localhost/app:2"]), "changed\n");

    // history: newest first, the CMD an empty layer.
    let id = inspect(&env, "localhost/app:1")["Id"].clone();
    let h = stdout(&ok(&env, &["image", "history", "localhost/app:1"]));
    eprintln!("--- image history:\n{h}");
    let lines: Vec<&str> = h.lines().collect();
    assert!(lines[0].starts_with("IMAGE "), "{h}");
    assert!(
        lines[1].contains("CMD [\"cat\",\"/data/out\"]") && lines[1].contains(" 0B "),
        "{h}"
    );
    assert!(lines[2].contains("RUN /bin/sh -c cat"), "{h}");
    assert!(lines[3].contains("COPY greeting.txt /data/"), "{h}");
    assert!(lines[2..].iter().all(|l| l.contains("<missing>")), "{h}");
    assert!(
        lines[1].starts_with(&id.as_str().unwrap()["sha256:".len()..][..12]),
        "the newest row is the image: {h}"
    );
    assert_eq!(lines.len(), 1 + 3 + 2, "{h}");
    let same = stdout(&ok(&env, &["history", "--no-trunc", "localhost/app:1"]));
    assert!(same.contains("RUN /bin/sh -c cat /data/greeting.txt > /data/out     && echo made-by-run >> /data/out # buildkit"), "{same}");
    assert_nothing_left(&env);
}

#[test]
fn the_dockerfile_subset_env_arg_workdir_user_dockerignore_and_add() {
    let Some(env) = setup("the_dockerfile_subset") else {
        return;
    };
    let (_reg, base) = base_image(&env);
    // An archive ADD unpacks.
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(5);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut h, "inner/file", &b"tarry"[..])
        .unwrap();
    let tar = tar.into_inner().unwrap();
    let dockerfile = format!(
        "ARG BASE={base}\nFROM $BASE\nARG WHO=nobody\nENV GREETING=\"hi there\" \\\n    PLACE=${{WHO:-x}}\nWORKDIR /srv/app\nCOPY --chown=1234:4321 . ./\nADD pack.tar /unpacked/\nLABEL made.by=\"dockling build\"\nEXPOSE 8080\nRUN chown 1234 /srv/app\nUSER 1234\nRUN echo \"$GREETING from $PLACE as $(id -u)\" > note && ls -n /srv/app | sort > listing\nENTRYPOINT [\"sh\", \"-c\"]\nCMD [\"cat note listing /unpacked/inner/file; echo; pwd\"]\n"
    );
    let ctx = context(&[
        ("Dockerfile", &dockerfile),
        (
            ".dockerignore",
            "*.md\n!KEEP.md\nsecret/\nDockerfile\n.dockerignore\n",
        ),
        ("a.txt", "a\n"),
        ("notes.md", "left out\n"),
        ("KEEP.md", "kept\n"),
        ("secret/key", "x\n"),
    ]);
    std::fs::write(ctx.path().join("pack.tar"), &tar).unwrap();
    let o = env.run(&[
        "--trace",
        "quiet",
        "build",
        "--build-arg",
        "WHO=students",
        "--build-arg",
        "NOBODY=uses-this",
        "-t",
        "localhost/subset",
        &ctx.path().display().to_string(),
    ]);
    assert!(o.status.success(), "{}", out(&o));
    let err = stderr(&o);
    assert!(
        err.contains("[Warning] One or more build-args [NOBODY] were not consumed"),
        "{err}"
    );
    let said = run_image(&env, &["localhost/subset"]);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines[0], "hi there from students as 1234", "{said}");
    // .dockerignore: notes.md, secret/, Dockerfile left out; KEEP.md in;
    // the copied files owned by --chown.
    let listing: Vec<&str> = lines[1..lines.len() - 2].to_vec();
    let names: Vec<&str> = listing
        .iter()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    assert!(
        names.contains(&"a.txt") && names.contains(&"KEEP.md"),
        "{said}"
    );
    assert!(
        !names
            .iter()
            .any(|n| *n == "notes.md" || *n == "secret" || *n == "Dockerfile"),
        "{said}"
    );
    for l in listing
        .iter()
        .filter(|l| l.contains("a.txt") || l.contains("KEEP.md"))
    {
        let f: Vec<&str> = l.split_whitespace().collect();
        assert_eq!((f[2], f[3]), ("1234", "4321"), "{l}");
    }
    assert_eq!(lines[lines.len() - 2], "tarry", "{said}");
    assert_eq!(lines[lines.len() - 1], "/srv/app", "{said}");
    let i = inspect(&env, "localhost/subset");
    assert_eq!(i["Config"]["User"], "1234");
    assert_eq!(i["Config"]["WorkingDir"], "/srv/app");
    assert_eq!(i["Config"]["Labels"]["made.by"], "dockling build");
    assert_eq!(
        i["Config"]["ExposedPorts"],
        serde_json::json!({"8080/tcp": {}}),
        "{i}"
    );
    let env_list: Vec<String> = i["Config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(
        env_list.contains(&"GREETING=hi there".to_string()),
        "{env_list:?}"
    );
    assert!(
        env_list.contains(&"PLACE=students".to_string()),
        "{env_list:?}"
    );
    assert!(
        !env_list.iter().any(|e| e.starts_with("WHO=")),
        "an ARG is not kept: {env_list:?}"
    );
    assert_nothing_left(&env);
}

#[test]
fn bad_dockerfiles_are_refused_by_line_and_a_failed_run_leaves_nothing() {
    let Some(env) = setup("bad_dockerfiles") else {
        return;
    };
    let (_reg, base) = base_image(&env);
    // A Dockerfile dockling refuses: 125, dockling's own failure; a RUN
    // whose command fails: 1, as docker build.
    let fails_with = |code: i32, dockerfile: &str, says: &str| -> String {
        let ctx = context(&[("Dockerfile", dockerfile), ("there.txt", "x")]);
        let o = build(&env, "localhost/bad", ctx.path());
        let text = out(&o);
        assert_eq!(o.status.code(), Some(code), "{text}");
        assert!(text.contains(says), "expected {says:?} in {text}");
        let error_lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("dockling:"))
            .collect();
        assert_eq!(error_lines.len(), 1, "one error line: {text}");
        text
    };
    let fails = |dockerfile: &str, says: &str| fails_with(125, dockerfile, says);
    fails(
        &format!("FROM {base}\nCOPY there.txt /\nHEALTHCHECK CMD true\n"),
        "Dockerfile line 3: unsupported instruction HEALTHCHECK",
    );
    fails(
        &format!("FROM {base}\n\nSHOUT hello\n"),
        "Dockerfile line 3: unknown instruction: SHOUT",
    );
    fails(
        &format!("FROM {base} AS one\nRUN true\n"),
        "Dockerfile line 1: FROM takes one image",
    );
    fails(
        &format!("FROM {base}\nRUN --mount=type=cache,target=/x true\n"),
        "Dockerfile line 2: RUN does not take the flag --mount",
    );
    fails(
        &format!("FROM {base}\nADD http://example.com/x /x\n"),
        "downloading from a URL is not supported",
    );
    fails(
        &format!("FROM {base}\nCOPY there.txt missing.txt /\n"),
        "Dockerfile line 2: COPY: missing.txt: not found in the build context",
    );
    assert_nothing_left(&env);
    // A RUN that fails: its container, mounts and temporary layer go.
    let text = fails_with(
        1,
        &format!("FROM {base}\nCOPY there.txt /\nRUN echo partial > /made && exit 3\n"),
        "did not complete successfully: exit code: 3",
    );
    assert!(text.contains("Dockerfile line 3"), "{text}");
    assert!(
        stdout(&ok(&env, &["images"]))
            .lines()
            .all(|l| !l.contains("localhost/bad")),
        "no image named after a failed build"
    );
    assert_nothing_left(&env);
}

#[test]
fn commit_turns_a_containers_changes_into_a_layer_that_matches_diff() {
    let Some(env) = setup("commit_turns_a_containers_changes") else {
        return;
    };
    let (_reg, base) = base_image(&env);
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "run",
            "--name",
            "changer",
            "--network",
            "none",
            &base,
            "sh",
            "-c",
            "echo new > /app/added && echo after > /app/change && rm /app/remove",
        ],
    );
    let diff = stdout(&ok(&env, &["diff", "changer"]));
    eprintln!("--- diff changer:\n{diff}");
    let diff_lines: BTreeSet<String> = diff.lines().map(String::from).collect();
    let expected: BTreeSet<String> = ["C /app", "A /app/added", "C /app/change", "D /app/remove"]
        .map(String::from)
        .into();
    assert_eq!(diff_lines, expected, "{diff}");
    let o = ok(
        &env,
        &[
            "--trace",
            "quiet",
            "commit",
            "-m",
            "three changes",
            "-a",
            "a student",
            "-c",
            "CMD [\"cat\", \"/app/added\"]",
            "changer",
            "localhost/committed:v1",
        ],
    );
    let id = stdout(&o).trim().to_string();
    eprintln!("--- commit:\n{id}");
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");
    assert_eq!(inspect(&env, "localhost/committed:v1")["Id"], id.as_str());
    // The top layer's tar: exactly what diff said, deletions as .wh. files.
    let entries: BTreeSet<String> = top_layer_entries(&env, "localhost/committed:v1")
        .into_iter()
        .map(|e| e.trim_end_matches('/').to_string())
        .collect();
    let from_diff: BTreeSet<String> = diff_lines
        .iter()
        .map(|l| {
            let (kind, path) = l.split_once(' ').unwrap();
            let path = path.trim_start_matches('/');
            if kind == "D" {
                let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
                format!("{dir}/.wh.{name}")
                    .trim_start_matches('/')
                    .to_string()
            } else {
                path.to_string()
            }
        })
        .collect();
    assert_eq!(entries, from_diff);
    assert!(entries.contains("app/.wh.remove"), "{entries:?}");
    eprintln!("--- top layer tar: {entries:?}");
    // Run of the new image: the change is there, the deleted file gone.
    assert_eq!(run_image(&env, &["localhost/committed:v1"]), "new\n");
    assert_eq!(
        run_image(
            &env,
            &[
                "localhost/committed:v1",
                "sh",
                "-c",
                "cat /app/change; ls /app"
            ]
        ),
        "after\nadded\nchange\nkeep\n"
    );
    let h = stdout(&ok(&env, &["history", "localhost/committed:v1"]));
    let top = h.lines().nth(1).unwrap();
    assert!(
        top.contains("three changes") && top.starts_with(&id[7..19]),
        "{h}"
    );
    // A running container: frozen while read, running after.
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "run",
            "-d",
            "--name",
            "live",
            "--network",
            "none",
            &base,
            "sh",
            "-c",
            "echo live > /app/live; sleep 600",
        ],
    );
    common::wait_for(10, || {
        stdout(&env.run(&["diff", "live"]))
            .contains("A /app/live")
            .then_some(())
    });
    let o = ok(&env, &["--trace", "quiet", "commit", "live"]);
    let unnamed = stdout(&o).trim().to_string();
    assert_eq!(
        stdout(&ok(&env, &["inspect", "-f", "{{.State.Status}}", "live"])).trim(),
        "running"
    );
    assert_eq!(
        run_image(&env, &[&unnamed[7..], "cat", "/app/live"]),
        "live\n"
    );
    ok(&env, &["rm", "-f", "live", "changer"]);
    assert_nothing_left(&env);
}

#[test]
fn podman_runs_an_image_dockling_built() {
    let Some(env) = setup("podman_runs_an_image_dockling_built") else {
        return;
    };
    let (reg, base) = base_image(&env);
    let ctx = context(&[
        (
            "Dockerfile",
            &format!(
                "FROM {base}\nCOPY msg /msg\nRUN rm /app/remove && tr a-z A-Z < /msg > /shout\nCMD [\"sh\", \"-c\", \"cat /shout; ls /app\"]\n"
            ),
        ),
        ("msg", "built by dockling\n"),
    ]);
    let o = build(&env, "localhost/forpodman:1", ctx.path());
    assert!(o.status.success(), "{}", out(&o));
    // Push it from the store with dockling's own pusher.
    let m = manifest(&env, "localhost/forpodman:1");
    let read = |d: &serde_json::Value| {
        let d = d["digest"].as_str().unwrap();
        std::fs::read(blob(&env, d.strip_prefix("sha256:").unwrap())).unwrap()
    };
    let config = read(&m["config"]);
    let layers: Vec<(Vec<u8>, String)> = m["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (read(l), l["mediaType"].as_str().unwrap().to_string()))
        .collect();
    let pusher = dockling::image::push::Pusher::new(&format!("http://{}", reg.host()), None);
    let refs: Vec<(&[u8], &str)> = layers.iter().map(|(b, t)| (&b[..], t.as_str())).collect();
    pusher
        .image("built/app", "1", &config, &refs, false)
        .unwrap();
    let podman = tempfile::tempdir().unwrap();
    let root = podman.path().join("root").display().to_string();
    let runroot = podman.path().join("run").display().to_string();
    let had_lock = Path::new("/dev/shm/libpod_lock").exists();
    let image = format!("{}/built/app:1", reg.host());
    // As scripts/bench runs podman here: without these, its runtime fails
    // to raise RLIMIT_NOFILE in this VM.
    const RUN_LIMITS: &[&str] = &[
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=1024:1024",
    ];
    let p = |args: &[&str]| {
        let o = std::process::Command::new("podman")
            .args([
                "--root",
                &root,
                "--runroot",
                &runroot,
                "--cgroup-manager",
                "cgroupfs",
            ])
            // crun is on this VM, and refuses hybrid cgroups; runc works.
            .args(["--runtime", "runc"])
            .args(args)
            .output()
            .expect("podman");
        assert!(o.status.success(), "podman {args:?}: {}", out(&o));
        stdout(&o)
    };
    p(&["pull", "-q", "--tls-verify=false", &image]);
    let mut run = vec!["run", "--rm", "--network", "none"];
    run.extend_from_slice(RUN_LIMITS);
    run.push(&image);
    let said = p(&run);
    let _ = std::process::Command::new("podman")
        .args(["--root", &root, "--runroot", &runroot, "rmi", "-af"])
        .output();
    if !had_lock {
        let _ = std::fs::remove_file("/dev/shm/libpod_lock");
    }
    assert_eq!(said, "BUILT BY DOCKLING\nchange\nkeep\n");
    assert_nothing_left(&env);
}

/// `system df` counts the build cache (its entries, and the layers they
/// name), and `system prune` removes the entries whose layer went with
/// its image; `-a` removes every one.
#[test]
fn system_df_counts_the_build_cache_and_prune_clears_it() {
    let Some(env) = setup("system_df_counts_the_build_cache") else {
        return;
    };
    let (_reg, base) = base_image(&env);
    let dockerfile = format!("FROM {base}\nCOPY a.txt /a.txt\nRUN echo b > /b.txt\n");
    let ctx = context(&[("Dockerfile", &dockerfile), ("a.txt", "a\n")]);
    let b = build(&env, "localhost/cached:1", ctx.path());
    assert!(b.status.success(), "{}", out(&b));
    let cache_row = || -> Vec<String> {
        let df = stdout(&ok(&env, &["system", "df"]));
        df.lines()
            .find(|l| l.starts_with("Build Cache"))
            .unwrap_or_else(|| panic!("no Build Cache row: {df}"))
            .split_whitespace()
            .skip(2)
            .map(String::from)
            .collect()
    };
    // COPY and RUN: two entries, both usable, with their layers' size.
    let row = cache_row();
    assert_eq!(&row[..2], ["2", "2"], "{row:?}");
    assert_ne!(row[2], "0B", "{row:?}");
    // The image goes, and with it the layers: the entries are stale.
    ok(&env, &["rmi", "localhost/cached:1"]);
    ok(&env, &["image", "prune"]);
    assert_eq!(cache_row(), ["2", "0", "0B", "0B"]);
    let p = stdout(&ok(&env, &["system", "prune", "-f"]));
    assert!(p.contains("Deleted build cache objects:"), "{p}");
    assert_eq!(cache_row(), ["0", "0", "0B", "0B"]);
    // A usable entry stays without -a, and goes with it.
    let b = build(&env, "localhost/cached:1", ctx.path());
    assert!(b.status.success(), "{}", out(&b));
    ok(&env, &["system", "prune", "-f"]);
    assert_eq!(&cache_row()[..2], ["2", "2"]);
    ok(&env, &["system", "prune", "-a", "-f"]);
    assert_eq!(cache_row(), ["0", "0", "0B", "0B"]);
}
