//! The table `dockling compare` prints: figures formatted, labels and
//! legend from the catalog, columns aligned as docker aligns its tables
//! (each column starts three spaces after the widest cell before it).

use std::path::Path;

use super::VmFigures;
use super::container;
use super::vm;
use crate::narrate::catalog::{self, COMPARE_HEADINGS, CompareRow, fill_fields};
use unicode_width::UnicodeWidthStr;

pub struct Report<'a> {
    pub kind_id: &'a str,
    pub vm: &'a vm::Ran,
    pub container: &'a container::Ran,
    pub figures: &'a VmFigures,
    pub program: &'a Path,
    pub kernel: &'a Path,
    pub rootfs: &'a Path,
}

/// A duration, always in milliseconds so that a column reads at a
/// glance: "0.8 ms", "24 ms", "3214 ms".
pub fn duration(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// Bytes, always in MiB: "0.49 MiB", "190.0 MiB".
pub fn size(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib < 1.0 {
        format!("{mib:.2} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}

/// How many times the VM's figure is the container's: "134x", "1.6x".
pub fn ratio(vm: f64, container: f64) -> String {
    if container <= 0.0 {
        return String::new();
    }
    let r = vm / container;
    if r >= 10.0 {
        format!("{r:.0}x")
    } else {
        format!("{r:.1}x")
    }
}

/// The table's lines, aligned.
pub fn table(r: &Report) -> Vec<String> {
    let f = r.figures;
    let (vm, ct) = (r.vm, r.container);
    let secs = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let kind = catalog::vm_kind_text(r.kind_id).0;
    let heading = fill_fields(COMPARE_HEADINGS[0], &[("kind", kind.to_string())]);
    let rows: Vec<[String; 4]> = vec![
        [
            catalog::compare_label(CompareRow::Heading).into(),
            heading,
            COMPARE_HEADINGS[1].into(),
            COMPARE_HEADINGS[2].into(),
        ],
        [
            catalog::compare_label(CompareRow::FirstInstruction).into(),
            duration(secs(vm.start)),
            duration(secs(ct.start)),
            ratio(secs(vm.start), secs(ct.start)),
        ],
        [
            catalog::compare_label(CompareRow::WallTime).into(),
            duration(secs(vm.total)),
            duration(secs(ct.total)),
            ratio(secs(vm.total), secs(ct.total)),
        ],
        [
            catalog::compare_label(CompareRow::Memory).into(),
            size(f.vm_memory_bytes),
            size(f.container_memory_bytes),
            ratio(f.vm_memory_bytes as f64, f.container_memory_bytes as f64),
        ],
        [
            catalog::compare_label(CompareRow::Disk).into(),
            size(f.vm_disk_bytes),
            size(f.container_disk_bytes),
            ratio(f.vm_disk_bytes as f64, f.container_disk_bytes as f64),
        ],
        [
            catalog::compare_label(CompareRow::Kernels).into(),
            // The guest's and the host's; the container's command read
            // the host's own release.
            if vm.kernel.is_empty() { "1" } else { "2" }.into(),
            "1".into(),
            String::new(),
        ],
        [
            catalog::compare_label(CompareRow::Processes).into(),
            format!("{} -> {}", vm.start_pids, vm.end_pids),
            format!("{} -> {}", ct.start_pids, ct.end_pids),
            ratio(vm.start_pids as f64, ct.start_pids as f64),
        ],
        [
            catalog::compare_label(CompareRow::ExitCode).into(),
            vm.code.to_string(),
            ct.code.to_string(),
            String::new(),
        ],
    ];
    align(&rows)
}

/// Columns left-aligned by display width (Hangul takes two columns),
/// three spaces apart, trailing blanks trimmed.
fn align(rows: &[[String; 4]]) -> Vec<String> {
    let widths: Vec<usize> = (0..4)
        .map(|i| rows.iter().map(|r| r[i].width()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (i, cell) in r.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < r.len() {
                    line.push_str(&" ".repeat(widths[i] - cell.width() + 3));
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// The legend under the table, filled.
pub fn legend(r: &Report) -> Vec<String> {
    let program = r
        .program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fields = [
        ("program", program),
        ("given", format!("{} MiB", vm::MEMORY_MIB)),
        ("kernel", r.kernel.display().to_string()),
        ("rootfs", r.rootfs.display().to_string()),
        ("guest_kernel", r.vm.kernel.clone()),
        ("host_kernel", r.container.kernel.clone()),
    ];
    catalog::compare_legend()
        .iter()
        .map(|t| fill_fields(t, &fields))
        .collect()
}

pub fn print(r: &Report) {
    let mut text = String::new();
    for line in table(r)
        .iter()
        .chain([String::new()].iter())
        .chain(legend(r).iter())
    {
        text.push_str(line);
        text.push('\n');
    }
    for (heading, output) in catalog::compare_output()
        .iter()
        .zip([&r.vm.output, &r.container.output])
    {
        if !output.trim().is_empty() {
            text.push_str(&format!("\n{heading}\n{output}"));
        }
    }
    // stdout closed (e.g. `| head`): nothing more to say.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(duration(0.84), "0.8 ms");
        assert_eq!(duration(24.2), "24 ms");
        assert_eq!(duration(3214.4), "3214 ms");
        assert_eq!(size(512 << 10), "0.50 MiB");
        assert_eq!(size(190 << 20), "190.0 MiB");
        assert_eq!(ratio(3214.0, 24.0), "134x");
        assert_eq!(ratio(2.0, 1.25), "1.6x");
        assert_eq!(ratio(1.0, 0.0), "");
    }

    #[test]
    fn columns_start_three_spaces_after_the_widest_cell() {
        let rows = [
            ["A".to_string(), "bb".into(), "c".into(), String::new()],
            ["aaaa".to_string(), "b".into(), "cc".into(), String::new()],
        ];
        assert_eq!(align(&rows), ["A      bb   c", "aaaa   b    cc"]);
    }
}
