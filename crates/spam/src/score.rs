//! How much a sender deserves attention: a score from 0 to 100 out of what its reports say —
//! how many, from how many different people, how fast they are arriving, what share the model
//! called fraud or advertising, and whether any carried a URL or number on a threat list. The
//! work queue is ordered by it; each part is kept so a person sees why.

use serde::Serialize;

/// One day in milliseconds: the time constant of the arrival rate.
pub const DAY_MS: f64 = 86_400_000.0;

/// What is known of a sender.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SenderStats {
    /// Reports.
    pub reports: i64,
    /// Of them, called fraud.
    pub fraud: i64,
    /// Of them, called advertising.
    pub spam: i64,
    /// Different people who reported it.
    pub reporters: i64,
    /// Reports carrying a listed URL or number.
    pub listed: i64,
    /// Reports, decayed with a one-day time constant (see [`decayed`]), as of `at`.
    pub recent: f64,
}

/// The parts of a score.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Score {
    /// The total, 0–100.
    pub total: f64,
    /// From the number of reports (at most 25).
    pub volume: f64,
    /// From the number of different reporters (at most 20).
    pub reporters: f64,
    /// From the arrival rate (at most 20).
    pub velocity: f64,
    /// From the share called fraud or advertising (at most 25).
    pub content: f64,
    /// From a listed URL or number (0 or 10).
    pub listed: f64,
}

/// A decayed count carried from `then` to `now` with `add` new reports: `recent·e^(−Δt/day) + add`.
pub fn decayed(recent: f64, then: i64, now: i64, add: f64) -> f64 {
    let dt = (now - then).max(0) as f64;
    recent * (-dt / DAY_MS).exp() + add
}

/// Scores a sender.
pub fn score(s: &SenderStats) -> Score {
    let ln_share = |x: i64, full: f64| ((1.0 + x.max(0) as f64).ln() / (1.0 + full).ln()).min(1.0);
    let volume = 25.0 * ln_share(s.reports, 100.0);
    let reporters = 20.0 * ln_share(s.reporters, 50.0);
    let velocity = 20.0 * (s.recent.max(0.0) / 20.0).min(1.0);
    let content = if s.reports > 0 {
        (25.0 * s.fraud as f64 + 10.0 * s.spam as f64) / s.reports as f64
    } else {
        0.0
    };
    let listed = if s.listed > 0 { 10.0 } else { 0.0 };
    let r1 = |x: f64| (x * 10.0).round() / 10.0;
    Score {
        total: r1((volume + reporters + velocity + content + listed).min(100.0)),
        volume: r1(volume),
        reporters: r1(reporters),
        velocity: r1(velocity),
        content: r1(content),
        listed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_fraud_sender_outranks_a_slow_advertiser() {
        let fraud = SenderStats {
            reports: 40,
            fraud: 38,
            spam: 0,
            reporters: 35,
            listed: 3,
            recent: 30.0,
        };
        let ads = SenderStats {
            reports: 40,
            fraud: 0,
            spam: 40,
            reporters: 35,
            listed: 0,
            recent: 1.0,
        };
        let (a, b) = (score(&fraud), score(&ads));
        assert!(a.total > b.total + 20.0, "{a:?} vs {b:?}");
        assert!(a.total <= 100.0 && b.total > 0.0);
        assert_eq!(score(&SenderStats::default()).total, 0.0);
    }

    #[test]
    fn the_rate_decays_by_a_day() {
        let r = decayed(10.0, 0, DAY_MS as i64, 1.0);
        assert!((r - (10.0 / std::f64::consts::E + 1.0)).abs() < 1e-9);
        assert_eq!(
            decayed(5.0, 100, 50, 0.0),
            5.0,
            "a clock going back does not grow it"
        );
    }
}
