//! Which language dockling speaks: English or Korean (한국어). The choice
//! itself lives in rootfs-fetch ([`rootfs_fetch::lang`]), the lower of
//! dockling's two crates, so that both say their sentences in the same
//! language; this module is its name inside dockling.

pub use rootfs_fetch::lang::*;
