//! From an image's config to what runs, by docker's rules.
//!
//! - The command is Entrypoint followed by Cmd. Arguments after the image
//!   name replace Cmd; `--entrypoint` replaces Entrypoint and drops the
//!   image's Cmd (docker does the same: a new entrypoint would not expect
//!   the old arguments).
//! - The environment is the image's Env, then `--env-file` lines (read by
//!   docker's rules, envfile.rs), then `-e`, each later one replacing an
//!   earlier value of the same name.
//! - The working directory is `-w`, else WorkingDir, else `/`.
//! - The user is `--user`, else User, else root; a name is looked up in the
//!   image's own /etc/passwd (and a group name in its /etc/group).

use std::path::PathBuf;

use rootfs_fetch::oci::manifest::RunConfig;

use crate::error::Error;
use crate::msg;
use crate::narrate::messages::images as m;

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub entrypoint: Option<String>,
    pub args: Vec<String>,
    /// The `--env-file` variables, in order (read before anything else).
    pub env_file: Vec<(String, String)>,
    pub env: Vec<(String, String)>,
    pub workdir: Option<String>,
    pub user: Option<String>,
}

/// The command to run, or an error when the image has none and none was given.
pub fn command(image: &RunConfig, o: &Overrides) -> Result<Vec<String>, Error> {
    let (entrypoint, default_cmd) = match &o.entrypoint {
        Some(e) if e.is_empty() => (Vec::new(), Vec::new()),
        Some(e) => (vec![e.clone()], Vec::new()),
        None => (
            image.entrypoint.clone().unwrap_or_default(),
            image.cmd.clone().unwrap_or_default(),
        ),
    };
    let cmd = if o.args.is_empty() {
        default_cmd
    } else {
        o.args.clone()
    };
    let all: Vec<String> = entrypoint.into_iter().chain(cmd).collect();
    if all.is_empty() {
        return Err(Error::Usage(msg!(m::NO_COMMAND)));
    }
    Ok(all)
}

/// The environment, in order, later entries winning.
pub fn env(image: &RunConfig, o: &Overrides) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: &str| match out.iter_mut().find(|(key, _)| key == k) {
        Some(slot) => slot.1 = v.to_string(),
        None => out.push((k.to_string(), v.to_string())),
    };
    for e in image.env.iter().flatten() {
        if let Some((k, v)) = e.split_once('=') {
            set(k, v);
        }
    }
    for (k, v) in o.env_file.iter().chain(&o.env) {
        set(k, v);
    }
    out
}

pub fn workdir(image: &RunConfig, o: &Overrides) -> Result<String, Error> {
    let w = o
        .workdir
        .clone()
        .or_else(|| image.working_dir.clone().filter(|w| !w.is_empty()))
        .unwrap_or_else(|| "/".into());
    if !w.starts_with('/') {
        return Err(Error::Usage(msg!(
            m::WORKDIR_RELATIVE,
            dir = format!("{w:?}")
        )));
    }
    Ok(w)
}

/// `whose` (given in English by the caller, "the image's" or "the
/// container's") in the run's language.
fn whose_text(whose: &str) -> String {
    [m::WHOSE_IMAGE, m::WHOSE_CONTAINER]
        .into_iter()
        .find(|w| w.en == whose)
        .map(|w| msg!(w))
        .unwrap_or_else(|| whose.to_string())
}

/// uid and gid for `USER[:GROUP]`, names looked up in the image's files
/// (`layers` bottom first: the topmost copy of a file counts).
pub fn user(
    image: &RunConfig,
    o: &Overrides,
    layers: &[PathBuf],
) -> Result<Option<(u32, u32)>, Error> {
    let Some(spec) = o
        .user
        .clone()
        .or_else(|| image.user.clone())
        .filter(|u| !u.is_empty())
    else {
        return Ok(None);
    };
    resolve_user(&spec, m::WHOSE_IMAGE.en, |f| top_file(layers, f)).map(Some)
}

/// uid and gid for `USER[:GROUP]`, names looked up in `read("etc/passwd")`
/// and `read("etc/group")` (`whose` files, for the error: "the image's").
pub fn resolve_user(
    spec: &str,
    whose: &str,
    read: impl Fn(&str) -> Option<String>,
) -> Result<(u32, u32), Error> {
    let (u, g) = match spec.split_once(':') {
        Some((u, g)) => (u.to_string(), Some(g.to_string())),
        None => (spec.to_string(), None),
    };
    let passwd = read("etc/passwd");
    // NAME:x:ID:GID:… (passwd) or NAME:x:ID:… (group).
    let lookup = |file: &Option<String>, name: &str| -> Option<(u32, Option<u32>)> {
        file.as_deref()?.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.first() != Some(&name) {
                return None;
            }
            Some((
                f.get(2)?.parse().ok()?,
                f.get(3).and_then(|x| x.parse().ok()),
            ))
        })
    };
    let (uid, primary_gid) = match u.parse::<u32>() {
        Ok(n) => (n, lookup_by_uid(&passwd, n)),
        Err(_) => lookup(&passwd, &u).ok_or_else(|| {
            Error::Usage(msg!(
                m::USER_NOT_IN_PASSWD,
                user = format!("{u:?}"),
                whose = whose_text(whose)
            ))
        })?,
    };
    let gid = match g {
        None => primary_gid.unwrap_or(0),
        Some(g) => match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => lookup(&read("etc/group"), &g)
                .map(|(id, _)| id)
                .ok_or_else(|| {
                    Error::Usage(msg!(
                        m::GROUP_NOT_IN_GROUP,
                        group = format!("{g:?}"),
                        whose = whose_text(whose)
                    ))
                })?,
        },
    };
    Ok((uid, gid))
}

fn lookup_by_uid(passwd: &Option<String>, uid: u32) -> Option<u32> {
    passwd.as_deref()?.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.get(2)?.parse::<u32>().ok()? == uid).then(|| f.get(3)?.parse().ok())?
    })
}

/// The contents of `rel` in the topmost layer that has it as a regular
/// file (a whiteout or a symlink there hides it: not followed). Each
/// layer is an image's, so the path is resolved inside it: a layer whose
/// `etc` is a symlink to the host's /etc is read as its own /etc.
fn top_file(layers: &[PathBuf], rel: &str) -> Option<String> {
    use std::io::Read;
    layers.iter().rev().find_map(|l| {
        let root = crate::rootfs::Root::open(l).ok()?;
        let fd = root
            .open_at(rel, libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .ok()?;
        let mut f = std::fs::File::from(fd);
        if !f.metadata().ok()?.is_file() {
            return None;
        }
        let mut text = String::new();
        f.read_to_string(&mut text).ok()?;
        Some(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> RunConfig {
        RunConfig {
            entrypoint: Some(vec!["/entry".into(), "-x".into()]),
            cmd: Some(vec!["default".into()]),
            env: Some(vec!["PATH=/bin".into(), "A=image".into()]),
            working_dir: Some("/app".into()),
            user: None,
            ..RunConfig::default()
        }
    }

    #[test]
    fn command_follows_dockers_rules() {
        let c = cfg();
        let o = Overrides::default();
        assert_eq!(command(&c, &o).unwrap(), ["/entry", "-x", "default"]);
        let o = Overrides {
            args: vec!["mine".into()],
            ..Default::default()
        };
        assert_eq!(command(&c, &o).unwrap(), ["/entry", "-x", "mine"]);
        let o = Overrides {
            entrypoint: Some("/bin/sh".into()),
            ..Default::default()
        };
        assert_eq!(
            command(&c, &o).unwrap(),
            ["/bin/sh"],
            "a new entrypoint drops the image's Cmd"
        );
        let o = Overrides {
            entrypoint: Some("/bin/sh".into()),
            args: vec!["-c".into(), "echo".into()],
            ..Default::default()
        };
        assert_eq!(command(&c, &o).unwrap(), ["/bin/sh", "-c", "echo"]);
        let none = RunConfig::default();
        assert!(command(&none, &Overrides::default()).is_err());
        let o = Overrides {
            entrypoint: Some(String::new()),
            args: vec!["ls".into()],
            ..Default::default()
        };
        assert_eq!(
            command(&c, &o).unwrap(),
            ["ls"],
            "--entrypoint '' clears it"
        );
    }

    #[test]
    fn env_workdir_and_user() {
        let c = cfg();
        let dir = tempfile::tempdir().unwrap();
        let o = Overrides {
            env_file: vec![("A".into(), "file".into()), ("B".into(), "file".into())],
            env: vec![("B".into(), "flag".into())],
            ..Default::default()
        };
        assert_eq!(
            env(&c, &o),
            [
                ("PATH".into(), "/bin".into()),
                ("A".into(), "file".into()),
                ("B".into(), "flag".into())
            ]
        );
        assert_eq!(workdir(&c, &Overrides::default()).unwrap(), "/app");
        let o = Overrides {
            workdir: Some("/tmp".into()),
            ..Default::default()
        };
        assert_eq!(workdir(&c, &o).unwrap(), "/tmp");
        let lower = dir.path().join("l0");
        let upper = dir.path().join("l1");
        std::fs::create_dir_all(lower.join("etc")).unwrap();
        std::fs::create_dir_all(upper.join("etc")).unwrap();
        std::fs::write(lower.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        std::fs::write(
            upper.join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/app:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(upper.join("etc/group"), "staff:x:50:\n").unwrap();
        let layers = vec![lower, upper];
        let with = |u: &str| Overrides {
            user: Some(u.into()),
            ..Default::default()
        };
        assert_eq!(user(&c, &Overrides::default(), &layers).unwrap(), None);
        assert_eq!(user(&c, &with("app"), &layers).unwrap(), Some((1000, 1001)));
        assert_eq!(
            user(&c, &with("1000"), &layers).unwrap(),
            Some((1000, 1001))
        );
        assert_eq!(
            user(&c, &with("app:staff"), &layers).unwrap(),
            Some((1000, 50))
        );
        assert_eq!(user(&c, &with("7:8"), &layers).unwrap(), Some((7, 8)));
        assert!(user(&c, &with("nobody"), &layers).is_err());
        // A layer whose etc points at the host's: read inside the layer.
        let evil = dir.path().join("l2");
        std::fs::create_dir_all(&evil).unwrap();
        std::os::unix::fs::symlink("/etc", evil.join("etc")).unwrap();
        let layers = vec![layers[0].clone(), layers[1].clone(), evil];
        // In the layer, /etc -> /etc is a loop, so it has no passwd: the
        // topmost real one is below, never the host's (which has `man`).
        assert_eq!(user(&c, &with("app"), &layers).unwrap(), Some((1000, 1001)));
        assert!(
            user(&c, &with("man"), &layers).is_err(),
            "read the host's /etc/passwd"
        );
    }
}
