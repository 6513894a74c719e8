//! How long to wait between reconnection attempts.

use std::time::Duration;

/// Exponential backoff between reconnection attempts.
///
/// The n-th consecutive failure waits `initial * multiplier^(n-1)`, capped at
/// `max`, then randomised by [`jitter`](Backoff::jitter) so that many clients
/// cut off by one Asterisk restart do not all come back in the same instant.
/// The first attempt after losing a connection that had been up for at least
/// [`reset_after`](Backoff::reset_after) is made at once; a connection that
/// drops sooner keeps counting, so a server that accepts and immediately
/// drops the socket is not hammered.
///
/// ```
/// use std::time::Duration;
/// use ari_sdk::stream::{Backoff, Jitter};
///
/// let backoff = Backoff::default().jitter(Jitter::None);
/// assert_eq!(backoff.delay(1), Duration::from_millis(500));
/// assert_eq!(backoff.delay(2), Duration::from_secs(1));
/// assert_eq!(backoff.delay(100), Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Backoff {
    /// The wait after the first failure. Default 500 ms.
    pub initial: Duration,
    /// The longest wait. Default 30 s.
    pub max: Duration,
    /// The factor each further failure multiplies the wait by. Default 2.
    pub multiplier: f64,
    /// How the wait is randomised. Default [`Jitter::Equal`].
    pub jitter: Jitter,
    /// How long a connection must have stayed up for its loss to start the
    /// backoff from scratch. Default 10 s.
    pub reset_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: Jitter::Equal,
            reset_after: Duration::from_secs(10),
        }
    }
}

/// How a backoff delay `d` is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// Exactly `d`: predictable, and every client retries in lockstep.
    None,
    /// Uniform in `[0, d]`: spreads clients the most, may retry at once.
    Full,
    /// Uniform in `[d/2, d]`: spread out, yet never much sooner than planned.
    Equal,
}

impl Backoff {
    /// Sets [`initial`](Self::initial).
    pub fn initial(mut self, delay: Duration) -> Self {
        self.initial = delay;
        self
    }

    /// Sets [`max`](Self::max).
    pub fn max(mut self, delay: Duration) -> Self {
        self.max = delay;
        self
    }

    /// Sets [`multiplier`](Self::multiplier).
    pub fn multiplier(mut self, factor: f64) -> Self {
        self.multiplier = factor;
        self
    }

    /// Sets [`jitter`](Self::jitter).
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets [`reset_after`](Self::reset_after).
    pub fn reset_after(mut self, uptime: Duration) -> Self {
        self.reset_after = uptime;
        self
    }

    /// The wait before retrying after `failures` consecutive failures
    /// (counted from 1), with jitter applied.
    pub fn delay(&self, failures: u32) -> Duration {
        self.delay_with(failures, fastrand::f64())
    }

    /// [`delay`](Self::delay) with the random draw (uniform in `[0, 1)`)
    /// given, so the arithmetic can be tested.
    fn delay_with(&self, failures: u32, draw: f64) -> Duration {
        let capped = self.capped(failures);
        let draw = if draw.is_nan() {
            1.0
        } else {
            draw.clamp(0.0, 1.0)
        };
        match self.jitter {
            Jitter::None => capped,
            Jitter::Full => capped.mul_f64(draw),
            Jitter::Equal => {
                let half = capped / 2;
                half + (capped - half).mul_f64(draw)
            }
        }
    }

    /// `initial * multiplier^(failures-1)`, capped at `max`, without
    /// overflowing however large `failures` grows.
    fn capped(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(i32::MAX as u32) as i32;
        let factor = self.multiplier.max(1.0).powi(exponent);
        let seconds = self.initial.as_secs_f64() * factor;
        if !seconds.is_finite() || seconds >= self.max.as_secs_f64() {
            return self.max;
        }
        Duration::try_from_secs_f64(seconds).map_or(self.max, |delay| delay.min(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff(jitter: Jitter) -> Backoff {
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
            multiplier: 2.0,
            jitter,
            reset_after: Duration::from_secs(1),
        }
    }

    #[test]
    fn grows_exponentially_up_to_the_cap() {
        let b = backoff(Jitter::None);
        let delays: Vec<u128> = (1..=7).map(|n| b.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(b.delay(0), Duration::from_millis(100));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(2));
    }

    #[test]
    fn a_huge_multiplier_saturates_at_max() {
        let b = Backoff {
            multiplier: f64::MAX,
            ..backoff(Jitter::None)
        };
        assert_eq!(b.delay(3), Duration::from_secs(2));
    }

    #[test]
    fn full_jitter_spans_zero_to_the_delay() {
        let b = backoff(Jitter::Full);
        assert_eq!(b.delay_with(3, 0.0), Duration::ZERO);
        assert_eq!(b.delay_with(3, 0.5), Duration::from_millis(200));
        assert_eq!(b.delay_with(3, 1.0), Duration::from_millis(400));
    }

    #[test]
    fn equal_jitter_spans_half_to_the_delay() {
        let b = backoff(Jitter::Equal);
        assert_eq!(b.delay_with(3, 0.0), Duration::from_millis(200));
        assert_eq!(b.delay_with(3, 1.0), Duration::from_millis(400));
        for _ in 0..100 {
            let d = b.delay(6);
            assert!(
                d >= Duration::from_secs(1) && d <= Duration::from_secs(2),
                "{d:?}"
            );
        }
    }
}
