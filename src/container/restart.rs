//! Restart policies, as docker defines them (`--restart`).
//!
//! - `no`: never restart (the default).
//! - `on-failure[:N]`: restart when the command exits with a code other
//!   than 0, at most N times (no limit without N).
//! - `always`: restart whenever the command exits, except after `stop`.
//! - `unless-stopped`: as `always`. (docker differs only when its daemon
//!   starts: it then starts `always` containers but not stopped
//!   `unless-stopped` ones. dockling has no daemon, so nothing starts at
//!   boot, and the two are the same.)
//!
//! Between restarts the monitor waits, 100 ms first and twice as long each
//! time, at most a minute, as docker does; a run that lasted 10 seconds
//! counts as a success and the wait starts again at 100 ms.

use crate::msg;
use crate::narrate::messages::containers as m;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "Name", content = "MaximumRetryCount")]
pub enum Policy {
    #[default]
    #[serde(rename = "no")]
    No,
    #[serde(rename = "on-failure")]
    OnFailure(u32),
    #[serde(rename = "always")]
    Always,
    #[serde(rename = "unless-stopped")]
    UnlessStopped,
}

/// The first wait before a restart, and its ceiling.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(100);
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// A run at least this long resets the wait.
pub const RESET_AFTER: Duration = Duration::from_secs(10);

impl Policy {
    pub fn parse(text: &str) -> Result<Policy, String> {
        let (name, count) = match text.split_once(':') {
            Some((n, c)) => (n, Some(c)),
            None => (text, None),
        };
        let policy = match name {
            "no" | "" => Policy::No,
            "always" => Policy::Always,
            "unless-stopped" => Policy::UnlessStopped,
            "on-failure" => {
                let n = match count {
                    None => 0,
                    Some(c) => c
                        .parse::<u32>()
                        .map_err(|_| msg!(m::RESTART_COUNT_NOT_NUMBER, text = text))?,
                };
                return Ok(Policy::OnFailure(n));
            }
            _ => {
                return Err(msg!(m::RESTART_BAD_POLICY, text = text));
            }
        };
        if count.is_some() {
            return Err(msg!(m::RESTART_COUNT_ONLY_ON_FAILURE, text = text));
        }
        Ok(policy)
    }

    pub fn name(self) -> String {
        match self {
            Policy::No => "no".into(),
            Policy::OnFailure(0) => "on-failure".into(),
            Policy::OnFailure(n) => format!("on-failure:{n}"),
            Policy::Always => "always".into(),
            Policy::UnlessStopped => "unless-stopped".into(),
        }
    }

    /// Whether to start the command again after it exited with `code`,
    /// having been restarted `restarts` times, `stopped` by a user or not.
    pub fn restart(self, code: i32, restarts: u32, stopped: bool) -> bool {
        if stopped {
            return false;
        }
        match self {
            Policy::No => false,
            Policy::OnFailure(max) => code != 0 && (max == 0 || restarts < max),
            Policy::Always | Policy::UnlessStopped => true,
        }
    }
}

/// How long to wait before restart number `n` (0 for the first).
pub fn backoff(n: u32) -> Duration {
    FIRST_BACKOFF
        .checked_mul(1u32.checked_shl(n.min(20)).unwrap_or(u32::MAX))
        .unwrap_or(MAX_BACKOFF)
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_and_decide_as_dockers() {
        assert_eq!(Policy::parse("no"), Ok(Policy::No));
        assert_eq!(Policy::parse("on-failure:3"), Ok(Policy::OnFailure(3)));
        assert_eq!(Policy::parse("on-failure"), Ok(Policy::OnFailure(0)));
        assert!(Policy::parse("always:2").is_err());
        assert!(
            Policy::parse("sometimes")
                .unwrap_err()
                .contains("no, on-failure")
        );
        assert!(Policy::parse("on-failure:x").is_err());
        let p = Policy::OnFailure(2);
        assert!(p.restart(3, 0, false) && p.restart(3, 1, false));
        assert!(!p.restart(3, 2, false), "two restarts, three runs in all");
        assert!(!p.restart(0, 0, false), "success is no failure");
        assert!(Policy::Always.restart(0, 100, false));
        assert!(!Policy::Always.restart(137, 0, true), "not after stop");
        assert!(!Policy::No.restart(1, 0, false));
    }

    #[test]
    fn the_wait_doubles_from_100ms_to_a_minute() {
        assert_eq!(backoff(0), Duration::from_millis(100));
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(3), Duration::from_millis(800));
        assert_eq!(backoff(12), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn inspect_shows_dockers_restart_policy_shape() {
        let j = serde_json::to_value(Policy::OnFailure(3)).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"Name": "on-failure", "MaximumRetryCount": 3})
        );
    }
}
