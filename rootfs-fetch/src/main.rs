//! `rootfs-fetch`: the command-line front of the library, for use without
//! dockling. `dockling rootfs fetch` offers the same through the same code.

use std::path::PathBuf;
use std::process::ExitCode;

use rootfs_fetch::{alpine, host, registry};

const USAGE: &str = "usage: rootfs-fetch host [DIR]
       rootfs-fetch alpine [DIR] [--version V] [--arch A] [--mirror URL] [--sha256 HEX]
       rootfs-fetch registry [DIR] --image REF [--platform OS/ARCH] [--insecure-registry]

DIR defaults to $DOCKLING_ROOT/rootfs/default (DOCKLING_ROOT defaults to /var/lib/dockling).";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut line = format!("rootfs-fetch: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                line.push_str(&format!(": {s}"));
                source = s.source();
            }
            eprintln!("{line}");
            ExitCode::from(125)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), rootfs_fetch::Error> {
    let usage = || rootfs_fetch::Error::Usage(USAGE.to_string());
    let (source, rest) = args.split_first().ok_or_else(usage)?;
    let mut dir = None;
    let mut opts = alpine::AlpineOptions::default();
    let mut image = None;
    let mut reg = registry::RegistryOptions::default();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(usage);
        match arg.as_str() {
            "--version" => opts.version = value()?,
            "--arch" => opts.arch = value()?,
            "--mirror" => opts.mirror = value()?,
            "--sha256" => opts.sha256 = Some(value()?),
            "--image" => image = Some(value()?),
            "--platform" => {
                reg.platform = Some(value()?.parse().map_err(rootfs_fetch::Error::Usage)?)
            }
            "--insecure-registry" => reg.insecure = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            s if s.starts_with('-') || dir.is_some() => return Err(usage()),
            s => dir = Some(PathBuf::from(s)),
        }
    }
    let root = std::env::var_os("DOCKLING_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/var/lib/dockling".into());
    let dir = dir.unwrap_or_else(|| root.join("rootfs/default"));
    match source.as_str() {
        "host" => {
            let r = host::build(&dir, &host::lesson_helpers())?;
            println!(
                "built {} from {} ({} programs, {} libraries)",
                dir.display(),
                r.source,
                r.programs,
                r.libraries.len()
            );
        }
        "alpine" => {
            alpine::fetch(&dir, &opts)?;
            println!(
                "unpacked alpine {} ({}) into {}",
                opts.version,
                opts.arch,
                dir.display()
            );
        }
        "registry" => {
            let image = image.ok_or_else(usage)?;
            let f = registry::fetch(&dir, &image, &reg)?;
            println!(
                "unpacked {} ({}, {} layers, {} entries) into {}",
                f.reference,
                f.manifest,
                f.layers,
                f.files,
                dir.display()
            );
        }
        "-h" | "--help" => println!("{USAGE}"),
        _ => return Err(usage()),
    }
    Ok(())
}
