//! The classroom kit, through the binary: completions, man pages, the
//! lesson pager's plain fallback, and the install and tour scripts the
//! README tells a teacher to run. None of it needs root.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const DOCKLING: &str = env!("CARGO_BIN_EXE_dockling");

fn dockling(args: &[&str]) -> Output {
    Command::new(DOCKLING)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn repo(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap()
}

#[test]
fn completions_for_bash_zsh_and_fish_complete_subcommands_and_flags() {
    for (shell, marker) in [
        ("bash", "complete -F _dockling"),
        ("zsh", "#compdef dockling"),
        ("fish", "complete -c dockling"),
    ] {
        let out = dockling(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        // fish writes a long flag as `-l memory`.
        for word in ["namespaces", "cgroups", "memory", "pids-limit", "hostname"] {
            assert!(script.contains(word), "{shell} does not complete {word}");
        }
        assert!(!script.contains("__monitor"), "{shell} offers the monitor");
    }
    // bash itself: `dockling c<Tab>` and `dockling cgroups --mem<Tab>`.
    let out = Command::new("bash")
        .args([
            "-c",
            r#"source <("$0" completions bash)
               COMP_WORDS=(dockling c); COMP_CWORD=1; _dockling dockling c dockling; echo "${COMPREPLY[*]}"
               COMP_WORDS=(dockling cgroups --mem); COMP_CWORD=2; _dockling dockling --mem cgroups; echo "${COMPREPLY[*]}""#,
            DOCKLING,
        ])
        .output()
        .unwrap();
    let lines: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    assert_eq!(
        lines,
        [
            "chroot cgroups cleanup compare create container completions commit",
            "--memory --memory-swap"
        ],
        "{}",
        text(&out.stderr)
    );
    let out = dockling(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(125),
        "an unknown shell is a usage error"
    );
}

#[test]
fn man_prints_roff_and_writes_a_page_per_subcommand() {
    let out = dockling(&["man"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(page.contains(".TH dockling 1"), "{page}");
    assert!(page.contains("Learn how containers work"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let mandir = dir.path().join("man1");
    let out = dockling(&["man", "--dir", mandir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for name in [
        "dockling.1",
        "dockling-chroot.1",
        "dockling-namespaces.1",
        "dockling-cgroups.1",
        "dockling-run.1",
        "dockling-network-create.1",
        "dockling-completions.1",
    ] {
        let p = mandir.join(name);
        let roff = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(roff.contains(".SH SYNOPSIS"), "{name}");
    }
    assert!(!mandir.join("dockling-__monitor.1").exists());
    // man(1) reads it, where man is installed.
    if Path::new("/usr/bin/man").exists() {
        let out = Command::new("man")
            .args(["-l", mandir.join("dockling-cgroups.1").to_str().unwrap()])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let shown = text(&out.stdout);
        assert!(shown.contains("--pids-limit"), "{shown}");
    }
}

#[test]
fn lesson_prints_plain_markdown_when_stdout_is_not_a_terminal() {
    let out = Command::new(DOCKLING)
        .args(["lesson", "1"])
        // A pager would fail the test: it must not be started for a pipe.
        .env("PAGER", "false")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), repo("lessons/01-chroot.md"));
}

#[test]
fn install_and_tour_in_scripts_dev_match_the_readme() {
    let dev = repo("scripts/dev");
    let readme = repo("README.md");
    assert!(
        dev.contains("\n  install)\n"),
        "scripts/dev has no install task"
    );
    assert!(dev.contains("PREFIX=${PREFIX:-/usr/local}"));
    assert!(dev.contains(r#"install -D -m 0755 "$RELEASE" "$PREFIX/bin/dockling""#));
    assert!(dev.contains(r#""$RELEASE" man --dir"#));
    assert!(dev.contains(r#""$RELEASE" completions "$sh""#));
    let tour = dev
        .lines()
        .find(|l| l.starts_with("TOUR_PACKAGES=("))
        .expect("TOUR_PACKAGES");
    // The exercises' tools: curl, getfattr, capsh, skopeo, jq.
    for p in ["curl", "attr", "libcap2-bin", "skopeo", "jq"] {
        assert!(
            tour.split(['(', ')', ' ']).any(|w| w == p),
            "the tour does not install {p}"
        );
    }
    for line in [
        "scripts/dev install",
        "/usr/local/bin",
        "dockling completions bash|zsh|fish",
        "dockling man [--dir DIR]",
        "lessons/cheatsheet.md",
        "lessons/answers/",
    ] {
        assert!(readme.contains(line), "README does not say {line:?}");
    }
}

#[test]
fn the_cheatsheet_covers_every_docker_command_of_the_notes() {
    // The English sheet and the Korean one (lessons/ko/), which keeps the
    // commands as they are and translates the rest.
    for file in ["lessons/cheatsheet.md", "lessons/ko/cheatsheet.md"] {
        cheatsheet_covers_every_docker_command_of_the_notes(file);
    }
}

fn cheatsheet_covers_every_docker_command_of_the_notes(file: &str) {
    let sheet = repo(file);
    // The subcommands the notes use (../shared/seeds/), as docker names them.
    for cmd in [
        "docker search",
        "docker pull",
        "docker images",
        "docker image ls",
        "docker image inspect",
        "docker image rm",
        "docker rmi",
        "docker image prune",
        "docker tag",
        "docker image push",
        "docker login",
        "docker logout",
        "docker version",
        "docker system info",
        "docker system df",
        "docker container run",
        "docker create",
        "docker container start",
        "docker container stop",
        "docker container kill",
        "docker container restart",
        "docker container rm",
        "docker container prune",
        "docker ps",
        "docker container ls",
        "docker logs",
        "docker container attach",
        "docker container inspect",
        "docker container stats",
        "docker container top",
        "docker container pause",
        "docker network ls",
        "docker network create",
        "docker network inspect",
        "docker network rm",
        "docker network connect",
        "docker network disconnect",
    ] {
        assert!(sheet.contains(cmd), "{file} lacks {cmd}");
    }
    // Every dockling command it names (in `code`) exists.
    let help = text(&dockling(&["--help"]).stdout);
    let spans = sheet.split('`').skip(1).step_by(2);
    for word in spans.flat_map(|s| s.split("dockling ").skip(1)) {
        let Some(sub) = word.split_whitespace().find(|w| !w.starts_with('-')) else {
            continue;
        };
        let sub = sub.trim_end_matches(['…', ',']);
        assert!(
            help.contains(&format!("\n  {sub} ")),
            "{file} names `dockling {sub}`, which does not exist"
        );
    }
}
