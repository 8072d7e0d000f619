//! A real registry for the tests: Debian's `docker-registry` (the
//! distribution project's registry:2) on 127.0.0.1 with its own port and
//! storage, and a small pusher that uploads blobs and manifests through
//! the registry's HTTP API, so tests can serve any image, hostile ones
//! included. Also: layer and image builders (a gzip bomb among them), and
//! a tiny HTTP front (a token server, a redirect to a second loopback
//! host, a connection cut short, a download that stalls or waits for the
//! test, a realm the test names) for what registry:2 cannot do by itself.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use rootfs_fetch::oci::digest::Digest;

use rootfs_fetch::oci::manifest::{
    DOCKER_LAYER_GZIP, DOCKER_MANIFEST, OCI_LAYER_GZIP, OCI_LAYER_TAR, OCI_LAYER_ZSTD, OCI_MANIFEST,
};

/// Whether the registry and the image tools are installed; says so loudly
/// (and fails in CI) when not.
pub fn tools(test: &str) -> bool {
    let missing: Vec<&str> = ["docker-registry", "skopeo", "umoci", "htpasswd", "zstd"]
        .into_iter()
        .filter(|t| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "{test}: NOT RUN: missing {} (scripts/dev test installs them)",
        missing.join(", ")
    );
    assert!(std::env::var_os("CI").is_none(), "{msg}");
    eprintln!("\n!!! {msg}\n");
    false
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Registry {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// Basic credentials the pusher uses, when the registry wants them.
    pub auth: Option<(String, String)>,
}

impl Registry {
    /// Start one, optionally with htpasswd Basic auth for USER:PASSWORD.
    pub fn start(auth: Option<(&str, &str)>) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if let Some((u, p)) = auth {
            let out = Command::new("htpasswd")
                .args(["-Bbn", u, p])
                .output()
                .unwrap();
            assert!(out.status.success());
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, out.stdout).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: test-realm\n    path: {}\n",
                file.display()
            ));
        }
        let cfg = dir.path().join("config.yml");
        std::fs::write(&cfg, config).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry");
        let r = Registry {
            child,
            port,
            dir,
            auth: auth.map(|(u, p)| (u.to_string(), p.to_string())),
        };
        super::wait_for(10, || TcpStream::connect(("127.0.0.1", port)).ok());
        r
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// dockling's own pusher, with this registry's credentials.
    fn pusher(&self) -> dockling::image::push::Pusher {
        let creds = self
            .auth
            .as_ref()
            .map(|(u, p)| rootfs_fetch::oci::auth::Credentials {
                user: u.clone(),
                password: p.clone(),
            });
        dockling::image::push::Pusher::new(&format!("http://{}", self.host()), creds)
    }

    pub fn push_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Digest {
        self.pusher()
            .manifest(repo, reference, media_type, bytes)
            .unwrap()
    }

    /// Push an image made of `layers` (bottom first) with a config, as an
    /// OCI or docker schema2 manifest; returns its digest.
    pub fn push_image(&self, repo: &str, tag: &str, image: &TestImage, docker: bool) -> Digest {
        let bytes = self.manifest_for(repo, image, docker);
        self.push_manifest(
            repo,
            tag,
            if docker {
                DOCKER_MANIFEST
            } else {
                OCI_MANIFEST
            },
            &bytes,
        )
    }

    /// Upload an image's blobs and return its manifest's bytes.
    pub fn manifest_for(&self, repo: &str, image: &TestImage, docker: bool) -> Vec<u8> {
        let layers: Vec<(&[u8], &str)> = image
            .layers
            .iter()
            .map(|l| match &l.blob {
                Some((b, m)) => (b.as_slice(), *m),
                None => (
                    l.gz.as_slice(),
                    if docker {
                        DOCKER_LAYER_GZIP
                    } else {
                        OCI_LAYER_GZIP
                    },
                ),
            })
            .collect();
        self.pusher()
            .upload(repo, &image.config_bytes(), &layers, docker)
            .unwrap()
    }

    /// The file the registry keeps a blob's bytes in.
    pub fn blob_file(&self, d: &Digest) -> PathBuf {
        self.dir
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&d.hex()[..2])
            .join(d.hex())
            .join("data")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One layer: its uncompressed tar and the gzip of it (or, with
/// `blob`, other bytes and media type to push instead).
#[derive(Clone)]
pub struct Layer {
    pub tar: Vec<u8>,
    pub gz: Vec<u8>,
    pub blob: Option<(Vec<u8>, &'static str)>,
    /// A diff_id to claim instead of the tar's (a bomb's tar is never
    /// held in memory).
    pub diff: Option<Digest>,
}

impl Layer {
    pub fn from_tar(tar: Vec<u8>) -> Layer {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&tar).unwrap();
        Layer {
            gz: e.finish().unwrap(),
            tar,
            blob: None,
            diff: None,
        }
    }

    /// A gzip bomb: one file of `size` zeros, a tar of `size` bytes and
    /// more, gzip'd into about a thousandth of that. Built as gzip members
    /// one after another (a valid gzip stream), so that the zeros are
    /// compressed once, not `size` times. Its diff_id is made up: the
    /// unpacker must stop long before it could check it.
    pub fn gzip_bomb(size: u64) -> Layer {
        const CHUNK: usize = 8 << 20;
        assert_eq!(size % CHUNK as u64, 0);
        let gz = |data: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        };
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_path("zeros").unwrap();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_cksum();
        let zeros = gz(&vec![0u8; CHUNK]);
        let mut out = gz(h.as_bytes());
        for _ in 0..size / CHUNK as u64 {
            out.extend_from_slice(&zeros);
        }
        out.extend_from_slice(&gz(&[0u8; 1024]));
        Layer {
            tar: Vec::new(),
            gz: out,
            blob: None,
            diff: Some(Digest::of(b"a bomb's tar is never hashed to the end")),
        }
    }

    /// The same tar gzip'd again at another level: another blob, the same
    /// diff_id.
    pub fn regzipped(mut self) -> Layer {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&self.tar).unwrap();
        let again = e.finish().unwrap();
        assert_ne!(again, self.gz, "a different blob");
        self.gz = again;
        self
    }

    /// Pushed as a plain, uncompressed tar.
    pub fn uncompressed(mut self) -> Layer {
        self.blob = Some((self.tar.clone(), OCI_LAYER_TAR));
        self
    }

    /// Pushed zstd-compressed (by the zstd program).
    pub fn zstd(mut self) -> Layer {
        let mut child = Command::new("zstd")
            .args(["-q", "-c", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("zstd");
        let mut stdin = child.stdin.take().unwrap();
        let tar = self.tar.clone();
        let feeder = std::thread::spawn(move || stdin.write_all(&tar).unwrap());
        let out = child.wait_with_output().unwrap();
        feeder.join().unwrap();
        assert!(out.status.success());
        self.blob = Some((out.stdout, OCI_LAYER_ZSTD));
        self
    }

    pub fn diff_id(&self) -> Digest {
        self.diff.clone().unwrap_or_else(|| Digest::of(&self.tar))
    }

    /// A layer of the whole directory `dir` (e.g. the test rootfs).
    pub fn from_dir(dir: &Path) -> Layer {
        let mut b = tar::Builder::new(Vec::new());
        b.follow_symlinks(false);
        b.append_dir_all(".", dir).unwrap();
        Layer::from_tar(b.into_inner().unwrap())
    }
}

/// Build a tar by hand, entry by entry: names are written raw, so a test
/// can make exactly the hostile entries a tar library would refuse.
pub struct TarBuilder {
    b: tar::Builder<Vec<u8>>,
}

impl TarBuilder {
    pub fn new() -> TarBuilder {
        TarBuilder {
            b: tar::Builder::new(Vec::new()),
        }
    }

    fn header(kind: tar::EntryType, name: &str, size: u64, mode: u32) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_mtime(1_700_000_000);
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        h
    }

    pub fn dir(mut self, name: &str) -> Self {
        let h = Self::header(tar::EntryType::Directory, name, 0, 0o755);
        self.b.append(&h, &[][..]).unwrap();
        self
    }

    pub fn file(mut self, name: &str, data: &[u8]) -> Self {
        let h = Self::header(tar::EntryType::Regular, name, data.len() as u64, 0o644);
        self.b.append(&h, data).unwrap();
        self
    }

    pub fn link(mut self, kind: tar::EntryType, name: &str, target: &str) -> Self {
        let mut h = Self::header(kind, name, 0, 0o777);
        h.set_link_name(target).unwrap();
        h.set_cksum();
        self.b.append(&h, &[][..]).unwrap();
        self
    }

    /// A file with a mode (setuid bits included) and PAX xattrs.
    pub fn file_with(
        mut self,
        name: &str,
        data: &[u8],
        mode: u32,
        xattrs: &[(&str, &[u8])],
    ) -> Self {
        if !xattrs.is_empty() {
            let exts: Vec<(String, &[u8])> = xattrs
                .iter()
                .map(|(k, v)| (format!("SCHILY.xattr.{k}"), *v))
                .collect();
            self.b
                .append_pax_extensions(exts.iter().map(|(k, v)| (k.as_str(), *v)))
                .unwrap();
        }
        let h = Self::header(tar::EntryType::Regular, name, data.len() as u64, mode);
        self.b.append(&h, data).unwrap();
        self
    }

    pub fn device(mut self, name: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Char, name, 0, 0o666);
        h.set_device_major(1).unwrap();
        h.set_device_minor(3).unwrap();
        h.set_cksum();
        self.b.append(&h, &[][..]).unwrap();
        self
    }

    /// A header that claims `size` bytes, followed by only a few: the
    /// unpacker must refuse it by the claim, before reading.
    pub fn huge(mut self, name: &str, size: u64) -> Self {
        let h = Self::header(tar::EntryType::Regular, name, size, 0o644);
        let mut raw = self.b.get_ref().clone();
        raw.extend_from_slice(h.as_bytes());
        raw.extend_from_slice(&[0u8; 512]);
        self.b = tar::Builder::new(raw);
        self
    }

    pub fn build(self) -> Layer {
        Layer::from_tar(self.b.into_inner().unwrap())
    }
}

impl Default for TarBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// An image to push: layers and the config's run settings.
#[derive(Clone)]
pub struct TestImage {
    pub layers: Vec<Layer>,
    pub architecture: String,
    pub cmd: Vec<String>,
    pub entrypoint: Option<Vec<String>>,
    pub env: Vec<String>,
    pub workdir: Option<String>,
    pub user: Option<String>,
}

impl TestImage {
    pub fn new(layers: Vec<Layer>) -> TestImage {
        TestImage {
            layers,
            architecture: "amd64".into(),
            cmd: vec!["sh".into()],
            entrypoint: None,
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
            workdir: None,
            user: None,
        }
    }

    pub fn config_bytes(&self) -> Vec<u8> {
        let c = serde_json::json!({
            "architecture": self.architecture,
            "os": "linux",
            "created": "2026-11-24T00:00:00Z",
            "config": {
                "Cmd": self.cmd,
                "Entrypoint": self.entrypoint,
                "Env": self.env,
                "WorkingDir": self.workdir.clone().unwrap_or_default(),
                "User": self.user.clone().unwrap_or_default(),
            },
            "rootfs": {
                "type": "layers",
                "diff_ids": self.layers.iter().map(|l| l.diff_id().to_string()).collect::<Vec<_>>(),
            },
        });
        serde_json::to_vec(&c).unwrap()
    }
}

/// What the front saw.
#[derive(Default, Debug)]
pub struct Seen {
    pub token_requests: Vec<String>,
    /// The Authorization header each token request came with.
    pub token_auth: Vec<Option<String>>,
    /// Authorization headers that reached the second (redirect) host.
    pub redirected_auth: Vec<Option<String>>,
    pub redirected: usize,
    /// Every request the second host got: path and Authorization header.
    pub second_requests: Vec<(String, Option<String>)>,
}

/// How the front behaves.
#[derive(Clone, PartialEq, Eq)]
pub enum Mode {
    /// Bearer tokens from /token; blobs redirected to 127.0.0.2.
    TokenAndRedirect,
    /// Every blob answer cut off after this many bytes.
    CutBlobsAfter(usize),
    /// Blobs trickle out, 64 KiB every 50 ms.
    SlowBlobs,
    /// Blobs larger than this many bytes: headers and this many bytes,
    /// then nothing (the connection stays open for a minute).
    StallBlobsAfter(usize),
    /// The blob with this digest (hex): half of it, then the rest only
    /// after [`Front::release`].
    HoldBlob(String),
    /// Blobs redirected to 127.0.0.2, which answers every request with a
    /// 401 and a Bearer challenge whose realm is its own /token.
    RedirectToChallenger,
    /// Every request answered 401 with a Bearer challenge for this realm.
    Realm(String),
}

/// A small HTTP server in front of a registry (one request per
/// connection).
pub struct Front {
    pub port: u16,
    pub seen: Arc<Mutex<Seen>>,
    gate: Gate,
}

/// Shut until the test opens it.
type Gate = Arc<(Mutex<bool>, Condvar)>;

impl Front {
    /// Let a held blob (Mode::HoldBlob) finish.
    pub fn release(&self) {
        let (open, cv) = &*self.gate;
        *open.lock().unwrap() = true;
        cv.notify_all();
    }
}

const TOKEN: &str = "test-token-7f3a";

impl Front {
    pub fn start(registry_port: u16, mode: Mode) -> Front {
        let main = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = main.local_addr().unwrap().port();
        let second = TcpListener::bind("127.0.0.2:0").unwrap();
        let second_port = second.local_addr().unwrap().port();
        let seen: Arc<Mutex<Seen>> = Arc::default();
        let gate: Gate = Arc::default();
        let (s1, g1, m1) = (seen.clone(), gate.clone(), mode.clone());
        std::thread::spawn(move || {
            for c in main.incoming().flatten() {
                let (s, g, m) = (s1.clone(), g1.clone(), m1.clone());
                std::thread::spawn(move || {
                    let _ = serve_main(c, registry_port, port, second_port, &m, &s, &g);
                });
            }
        });
        let s2 = seen.clone();
        std::thread::spawn(move || {
            for c in second.incoming().flatten() {
                let (s, m) = (s2.clone(), mode.clone());
                std::thread::spawn(move || {
                    let _ = serve_second(c, registry_port, second_port, &m, &s);
                });
            }
        });
        Front { port, seen, gate }
    }
}

struct Request {
    path: String,
    headers: Vec<(String, String)>,
}

fn read_request(c: &mut TcpStream) -> std::io::Result<Request> {
    c.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut r = BufReader::new(c.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Ok(Request { path, headers })
}

impl Request {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

fn respond(
    c: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    write!(
        c,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    )?;
    for (k, v) in headers {
        write!(c, "{k}: {v}\r\n")?;
    }
    write!(c, "\r\n")?;
    c.write_all(body)
}

/// Forward a GET to the registry; returns status, content type, body.
fn upstream(
    registry_port: u16,
    path: &str,
    accept: Option<String>,
) -> (u16, String, Vec<u8>, Option<String>) {
    let a: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut req = a.get(&format!("http://127.0.0.1:{registry_port}{path}"));
    if let Some(acc) = accept {
        req = req.header("Accept", acc);
    }
    let resp = req.call().unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let dcd = resp
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut body = Vec::new();
    resp.into_body()
        .into_reader()
        .read_to_end(&mut body)
        .unwrap();
    (status, ct, body, dcd)
}

fn serve_main(
    mut c: TcpStream,
    registry_port: u16,
    port: u16,
    second_port: u16,
    mode: &Mode,
    seen: &Mutex<Seen>,
    gate: &Gate,
) -> std::io::Result<()> {
    let req = read_request(&mut c)?;
    if let Mode::Realm(realm) = mode {
        return respond(
            &mut c,
            "401 Unauthorized",
            &[(
                "WWW-Authenticate",
                format!(r#"Bearer realm="{realm}",service="test-registry""#),
            )],
            b"{}",
        );
    }
    if *mode == Mode::RedirectToChallenger && req.path.contains("/blobs/") {
        let to = format!("http://127.0.0.2:{second_port}{}", req.path);
        return respond(&mut c, "307 Temporary Redirect", &[("Location", to)], b"");
    }
    if *mode == Mode::TokenAndRedirect {
        if req.path.starts_with("/token") {
            {
                let mut s = seen.lock().unwrap();
                s.token_requests.push(req.path.clone());
                s.token_auth.push(req.header("authorization"));
            }
            return respond(
                &mut c,
                "200 OK",
                &[("Content-Type", "application/json".into())],
                format!(r#"{{"token":"{TOKEN}"}}"#).as_bytes(),
            );
        }
        if req.header("authorization").as_deref() != Some(&format!("Bearer {TOKEN}")) {
            let challenge = format!(
                r#"Bearer realm="http://127.0.0.1:{port}/token",service="test-registry",scope="repository:{}:pull""#,
                req.path
                    .trim_start_matches("/v2/")
                    .split("/manifests/")
                    .next()
                    .unwrap_or("")
                    .split("/blobs/")
                    .next()
                    .unwrap_or("")
            );
            return respond(
                &mut c,
                "401 Unauthorized",
                &[("WWW-Authenticate", challenge)],
                b"{}",
            );
        }
        if req.path.contains("/blobs/") {
            let to = format!("http://127.0.0.2:{second_port}{}", req.path);
            return respond(&mut c, "307 Temporary Redirect", &[("Location", to)], b"");
        }
    }
    let (status, ct, body, dcd) = upstream(registry_port, &req.path, req.header("accept"));
    let mut headers = vec![("Content-Type", ct)];
    if let Some(d) = dcd {
        headers.push(("Docker-Content-Digest", d));
    }
    if let Mode::StallBlobsAfter(n) = *mode
        && req.path.contains("/blobs/")
        && body.len() > n
    {
        // Promise everything, send a part, then nothing: the connection
        // stays open, as a wedged server or a dropped route leaves it.
        write!(
            c,
            "HTTP/1.1 {status} OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        c.write_all(&body[..n])?;
        c.flush()?;
        std::thread::sleep(Duration::from_secs(60));
        return Ok(());
    }
    if let Mode::HoldBlob(hex) = mode
        && req.path.ends_with(hex.as_str())
    {
        write!(
            c,
            "HTTP/1.1 {status} OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        let half = body.len() / 2;
        c.write_all(&body[..half])?;
        c.flush()?;
        let (open, cv) = &**gate;
        let mut is_open = open.lock().unwrap();
        while !*is_open {
            is_open = cv.wait(is_open).unwrap();
        }
        return c.write_all(&body[half..]);
    }
    if let Mode::CutBlobsAfter(n) = *mode
        && req.path.contains("/blobs/")
        && body.len() > n
    {
        // Promise everything, send a part, hang up.
        write!(
            c,
            "HTTP/1.1 {status} OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        c.write_all(&body[..n])?;
        return c.shutdown(std::net::Shutdown::Both);
    }
    if *mode == Mode::SlowBlobs && req.path.contains("/blobs/") {
        write!(
            c,
            "HTTP/1.1 {status} OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        for chunk in body.chunks(64 << 10) {
            c.write_all(chunk)?;
            std::thread::sleep(Duration::from_millis(50));
        }
        return Ok(());
    }
    respond(&mut c, &format!("{status} X"), &headers, &body)
}

fn serve_second(
    mut c: TcpStream,
    registry_port: u16,
    port: u16,
    mode: &Mode,
    seen: &Mutex<Seen>,
) -> std::io::Result<()> {
    let req = read_request(&mut c)?;
    {
        let mut s = seen.lock().unwrap();
        s.redirected += 1;
        s.redirected_auth.push(req.header("authorization"));
        s.second_requests
            .push((req.path.clone(), req.header("authorization")));
    }
    if *mode == Mode::RedirectToChallenger {
        // A storage host that wants credentials of its own: a token
        // request that reached it would be answered, so the test can tell.
        if req.path.starts_with("/token") {
            return respond(&mut c, "200 OK", &[], br#"{"token":"stolen"}"#);
        }
        let challenge =
            format!(r#"Bearer realm="http://127.0.0.2:{port}/token",service="storage""#);
        return respond(
            &mut c,
            "401 Unauthorized",
            &[("WWW-Authenticate", challenge)],
            b"{}",
        );
    }
    let (status, ct, body, _) = upstream(registry_port, &req.path, None);
    respond(
        &mut c,
        &format!("{status} X"),
        &[("Content-Type", ct)],
        &body,
    )
}
