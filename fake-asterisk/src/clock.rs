//! Simulated time: durations scaled by a knob, timestamps in Asterisk's format.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Scales the fake's simulated durations (playbacks, dialplan `Wait`, answer
/// delays) so tests can run a 10 s prompt in 10 ms; all waiting goes through
/// tokio time, so `tokio::time::pause()` works too.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    scale: f64,
}

impl Clock {
    pub(crate) fn new(scale: f64) -> Self {
        let scale = if scale.is_finite() && scale >= 0.0 {
            scale
        } else {
            1.0
        };
        Clock { scale }
    }

    /// The real duration a simulated span of `ms` milliseconds lasts.
    pub(crate) fn scaled(&self, ms: u64) -> Duration {
        Duration::from_secs_f64(ms as f64 * self.scale / 1000.0)
    }

    /// Sleeps for a simulated span of `ms` milliseconds.
    pub(crate) async fn sleep(&self, ms: u64) {
        tokio::time::sleep(self.scaled(ms)).await;
    }

    /// The simulated milliseconds that a real duration stands for.
    pub(crate) fn simulated_ms(&self, real: Duration) -> u64 {
        if self.scale <= 0.0 {
            return 0;
        }
        (real.as_secs_f64() * 1000.0 / self.scale).round() as u64
    }
}

/// Now, formatted like Asterisk's `ast_json_timeval`: `2026-11-22T18:02:24.382+0000`.
pub fn asterisk_timestamp() -> String {
    format_timestamp(SystemTime::now())
}

/// Formats a wall-clock time as Asterisk does (UTC, millisecond precision,
/// offset without a colon).
pub fn format_timestamp(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    let millis = since_epoch.subsec_millis();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}+0000",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// `2026-11-22 17:55:47 UTC`, the format of Asterisk's build date.
pub(crate) fn format_build_date(time: SystemTime) -> String {
    let ts = format_timestamp(time);
    format!("{} {} UTC", &ts[..10], &ts[11..19])
}

/// Seconds since the Unix epoch, used for Asterisk-style unique ids.
pub(crate) fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_asterisk() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_370_544_382);
        assert_eq!(format_timestamp(t), "2026-11-22T18:02:24.382+0000");
        assert_eq!(format_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000+0000");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&format_timestamp(leap)[..10], "2000-02-29");
    }

    #[test]
    fn scales_durations() {
        let clock = Clock::new(0.01);
        assert_eq!(clock.scaled(1000), Duration::from_millis(10));
        assert_eq!(clock.simulated_ms(Duration::from_millis(10)), 1000);
        assert_eq!(Clock::new(f64::NAN).scaled(5), Duration::from_millis(5));
    }
}
