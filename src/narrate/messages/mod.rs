//! Every sentence dockling says outside the step-by-step narration:
//! errors and their hints, warnings, progress, doctor, the tour, listings.
//!
//! Each message is a [`Msg`] constant holding its English and its Korean,
//! side by side, as templates that name their values as `{name}`. Code
//! says `msg!(NAME, key = value, …)` and gets the text in the language
//! chosen for this run ([`super::lang`]). The constants are grouped by the
//! part of dockling that says them, one file each, with a list of all of
//! them that the tests walk: both languages present, Korean in Hangul,
//! the same placeholders in both.

pub use rootfs_fetch::say::{Msg, fill};

pub mod build;
pub mod containers;
pub mod engines;
pub mod images;
pub mod push;

/// Every message of every file.
pub fn all() -> Vec<(&'static str, Msg)> {
    [
        containers::ALL,
        images::ALL,
        push::ALL,
        build::ALL,
        engines::ALL,
        rootfs_fetch::messages::ALL,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrate::catalog::placeholders;
    use crate::narrate::lang;

    #[test]
    fn every_message_has_both_languages_with_the_same_placeholders() {
        for (name, m) in all() {
            assert!(!m.en.trim().is_empty(), "{name}: no English");
            assert!(
                lang::has_hangul(m.ko),
                "{name}: the Korean has no Hangul: {}",
                m.ko
            );
            let mut en = placeholders(m.en);
            let mut ko = placeholders(m.ko);
            en.sort();
            ko.sort();
            assert_eq!(en, ko, "{name}: placeholders differ");
        }
    }

    /// As in the narration: a particle whose form depends on the word
    /// before it (을/를, 이/가 …) never follows a value, which may end
    /// either way.
    #[test]
    fn no_changing_particle_sticks_to_a_placeholder() {
        const PARTICLES: &[char] = &[
            '을', '를', '이', '가', '은', '는', '와', '과', '으', '로', '였',
        ];
        let mut found = Vec::new();
        for (name, m) in all() {
            for field in placeholders(m.ko) {
                let field = format!("{{{field}}}");
                for (at, _) in m.ko.match_indices(&field) {
                    let next = m.ko[at + field.len()..].chars().next();
                    if next.is_some_and(|c| PARTICLES.contains(&c)) {
                        found.push(format!("{name}: {field}{}", next.unwrap()));
                    }
                }
            }
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
    }

    #[test]
    fn fill_names_values_and_leaves_other_braces() {
        let n = 3;
        assert_eq!(
            fill("{a} and {b} {c", &[("a", &"x"), ("b", &n)]),
            "x and 3 {c"
        );
        assert_eq!(fill("{{json .Id}} {x}", &[("x", &1)]), "{{json .Id}} 1");
    }
}
