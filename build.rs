//! Build-time work: docker's default seccomp filter, compiled to BPF once
//! here rather than at every container start (src/seccomp/profile.rs is
//! the one list, shared with the program, which compiles other capability
//! sets itself when --cap-add asks for them).

#[path = "src/seccomp/profile.rs"]
#[allow(dead_code)]
mod profile;

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=src/seccomp/profile.rs");
    println!("cargo:rerun-if-changed=build.rs");
    let out =
        std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("seccomp_default.rs");
    let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    // The syscall numbers come from libc as built for this build machine:
    // only right when the program runs on the same architecture.
    let mut text = String::from(
        "/// docker's default filter, compiled by build.rs: (code, jt, jf, k) per instruction.\n",
    );
    if target_os == "linux" && target_arch == std::env::consts::ARCH {
        text.push_str("pub static PREBUILT: Option<&[&[Insn]]> = Some(&[\n");
        for program in profile::programs(profile::DEFAULT_GATING) {
            text.push_str("    &[");
            for i in program {
                write!(text, "({}, {}, {}, {}),", i.code, i.jt, i.jf, i.k).unwrap();
            }
            text.push_str("],\n");
        }
        text.push_str("]);\n");
    } else {
        text.push_str("pub static PREBUILT: Option<&[&[Insn]]> = None;\n");
    }
    std::fs::write(out, text).unwrap();
    version_facts();
}

/// What `dockling version` prints about the build: the compiler, the git
/// commit (rebuilt when HEAD moves) and the date, or "unknown".
fn version_facts() {
    let run = |cmd: &str, args: &[&str]| {
        std::process::Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let unknown = || "unknown".to_string();
    println!(
        "cargo:rustc-env=DOCKLING_RUSTC_VERSION={}",
        run(&rustc, &["--version"]).unwrap_or_else(unknown)
    );
    println!(
        "cargo:rustc-env=DOCKLING_GIT_COMMIT={}",
        run("git", &["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(unknown)
    );
    for p in [
        run("git", &["rev-parse", "--git-path", "HEAD"]),
        run("git", &["rev-parse", "--symbolic-full-name", "HEAD"])
            .and_then(|r| run("git", &["rev-parse", "--git-path", &r])),
    ]
    .into_iter()
    .flatten()
    {
        if std::path::Path::new(&p).exists() {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    let built = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| {
            run(
                "date",
                &["-u", "-d", &format!("@{s}"), "+%a %b %e %H:%M:%S %Y"],
            )
        })
        .or_else(|| run("date", &["-u", "+%a %b %e %H:%M:%S %Y"]))
        .unwrap_or_else(unknown);
    println!("cargo:rustc-env=DOCKLING_BUILT={built}");
}
