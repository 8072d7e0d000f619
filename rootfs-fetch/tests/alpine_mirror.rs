//! `rootfs-fetch alpine` against a local HTTP mirror on 127.0.0.1 that
//! serves a minirootfs-shaped tarball made by the test.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

fn tarball() -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (path, data) in [
        ("etc/os-release", &b"ID=alpine\n"[..]),
        ("bin/busybox", b"\x7fELF fake"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_path(path).unwrap();
        h.set_size(data.len() as u64);
        h.set_mode(0o755);
        h.set_mtime(0);
        h.set_cksum();
        b.append(&h, data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

/// Serve `body` at the minirootfs URL for version 3.23.2 / x86_64; any
/// other path is a 404. Returns the mirror's base URL.
fn serve(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut request = String::new();
            BufReader::new(&stream).read_line(&mut request).unwrap();
            let ok =
                request.contains("/v3.23/releases/x86_64/alpine-minirootfs-3.23.2-x86_64.tar.gz");
            let (status, body) = if ok {
                ("200 OK", &body[..])
            } else {
                ("404 Not Found", &b""[..])
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(body).unwrap();
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn fetch(dest: &Path, mirror: &str, sha: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rootfs-fetch"))
        .args([
            "alpine",
            dest.to_str().unwrap(),
            "--version",
            "3.23.2",
            "--arch",
            "x86_64",
        ])
        .args(["--mirror", mirror, "--sha256", sha])
        .output()
        .unwrap()
}

#[test]
fn a_verified_download_is_unpacked() {
    let body = tarball();
    let sha = hex::encode(Sha256::digest(&body));
    let mirror = serve(body);
    let t = tempfile::tempdir().unwrap();
    let dest = t.path().join("alpine");
    let out = fetch(&dest, &mirror, &sha);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("etc/os-release")).unwrap(),
        "ID=alpine\n"
    );
}

#[test]
fn a_wrong_checksum_installs_nothing() {
    let mirror = serve(tarball());
    let t = tempfile::tempdir().unwrap();
    let dest = t.path().join("alpine");
    let out = fetch(&dest, &mirror, &"0".repeat(64));
    assert_eq!(out.status.code(), Some(125));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("checksum mismatch"), "{err}");
    // Neither the rootfs nor its staging directory remains.
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
}

#[test]
fn a_missing_file_on_the_mirror_is_a_clear_error() {
    let mirror = serve(tarball());
    let t = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rootfs-fetch"))
        .args([
            "alpine",
            t.path().join("a").to_str().unwrap(),
            "--version",
            "3.20.3",
            "--mirror",
            &mirror,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("download of") && err.contains("404"), "{err}");
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
}
