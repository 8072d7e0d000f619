//! How containers look from outside: `ps`'s table, `inspect`'s JSON and
//! `--format` templates, in docker's shapes (its column names, its human
//! durations, its JSON keys), so that what a student learns here reads the
//! same in docker.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::state::{Config, State, Status};
use crate::clock;

/// docker's STATUS column: "Up 3 minutes", "Exited (0) 2 seconds ago",
/// "Created", "Restarting (1) 1 second ago", "Up 5 seconds (Paused)".
pub fn status(s: &State, now: i128) -> String {
    match s.status {
        Status::Created => "Created".into(),
        Status::Running => format!("Up {}", clock::since(s.started_at.unwrap_or(now), now)),
        Status::Paused => format!(
            "Up {} (Paused)",
            clock::since(s.started_at.unwrap_or(now), now)
        ),
        Status::Restarting => format!(
            "Restarting ({}) {} ago",
            s.exit_code,
            clock::since(s.finished_at.unwrap_or(now), now)
        ),
        Status::Exited => format!(
            "Exited ({}) {} ago",
            s.exit_code,
            clock::since(s.finished_at.unwrap_or(now), now)
        ),
        Status::Removing => "Removal In Progress".into(),
        Status::Dead => "Dead".into(),
    }
}

/// docker's COMMAND column: the command quoted, cut to 20 characters.
pub fn command(c: &Config, trunc: bool) -> String {
    let text = format!("{:?}", c.spec.command.join(" "));
    if trunc && text.chars().count() > 20 {
        let cut: String = text.chars().take(19).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// docker's PORTS column: `0.0.0.0:8080->80/tcp, 127.0.0.1:53->53/udp`.
pub fn ports(c: &Config) -> String {
    let Some(n) = &c.spec.network else {
        return String::new();
    };
    n.ports
        .iter()
        .map(|p| {
            format!(
                "{}:{}->{}/{}",
                p.host_ip.map(|i| i.to_string()).unwrap_or("0.0.0.0".into()),
                p.host_port,
                p.container_port,
                p.proto_name()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Columns padded as docker's tabwriter pads them: each as wide as its
/// widest cell, three spaces apart.
pub fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < r.len() {
                let pad = widths[i] - cell.chars().count() + 3;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The size of a directory's files, as `ps -s` counts a container's
/// writable layer (what the container added or changed).
pub fn dir_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

/// One network a container is on, for `inspect`.
#[derive(Debug, Clone, Default)]
pub struct Endpoint {
    pub network: String,
    /// Its address there while it runs, else empty.
    pub ip: String,
    /// The network's gateway and prefix (empty, 0 if it was removed).
    pub gateway: String,
    pub prefix: u8,
    pub aliases: Vec<String>,
    /// eth0, eth1 …
    pub interface: String,
}

/// `inspect`'s JSON, with docker's keys. `endpoints`: every network it
/// is on, its first network first.
pub fn inspect(c: &Config, s: &State, log_path: &std::path::Path, endpoints: &[Endpoint]) -> Value {
    let spec = &c.spec;
    let time = |t: Option<i128>| {
        t.map(clock::rfc3339)
            .unwrap_or_else(|| "0001-01-01T00:00:00Z".into())
    };
    let limits = spec.limits.clone().unwrap_or_default();
    let mut port_bindings = BTreeMap::new();
    let mut ports = BTreeMap::new();
    let mut networks = BTreeMap::new();
    let (mut ip, mut gateway) = (String::new(), String::new());
    if let Some(n) = &spec.network {
        for p in &n.ports {
            let key = format!("{}/{}", p.container_port, p.proto_name());
            let host = json!([{
                "HostIp": p.host_ip.map(|i| i.to_string()).unwrap_or_default(),
                "HostPort": p.host_port.to_string(),
            }]);
            port_bindings.insert(key.clone(), host.clone());
            if s.status == Status::Running {
                ports.insert(key, host);
            }
        }
        gateway = n.network.gateway().to_string();
        if let Some(first) = endpoints.first() {
            ip = first.ip.clone();
        }
        for e in endpoints {
            networks.insert(
                e.network.clone(),
                json!({
                    "IPAddress": e.ip,
                    "Gateway": e.gateway,
                    "IPPrefixLen": e.prefix,
                    "Aliases": e.aliases,
                    "Interface": e.interface,
                }),
            );
        }
    }
    let mounts: Vec<Value> = spec
        .binds
        .iter()
        .filter(|b| !b.target.starts_with("/etc/") || !b.source.starts_with("/run"))
        .map(|b| {
            json!({
                "Type": "bind",
                "Source": b.source,
                "Destination": b.target,
                "RW": !b.readonly,
            })
        })
        .collect();
    json!({
        "Id": c.id,
        "Created": clock::rfc3339(c.created),
        "Path": spec.command.first(),
        "Args": spec.command.iter().skip(1).collect::<Vec<_>>(),
        "State": {
            "Status": s.status.name(),
            "Running": s.status == Status::Running || s.status == Status::Paused,
            "Paused": s.status == Status::Paused,
            "Restarting": s.status == Status::Restarting,
            "OOMKilled": s.oom_killed,
            "Dead": s.status == Status::Dead,
            "Pid": s.pid,
            "ExitCode": s.exit_code,
            "Error": s.error,
            "StartedAt": time(s.started_at),
            "FinishedAt": time(s.finished_at),
        },
        "Image": c.image_id.clone().unwrap_or_default(),
        "LogPath": log_path,
        "Name": format!("/{}", c.name),
        "RestartCount": s.restart_count,
        "HostConfig": {
            "Binds": spec.binds.iter().map(|b| format!("{}:{}{}", b.source.display(), b.target, if b.readonly { ":ro" } else { "" })).collect::<Vec<_>>(),
            "PortBindings": port_bindings,
            "RestartPolicy": {
                "Name": match c.restart { super::restart::Policy::OnFailure(_) => "on-failure".to_string(), p => p.name() },
                "MaximumRetryCount": match c.restart { super::restart::Policy::OnFailure(n) => n, _ => 0 },
            },
            "AutoRemove": c.auto_remove,
            "Memory": limits.memory.unwrap_or(0),
            "MemorySwap": match limits.memory_swap { Some(Some(n)) => n as i64, Some(None) => -1, None => 0 },
            "NanoCpus": limits.nano_cpus.unwrap_or(0),
            "CpuShares": limits.cpu_shares.unwrap_or(0),
            "PidsLimit": limits.pids.unwrap_or(0),
            "Init": spec.init,
            "CgroupParent": c.cgroup_parent,
        },
        "Config": {
            "Hostname": spec.hostname.clone().unwrap_or_else(|| c.id[..12].to_string()),
            "User": spec.user.map(|(u, g)| format!("{u}:{g}")).unwrap_or_default(),
            "Tty": spec.tty,
            "OpenStdin": spec.interactive,
            "Env": spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            "Cmd": c.cmd,
            "Entrypoint": if c.entrypoint.is_empty() { Value::Null } else { json!(c.entrypoint) },
            "Image": c.image,
            "WorkingDir": spec.workdir,
            "Labels": c.labels,
            "StopSignal": c.stop_signal,
            "StopTimeout": c.stop_timeout,
        },
        "NetworkSettings": {
            "IPAddress": ip,
            "Gateway": gateway,
            "Ports": ports,
            "Networks": networks,
        },
        "Mounts": mounts,
    })
}

/// `--format`: text with `{{.Path.To.Field}}` replaced by the values at
/// those paths of `v` (docker's Go templates, their most common use), and
/// `{{json .Path}}` by the value as JSON. An unknown path is an error.
pub fn format(template: &str, v: &Value) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| msg!(m::TEMPLATE_UNCLOSED, template = format!("{template:?}")))?;
        let expr = after[..close].trim();
        let (as_json, path) = match expr.strip_prefix("json ") {
            Some(p) => (true, p.trim()),
            None => (false, expr),
        };
        let path = path.strip_prefix('.').ok_or_else(|| {
            msg!(
                m::TEMPLATE_NOT_A_PATH,
                template = format!("{template:?}"),
                expr = format!("{expr:?}")
            )
        })?;
        let mut cur = v;
        if !path.is_empty() {
            for key in path.split('.') {
                cur = cur.get(key).ok_or_else(|| {
                    msg!(
                        m::TEMPLATE_NO_FIELD,
                        template = format!("{template:?}"),
                        key = format!("{key:?}"),
                        path = path
                    )
                })?;
            }
        }
        match (as_json, cur) {
            (false, Value::String(s)) => out.push_str(s),
            (false, Value::Null) => out.push_str("<no value>"),
            (_, other) => out.push_str(&other.to_string()),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_read_paths_and_json() {
        let v = json!({"State": {"Status": "running", "ExitCode": 0}, "Name": "/web", "Config": {"Cmd": ["sh"]}});
        assert_eq!(format("{{.State.Status}}", &v).unwrap(), "running");
        assert_eq!(
            format("{{ .Name }} {{.State.ExitCode}}", &v).unwrap(),
            "/web 0"
        );
        assert_eq!(format("{{json .Config.Cmd}}", &v).unwrap(), "[\"sh\"]");
        assert!(
            format("{{.State.Nope}}", &v)
                .unwrap_err()
                .contains("no field \"Nope\"")
        );
        assert!(format("{{State}}", &v).is_err());
    }

    #[test]
    fn tables_pad_like_dockers_tabwriter() {
        let t = table(&[
            vec!["CONTAINER ID".into(), "NAMES".into()],
            vec!["abc".into(), "web".into()],
        ]);
        assert_eq!(t, "CONTAINER ID   NAMES\nabc            web\n");
    }

    #[test]
    fn status_reads_like_dockers() {
        let mut s = State::created();
        let now = 1_000_000_000_000_000;
        assert_eq!(status(&s, now), "Created");
        s.status = Status::Running;
        s.started_at = Some(now - 180_000_000_000);
        assert_eq!(status(&s, now), "Up 3 minutes");
        s.status = Status::Exited;
        s.exit_code = 137;
        s.finished_at = Some(now - 2_000_000_000);
        assert_eq!(status(&s, now), "Exited (137) 2 seconds ago");
    }
}
