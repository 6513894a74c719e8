//! Asterisk release numbers, ordered as numbers (`13.2.0 < 13.10.0`), never
//! as strings.

use std::fmt;
use std::str::FromStr;

/// An Asterisk release number: `major.minor.patch`.
///
/// ```
/// use ari_spec::Version;
///
/// let a: Version = "13.2.0".parse().unwrap();
/// let b: Version = "13.10.0".parse().unwrap();
/// assert!(a < b);
/// assert_eq!(b.major, 13);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    /// `20` in `20.17.0`: the release line.
    pub major: u32,
    /// `17` in `20.17.0`.
    pub minor: u32,
    /// `0` in `20.17.0`.
    pub patch: u32,
}

/// A release number that is not `major.minor.patch` in decimal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a release number (major.minor.patch)")]
pub struct VersionParseError(pub String);

impl Version {
    /// A version from its three numbers.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }
}

impl FromStr for Version {
    type Err = VersionParseError;

    fn from_str(text: &str) -> Result<Version, VersionParseError> {
        let error = || VersionParseError(text.to_string());
        let mut parts = text.trim().split('.');
        let mut next = || -> Result<u32, VersionParseError> {
            let part = parts.next().ok_or_else(error)?;
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(error());
            }
            part.parse().map_err(|_| error())
        };
        let version = Version::new(next()?, next()?, next()?);
        if parts.next().is_some() {
            return Err(error());
        }
        Ok(version)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        text.parse().unwrap()
    }

    #[test]
    fn orders_by_number_not_by_text() {
        assert!(v("13.2.0") < v("13.10.0"));
        assert!(v("13.38.3") < v("14.0.0"));
        assert!(v("9.9.9") < v("10.0.0"));
        let mut tags = [v("13.10.0"), v("13.2.0"), v("13.1.0"), v("13.2.1")];
        tags.sort();
        let sorted: Vec<String> = tags.iter().map(Version::to_string).collect();
        assert_eq!(sorted, ["13.1.0", "13.2.0", "13.2.1", "13.10.0"]);
    }

    #[test]
    fn rejects_what_is_not_three_numbers() {
        for bad in [
            "",
            "13",
            "13.0",
            "13.0.0.1",
            "13.x.0",
            "13..0",
            "-1.0.0",
            "13.0.0-rc1",
        ] {
            assert_eq!(
                bad.parse::<Version>(),
                Err(VersionParseError(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(v(" 20.17.0 "), Version::new(20, 17, 0));
        assert_eq!(
            "99999999999.0.0".parse::<Version>(),
            Err(VersionParseError("99999999999.0.0".into()))
        );
    }
}
