//! What `cargo xtask regen` generates from: the spec folder's majors, a
//! running Asterisk, or an Asterisk checkout, each with its release.

use std::path::Path;
use std::time::Duration;

use ari_spec::source::listing_url;
use ari_spec::{Spec, SpecDir, SpecSource, MAJORS};

use crate::regen::RegenArgs;

/// One module to generate.
#[derive(Debug)]
pub struct Target {
    pub major: u32,
    pub release: String,
    pub spec: Spec,
}

type BoxError = Box<dyn std::error::Error>;

/// Every major's module: from the spec folder, except the one a running
/// Asterisk (`--from-url`) or a checkout (`--from-source`) provides. All of
/// them, always: what the majors share is computed over every major.
pub fn targets(args: &RegenArgs, spec_dir: &SpecDir) -> Result<Vec<Target>, BoxError> {
    let given = if let Some(url) = &args.from_url {
        let source = SpecSource::Url {
            url: url.clone(),
            username: args.username.clone(),
            password: args.password.clone(),
        };
        let spec = source.load()?;
        let release = match &args.release {
            Some(release) => release.clone(),
            None => server_release(url, args.username.as_deref(), args.password.as_deref())?,
        };
        Some(single(spec, release)?)
    } else if let Some(path) = &args.from_source {
        let spec = SpecSource::AsteriskCheckout(path.clone()).load()?;
        let release = match &args.release {
            Some(release) => release.clone(),
            None => checkout_release(path)?,
        };
        Some(single(spec, release)?)
    } else {
        None
    };
    let mut out = Vec::new();
    for major in MAJORS {
        if given.as_ref().is_some_and(|t| t.major == major) {
            continue;
        }
        let spec = spec_dir.load_major(major)?;
        let release = dir_release(&spec, major)?;
        out.push(Target {
            major,
            release,
            spec,
        });
    }
    if let Some(target) = given {
        if !MAJORS.contains(&target.major) {
            return Err(format!(
                "the docs are from Asterisk {}: the SDK has majors {}..={}",
                target.release,
                MAJORS.start(),
                MAJORS.end()
            )
            .into());
        }
        out.push(target);
        out.sort_by_key(|t| t.major);
    }
    Ok(out)
}

fn single(mut spec: Spec, release: String) -> Result<Target, BoxError> {
    let major = major_of(&release)?;
    spec.release = Some(release.clone());
    Ok(Target {
        major,
        release,
        spec,
    })
}

/// The release a spec folder's `RELEASE` names, checked against its major.
pub fn dir_release(spec: &Spec, major: u32) -> Result<String, BoxError> {
    let release = spec
        .release
        .clone()
        .ok_or_else(|| format!("the spec folder of major {major} has no RELEASE file"))?;
    if major_of(&release)? != major {
        return Err(format!("the spec folder of major {major} says RELEASE {release}").into());
    }
    Ok(release)
}

/// `20` for `20.20.1`, `certified/20.7-cert9` or `20.7-cert9`.
pub fn major_of(release: &str) -> Result<u32, BoxError> {
    let trimmed = release.trim();
    let version = trimmed.strip_prefix("certified/").unwrap_or(trimmed);
    let major = version
        .split(['.', '-'])
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .ok_or_else(|| {
            format!("cannot tell the Asterisk major of release `{release}`; pass --release X.Y.Z")
        })?;
    if !MAJORS.contains(&major) {
        return Err(format!("Asterisk {release}: major {major} is not one the SDK has").into());
    }
    Ok(major)
}

/// An Asterisk checkout's `.version` (release tarballs have one; a git
/// checkout does not, and then `--release` is needed).
fn checkout_release(root: &Path) -> Result<String, BoxError> {
    match std::fs::read_to_string(root.join(".version")) {
        Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_string()),
        _ => Err(format!(
            "{} has no .version file: pass --release X.Y.Z",
            root.display()
        )
        .into()),
    }
}

/// `system.version` of `GET <ari>/asterisk/info`.
fn server_release(
    url: &str,
    username: Option<&str>,
    password: Option<&str>,
) -> Result<String, BoxError> {
    let info_url = format!("{}/asterisk/info?only=system", ari_base(url));
    // The blocking client must live on a thread without an async runtime.
    let fetch = move || -> Result<String, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        let mut request = client.get(&info_url);
        if let Some(user) = username {
            request = request.basic_auth(user, password);
        }
        let response = request.send().map_err(|e| format!("{info_url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{info_url}: HTTP {}", response.status()));
        }
        let info: serde_json::Value = response.json().map_err(|e| format!("{info_url}: {e}"))?;
        info.pointer("/system/version")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("{info_url}: no system.version; pass --release X.Y.Z"))
    };
    std::thread::scope(|scope| scope.spawn(fetch).join())
        .map_err(|_| "the release lookup thread panicked")?
        .map_err(Into::into)
}

/// `http://h:8088/ari` for any of the forms `--from-url` accepts.
pub fn ari_base(url: &str) -> String {
    let listing = listing_url(url);
    listing
        .strip_suffix("/api-docs/resources.json")
        .unwrap_or(&listing)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majors_of_releases() {
        assert_eq!(major_of("20.20.1").unwrap(), 20);
        assert_eq!(major_of("certified/20.7-cert9").unwrap(), 20);
        assert_eq!(major_of("13.38.3\n").unwrap(), 13);
        assert!(major_of("GIT-master-abc").is_err());
        assert!(major_of("12.8.2").is_err());
    }

    #[test]
    fn ari_base_of_urls() {
        assert_eq!(ari_base("http://h:8088/ari"), "http://h:8088/ari");
        assert_eq!(ari_base("http://h:8088/ari/"), "http://h:8088/ari");
        assert_eq!(
            ari_base("http://h:8088/ari/api-docs/resources.json"),
            "http://h:8088/ari"
        );
    }
}
