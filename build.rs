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
}
