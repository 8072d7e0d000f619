//! Shared test support: a private state root per test, the dockling binary
//! as a subprocess, the one table of output filters, and leak checks.
//!
//! Tests that need root call [`require_root`]: without root they say so
//! loudly and stop, and in CI (CI=true) that is a failure, never a skip.

#![allow(dead_code)]

pub mod guest;
pub mod registry;
pub mod terminal;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub const DOCKLING: &str = env!("CARGO_BIN_EXE_dockling");

/// The guest kernel `dockling compare` boots: DOCKLING_GUEST_KERNEL when
/// set, else the one `scripts/guest-kernel` fetches for the tests
/// (guest::dir()/vmlinuz).
pub fn guest_kernel() -> PathBuf {
    std::env::var_os("DOCKLING_GUEST_KERNEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| guest::dir().join("vmlinuz"))
}

/// True when the test may go on. Without root: a loud message, and a panic
/// in CI, where everything must run.
pub fn require_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    let msg = format!("NOT RUN: {test} needs root; run the tests as root (sudo scripts/dev test)");
    if std::env::var_os("CI").is_some() {
        panic!("{msg} — CI must run every test");
    }
    eprintln!("\n!!!!!!!! {msg} !!!!!!!!\n");
    false
}

/// For a test that needs root: its environment with a rootfs, or `None`
/// after saying loudly why it cannot run (a failure in CI).
pub fn rooted(test: &str) -> Option<Env> {
    require_root(test).then(Env::with_rootfs)
}

/// The first `--trace json` event for `step` in a stderr.
pub fn event(stderr: &str, step: &str) -> Option<serde_json::Value> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["step"] == step)
}

/// A test's own state root: rootfs, run directories, everything.
pub struct Env {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    /// This test's own parent cgroup name (DOCKLING_CGROUP_PARENT).
    pub cgroup_parent: String,
    /// The root's networks as last seen (name, bridge, subnet), for the
    /// filter: a network's definition may be gone by the time the output
    /// of its `network rm` is filtered.
    networks: std::sync::Mutex<Vec<(String, String, String)>>,
}

/// The root is about to be deleted, and with it the journals `dockling
/// cleanup` works from: finish any run a failed test left (a killed
/// dockling), and remove the networks the test made (their bridges stay
/// until `network rm`). Then, unless the test is already failing, nothing
/// of it may be left in the cgroup tree.
impl Drop for Env {
    fn drop(&mut self) {
        self.learn_networks();
        let has = |p: PathBuf| std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_some());
        // Containers a test left (stage 7): removed, their monitors with them.
        let left = self.run(&["ps", "-aq", "--no-trunc"]);
        for id in String::from_utf8_lossy(&left.stdout).split_whitespace() {
            let _ = self.run(&["rm", "-f", id]);
        }
        if has(self.runs()) || has(self.root.join("networks")) {
            let _ = self.run(&["--trace", "quiet", "cleanup"]);
        }
        for e in std::fs::read_dir(self.root.join("networks"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let file = e.file_name().to_string_lossy().into_owned();
            if let Some(name) = file.strip_suffix(".json") {
                let _ = self.run(&["network", "rm", name]);
            }
        }
        let cgroups: Vec<String> = self
            .cgroups()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        // A removed network's rules go with it.
        let rules: Vec<String> = self
            .learn_networks()
            .iter()
            .flat_map(|(_, bridge, _)| rules_naming(&format!(" {bridge} "), "\0"))
            .collect();
        for (what, left) in [
            ("cgroups", cgroups),
            ("bridges", self.bridges_left()),
            ("iptables rules", rules),
        ] {
            if left.is_empty() {
                continue;
            }
            let msg = format!("{what} left behind by this test: {left:?}");
            if std::thread::panicking() {
                eprintln!("!!! {msg}");
            } else {
                panic!("{msg}");
            }
        }
    }
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::Builder::new()
            .prefix("dockling-test-")
            .tempdir()
            .unwrap();
        let root = dir.path().to_path_buf();
        let tag = root
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace("dockling-test-", "");
        Env {
            _dir: dir,
            root,
            cgroup_parent: format!("dockling-test-{tag}"),
            networks: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// A new root with the default rootfs built from the host's busybox.
    pub fn with_rootfs() -> Env {
        let env = Env::new();
        let out = env.run(&["--trace", "quiet", "rootfs", "fetch", "host"]);
        assert!(
            out.status.success(),
            "rootfs fetch failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        env
    }

    pub fn rootfs(&self) -> PathBuf {
        self.root.join("rootfs/default")
    }

    pub fn runs(&self) -> PathBuf {
        self.root.join("run/runs")
    }

    /// The dockling command with this root and a fixed, colourless terminal.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.program(DOCKLING);
        c.args(args);
        c
    }

    /// `program` with the environment [`Env::cmd`] gives dockling.
    pub fn program(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DOCKLING_ROOT", &self.root)
            .env("DOCKLING_CGROUP_PARENT", &self.cgroup_parent)
            .env("TERM", "xterm")
            .env("NO_COLOR", "1")
            .env("DOCKLING_GUEST_KERNEL", guest_kernel())
            .env_remove("DOCKLING_TRACE")
            // English, whatever the locale of the machine running the tests
            // (a Korean one would choose Korean); tests/korean.rs asks for
            // Korean itself.
            .env("DOCKLING_LANG", "en")
            // The narration unwrapped: `filter` lays it out at 80 columns
            // after putting a student's paths in place of this test's.
            .env("COLUMNS", "100000")
            .stdin(Stdio::null());
        // As from a student's interactive shell: SIGINT and SIGQUIT not
        // ignored (a test runner started as a background job of a script
        // inherits them ignored, and dockling would pass that on).
        // SAFETY: signal(2) is async-signal-safe.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut c, || {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGQUIT, libc::SIG_DFL);
                Ok(())
            });
        }
        c
    }

    /// `run` that must succeed: its stdout, trimmed.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// `dockling ARGS -- sh -c SCRIPT`: exit code, stdout, stderr.
    pub fn sh(&self, args: &[&str], script: &str) -> (Option<i32>, String, String) {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--", "sh", "-c", script]);
        let out = self.run(&all);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    }

    /// `dockling --trace quiet ARGS -- breakout PROBE…` (the attacker's
    /// program, src/bin/breakout.rs): exit code and all it printed.
    pub fn breakout(&self, args: &[&str], probe: &[&str]) -> (Option<i32>, String) {
        let mut all = vec!["--trace", "quiet"];
        all.extend_from_slice(args);
        all.push("--");
        all.push("breakout");
        all.extend_from_slice(probe);
        let out = self.run(&all);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    }

    /// The attack must fail: exit 0 and "blocked".
    pub fn assert_blocked(&self, args: &[&str], probe: &[&str]) -> String {
        let (code, text) = self.breakout(args, probe);
        assert!(
            code == Some(0) && text.contains(": blocked ("),
            "{args:?} breakout {probe:?} was not blocked: {code:?} {text}"
        );
        text
    }

    /// With the defence off the same attack works: so a test of the
    /// defence cannot pass because the probe itself is broken.
    pub fn assert_escaped(&self, args: &[&str], probe: &[&str]) -> String {
        let (code, text) = self.breakout(args, probe);
        assert!(
            code == Some(1) && text.contains(": ESCAPED ("),
            "{args:?} breakout {probe:?} should get out with the defence off: {code:?} {text}"
        );
        text
    }

    /// Run with stdout and stderr on one pipe, as a terminal shows them.
    pub fn merged(&self, args: &[&str]) -> (Option<i32>, String) {
        self.merged_in(None, &[], args)
    }

    /// [`Env::merged`] in the directory `cwd` (the test's own otherwise),
    /// with `vars` added to the environment.
    pub fn merged_in(
        &self,
        cwd: Option<&Path>,
        vars: &[(&str, &str)],
        args: &[&str],
    ) -> (Option<i32>, String) {
        let (mut reader, writer) = std::io::pipe().unwrap();
        let mut cmd = self.cmd(args);
        if let Some(dir) = cwd {
            cmd.current_dir(dir);
        }
        cmd.envs(vars.iter().copied());
        cmd.stdout(writer.try_clone().unwrap()).stderr(writer);
        let mut child = cmd.spawn().unwrap();
        drop(cmd);
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        let status = child.wait().unwrap();
        (status.code(), text)
    }

    /// A lesson's session script ([`dockling::lessons::session`]) run by
    /// `sh` in `cwd`, with this root and `vars` added to dockling's
    /// environment, stdout and stderr on one pipe: exit code and output.
    pub fn session_in(
        &self,
        cwd: &Path,
        vars: &[(&str, &str)],
        script: &str,
    ) -> (Option<i32>, String) {
        let (mut reader, writer) = std::io::pipe().unwrap();
        let mut cmd = self.program("sh");
        cmd.current_dir(cwd);
        cmd.envs(vars.iter().copied());
        cmd.stdout(writer.try_clone().unwrap()).stderr(writer);
        let script = script.to_string();
        let waiter =
            std::thread::spawn(move || dockling::lessons::session::run(cmd, &script).unwrap());
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        (waiter.join().unwrap().code(), text)
    }

    /// The name of network `name`'s bridge in this root: not `dl-NAME`,
    /// which only the default root uses (src/network/bridge.rs).
    pub fn bridge(&self, name: &str) -> String {
        dockling::network::bridge::name(&std::fs::canonicalize(&self.root).unwrap(), name)
    }

    /// Links whose alias says they are a bridge of this root's.
    pub fn bridges_left(&self) -> Vec<String> {
        let Ok(root) = std::fs::canonicalize(&self.root) else {
            return Vec::new();
        };
        let mine = format!(" in {}", root.display());
        std::fs::read_dir("/sys/class/net")
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                std::fs::read_to_string(e.path().join("ifalias")).is_ok_and(|a| {
                    a.starts_with("dockling network ") && a.trim_end().ends_with(&mine)
                })
            })
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    }

    /// Remember this root's networks (name, bridge, subnet) as they are now.
    fn learn_networks(&self) -> Vec<(String, String, String)> {
        let mut known = self.networks.lock().unwrap_or_else(|p| p.into_inner());
        for e in std::fs::read_dir(self.root.join("networks"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            let net = (field("name"), field("bridge"), field("subnet"));
            if net.0.is_empty() || net.1.is_empty() {
                continue;
            }
            known.retain(|(n, _, _)| *n != net.0);
            known.push(net);
        }
        known.clone()
    }

    /// The shared filter table: this test's paths become the defaults a
    /// student sees, and values that differ per run become placeholders.
    /// A `ps` table is filtered cell by cell and aligned again, as
    /// dockling would have aligned the student's values; the narration is
    /// wrapped to 80 columns, as a student's terminal of 80 would have it.
    pub fn filter(&self, text: &str) -> String {
        let mut out = String::new();
        let column = regex::Regex::new(r"(^|   )(\S)").unwrap();
        let number = regex::Regex::new(r"\d+(\.\d+)?").unwrap();
        let mut lines = text.split_inclusive('\n').peekable();
        while let Some(line) = lines.next() {
            // docker's tables: ps, stats (CONTAINER ID …), top (UID …) and
            // image history (IMAGE …, whose CREATED column is as wide as
            // its longest "… ago"), and compare's (MEASURED …).
            let compare = line.starts_with("MEASURED ");
            if !line.starts_with("CONTAINER ID ")
                && !line.starts_with("UID ")
                && !line.starts_with("IMAGE ")
                && !compare
            {
                out.push_str(&self.filter_text(line));
                continue;
            }
            // Each column starts where its heading does.
            let header = line.trim_end();
            let starts: Vec<usize> = column
                .captures_iter(header)
                .map(|c| header[..c.get(2).unwrap().start()].width())
                .collect();
            let mut rows = vec![header.to_string()];
            while let Some(row) = lines.next_if(|l| !l.trim().is_empty() && !l.starts_with('[')) {
                rows.push(row.trim_end().to_string());
            }
            let names: Vec<String> = starts
                .iter()
                .enumerate()
                .map(|(i, &from)| {
                    let to = starts.get(i + 1).copied().unwrap_or(usize::MAX);
                    columns(header, from, to).trim().to_string()
                })
                .collect();
            let table: Vec<Vec<String>> = rows
                .iter()
                .enumerate()
                .map(|(row, r)| {
                    starts
                        .iter()
                        .enumerate()
                        .map(|(i, &from)| {
                            let to = starts.get(i + 1).copied().unwrap_or(usize::MAX);
                            let cell = columns(r, from, to);
                            let cell = cell.trim();
                            if row == 0 {
                                return cell.to_string();
                            }
                            // compare's figures are measured: every number
                            // varies, but the kernels and the exit codes.
                            let fixed = [
                                "kernels running",
                                "exit code",
                                "실행 중인 커널",
                                "종료 코드",
                            ];
                            if compare
                                && i > 0
                                && !fixed.contains(&r.split("   ").next().unwrap_or(""))
                            {
                                return number.replace_all(cell, "[N]").into_owned();
                            }
                            // Columns whose values change from run to run.
                            match names[i].as_str() {
                                "PID" | "PPID" => "[PID]".into(),
                                "STIME" => "[STIME]".into(),
                                "CPU %" => "[CPU %]".into(),
                                "MEM %" => "[MEM %]".into(),
                                "NET I/O" | "BLOCK I/O" => "[BYTES] / [BYTES]".into(),
                                "MEM USAGE / LIMIT" => match cell.split_once(" / ") {
                                    Some((_, limit)) => format!("[MEM] / {limit}"),
                                    None => cell.to_string(),
                                },
                                _ => self.filter_text(cell),
                            }
                        })
                        .collect()
                })
                .collect();
            let widths: Vec<usize> = (0..starts.len())
                .map(|i| table.iter().map(|r| r[i].width()).max().unwrap_or(0))
                .collect();
            for r in table {
                let mut line = String::new();
                for (i, cell) in r.iter().enumerate() {
                    line.push_str(cell);
                    if i + 1 < r.len() {
                        line.push_str(&" ".repeat(widths[i] - cell.width() + 3));
                    }
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        // dockling ran with no width limit (COLUMNS, in `cmd`): the
        // narration breaks its lines at 80 columns where it would for the
        // student's paths and pids, not this test's.
        dockling::narrate::layout(&out, 80)
    }

    fn filter_text(&self, text: &str) -> String {
        let root = self.root.display().to_string();
        let mut text = text
            .replace(&format!("{root}/run"), "/run/dockling")
            .replace(&root, "/var/lib/dockling")
            // This test's cgroup parent is the student's `dockling`.
            .replace(&self.cgroup_parent, "dockling")
            // compare: the tests' guest kernel and dockling, where a
            // student's are.
            .replace(
                &guest_kernel().display().to_string(),
                "/var/lib/dockling/guest/vmlinuz",
            )
            .replace(DOCKLING, "/usr/local/bin/dockling");
        for (name, bridge, subnet) in self.learn_networks() {
            // A test root's bridge has a name of its own; the default
            // root's is dl-NAME.
            text = text.replace(&bridge, &format!("dl-{name}"));
            // The default network takes the first free 10.147.N.0/24: on a
            // host where something else uses 10.147.0.0/24 that is another
            // N, where a student's fresh host has 0.
            if name == dockling::network::store::DEFAULT_NETWORK
                && let Some(n) = subnet
                    .strip_prefix("10.147.")
                    .and_then(|r| r.strip_suffix(".0/24"))
                    .filter(|n| *n != "0")
            {
                text = regex::Regex::new(&format!(r"\b10\.147\.{n}\."))
                    .unwrap()
                    .replace_all(&text, "10.147.0.")
                    .into_owned();
            }
        }
        let rules: &[(&str, &str)] = &[
            (r"sha256:[0-9a-f]{64}", "sha256:[DIGEST]"),
            // A container's full id, as `run -d` prints it.
            (r"(?m)^[0-9a-f]{64}$", "[CONTAINER ID]"),
            (r"(?-u:\b)[0-9a-f]{64}(?-u:\b)", "[DIGEST]"),
            (r"(?-u:\b)[0-9a-f]{12}(?-u:\b)", "[ID]"),
            // A build cache entry's key (`system prune` lists them): it
            // hashes the base image's digest, which changes with every
            // build of the test rootfs.
            (r"(?-u:\b)[0-9a-f]{25}(?-u:\b)", "[CACHE KEY]"),
            // Sizes of images made from this build's rootfs (lesson 1's
            // helper program changes with every build).
            (
                r"(?-u:\b)\d+ bytes (compressed|unpacked|->)",
                "[N] bytes $1",
            ),
            (r"content-length: \d{4,}", "content-length: [N]"),
            (r"(?-u:\b)\d+(\.\d+)?(kB|MB|GB)(?-u:\b)", "[SIZE]"),
            (r":\[\d+\]", ":[NSID]"),
            // A cgroup's report: what the container used.
            (
                r"(peak memory|OOM kills|CPU time|periods|throttled time|forks refused) = \d+",
                "$1 = [N]",
            ),
            (
                r"(= |pid |wait4\(|kill\(|kill -s \w+ |/proc/|IFLA_NET_NS_PID=|netns )\d+",
                "${1}[PID]",
            ),
            // Stage 7: times, as `ps` and `inspect` show them.
            (
                r"(?-u:\b)(Less than a second|About an? (minute|hour)|\d+ (second|minute|hour|day|week|month|year)s?)(?-u:\b)",
                "[TIME]",
            ),
            (
                r"(?-u:\b)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z",
                "[TIMESTAMP]",
            ),
            // A container's host-side veth: veth and 11 of its id's digits.
            (r"(?-u:\b)veth[0-9a-f]{11}(?-u:\b)", "veth[ID]"),
            // The pid a cgroup is given (cgroup.procs).
            (r"(cgroup\.procs 파일에 |--target )\d+", "${1}[PID]"),
            (
                r"(?-u:\b)(write |echo )\d+( to cgroup\.procs| > \S+/cgroup\.procs)",
                "${1}[PID]${2}",
            ),
            (
                r#"(cgroup\.procs", O_WRONLY\); write\(…, ")\d+"#,
                "${1}[PID]",
            ),
            // The same sizes in Korean narration ("4902633바이트").
            (r"\d+바이트", "[N]바이트"),
            // How long a build step took, BuildKit's way ("#4 DONE 0.3s").
            (r"(?m)^(#\d+ DONE) \d+\.\d+s$", "$1 [T]"),
            // The whole build's, in Korean ("빌드 완료: 0.66초").
            (r"(빌드 완료: )\d+\.\d+초", "${1}[T]"),
            // The narration's times since dockling started.
            (r"(?-u:\b)\d+\.\d+ (ms|s)(?-u:\b)", "[T]"),
            // A client's port, as busybox httpd logs it.
            (r"(\[[0-9a-f:.]+\]):\d+:", "$1:[PORT]:"),
            // compare: its lines' tag, the initramfs, the kernels' releases.
            (r"dockling-compare-[0-9a-f]{8}", "dockling-compare-[TAG]"),
            (r"\(\d+ entries, [\d.]+ \w+\)", "([N] entries, [SIZE])"),
            (
                r"the guest ran \S+ on this host's \S+;",
                "the guest ran [KERNEL] on this host's [KERNEL];",
            ),
        ];
        rules.iter().fold(text, |t, (re, with)| {
            regex::Regex::new(re)
                .unwrap()
                .replace_all(&t, *with)
                .into_owned()
        })
    }

    /// Nothing of this root's runs is left: no run directory, no mount.
    pub fn assert_clean(&self) {
        let overlays: Vec<_> = std::fs::read_dir(self.root.join("overlay"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(
            overlays.is_empty(),
            "overlay directories left behind: {overlays:?}"
        );
        let runs: Vec<_> = std::fs::read_dir(self.runs())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(runs.is_empty(), "run directories left behind: {runs:?}");
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        let root = self.root.display().to_string();
        let left: Vec<&str> = mounts.lines().filter(|l| l.contains(&root)).collect();
        assert!(left.is_empty(), "mounts left behind: {left:#?}");
        let cgroups = self.cgroups();
        assert!(cgroups.is_empty(), "cgroups left behind: {cgroups:?}");
    }

    /// This test's cgroup directories, in every hierarchy (v1) or the one (v2).
    pub fn cgroups(&self) -> Vec<PathBuf> {
        let base = Path::new("/sys/fs/cgroup");
        let mut found = Vec::new();
        for dir in std::iter::once(base.to_path_buf()).chain(
            std::fs::read_dir(base)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path()),
        ) {
            let p = dir.join(&self.cgroup_parent);
            if p.exists() {
                found.push(p);
            }
        }
        found
    }
}

/// One HTTP/1.0 GET; None while nothing answers yet (a server in a
/// container may not be listening when a test first asks).
pub fn http_get(addr: &str) -> Option<String> {
    use std::io::Write;
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET / HTTP/1.0\r\nHost: x\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    text.starts_with("HTTP/").then_some(text)
}

/// Poll `f` until it returns Some, for up to `secs` seconds.
pub fn wait_for<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {secs}s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The pids of `pid`'s children (from /proc/PID/task/*/children).
pub fn children(pid: u32) -> Vec<u32> {
    let text =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    text.split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

pub fn alive(pid: u32) -> bool {
    // A zombie has exited; only its parent's wait is missing.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
    })
}

pub fn exists(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}

/// The host's whole ruleset, as `iptables-save` prints it.
pub fn iptables_save() -> String {
    let out = Command::new("iptables-save").output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// The rules that name `bridge` or an address starting with `prefix`
/// (e.g. "10.147.211.").
pub fn rules_naming(bridge: &str, prefix: &str) -> Vec<String> {
    iptables_save()
        .lines()
        .filter(|l| l.contains(bridge) || l.contains(prefix))
        .map(str::to_string)
        .collect()
}

/// Of those, the ones a container makes (its port rules: DNAT, and the
/// ACCEPT for the forwarded port), not the network's own, which stay
/// while the network exists.
pub fn container_rules(bridge: &str, prefix: &str) -> Vec<String> {
    rules_naming(bridge, prefix)
        .into_iter()
        .filter(|l| l.contains("DNAT") || l.contains("--dport"))
        .collect()
}

/// Whether the link `name` is gone, waiting up to 5 s: a veth goes with
/// its container's network namespace, which the kernel tears down in the
/// background once the container's last process has ended.
pub fn link_gone(name: &str) -> bool {
    let path = Path::new("/sys/class/net").join(name);
    let until = Instant::now() + Duration::from_secs(5);
    while path.exists() {
        if Instant::now() > until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

/// The links plugged into bridge `bridge`, once the veths of ended
/// containers had up to 5 s to go with their namespaces.
pub fn bridge_ports(bridge: &str) -> Vec<String> {
    let ports = || -> Vec<String> {
        std::fs::read_dir(format!("/sys/class/net/{bridge}/brif"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let until = Instant::now() + Duration::from_secs(5);
    while !ports().is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    ports()
}

/// The part of `line` between display columns `from` and `to`, as a
/// terminal shows it: a Hangul syllable takes two columns.
fn columns(line: &str, from: usize, to: usize) -> String {
    let mut at = 0;
    let mut out = String::new();
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if at >= from && at < to {
            out.push(c);
        }
        at += w;
    }
    out
}
