//! The device allow-list on cgroup v2: a BPF program attached to the cgroup.
//!
//! v2 has no `devices.allow` file. Instead the kernel runs a program of
//! type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup whenever one of
//! its processes opens or makes a device node, and denies the access when
//! the program returns 0. The program gets a `struct bpf_cgroup_dev_ctx`:
//! `access_type` (the device type in the low 16 bits, the access — mknod,
//! read, write — in the high ones), `major` and `minor`. dockling writes
//! the program instruction by instruction from the rules, as runc and
//! youki do: load the four values into registers, then for each rule a
//! few comparisons that jump to the next rule on a mismatch, and `return
//! 1` when all match; after the last rule, `return 0`.
//!
//! The program lives as long as it is attached: when the cgroup is
//! removed, so is the program. `bpftool cgroup list /sys/fs/cgroup/…`
//! shows it.
//!
//! Lesson 3. Man pages: bpf(2); the kernel's bpf/prog_cgroup_device.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

use super::devices::{Kind, Rule};

/// One eBPF instruction (`struct bpf_insn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Insn {
    code: u8,
    /// dst register in the low four bits, src in the high four.
    regs: u8,
    off: i16,
    imm: i32,
}

// Opcodes, from linux/bpf.h and bpf_common.h.
const LDX_MEM_W: u8 = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU64_AND_K: u8 = 0x57; // BPF_ALU64 | BPF_AND | BPF_K
const ALU64_RSH_K: u8 = 0x77; // BPF_ALU64 | BPF_RSH | BPF_K
const ALU64_MOV_K: u8 = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K
const ALU64_MOV_X: u8 = 0xbf; // BPF_ALU64 | BPF_MOV | BPF_X
const JMP_JNE_K: u8 = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const JMP_JNE_X: u8 = 0x5d; // BPF_JMP | BPF_JNE | BPF_X
const JMP_EXIT: u8 = 0x95; // BPF_JMP | BPF_EXIT

const DEV_BLOCK: i32 = 1; // BPF_DEVCG_DEV_BLOCK
const DEV_CHAR: i32 = 2; // BPF_DEVCG_DEV_CHAR
const ACC_MKNOD: i32 = 1; // BPF_DEVCG_ACC_MKNOD
const ACC_READ: i32 = 2;
const ACC_WRITE: i32 = 4;

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;
/// Other programs may be attached above ours; all of them must allow.
const BPF_F_ALLOW_MULTI: u32 = 2;

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
    Insn {
        code,
        regs: dst | (src << 4),
        off,
        imm,
    }
}

/// The program for `rules`: allow when any rule matches, deny otherwise.
pub fn program(rules: &[Rule]) -> Vec<Insn> {
    // r2 = type, r3 = access, r4 = major, r5 = minor (r1 is the context).
    let mut p = vec![
        insn(LDX_MEM_W, 2, 1, 0, 0),
        insn(ALU64_AND_K, 2, 0, 0, 0xffff),
        insn(LDX_MEM_W, 3, 1, 0, 0),
        insn(ALU64_RSH_K, 3, 0, 0, 16),
        insn(LDX_MEM_W, 4, 1, 4, 0),
        insn(LDX_MEM_W, 5, 1, 8, 0),
    ];
    for rule in rules {
        let mut block = Vec::new();
        match rule.kind {
            Kind::All => {}
            Kind::Char => block.push(insn(JMP_JNE_K, 2, 0, 0, DEV_CHAR)),
            Kind::Block => block.push(insn(JMP_JNE_K, 2, 0, 0, DEV_BLOCK)),
        }
        // Every access asked for must be allowed: (access & allowed) == access.
        let allowed = (if rule.access.mknod { ACC_MKNOD } else { 0 })
            | (if rule.access.read { ACC_READ } else { 0 })
            | (if rule.access.write { ACC_WRITE } else { 0 });
        block.push(insn(ALU64_MOV_X, 1, 3, 0, 0));
        block.push(insn(ALU64_AND_K, 1, 0, 0, allowed));
        block.push(insn(JMP_JNE_X, 1, 3, 0, 0));
        if let Some(major) = rule.major {
            block.push(insn(JMP_JNE_K, 4, 0, 0, major as i32));
        }
        if let Some(minor) = rule.minor {
            block.push(insn(JMP_JNE_K, 5, 0, 0, minor as i32));
        }
        block.push(insn(ALU64_MOV_K, 0, 0, 0, 1));
        block.push(insn(JMP_EXIT, 0, 0, 0, 0));
        // Each conditional jump skips to the instruction after this block.
        let len = block.len() as i16;
        for (i, ins) in block.iter_mut().enumerate() {
            if ins.code == JMP_JNE_K || ins.code == JMP_JNE_X {
                ins.off = len - i as i16 - 1;
            }
        }
        p.extend(block);
    }
    p.push(insn(ALU64_MOV_K, 0, 0, 0, 0));
    p.push(insn(JMP_EXIT, 0, 0, 0, 0));
    p
}

/// `union bpf_attr` for BPF_PROG_LOAD, up to the fields used.
#[repr(C)]
#[derive(Default)]
struct ProgLoad {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

/// `union bpf_attr` for BPF_PROG_ATTACH.
#[repr(C)]
struct ProgAttach {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
}

fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> io::Result<libc::c_long> {
    // SAFETY: attr is a valid, initialised bpf_attr prefix of the size given.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd,
            attr as *mut T,
            std::mem::size_of::<T>() as libc::c_uint,
        )
    };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Load the program for `rules` and attach it to the cgroup directory
/// `dir`: `bpf(BPF_PROG_LOAD)`, then `bpf(BPF_PROG_ATTACH)`. Returns the
/// number of instructions.
pub fn attach(dir: &Path, rules: &[Rule]) -> io::Result<usize> {
    let insns = program(rules);
    let prog = load(&insns)?;
    let cgroup = std::fs::File::open(dir)?;
    let mut at = ProgAttach {
        target_fd: cgroup.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        attach_flags: BPF_F_ALLOW_MULTI,
    };
    bpf(BPF_PROG_ATTACH, &mut at).map_err(|e| {
        io::Error::new(
            e.kind(),
            msg!(m::BPF_ATTACH, dir = dir.display(), error = e),
        )
    })?;
    // The attachment holds the program; our descriptors can go.
    Ok(insns.len())
}

/// Whether this kernel takes a device program (for `dockling doctor`):
/// one is loaded and dropped again, attached nowhere.
pub fn available() -> io::Result<()> {
    load(&program(super::devices::DEFAULT)).map(drop)
}

/// `bpf(BPF_PROG_LOAD)` of a device program: a descriptor for it.
fn load(insns: &[Insn]) -> io::Result<OwnedFd> {
    let license = c"Apache-2.0";
    let mut name = [0u8; 16];
    name[..8].copy_from_slice(b"dockling");
    let load = |log: &mut [u8]| {
        let mut attr = ProgLoad {
            prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
            insn_cnt: insns.len() as u32,
            insns: insns.as_ptr() as u64,
            license: license.as_ptr() as u64,
            prog_name: name,
            expected_attach_type: BPF_CGROUP_DEVICE,
            ..ProgLoad::default()
        };
        if !log.is_empty() {
            attr.log_level = 1;
            attr.log_size = log.len() as u32;
            attr.log_buf = log.as_mut_ptr() as u64;
        }
        bpf(BPF_PROG_LOAD, &mut attr)
    };
    // Without a log first: a verifier log that does not fit its buffer
    // fails the load (ENOSPC). Only a failure is loaded again, to say why.
    let prog = load(&mut []).map_err(|e| {
        let mut log = vec![0u8; 1 << 16];
        let _ = load(&mut log);
        let text = String::from_utf8_lossy(&log);
        let verifier = text.trim_end_matches('\0').trim();
        io::Error::new(e.kind(), msg!(m::BPF_LOAD, error = e, verifier = verifier))
    })?;
    // SAFETY: a successful BPF_PROG_LOAD returns a new descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(prog as i32) })
}

#[cfg(test)]
mod tests {
    use super::super::devices::{Access, DEFAULT};
    use super::*;

    /// Run the program as the kernel would, for one access.
    fn run(p: &[Insn], kind: i32, access: i32, major: u32, minor: u32) -> u64 {
        let ctx = [((access << 16) | kind) as u32, major, minor];
        let mut r = [0u64; 11];
        let mut pc = 0;
        loop {
            let i = p[pc];
            let (dst, src) = ((i.regs & 0xf) as usize, (i.regs >> 4) as usize);
            pc += 1;
            match i.code {
                LDX_MEM_W => r[dst] = ctx[i.off as usize / 4] as u64,
                ALU64_AND_K => r[dst] &= i.imm as u64,
                ALU64_RSH_K => r[dst] >>= i.imm,
                ALU64_MOV_K => r[dst] = i.imm as u64,
                ALU64_MOV_X => r[dst] = r[src],
                JMP_JNE_K if r[dst] != i.imm as u64 => pc += i.off as usize,
                JMP_JNE_X if r[dst] != r[src] => pc += i.off as usize,
                JMP_JNE_K | JMP_JNE_X => {}
                JMP_EXIT => return r[0],
                other => panic!("unknown opcode {other:#x}"),
            }
        }
    }

    #[test]
    fn the_default_program_allows_the_list_and_nothing_else() {
        let p = program(DEFAULT);
        let rw = ACC_READ | ACC_WRITE;
        assert_eq!(run(&p, DEV_CHAR, rw, 1, 3), 1, "/dev/null");
        assert_eq!(run(&p, DEV_CHAR, ACC_READ, 136, 7), 1, "/dev/pts/7");
        assert_eq!(run(&p, DEV_CHAR, ACC_MKNOD, 10, 232), 1, "mknod of kvm");
        assert_eq!(
            run(&p, DEV_BLOCK, ACC_MKNOD, 7, 0),
            1,
            "mknod of a loop device"
        );
        assert_eq!(run(&p, DEV_CHAR, rw, 10, 232), 0, "open /dev/kvm");
        assert_eq!(run(&p, DEV_CHAR, ACC_WRITE, 1, 11), 0, "open /dev/kmsg");
        assert_eq!(run(&p, DEV_CHAR, rw, 5, 1), 0, "the host's console");
        assert_eq!(run(&p, DEV_BLOCK, ACC_READ, 7, 0), 0, "read a loop device");
        assert_eq!(
            run(&p, DEV_BLOCK, ACC_READ, 1, 3),
            0,
            "block 1:3 is not null"
        );
    }

    #[test]
    fn a_read_only_rule_refuses_writes() {
        let rule = Rule {
            kind: Kind::Char,
            major: Some(10),
            minor: Some(232),
            access: Access::parse("r").unwrap(),
        };
        let p = program(&[rule]);
        assert_eq!(run(&p, DEV_CHAR, ACC_READ, 10, 232), 1);
        assert_eq!(run(&p, DEV_CHAR, ACC_READ | ACC_WRITE, 10, 232), 0);
        assert_eq!(run(&p, DEV_CHAR, ACC_READ, 10, 233), 0);
    }
}
