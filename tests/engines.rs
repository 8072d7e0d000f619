//! The road to real engines: what dockling writes, read by the tools the
//! industry runs. `save` loaded by podman, skopeo (both of its formats)
//! and dockling; a `bundle` run by runc beside the same container run by
//! dockling, compared line by line (id, hostname, capabilities, seccomp,
//! no_new_privs, cgroup limits); `kube generate` played by podman and its
//! port answering; `system df|prune`, `info`, `version` checked against
//! the store and the machine; bad input refused in one line. Each test
//! has its own state root, registry, ports and tool state directories.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use common::Env;
use common::registry::{Layer, Registry, TarBuilder, TestImage};

fn base(env: &Env) -> Layer {
    static BASE: OnceLock<Layer> = OnceLock::new();
    BASE.get_or_init(|| Layer::from_dir(&env.rootfs())).clone()
}

/// Whether podman, runc and the registry tools are here; loudly not (a
/// failure in CI).
fn setup(test: &str) -> Option<Env> {
    if !common::registry::tools(test) {
        return None;
    }
    for tool in ["podman", "runc", "catatonit"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            let msg = format!("{test}: NOT RUN: {tool} is not installed");
            assert!(std::env::var_os("CI").is_none(), "{msg}");
            eprintln!("\n!!! {msg}\n");
            return None;
        }
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

fn ok(env: &Env, args: &[&str]) -> String {
    let o = env.run(args);
    assert!(o.status.success(), "dockling {args:?}: {}", out(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A tool that must succeed: its stdout.
fn tool(cmd: &str, args: &[&str]) -> String {
    let o = Command::new(cmd).args(args).output().unwrap();
    assert!(o.status.success(), "{cmd} {args:?}: {}", out(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// podman with state of its own under `dir`.
fn podman(dir: &Path) -> Vec<String> {
    vec![
        "--root".into(),
        dir.join("root").display().to_string(),
        "--runroot".into(),
        dir.join("runroot").display().to_string(),
        "--cgroup-manager".into(),
        "cgroupfs".into(),
        "--events-backend".into(),
        "file".into(),
        // crun refuses this machine's hybrid cgroups ("cgroups in hybrid
        // mode not supported"); runc runs there.
        "--runtime".into(),
        "runc".into(),
    ]
}

/// podman's own defaults ask for 1048576 open files, more than the hard
/// limit of a test machine may allow (scripts/bench's --ulimit note);
/// `kube play` has no --ulimit, so a containers.conf of the test's says it.
fn podman_run(dir: &Path, args: &[&str]) -> Output {
    let mut all = podman(dir);
    all.extend(args.iter().map(|s| s.to_string()));
    std::fs::create_dir_all(dir).unwrap();
    let conf = dir.join("containers.conf");
    std::fs::write(
        &conf,
        "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n",
    )
    .unwrap();
    Command::new("podman")
        .args(&all)
        .env("CONTAINERS_CONF", &conf)
        .output()
        .unwrap()
}

fn podman_ok(dir: &Path, args: &[&str]) -> String {
    let o = podman_run(dir, args);
    assert!(o.status.success(), "podman {args:?}: {}", out(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Remove podman's state (its storage may hold overlay mounts).
fn podman_reset(dir: &Path) {
    let _ = podman_run(dir, &["system", "reset", "-f"]);
}

fn pulled(env: &Env, reg: &Registry, repo: &str, img: &TestImage) -> String {
    reg.push_image(repo, "v1", img, false);
    let r = format!("{}/{repo}:v1", reg.host());
    ok(env, &["--trace", "quiet", "pull", &r]);
    r
}

fn inspect_field(env: &Env, image: &str, field: &str) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(&ok(env, &["image", "inspect", image])).unwrap();
    v[field].clone()
}

#[test]
fn save_is_read_by_podman_skopeo_and_dockling_load() {
    let Some(env) = setup("save_is_read_by_podman_skopeo_and_dockling_load") else {
        return;
    };
    let reg = Registry::start(None);
    let app = TarBuilder::new()
        .dir("app")
        .file("app/hello.txt", b"saved by dockling\n")
        .build();
    let img = TestImage::new(vec![base(&env), app]);
    let r = pulled(&env, &reg, "t/save", &img);
    let id = inspect_field(&env, &r, "Id");
    let diff_ids = inspect_field(&env, &r, "Layers");
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("save.tar");
    let t = std::time::Instant::now();
    ok(&env, &["save", "-o", file.to_str().unwrap(), &r]);
    eprintln!(
        "save: {} bytes in {:?}\n{}",
        std::fs::metadata(&file).unwrap().len(),
        t.elapsed(),
        tool("tar", &["-tvf", file.to_str().unwrap()])
    );
    // Standard output, as `docker save IMAGE > file`: the same bytes.
    let o = env.run(&["image", "save", &r]);
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(
        o.stdout,
        std::fs::read(&file).unwrap(),
        "save > file differs from save -o"
    );

    // The docker-archive part, through skopeo.
    let oci = work.path().join("from-archive");
    tool(
        "skopeo",
        &[
            "copy",
            &format!("docker-archive:{}", file.display()),
            &format!("oci:{}:copied", oci.display()),
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&tool(
        "skopeo",
        &[
            "inspect",
            "--config",
            &format!("oci:{}:copied", oci.display()),
        ],
    ))
    .unwrap();
    assert_eq!(
        v["rootfs"]["diff_ids"], diff_ids,
        "skopeo's copy of the docker archive"
    );

    // The OCI layout part, unpacked, through skopeo: the layers are the
    // diff_ids (uncompressed, as docker 25 writes them).
    let layout = work.path().join("layout");
    std::fs::create_dir(&layout).unwrap();
    tool(
        "tar",
        &[
            "-xf",
            file.to_str().unwrap(),
            "-C",
            layout.to_str().unwrap(),
        ],
    );
    for f in ["oci-layout", "index.json", "manifest.json", "repositories"] {
        assert!(layout.join(f).is_file(), "{f} missing from the archive");
    }
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let ann = &index["manifests"][0]["annotations"];
    assert_eq!(ann["io.containerd.image.name"], r.as_str());
    assert_eq!(ann["org.opencontainers.image.ref.name"], "v1");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest[0]["Config"],
        format!(
            "blobs/sha256/{}",
            id.as_str().unwrap().trim_start_matches("sha256:")
        )
    );
    assert_eq!(
        manifest[0]["RepoTags"][0],
        format!("{}/t/save:v1", reg.host())
    );
    let v: serde_json::Value = serde_json::from_str(&tool(
        "skopeo",
        &["inspect", &format!("oci:{}:v1", layout.display())],
    ))
    .unwrap();
    assert_eq!(v["Layers"], diff_ids, "skopeo inspect of the OCI layout");

    // podman load, with its own storage.
    let pd = work.path().join("podman");
    let loaded = podman_ok(&pd, &["load", "-i", file.to_str().unwrap()]);
    let listed = podman_ok(
        &pd,
        &["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"],
    );
    podman_reset(&pd);
    eprintln!("podman load: {loaded}podman images: {listed}");
    assert!(loaded.contains(&r), "podman load: {loaded}");
    let short = &id.as_str().unwrap()["sha256:".len().."sha256:".len() + 12];
    assert!(
        listed.contains(&format!("{r} {short}")),
        "podman images: {listed}"
    );

    // dockling load of it, into another root: the same image.
    let other = Env::new();
    let o = other.run(&["--trace", "quiet", "load", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains(&format!("Loaded image: {r}")),
        "{}",
        out(&o)
    );
    assert_eq!(inspect_field(&other, &r, "Id"), id);
    let ran = ok(
        &other,
        &[
            "--trace",
            "quiet",
            "run",
            "--rm",
            "--network",
            "none",
            &r,
            "cat",
            "/app/hello.txt",
        ],
    );
    assert_eq!(ran, "saved by dockling\n");
}

/// The lines to compare, as a sorted list.
fn status_lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// What dockling's container printed equals what the runtime's printed,
/// but for one line: dockling installs docker's profile as two BPF
/// programs (the allow-list, then clone3's ENOSYS), libseccomp compiles it
/// into one. Same system calls allowed; one fewer filter. Dockling's lines.
fn same_but_the_filter_count(ours: &str, theirs: &str, runtime: &str) -> Vec<String> {
    let (mut ours, mut theirs) = (status_lines(ours), status_lines(theirs));
    let filters = |v: &mut Vec<String>| {
        let i = v
            .iter()
            .position(|l| l.starts_with("Seccomp_filters:"))
            .expect("Seccomp_filters line");
        v.remove(i)
    };
    assert_eq!(filters(&mut ours), "Seccomp_filters:\t2");
    assert_eq!(filters(&mut theirs), "Seccomp_filters:\t1");
    assert_eq!(ours, theirs, "dockling and {runtime} differ");
    ours
}

/// memory.limit_in_bytes and pids.max of process `pid`'s cgroups (v1),
/// or memory.max and pids.max (v2).
fn cgroup_limits(pid: u32) -> (String, String) {
    let cg = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    let path_of = |controller: &str| {
        cg.lines().find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, ctrls, path) = (f.next()?, f.next()?, f.next()?);
            ctrls
                .split(',')
                .any(|c| c == controller)
                .then(|| path.to_string())
        })
    };
    let read = |p: String| {
        std::fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .trim()
            .to_string()
    };
    match (path_of("memory"), path_of("pids")) {
        (Some(m), Some(p)) => (
            read(format!("/sys/fs/cgroup/memory{m}/memory.limit_in_bytes")),
            read(format!("/sys/fs/cgroup/pids{p}/pids.max")),
        ),
        _ => {
            let p = path_of("").expect("a v2 line");
            (
                read(format!("/sys/fs/cgroup{p}/memory.max")),
                read(format!("/sys/fs/cgroup{p}/pids.max")),
            )
        }
    }
}

#[test]
fn a_bundle_runs_in_runc_as_the_container_runs_in_dockling() {
    let Some(env) = setup("a_bundle_runs_in_runc_as_the_container_runs_in_dockling") else {
        return;
    };
    let reg = Registry::start(None);
    let r = pulled(&env, &reg, "t/bundle", &TestImage::new(vec![base(&env)]));
    let script = "id; hostname; grep -E '^(Cap|Seccomp|NoNewPrivs)' /proc/self/status; echo END; exec sleep 60";
    let flags = [
        "--memory",
        "64m",
        "--pids-limit",
        "50",
        "--hostname",
        "h1",
        "-u",
        "1000",
    ];
    let mut args = vec![
        "--trace",
        "quiet",
        "run",
        "-d",
        "--name",
        "b1",
        "--network",
        "none",
    ];
    args.extend(flags);
    args.extend([r.as_str(), "sh", "-c", script]);
    ok(&env, &args);
    let logs = common::wait_for(10, || {
        let l = ok(&env, &["logs", "b1"]);
        l.contains("END").then_some(l)
    });
    let pid: u32 = ok(&env, &["inspect", "-f", "{{.State.Pid}}", "b1"])
        .trim()
        .parse()
        .unwrap();
    let dockling_limits = cgroup_limits(pid);
    assert_eq!(dockling_limits, ("67108864".to_string(), "50".to_string()));

    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("bundle");
    let o = env.run(&["--trace", "json", "bundle", "b1", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", out(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    for step in [
        "bundle_rootfs",
        "bundle_process",
        "bundle_linux",
        "bundle_written",
    ] {
        assert!(
            common::event(&stderr, step).is_some(),
            "no {step} event: {stderr}"
        );
    }
    assert!(dir.join("rootfs/bin/busybox").exists());
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["hostname"], "h1");
    assert_eq!(config["process"]["user"]["uid"], 1000);
    assert_eq!(config["linux"]["resources"]["memory"]["limit"], 64 << 20);
    assert_eq!(config["linux"]["resources"]["pids"]["limit"], 50);

    let runc_root = work.path().join("runc");
    let id = format!("dockling-test-{}", std::process::id());
    let log = work.path().join("runc.out");
    let pid_file = work.path().join("runc.pid");
    let status = Command::new("runc")
        .arg("--root")
        .arg(&runc_root)
        .args(["run", "-d", "--pid-file"])
        .arg(&pid_file)
        .arg("-b")
        .arg(&dir)
        .arg(&id)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(work.path().join("runc.err")).unwrap())
        .status()
        .unwrap();
    let runc_out = if status.success() {
        Some(common::wait_for(10, || {
            let t = std::fs::read_to_string(&log).unwrap_or_default();
            t.contains("END").then_some(t)
        }))
    } else {
        None
    };
    let runc_limits = runc_out.as_ref().map(|_| {
        let pid: u32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        cgroup_limits(pid)
    });
    let _ = Command::new("runc")
        .arg("--root")
        .arg(&runc_root)
        .args(["delete", "-f", &id])
        .status();
    let runc_out = runc_out.unwrap_or_else(|| {
        panic!(
            "runc run failed: {}",
            std::fs::read_to_string(work.path().join("runc.err")).unwrap_or_default()
        )
    });
    ok(&env, &["rm", "-f", "b1"]);
    eprintln!("dockling:\n{logs}\nrunc:\n{runc_out}");
    let ours = same_but_the_filter_count(&logs, &runc_out, "runc");
    assert!(ours.iter().any(|l| l == "h1"));
    assert!(ours.iter().any(|l| l.starts_with("uid=1000")));
    assert!(ours.iter().any(|l| l == "NoNewPrivs:\t1"));
    assert!(ours.iter().any(|l| l == "Seccomp:\t2"));
    assert_eq!(runc_limits.unwrap(), dockling_limits);
}

#[test]
fn kube_generate_is_played_by_podman_and_its_port_answers() {
    let Some(env) = setup("kube_generate_is_played_by_podman_and_its_port_answers") else {
        return;
    };
    let reg = Registry::start(None);
    let www = TarBuilder::new()
        .dir("www")
        .file("www/index.html", b"served from a pod dockling described\n")
        .build();
    let r = pulled(&env, &reg, "t/kube", &TestImage::new(vec![base(&env), www]));
    let port = common::registry::free_port();
    let port_s = port.to_string();
    let publish = format!("{port}:{port}");
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "create",
            "--name",
            "web",
            "--memory",
            "64m",
            "--cpus",
            "0.5",
            "-p",
            &publish,
            "-e",
            "GREETING=hi",
            "-w",
            "/www",
            &r,
            "httpd",
            "-f",
            "-p",
            &port_s,
            "-h",
            "/www",
        ],
    );
    let yaml = ok(&env, &["kube", "generate", "web"]);
    eprintln!("{yaml}");
    for want in [
        "kind: Pod",
        &format!("image: \"{r}\""),
        &format!("containerPort: {port}"),
        &format!("hostPort: {port}"),
        "memory: \"64Mi\"",
        "cpu: \"500m\"",
        "workingDir: \"/www\"",
        "- name: \"GREETING\"",
        "kind: Service",
    ] {
        assert!(yaml.contains(want), "no {want:?} in:\n{yaml}");
    }
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("pod.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let pd = work.path().join("podman");
    let played = podman_run(
        &pd,
        &["kube", "play", "--tls-verify=false", file.to_str().unwrap()],
    );
    let page = if played.status.success() {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            if let Some(p) = common::http_get(&format!("127.0.0.1:{port}")) {
                break Some(p);
            }
            if std::time::Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    } else {
        None
    };
    let down = podman_run(&pd, &["kube", "down", file.to_str().unwrap()]);
    podman_reset(&pd);
    assert!(
        played.status.success(),
        "podman kube play: {}",
        out(&played)
    );
    assert!(down.status.success(), "podman kube down: {}", out(&down));
    let page = page.expect("the published port did not answer");
    assert!(
        page.contains("served from a pod dockling described"),
        "{page}"
    );
    assert!(
        common::http_get(&format!("127.0.0.1:{port}")).is_none(),
        "still answers after kube down"
    );
}

/// The row of `system df` for `kind`: its cells.
fn df_row(text: &str, kind: &str) -> Vec<String> {
    let line = text
        .lines()
        .find(|l| l.starts_with(kind))
        .unwrap_or_else(|| panic!("no {kind} row in {text}"));
    line[kind.len()..]
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn system_df_counts_the_store_and_prune_removes_only_the_unused() {
    let Some(env) = setup("system_df_counts_the_store_and_prune_removes_only_the_unused") else {
        return;
    };
    let reg = Registry::start(None);
    let used_layer = TarBuilder::new().file("used.txt", b"used\n").build();
    let used = pulled(
        &env,
        &reg,
        "t/used",
        &TestImage::new(vec![base(&env), used_layer]),
    );
    let df = ok(&env, &["system", "df"]);
    let size = inspect_field(&env, &used, "Size").as_u64().unwrap();
    let images = df_row(&df, "Images");
    assert_eq!(images[0], "1", "{df}");
    assert_eq!(images[1], "0", "{df}");
    assert_eq!(images[2], dockling::stages::image::human(size), "{df}");
    assert_eq!(df_row(&df, "Containers")[0], "0");

    // t/old:v1 is pulled, then the tag moves: its first content is dangling.
    let old_layer = TarBuilder::new().file("old.txt", b"old\n").build();
    let old_diff = old_layer.diff_id();
    pulled(
        &env,
        &reg,
        "t/old",
        &TestImage::new(vec![base(&env), old_layer]),
    );
    let new_layer = TarBuilder::new().file("new.txt", b"new\n").build();
    let new_diff = new_layer.diff_id();
    let newer = pulled(
        &env,
        &reg,
        "t/old",
        &TestImage::new(vec![base(&env), new_layer]),
    );
    let layer_dir = |d: &rootfs_fetch::oci::digest::Digest| env.root.join("layers").join(d.hex());
    assert!(
        layer_dir(&old_diff).is_dir(),
        "the dangling layer should still be there"
    );

    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "run",
            "-d",
            "--name",
            "running",
            "--network",
            "none",
            &used,
            "sleep",
            "60",
        ],
    );
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "run",
            "--name",
            "stopped",
            "--network",
            "none",
            &used,
            "sh",
            "-c",
            "echo x > /written",
        ],
    );
    ok(
        &env,
        &[
            "network",
            "create",
            "unused-net",
            "--subnet",
            "10.147.233.0/24",
        ],
    );
    let df = ok(&env, &["system", "df"]);
    eprintln!("{df}");
    assert_eq!(df_row(&df, "Images")[..2], ["2", "1"], "{df}");
    assert_eq!(df_row(&df, "Containers")[..2], ["2", "1"], "{df}");
    let info = ok(&env, &["info"]);
    for want in [
        " Containers: 2",
        "  Running: 1",
        "  Stopped: 1",
        " Images: 2",
    ] {
        assert!(info.lines().any(|l| l == want), "no {want:?} in:\n{info}");
    }

    let pruned = ok(&env, &["system", "prune", "-f"]);
    eprintln!("{pruned}");
    assert!(pruned.contains("Deleted Containers:"), "{pruned}");
    assert!(pruned.contains("Deleted Networks:\nunused-net"), "{pruned}");
    assert!(pruned.contains("Total reclaimed space: "), "{pruned}");
    assert!(!pruned.contains("Total reclaimed space: 0B"), "{pruned}");
    let ps = ok(&env, &["ps", "-a"]);
    assert!(ps.contains("running") && !ps.contains("stopped"), "{ps}");
    assert!(
        !layer_dir(&old_diff).exists(),
        "the dangling image's layer is still there"
    );
    assert!(
        layer_dir(&new_diff).is_dir(),
        "the tagged (unused) image lost its layer"
    );
    let listed = ok(&env, &["images"]);
    assert!(
        listed.contains("t/used") && listed.contains("t/old"),
        "{listed}"
    );
    assert!(!ok(&env, &["network", "ls"]).contains("unused-net"));

    // -a: every image no container uses; the running one's stays.
    let pruned = ok(&env, &["system", "prune", "-a", "-f"]);
    assert!(pruned.contains(&format!("untagged: {newer}")), "{pruned}");
    let listed = ok(&env, &["images"]);
    assert!(
        listed.contains("t/used") && !listed.contains("t/old"),
        "{listed}"
    );
    assert!(!layer_dir(&new_diff).exists());
    ok(&env, &["rm", "-f", "running"]);
}

#[test]
fn version_and_info_print_their_fields() {
    let Some(env) = common::rooted("version_and_info_print_their_fields") else {
        return;
    };
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let kernel = kernel.trim();
    let v = ok(&env, &["version"]);
    for want in [
        format!(" Version:           {}", env!("CARGO_PKG_VERSION")),
        format!(" OS/Arch:           linux/{}", std::env::consts::ARCH),
        format!("  Kernel:           {kernel}"),
    ] {
        assert!(v.lines().any(|l| l == want), "no {want:?} in:\n{v}");
    }
    for prefix in [
        " API version:       n/a",
        " Rust version:      rustc ",
        " Git commit:        ",
        " Built:             ",
    ] {
        assert!(
            v.lines().any(|l| l.starts_with(prefix)),
            "no {prefix:?} in:\n{v}"
        );
    }
    let rustc = tool("rustc", &["--version"]);
    assert!(
        v.contains(rustc.trim()),
        "built with another rustc than {rustc}: {v}"
    );
    let info = ok(&env, &["info"]);
    let cpus = std::thread::available_parallelism().unwrap().get();
    let v2 = Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    for want in [
        format!(" Kernel Version: {kernel}"),
        format!(" CPUs: {cpus}"),
        format!(" Docker Root Dir: {}", env.root.display()),
        format!(" Cgroup Version: {}", if v2 { 2 } else { 1 }),
        " Containers: 0".to_string(),
        " Images: 0".to_string(),
        " Storage Driver: overlayfs (dockling's own: layers unpacked once, stacked by the kernel's overlay)".to_string(),
    ] {
        assert!(info.lines().any(|l| l == want), "no {want:?} in:\n{info}");
    }
    assert_eq!(ok(&env, &["system", "info"]), info);
}

#[test]
fn bad_input_is_one_line_and_exit_125() {
    let Some(env) = common::rooted("bad_input_is_one_line_and_exit_125") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let full = work.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("keep.txt"), "mine").unwrap();
    for (args, says) in [
        (
            vec![
                "save".into(),
                "-o".into(),
                work.path().join("x.tar").to_str().unwrap().to_string(),
                "no/such:image".into(),
            ],
            "no image \"no/such:image\" in the store to save",
        ),
        (
            vec![
                "bundle".into(),
                "no-such-thing".into(),
                work.path().join("b").to_str().unwrap().to_string(),
            ],
            "no container or image named \"no-such-thing\"",
        ),
        (
            vec![
                "bundle".into(),
                "no-such-thing".into(),
                full.to_str().unwrap().to_string(),
            ],
            "is not empty",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = env.run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(125), "{args:?}: {err}");
        let lines: Vec<&str> = err.lines().collect();
        assert!(
            lines[0].starts_with("dockling: ") && lines[0].contains(says),
            "{args:?}: {err}"
        );
        assert!(lines.len() <= 2, "one line and a hint: {err}");
        assert!(
            lines.get(1).is_none_or(|h| h.starts_with("hint: ")),
            "{err}"
        );
    }
    // A container of an earlier stage (a rootfs, no image) makes a bundle too.
    ok(
        &env,
        &[
            "--trace",
            "quiet",
            "overlay",
            "--name",
            "c1",
            "--memory",
            "32m",
            "sh",
            "-c",
            "echo mine > /made",
        ],
    );
    let b = work.path().join("stage4");
    let o = env.run(&["--trace", "json", "bundle", "c1", b.to_str().unwrap()]);
    assert!(o.status.success(), "{}", out(&o));
    let e = common::event(&String::from_utf8_lossy(&o.stderr), "bundle_linux").unwrap();
    assert!(
        e["fields"]["resources"]
            .as_str()
            .unwrap()
            .contains("memory.limit 33554432"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(b.join("rootfs/made")).unwrap(),
        "mine\n"
    );
    assert!(b.join("rootfs/bin/busybox").exists());
    ok(&env, &["rm", "c1"]);
    assert!(!work.path().join("x.tar").exists());
    assert!(
        !work.path().join("b").exists(),
        "a failed bundle left its directory"
    );
    assert_eq!(
        std::fs::read_to_string(full.join("keep.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(&full).unwrap().count(), 1);
}

#[test]
fn a_bundle_of_an_image_runs_as_root_in_runc_as_in_dockling() {
    let Some(env) = setup("a_bundle_of_an_image_runs_as_root_in_runc_as_in_dockling") else {
        return;
    };
    let reg = Registry::start(None);
    let mut img = TestImage::new(vec![base(&env)]);
    img.cmd = vec![
        "sh".into(),
        "-c".into(),
        "id; grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status".into(),
    ];
    let r = pulled(&env, &reg, "t/rootbundle", &img);
    let ours = ok(
        &env,
        &["--trace", "quiet", "run", "--rm", "--network", "none", &r],
    );
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("bundle");
    ok(
        &env,
        &["--trace", "quiet", "bundle", &r, dir.to_str().unwrap()],
    );
    // The image's pin for the bundle went with the command.
    let pins: Vec<_> = std::fs::read_dir(env.root.join("pins"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(pins.is_empty(), "pins left: {pins:?}");
    let id = format!("dockling-test-root-{}", std::process::id());
    let runc_root = work.path().join("runc");
    let o = Command::new("runc")
        .arg("--root")
        .arg(&runc_root)
        .args(["run", "-b"])
        .arg(&dir)
        .arg(&id)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = Command::new("runc")
        .arg("--root")
        .arg(&runc_root)
        .args(["delete", "-f", &id])
        .status();
    assert!(o.status.success(), "runc run: {}", out(&o));
    let theirs = String::from_utf8_lossy(&o.stdout);
    eprintln!("dockling:\n{ours}runc:\n{theirs}");
    assert!(ours.starts_with("uid=0(root)"), "{ours}");
    assert!(ours.contains("CapEff:\t00000000a80425fb"), "{ours}");
    assert_eq!(ours, theirs);
}

/// crun refuses this host's hybrid cgroups ("cgroups in hybrid mode not
/// supported"), as it would on any v1 machine; classroom VMs are v2. So
/// crun runs the bundle in the cgroup v2 guest (the host's filesystem over
/// 9p, so crun and the bundle are simply there), and what it prints is
/// compared with dockling's run of the same container on the host: the
/// same id, hostname, capabilities, no_new_privs and seccomp mode, and the
/// same memory and pids limits, read from the guest's cgroup2 files.
#[test]
fn a_bundle_runs_in_crun_in_a_cgroup_v2_guest() {
    let test = "a_bundle_runs_in_crun_in_a_cgroup_v2_guest";
    let Some(env) = setup(test) else {
        return;
    };
    if !Path::new("/usr/bin/crun").exists() {
        let msg = format!("{test}: NOT RUN: crun is not installed (scripts/dev test installs it)");
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("\n!!! {msg}\n");
        return;
    }
    let Some(guest) = common::guest::require(test) else {
        return;
    };
    let reg = Registry::start(None);
    let r = pulled(&env, &reg, "t/crun", &TestImage::new(vec![base(&env)]));
    let script = "id; hostname; grep -E '^(Cap|Seccomp|NoNewPrivs)' /proc/self/status; echo END; exec sleep 60";
    let mut args = vec![
        "--trace",
        "quiet",
        "run",
        "-d",
        "--name",
        "c1",
        "--network",
        "none",
        "--memory",
        "48m",
        "--pids-limit",
        "40",
        "--hostname",
        "h2",
        "-u",
        "1000",
    ];
    args.extend([r.as_str(), "sh", "-c", script]);
    ok(&env, &args);
    let logs = common::wait_for(10, || {
        let l = ok(&env, &["logs", "c1"]);
        l.contains("END").then_some(l)
    });
    // Not under /tmp: the guest mounts a tmpfs of its own there.
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = work.path().join("bundle");
    ok(
        &env,
        &["--trace", "quiet", "bundle", "c1", dir.to_str().unwrap()],
    );
    ok(&env, &["rm", "-f", "c1"]);
    let guest_script = format!(
        "B={dir}\n\
         crun --root /run/crun run -d -b \"$B\" c1 >/run/c1.out 2>/run/c1.err </dev/null \
           || {{ echo \"crun run failed\"; cat /run/c1.err; exit 3; }}\n\
         for i in $(seq 100); do grep -q END /run/c1.out && break; sleep 0.1; done\n\
         pid=$(crun --root /run/crun state c1 | sed -n 's/.*\"pid\": *\\([0-9]*\\).*/\\1/p')\n\
         cg=$(sed -n 's/^0:://p' /proc/$pid/cgroup)\n\
         echo '=== crun'; cat /run/c1.out\n\
         echo '=== limits'; cat /sys/fs/cgroup$cg/memory.max /sys/fs/cgroup$cg/pids.max\n\
         echo '=== end'\n\
         crun --root /run/crun kill c1 KILL; sleep 0.3; crun --root /run/crun delete -f c1\n",
        dir = dir.display()
    );
    let ran = guest.run(&guest_script, std::time::Duration::from_secs(300));
    let text = ran.output;
    eprintln!("dockling:\n{logs}\n---- in the guest ----\n{text}");
    assert_eq!(
        ran.status,
        Some(0),
        "crun in the guest failed:\n{text}\n---- console ----\n{}",
        ran.console
    );
    let section = |name: &str| -> Vec<String> {
        text.split(&format!("=== {name}\n"))
            .nth(1)
            .and_then(|s| s.split("=== ").next())
            .unwrap_or_else(|| panic!("no {name} section: {text}"))
            .lines()
            .map(str::to_string)
            .collect()
    };
    let ours = same_but_the_filter_count(&logs, &section("crun").join("\n"), "crun");
    assert!(ours.iter().any(|l| l == "h2"));
    assert!(ours.iter().any(|l| l.starts_with("uid=1000")));
    assert_eq!(section("limits"), vec!["50331648", "40"]);
}
