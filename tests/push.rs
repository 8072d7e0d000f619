//! Images going out: `dockling tag`, `push` and `search` against real
//! registries (Debian's docker-registry on 127.0.0.1, one per test), one
//! behind Basic auth (htpasswd) and one behind Bearer auth (a small token
//! front of our own, tests/common/push_proxy.rs). Round trips are checked
//! with skopeo and by pulling back into an empty store and running the
//! image; HEAD skips, mounts and chunked uploads by the requests the
//! registry got (the front's log) and by `--trace json`'s narration.

mod common;
#[path = "common/push_proxy.rs"]
mod push_proxy;

use std::sync::OnceLock;

use common::Env;
use common::registry::{Layer, Registry, TarBuilder, TestImage};
use push_proxy::BearerProxy;
use rootfs_fetch::oci::digest::Digest;

const USER: &str = "alice";
const PASSWORD: &str = "s3cret-push";

/// The test rootfs (host busybox) as one layer; built once per binary.
fn base(env: &Env) -> Layer {
    static BASE: OnceLock<Layer> = OnceLock::new();
    BASE.get_or_init(|| Layer::from_dir(&env.rootfs())).clone()
}

fn app_layer() -> Layer {
    TarBuilder::new()
        .dir("app/")
        .file("app/message", b"hello from a pushed image\n")
        .build()
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

/// `dockling --trace json ARGS`: stdout, and the narrated events.
fn traced(
    env: &Env,
    args: &[&str],
    extra_env: &[(&str, &str)],
) -> (String, Vec<serde_json::Value>) {
    let mut all = vec!["--trace", "json"];
    all.extend_from_slice(args);
    let mut c = env.cmd(&all);
    for (k, v) in extra_env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "dockling {all:?}: {}", out(&o));
    let events = String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .collect();
    (String::from_utf8_lossy(&o.stdout).into_owned(), events)
}

/// The HTTP requests a push narrated: (method, url, status).
fn requests(events: &[serde_json::Value]) -> Vec<(String, String, u64)> {
    events
        .iter()
        .filter(|e| e["step"] == "push_request")
        .map(|e| {
            let f = &e["fields"];
            (
                f["method"].as_str().unwrap_or("").to_string(),
                f["url"].as_str().unwrap_or("").to_string(),
                f["status"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// `dockling run --rm --network none IMAGE`: its standard output.
fn run_image(env: &Env, image: &str) -> String {
    let args = [
        "--trace",
        "quiet",
        "run",
        "--rm",
        "--network",
        "none",
        image,
    ];
    let o = env.run(&args);
    assert!(o.status.success(), "dockling {args:?}: {}", out(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// skopeo's view of a pushed image: its layer digests.
fn skopeo_layers(host: &str, repo_tag: &str) -> Vec<String> {
    let o = std::process::Command::new("skopeo")
        .args([
            "inspect",
            "--tls-verify=false",
            "--creds",
            &format!("{USER}:{PASSWORD}"),
            &format!("docker://{host}/{repo_tag}"),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "skopeo inspect: {}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect()
}

/// An image of two layers in a first registry, pulled into `env`'s store
/// as `HOST/t/src:v1`; returns the registry (keep it alive), the name and
/// the layers' blob digests.
fn seeded(env: &Env) -> (Registry, String, Vec<String>) {
    let reg = Registry::start(None);
    let mut img = TestImage::new(vec![base(env), app_layer()]);
    img.cmd = vec!["cat".into(), "/app/message".into()];
    reg.push_image("t/src", "v1", &img, false);
    let name = format!("{}/t/src:v1", reg.host());
    ok(env, &["--trace", "quiet", "pull", &name]);
    let layers = img
        .layers
        .iter()
        .map(|l| Digest::of(&l.gz).to_string())
        .collect();
    (reg, name, layers)
}

fn login(env: &Env, host: &str) {
    ok(
        env,
        &[
            "login", host, "-u", USER, "-p", PASSWORD, "--trace", "quiet",
        ],
    );
}

/// Pull `name` into a new, empty store (its own state root), logged in,
/// and run it.
fn pull_back_and_run(host: &str, name: &str) {
    let fresh = Env::with_rootfs();
    assert!(
        !fresh.root.join("images/index.json").exists(),
        "the store is empty"
    );
    login(&fresh, host);
    ok(&fresh, &["--trace", "quiet", "pull", name]);
    assert_eq!(run_image(&fresh, name), "hello from a pushed image\n");
}

#[test]
fn tag_push_basic_auth_round_trip_head_skip_and_mount() {
    let Some(env) = setup("tag_push_basic_auth_round_trip_head_skip_and_mount") else {
        return;
    };
    let (_src, src_name, layers) = seeded(&env);
    let reg = Registry::start(Some((USER, PASSWORD)));
    let host = reg.host();
    let target = format!("{host}/team/app:v1");

    // tag: a second name for the same image; `images` lists both.
    ok(&env, &["tag", &src_name, &target]);
    let images = ok(&env, &["images"]);
    let ids: Vec<&str> = images
        .lines()
        .filter(|l| l.contains("/t/src ") || l.contains("/team/app "))
        .map(|l| l.split_whitespace().nth(2).unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{images}");
    assert_eq!(ids[0], ids[1], "the same image id: {images}");
    // `image tag` is the same command.
    ok(
        &env,
        &["image", "tag", &target, &format!("{host}/team/app:v2")],
    );
    assert!(ok(&env, &["images"]).contains(&format!("{host}/team/app")));

    login(&env, &host);
    let (stdout, events) = traced(&env, &["push", &target], &[]);
    assert!(
        stdout.starts_with(&format!(
            "The push refers to repository [{host}/team/app]\n"
        )),
        "{stdout}"
    );
    for l in &layers {
        let hex = l.strip_prefix("sha256:").unwrap();
        assert!(
            stdout.contains(&format!("{}: Pushed", &hex[..12])),
            "{stdout}"
        );
    }
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("v1: digest: sha256:") && last.contains(" size: "),
        "{stdout}"
    );
    let reqs = requests(&events);
    assert!(
        reqs.iter().any(|(m, _, s)| m == "HEAD" && *s == 404),
        "each blob was asked for first: {reqs:?}"
    );
    assert!(
        reqs.iter()
            .any(|(m, u, s)| m == "PUT" && u.contains("/manifests/v1") && *s == 201),
        "{reqs:?}"
    );
    assert_eq!(skopeo_layers(&host, "team/app:v1"), layers);

    // Again: every layer is there already, and nothing is uploaded.
    let (again, events) = traced(&env, &["push", &target], &[]);
    for l in &layers {
        let hex = l.strip_prefix("sha256:").unwrap();
        assert!(
            again.contains(&format!("{}: Layer already exists", &hex[..12])),
            "{again}"
        );
    }
    assert!(!again.contains("Pushed"), "{again}");
    let reqs = requests(&events);
    let uploads: Vec<_> = reqs
        .iter()
        .filter(|(m, u, _)| m == "POST" || m == "PATCH" || (m == "PUT" && u.contains("/blobs/")))
        .collect();
    assert!(
        uploads.is_empty(),
        "a second push uploads nothing: {uploads:?}"
    );
    assert_eq!(
        reqs.iter()
            .filter(|(m, _, s)| m == "HEAD" && *s == 200)
            .count(),
        layers.len() + 1,
        "a HEAD per layer and the config: {reqs:?}"
    );

    // Under a second name on the same registry: mounted, not uploaded.
    let other = format!("{host}/other/app:v1");
    ok(&env, &["tag", &target, &other]);
    let (mounted, events) = traced(&env, &["push", &other], &[]);
    for l in &layers {
        let hex = l.strip_prefix("sha256:").unwrap();
        assert!(
            mounted.contains(&format!("{}: Mounted from team/app", &hex[..12])),
            "{mounted}"
        );
    }
    let reqs = requests(&events);
    assert!(
        reqs.iter().any(|(m, u, s)| m == "POST"
            && u.contains("mount=sha256")
            && u.contains("from=team%2Fapp")
            && *s == 201),
        "{reqs:?}"
    );
    assert!(
        !reqs.iter().any(|(m, _, _)| m == "PATCH"),
        "nothing uploaded: {reqs:?}"
    );
    assert_eq!(skopeo_layers(&host, "other/app:v1"), layers);

    pull_back_and_run(&host, &target);
}

#[test]
fn push_behind_bearer_auth_in_chunks_then_skips_every_blob() {
    let Some(env) = setup("push_behind_bearer_auth_in_chunks_then_skips_every_blob") else {
        return;
    };
    let (_src, src_name, layers) = seeded(&env);
    let reg = Registry::start(None);
    let proxy = BearerProxy::start(reg.port, USER, PASSWORD);
    let host = proxy.host();
    let target = format!("{host}/team/app:v1");
    ok(&env, &["tag", &src_name, &target]);
    login(&env, &host);
    proxy.clear_log();

    let chunk = 64 * 1024;
    let (stdout, events) = traced(&env, &["push", &target], &[("DOCKLING_PUSH_CHUNK", "64k")]);
    assert!(stdout.contains("Pushed"), "{stdout}");
    // The token was asked for with push rights.
    assert!(
        proxy
            .token_scopes()
            .iter()
            .any(|s| s.iter().any(|x| x == "repository:team/app:pull,push")),
        "{:?}",
        proxy.token_scopes()
    );
    let log = proxy.log();
    let patches: Vec<_> = log.iter().filter(|l| l.method == "PATCH").collect();
    // The busybox layer is larger than a chunk: several PATCHes, each with
    // its Content-Range and at most a chunk of bytes.
    assert!(patches.len() >= 2, "{log:?}");
    for p in &patches {
        assert_eq!(p.status, 202, "{p:?}");
        assert!(p.body_len <= chunk, "{p:?}");
        let range = p.content_range.as_deref().expect("a Content-Range");
        let (a, b) = range.split_once('-').unwrap();
        let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
        assert_eq!(b - a + 1, p.body_len, "{p:?}");
    }
    let blob_events: Vec<_> = events
        .iter()
        .filter(|e| e["step"] == "push_blob")
        .map(|e| e["fields"]["outcome"].as_str().unwrap().to_string())
        .collect();
    assert!(
        blob_events.iter().any(|o| o.contains("PATCH chunks")),
        "{blob_events:?}"
    );
    assert_eq!(skopeo_layers(&host, "team/app:v1"), layers);

    // A second push: HEADs and the manifest only, no upload at all.
    proxy.clear_log();
    let (again, _) = traced(&env, &["push", &target], &[]);
    for l in &layers {
        let hex = l.strip_prefix("sha256:").unwrap();
        assert!(
            again.contains(&format!("{}: Layer already exists", &hex[..12])),
            "{again}"
        );
    }
    let log = proxy.log();
    let uploads: Vec<_> = log
        .iter()
        .filter(|l| {
            l.method == "POST"
                || l.method == "PATCH"
                || (l.method == "PUT" && l.path.contains("/blobs/"))
        })
        .collect();
    assert!(uploads.is_empty(), "{uploads:?}");
    assert_eq!(
        log.iter()
            .filter(|l| l.method == "HEAD" && l.status == 200)
            .count(),
        layers.len() + 1,
        "{log:?}"
    );

    pull_back_and_run(&host, &target);
}

#[test]
fn push_failures_say_one_line_and_a_hint() {
    let Some(env) = setup("push_failures_say_one_line_and_a_hint") else {
        return;
    };
    let check = |o: std::process::Output, says: &str, hint: &str| {
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(125), "{err}");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "one line and a hint: {err}");
        assert!(
            lines[0].starts_with("dockling: ") && lines[0].contains(says),
            "{err}"
        );
        assert!(
            lines[1].starts_with("hint: ") && lines[1].contains(hint),
            "{err}"
        );
    };
    // Not in the store.
    let o = env.run(&["--trace", "quiet", "push", "127.0.0.1:9/nothing/here:v1"]);
    check(
        o,
        "no image 127.0.0.1:9/nothing/here:v1 in the store",
        "dockling tag",
    );

    let (_src, src_name, _) = seeded(&env);
    // Basic auth, no login.
    let reg = Registry::start(Some((USER, PASSWORD)));
    let target = format!("{}/team/app:v1", reg.host());
    ok(&env, &["tag", &src_name, &target]);
    let o = env.run(&["--trace", "quiet", "push", &target]);
    check(o, "Basic auth", "dockling login");
    // Basic auth, a wrong password in the stored credentials.
    let bad = rootfs_fetch::oci::auth::Credentials {
        user: USER.into(),
        password: "wrong".into(),
    };
    std::fs::write(
        env.root.join("auth.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            reg.host(),
            bad.encode()
        ),
    )
    .unwrap();
    let o = env.run(&["--trace", "quiet", "push", &target]);
    check(o, "even with credentials", "dockling login");
    // Bearer: the token server refuses the credentials.
    let reg2 = Registry::start(None);
    let proxy = BearerProxy::start(reg2.port, USER, PASSWORD);
    let target = format!("{}/team/app:v1", proxy.host());
    ok(&env, &["tag", &src_name, &target]);
    std::fs::write(
        env.root.join("auth.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            proxy.host(),
            bad.encode()
        ),
    )
    .unwrap();
    let o = env.run(&["--trace", "quiet", "push", &target]);
    check(o, "answered 401", "dockling login");
    assert!(proxy.token_refused() >= 1);
    // Nothing uploaded by the refused pushes.
    assert!(
        !proxy
            .log()
            .iter()
            .any(|l| l.method == "POST" && l.status != 401),
        "{:?}",
        proxy.log()
    );
    // A digest is not a tag.
    let o = env.run(&[
        "--trace",
        "quiet",
        "push",
        &format!("{}/team/app@sha256:{}", proxy.host(), "0".repeat(64)),
    ]);
    check(o, "push takes a tag, not a digest", "dockling tag");
}

/// A search server of our own that answers Docker Hub's v1 search API;
/// returns its port and the query strings it was asked.
fn search_server() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let asked: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let seen = asked.clone();
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            let mut line = String::new();
            let mut r = BufReader::new(c.try_clone().unwrap());
            r.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap() == 0 || h.trim().is_empty() {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let (status, body) = match path.strip_prefix("/v1/search?") {
                Some(q) => {
                    seen.lock().unwrap().push(q.to_string());
                    // The shape of index.docker.io's answer.
                    let results = serde_json::json!([
                        {"name": "alpine", "description": "A minimal Docker image based on Alpine Linux with a complete package index and only 5 MB in size!", "star_count": 11000, "is_official": true, "is_automated": false},
                        {"name": "someone/alpine-tools", "description": "tools", "star_count": 12, "is_official": false, "is_automated": false},
                        {"name": "other/alpine-x", "description": "", "star_count": 0, "is_official": false, "is_automated": false},
                    ]);
                    let body = serde_json::json!({
                        "num_pages": 1, "num_results": 3, "page_size": 25, "page": 1,
                        "query": "alpine", "results": results,
                    });
                    ("200 OK", body.to_string())
                }
                None => ("404 Not Found", "{}".to_string()),
            };
            let _ = write!(
                c,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, asked)
}

#[test]
fn search_a_search_api_and_a_registry_catalog() {
    if !common::registry::tools("search_a_search_api_and_a_registry_catalog") {
        return;
    }
    let env = Env::new();
    let search = |args: &[&str]| {
        let mut all = vec!["--trace", "quiet", "search"];
        all.extend_from_slice(args);
        let o = env.run(&all);
        assert!(o.status.success(), "dockling {all:?}: {}", out(&o));
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // A registry that answers Docker Hub's search API.
    let (port, asked) = search_server();
    let host = format!("127.0.0.1:{port}");
    let (table, said) = search(&["alpine", "--registry", &host]);
    assert!(
        said.contains("search API") && said.contains("/v1/search"),
        "{said}"
    );
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "DESCRIPTION", "STARS", "OFFICIAL"],
        "{table}"
    );
    assert_eq!(lines.len(), 4, "{table}");
    assert!(
        lines[1].starts_with("alpine ") && lines[1].ends_with("11000   [OK]"),
        "{table}"
    );
    assert!(
        lines[1].contains(" based on Alpine Linux…   ") && !lines[1].contains("complete"),
        "cut to 45 characters: {table}"
    );
    assert!(
        lines[2].starts_with("someone/alpine-tools ") && lines[2].ends_with(" 12"),
        "{table}"
    );
    assert_eq!(asked.lock().unwrap().last().unwrap(), "q=alpine&n=25");
    let (table, _) = search(&["alpine", "--registry", &host, "--filter", "stars=10"]);
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(!table.contains("other/alpine-x"), "{table}");
    let (table, _) = search(&[
        "alpine",
        "--registry",
        &host,
        "--filter",
        "is-official=true",
    ]);
    assert_eq!(table.lines().count(), 2, "{table}");
    let (table, _) = search(&["alpine", "--registry", &host, "--limit", "2", "--no-trunc"]);
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(table.contains("only 5 MB in size!"), "{table}");
    assert_eq!(asked.lock().unwrap().last().unwrap(), "q=alpine&n=2");
    let o = env.run(&[
        "search",
        "alpine",
        "--registry",
        &host,
        "--filter",
        "stars=many",
    ]);
    assert_eq!(o.status.code(), Some(125), "{}", out(&o));

    // docker-registry has no search API: its catalog, and the tags.
    let reg = Registry::start(None);
    let tiny = TestImage::new(vec![app_layer()]);
    for (repo, tag) in [
        ("t/alpha", "v1"),
        ("t/alpha", "v2"),
        ("t/beta", "v1"),
        ("tools/alpha-cli", "latest"),
    ] {
        reg.push_image(repo, tag, &tiny, false);
    }
    let (table, said) = search(&["alpha", "--registry", &reg.host()]);
    assert!(
        said.contains("/v2/_catalog") && said.contains("no search API"),
        "{said}"
    );
    assert_eq!(
        table,
        "NAME              TAGS\nt/alpha           v1, v2\ntools/alpha-cli   latest\n"
    );
    let (table, _) = search(&["alpha", "--registry", &reg.host(), "--limit", "1"]);
    assert_eq!(table, "NAME      TAGS\nt/alpha   v1, v2\n");
    // A catalog has no stars.
    let (table, _) = search(&["alpha", "--registry", &reg.host(), "--filter", "stars=1"]);
    assert_eq!(table, "NAME   TAGS\n");
}

/// `skopeo inspect --raw` of a reference of a registry without auth.
fn skopeo_raw(reference: &str) -> Vec<u8> {
    let o = std::process::Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{reference}"),
        ])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "skopeo inspect --raw {reference}: {}",
        out(&o)
    );
    o.stdout
}

#[test]
fn an_image_pulled_whole_is_pushed_whole_index_and_every_platform() {
    use rootfs_fetch::oci::manifest::{DOCKER_LIST, DOCKER_MANIFEST};
    let Some(env) = setup("an_image_pulled_whole_is_pushed_whole_index_and_every_platform") else {
        return;
    };
    // A docker manifest list of two platforms, each a docker schema2
    // manifest (the store keeps this machine's in OCI form: the pushed
    // bytes must still be the registry's own).
    let src = Registry::start(None);
    let repo = "t/multi";
    let mut amd = TestImage::new(vec![base(&env), app_layer()]);
    amd.cmd = vec!["cat".into(), "/app/message".into()];
    let arm_layer = TarBuilder::new()
        .dir("app/")
        .file("app/message", b"an arm64 program would be here\n")
        .build();
    let mut arm = TestImage::new(vec![arm_layer.clone()]);
    arm.architecture = "arm64".into();
    let a = src.manifest_for(repo, &amd, true);
    let b = src.manifest_for(repo, &arm, true);
    let (da, db) = (Digest::of(&a), Digest::of(&b));
    src.push_manifest(repo, &da.to_string(), DOCKER_MANIFEST, &a);
    src.push_manifest(repo, &db.to_string(), DOCKER_MANIFEST, &b);
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": DOCKER_LIST,
        "manifests": [
            {"mediaType": DOCKER_MANIFEST, "digest": da.to_string(), "size": a.len(), "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": DOCKER_MANIFEST, "digest": db.to_string(), "size": b.len(), "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}
        ]
    }))
    .unwrap();
    let di = src.push_manifest(repo, "v1", DOCKER_LIST, &index);
    let name = format!("{}/{repo}:v1", src.host());
    let arm_blob = Digest::of(&arm_layer.gz);
    let blob_in_store = |d: &Digest| env.root.join("images/blobs/sha256").join(d.hex()).exists();

    // Pulled whole: this machine's platform runs; the other is kept,
    // narrated, and not unpacked; the image's digest is the index's.
    let (stdout, events) = traced(&env, &["pull", "--all-platforms", &name], &[]);
    assert_eq!(stdout.trim(), format!("{name}: {di}"));
    let kept: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["step"] == "pull_platform_kept")
        .collect();
    assert_eq!(kept.len(), 1, "{events:#?}");
    assert_eq!(kept[0]["fields"]["platform"], "linux/arm64/v8");
    assert_eq!(kept[0]["fields"]["digest"], db.to_string());
    assert!(blob_in_store(&arm_blob) && blob_in_store(&di) && blob_in_store(&db));
    assert!(
        !env.root
            .join("layers")
            .join(arm_layer.diff_id().hex())
            .exists(),
        "another platform's layer is kept, not unpacked"
    );
    assert_eq!(run_image(&env, &name), "hello from a pushed image\n");
    let inspect: serde_json::Value =
        serde_json::from_str(&ok(&env, &["image", "inspect", &name])).unwrap();
    assert_eq!(inspect["Index"]["Digest"], di.to_string());
    assert_eq!(
        inspect["Index"]["Platforms"][1]["Platform"],
        "linux/arm64/v8"
    );
    // A collection keeps every platform while the image is there.
    ok(&env, &["image", "prune"]);
    assert!(blob_in_store(&arm_blob) && blob_in_store(&di));

    // tag keeps the whole; push sends both platforms' blobs, each
    // manifest by digest, then the index by tag: the same bytes.
    let dst = Registry::start(None);
    let target = format!("{}/team/whole:v2", dst.host());
    ok(&env, &["tag", &name, &target]);
    let (stdout, events) = traced(&env, &["push", &target], &[("DOCKLING_PUSH_JOBS", "1")]);
    assert!(
        stdout.ends_with(&format!("v2: digest: {di} size: {}\n", index.len())),
        "{stdout}"
    );
    let puts: Vec<String> = requests(&events)
        .into_iter()
        .filter(|(m, u, _)| m == "PUT" && u.contains("/manifests/"))
        .map(|(_, u, s)| format!("{} {s}", u.rsplit('/').next().unwrap()))
        .collect();
    assert_eq!(
        puts,
        [
            format!("{da} 201"),
            format!("{db} 201"),
            "v2 201".to_string()
        ],
        "each manifest by digest, then the index by tag"
    );
    let pushed = events
        .iter()
        .find(|e| e["step"] == "push_index")
        .expect("push_index narrated");
    assert_eq!(pushed["fields"]["count"], 2);
    assert_eq!(skopeo_raw(&target), index, "the index, byte for byte");
    let arm_ref = format!("{}/team/whole@{db}", dst.host());
    assert_eq!(skopeo_raw(&arm_ref), b, "the arm64 manifest, byte for byte");
    assert!(
        dst.blob_file(&arm_blob).exists(),
        "the arm64 layer was sent"
    );
    // skopeo copies every platform out of it, checking every blob.
    let layout = tempfile::tempdir().unwrap();
    let o = std::process::Command::new("skopeo")
        .args([
            "copy",
            "--all",
            "--src-tls-verify=false",
            &format!("docker://{target}"),
            &format!("oci:{}:whole", layout.path().display()),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "skopeo copy --all: {}", out(&o));

    // Without --all-platforms, the same tag gives one platform, and a
    // push sends that one image, not the index.
    let single = Env::with_rootfs();
    ok(&single, &["--trace", "quiet", "pull", &name]);
    let one = format!("{}/team/one:v1", dst.host());
    ok(&single, &["tag", &name, &one]);
    let stdout = ok(&single, &["--trace", "quiet", "push", &one]);
    assert!(!stdout.contains(&di.to_string()), "{stdout}");
    let raw: serde_json::Value = serde_json::from_slice(&skopeo_raw(&one)).unwrap();
    assert!(
        raw.get("manifests").is_none() && raw["layers"].is_array(),
        "{raw}"
    );
    single.assert_clean();

    // rmi of both names, then a collection: nothing of any platform is left.
    ok(&env, &["rmi", &name, &target]);
    ok(&env, &["image", "prune"]);
    for d in [&arm_blob, &di, &db, &da] {
        assert!(!blob_in_store(d), "{d} left behind");
    }
    env.assert_clean();
}
