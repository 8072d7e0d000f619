//! `dockling kube generate CONTAINER…`: the same containers as
//! Kubernetes objects, as `podman kube generate` writes them.
//!
//! A Pod is Kubernetes' smallest unit: one or more containers that share
//! a network namespace (and so `localhost`) and are scheduled together.
//! Each dockling container becomes one container of one Pod: its image
//! (the full reference it was pulled by, which a node can pull again),
//! its command split as Kubernetes splits it (`command` replaces the
//! image's Entrypoint, `args` its Cmd), its environment, working
//! directory, user, hostname, restart policy, its `-p` ports as
//! `containerPort` plus `hostPort`, and its `--memory` and `--cpus` as
//! `resources.limits`. Published ports also get a Service, the object
//! that gives a set of Pods one stable address: a NodePort when the host
//! port is in Kubernetes' NodePort range (30000–32767), else a ClusterIP.
//!
//! The YAML is written by hand (it is small and its shape fixed); every
//! string is quoted as JSON, which YAML reads as the same string.

use crate::container::restart::Policy;
use crate::container::state::Config;
use crate::container::store::Store as Containers;
use crate::error::Error;
use crate::image::store::Store;
use crate::msg;
use crate::narrate::messages::engines as m;
use crate::paths::Paths;

#[derive(Debug, clap::Subcommand)]
pub enum KubeCommand {
    /// Print a Kubernetes Pod (and a Service for published ports) for containers
    Generate(GenerateArgs),
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The containers (names or ids)
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
    /// Also write a Service for published ports [default: when there are any]
    #[arg(short = 's', long)]
    pub service: bool,
}

pub fn kube(cmd: &KubeCommand, paths: &Paths) -> Result<i32, Error> {
    match cmd {
        KubeCommand::Generate(a) => {
            print!("{}", generate(a, paths)?);
            Ok(0)
        }
    }
}

fn q(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// A DNS-1123 label from a container name: lower case, `-` for the rest.
fn label(name: &str) -> String {
    let s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "dockling".into() } else { s }
}

/// `--memory` as Kubernetes writes quantities: `64Mi`, else bytes.
fn memory_quantity(bytes: u64) -> String {
    for (shift, unit) in [(30, "Gi"), (20, "Mi"), (10, "Ki")] {
        if bytes.is_multiple_of(1 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// `--cpus` in millicores (`0.5` is `500m`).
fn cpu_quantity(nano: u64) -> String {
    format!("{}m", nano / 1_000_000)
}

/// The reference a registry knows the container's image by.
fn pullable_image(store: &Store, c: &Config) -> Result<String, Error> {
    let images = store.list()?;
    let want = c
        .image
        .parse::<rootfs_fetch::oci::reference::Reference>()
        .map(|r| r.to_string())
        .ok();
    let same_id: Vec<_> = images
        .iter()
        .filter(|i| c.image_id.as_deref() == Some(&i.id().to_string()))
        .collect();
    let found = same_id
        .iter()
        .find(|i| Some(&i.reference) == want.as_ref())
        .or_else(|| same_id.first());
    match found {
        Some(i) => {
            if i.reference.starts_with("localhost/") {
                eprintln!("{}", msg!(m::KUBE_IMAGE_NOT_PULLABLE, image = i.reference));
            }
            Ok(i.reference.clone())
        }
        None => Err(Error::Hinted {
            message: msg!(m::KUBE_NO_IMAGE, name = c.name, image = c.image),
            hint: msg!(m::KUBE_NO_IMAGE_HINT),
        }),
    }
}

pub fn generate(args: &GenerateArgs, paths: &Paths) -> Result<String, Error> {
    let containers = Containers::new(paths);
    let store = Store::open(paths)?;
    let mut configs = Vec::new();
    for name in &args.containers {
        let id = containers.find(name)?;
        configs.push(containers.config(&id)?);
    }
    let pod = if configs.len() == 1 {
        format!("{}-pod", label(&configs[0].name))
    } else {
        "pod".to_string()
    };
    let mut y = String::new();
    y.push_str(&format!(
        "# {}\n#\n# dockling {}\n",
        msg!(m::KUBE_HEADER),
        env!("CARGO_PKG_VERSION")
    ));
    y.push_str("apiVersion: v1\nkind: Pod\nmetadata:\n");
    y.push_str(&format!(
        "  labels:\n    app: {}\n  name: {}\n",
        q(&pod),
        q(&pod)
    ));
    y.push_str("spec:\n  containers:\n");
    let mut ports = Vec::new();
    let mut restart = "Never";
    let mut hostname = None;
    for c in &configs {
        let s = &c.spec;
        y.push_str(&format!("  - name: {}\n", q(&label(&c.name))));
        y.push_str(&format!("    image: {}\n", q(&pullable_image(&store, c)?)));
        let list = |y: &mut String, key: &str, items: &[String]| {
            if !items.is_empty() {
                y.push_str(&format!("    {key}:\n"));
                for i in items {
                    y.push_str(&format!("    - {}\n", q(i)));
                }
            }
        };
        if c.entrypoint.is_empty() && c.cmd.is_empty() {
            list(&mut y, "command", &s.command);
        } else if c.entrypoint.is_empty() {
            list(&mut y, "command", &c.cmd);
        } else {
            list(&mut y, "command", &c.entrypoint);
            list(&mut y, "args", &c.cmd);
        }
        if !s.env.is_empty() {
            y.push_str("    env:\n");
            for (k, v) in &s.env {
                y.push_str(&format!("    - name: {}\n      value: {}\n", q(k), q(v)));
            }
        }
        y.push_str(&format!("    workingDir: {}\n", q(&s.workdir)));
        if let Some(net) = &s.network
            && !net.ports.is_empty()
        {
            y.push_str("    ports:\n");
            for p in &net.ports {
                y.push_str(&format!(
                    "    - containerPort: {}\n      hostPort: {}\n      protocol: {}\n",
                    p.container_port,
                    p.host_port,
                    p.proto_name().to_ascii_uppercase()
                ));
                if let Some(ip) = p.host_ip {
                    y.push_str(&format!("      hostIP: {}\n", q(&ip.to_string())));
                }
                ports.push(*p);
            }
        }
        if let Some(l) = &s.limits
            && (l.memory.is_some() || l.nano_cpus.is_some())
        {
            y.push_str("    resources:\n      limits:\n");
            if let Some(n) = l.nano_cpus {
                y.push_str(&format!("        cpu: {}\n", q(&cpu_quantity(n))));
            }
            if let Some(b) = l.memory {
                y.push_str(&format!("        memory: {}\n", q(&memory_quantity(b))));
            }
        }
        if let Some((uid, gid)) = s.user {
            y.push_str(&format!(
                "    securityContext:\n      runAsUser: {uid}\n      runAsGroup: {gid}\n"
            ));
        }
        restart = match c.restart {
            Policy::No => restart,
            Policy::OnFailure(_) => "OnFailure",
            Policy::Always | Policy::UnlessStopped => "Always",
        };
        if hostname.is_none() {
            hostname = s.hostname.clone();
        }
    }
    if let Some(h) = hostname {
        y.push_str(&format!("  hostname: {}\n", q(&h)));
    }
    y.push_str(&format!("  restartPolicy: {restart}\n"));
    if !ports.is_empty() || args.service {
        let node_port =
            !ports.is_empty() && ports.iter().all(|p| (30000..=32767).contains(&p.host_port));
        y.push_str("---\napiVersion: v1\nkind: Service\nmetadata:\n");
        y.push_str(&format!(
            "  labels:\n    app: {}\n  name: {}\n",
            q(&pod),
            q(&pod)
        ));
        y.push_str("spec:\n  ports:\n");
        for p in &ports {
            y.push_str(&format!(
                "  - name: {}\n    port: {}\n    targetPort: {}\n    protocol: {}\n",
                q(&format!("{}-{}", p.proto_name(), p.host_port)),
                p.host_port,
                p.container_port,
                p.proto_name().to_ascii_uppercase()
            ));
            if node_port {
                y.push_str(&format!("    nodePort: {}\n", p.host_port));
            }
        }
        y.push_str(&format!("  selector:\n    app: {}\n", q(&pod)));
        y.push_str(&format!(
            "  type: {}\n",
            if node_port { "NodePort" } else { "ClusterIP" }
        ));
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_and_labels() {
        assert_eq!(memory_quantity(64 << 20), "64Mi");
        assert_eq!(memory_quantity(1 << 30), "1Gi");
        assert_eq!(memory_quantity(1000), "1000");
        assert_eq!(cpu_quantity(500_000_000), "500m");
        assert_eq!(label("My_Web.1"), "my-web-1");
        assert_eq!(q("a\"b"), "\"a\\\"b\"");
    }
}
