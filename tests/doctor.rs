//! `dockling doctor`: one line per check; `--trace json` one object each;
//! the exit code says whether anything failed.

mod common;

use common::Env;

#[test]
fn doctor_reports_every_check_as_json_and_exits_by_failures() {
    let env = Env::new();
    let out = env.run(&["--trace", "json", "doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let checks: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for name in [
        "root",
        "kernel",
        "namespace pid",
        "cgroup layout",
        "overlayfs",
        "state directory",
        "veth and bridge",
        "iptables or nft",
        "FORWARD policy",
        "local registry",
        "default rootfs",
        "VM for compare",
    ] {
        assert!(
            checks.iter().any(|c| c["check"] == name),
            "no {name} check: {text}"
        );
    }
    for c in &checks {
        assert!(
            matches!(c["status"].as_str(), Some("ok" | "warn" | "fail")),
            "{c}"
        );
    }
    let failed = checks.iter().any(|c| c["status"] == "fail");
    assert_eq!(
        out.status.code(),
        Some(if failed { 1 } else { 0 }),
        "{text}"
    );
    // A fresh root has no default rootfs yet: a warning with the fix.
    let rootfs = checks
        .iter()
        .find(|c| c["check"] == "default rootfs")
        .unwrap();
    assert_eq!(rootfs["status"], "warn");
    assert_eq!(rootfs["fix"], "dockling rootfs fetch host");
    // The text form says the same, one line per check.
    let plain = env.run(&["doctor"]);
    assert_eq!(
        String::from_utf8_lossy(&plain.stdout)
            .lines()
            .filter(|l| !l.starts_with("       fix:"))
            .count(),
        checks.len()
    );
}
