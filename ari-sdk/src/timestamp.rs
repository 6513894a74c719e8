//! Asterisk's date-times.
//!
//! Asterisk writes `2026-11-22T18:02:24.382+0000`: milliseconds and a UTC
//! offset without a colon, which plain RFC 3339 parsers reject. [`Timestamp`]
//! reads that form (and RFC 3339's `+00:00` / `Z`), and writes Asterisk's form
//! back.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A date-time with its UTC offset, as Asterisk sends it.
///
/// ```
/// use ari_sdk::Timestamp;
///
/// let ts: Timestamp = "2026-11-22T18:02:24.382+0000".parse()?;
/// assert_eq!(ts.as_datetime().timestamp_millis(), 1_795_370_544_382);
/// assert_eq!(ts.to_string(), "2026-11-22T18:02:24.382+0000");
/// # Ok::<(), ari_sdk::timestamp::TimestampError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(DateTime<FixedOffset>);

/// A string that is not a date-time in Asterisk's or RFC 3339's form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp `{input}`: expected YYYY-MM-DDTHH:MM:SS[.fff]+HHMM")]
pub struct TimestampError {
    input: String,
}

impl Timestamp {
    /// The date-time.
    pub fn as_datetime(&self) -> &DateTime<FixedOffset> {
        &self.0
    }

    /// The date-time.
    pub fn into_datetime(self) -> DateTime<FixedOffset> {
        self.0
    }

    /// Parses Asterisk's form or RFC 3339.
    pub fn parse(input: &str) -> Result<Timestamp, TimestampError> {
        parse(input.as_bytes())
            .map(Timestamp)
            .ok_or_else(|| TimestampError {
                input: input.chars().take(64).collect(),
            })
    }
}

impl From<DateTime<FixedOffset>> for Timestamp {
    fn from(value: DateTime<FixedOffset>) -> Self {
        Timestamp(value)
    }
}

impl From<Timestamp> for DateTime<FixedOffset> {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl fmt::Display for Timestamp {
    /// Asterisk's form: milliseconds, or as many digits as a finer time
    /// needs (microseconds, nanoseconds), so nothing received is dropped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::Timelike as _;
        let nanos = self.0.nanosecond() % 1_000_000_000;
        let pattern = if nanos.is_multiple_of(1_000_000) {
            "%Y-%m-%dT%H:%M:%S%.3f%z"
        } else if nanos.is_multiple_of(1_000) {
            "%Y-%m-%dT%H:%M:%S%.6f%z"
        } else {
            "%Y-%m-%dT%H:%M:%S%.9f%z"
        };
        write!(f, "{}", self.0.format(pattern))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an Asterisk timestamp such as 2026-11-22T18:02:24.382+0000")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Reads `YYYY-MM-DD(T| )HH:MM:SS[.f{1,9}](Z|±HHMM|±HH:MM|±HH)`.
///
/// A hand-written reader: timestamps are in every event (several per event,
/// with the channels' `creationtime`), so this is on the decode hot path.
fn parse(b: &[u8]) -> Option<DateTime<FixedOffset>> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    // Fixed positions, checked above to be in bounds: two digits at a time.
    let year = num2(b[0], b[1])? * 100 + num2(b[2], b[3])?;
    let date = NaiveDate::from_ymd_opt(year as i32, num2(b[5], b[6])?, num2(b[8], b[9])?)?;
    let (hour, minute, second) = (
        num2(b[11], b[12])?,
        num2(b[14], b[15])?,
        num2(b[17], b[18])?,
    );
    let mut pos = 19;
    let mut nanos = 0u32;
    if b.get(pos) == Some(&b'.') {
        // 1 to 9 digits, read in one pass (no second pass, no `pow`).
        pos += 1;
        let start = pos;
        let mut scale = 100_000_000u32;
        while let Some(&d) = b.get(pos) {
            if !d.is_ascii_digit() {
                break;
            }
            if pos - start == 9 {
                return None;
            }
            nanos += u32::from(d - b'0') * scale;
            scale /= 10;
            pos += 1;
        }
        if pos == start {
            return None;
        }
    }
    let offset_seconds: i32 = match b.get(pos..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2] => (num2(*h1, *h2)?, 0),
                [h1, h2, m1, m2] => (num2(*h1, *h2)?, num2(*m1, *m2)?),
                [h1, h2, b':', m1, m2] => (num2(*h1, *h2)?, num2(*m1, *m2)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = (h * 3600 + m * 60) as i32;
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let offset = FixedOffset::east_opt(offset_seconds)?;
    let local = NaiveDateTime::new(date, time);
    // Asterisk writes UTC (`+0000`) unless its host runs on another zone:
    // then the local time is the UTC one, with no offset arithmetic (chrono's
    // generic `from_local_datetime` costs as much as the rest of this parse).
    let utc = if offset_seconds == 0 {
        local
    } else {
        local.checked_sub_offset(offset)?
    };
    Some(DateTime::from_naive_utc_and_offset(utc, offset))
}

fn num2(a: u8, b: u8) -> Option<u32> {
    if a.is_ascii_digit() && b.is_ascii_digit() {
        Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_asterisk_and_rfc3339_forms() {
        let asterisk = Timestamp::parse("2026-11-22T18:02:24.382+0000").unwrap();
        let rfc = Timestamp::parse("2026-11-22T18:02:24.382+00:00").unwrap();
        let zulu = Timestamp::parse("2026-11-22T18:02:24.382Z").unwrap();
        assert_eq!(asterisk, rfc);
        assert_eq!(asterisk, zulu);
        assert_eq!(asterisk.as_datetime().timestamp_millis(), 1_795_370_544_382);
        let east = Timestamp::parse("2026-11-22T19:02:24+0100").unwrap();
        assert_eq!(
            east.as_datetime().timestamp(),
            asterisk.as_datetime().timestamp()
        );
        assert_eq!(east.to_string(), "2026-11-22T19:02:24.000+0100");
        let west = Timestamp::parse("2026-11-22T13:02:24.5-0530").unwrap();
        assert_eq!(west.to_string(), "2026-11-22T13:02:24.500-0530");
    }

    #[test]
    fn writes_asterisk_form() {
        let ts = Timestamp::parse("2026-11-22T18:02:24.382+0000").unwrap();
        assert_eq!(ts.to_string(), "2026-11-22T18:02:24.382+0000");
        assert_eq!(
            serde_json::to_string(&ts).unwrap(),
            "\"2026-11-22T18:02:24.382+0000\""
        );
        let back: Timestamp = serde_json::from_str("\"2026-11-22T18:02:24.382+0000\"").unwrap();
        assert_eq!(back, ts);
    }

    #[test]
    fn keeps_digits_below_the_millisecond() {
        for (input, written) in [
            (
                "2026-11-22T18:02:24.382517+0000",
                "2026-11-22T18:02:24.382517+0000",
            ),
            (
                "2026-11-22T18:02:24.382517901+0100",
                "2026-11-22T18:02:24.382517901+0100",
            ),
            // Trailing zeros carry nothing: the shortest of 3, 6, 9 digits.
            (
                "2026-11-22T18:02:24.382000+0000",
                "2026-11-22T18:02:24.382+0000",
            ),
            (
                "2026-11-22T18:02:24.3825Z",
                "2026-11-22T18:02:24.382500+0000",
            ),
        ] {
            let ts = Timestamp::parse(input).unwrap();
            assert_eq!(ts.to_string(), written, "{input}");
            assert_eq!(Timestamp::parse(written).unwrap(), ts, "{input}");
        }
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in [
            "",
            "2026",
            "2026-11-22",
            "2026-11-22T18:02:24",
            "2026-13-22T18:02:24.382+0000",
            "2026-11-31T18:02:24.382+0000",
            "2026-11-22T25:02:24.382+0000",
            "2026-11-22T18:02:24.+0000",
            "2026-11-22T18:02:24.1234567890+0000",
            "2026-11-22T18:02:24.382+000",
            "2026-11-22T18:02:24.382+2400",
            "2026-11-22T18:02:24.382 UTC",
            "２０２６-11-22T18:02:24.382+0000",
            "2026-11-22T18:02:24.382+0000 ",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad:?} parsed");
        }
        let err = serde_json::from_str::<Timestamp>("\"yesterday\"").unwrap_err();
        assert!(err.to_string().contains("invalid timestamp `yesterday`"));
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
    }
}
