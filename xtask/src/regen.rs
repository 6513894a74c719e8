//! `cargo xtask regen`: writes `ari-sdk/src/generated/vNN/` and
//! `ari-sdk/API_MATRIX.md` from Asterisk's api-docs (issue #4).
//!
//! - `cargo xtask regen`: every major of the spec folder;
//! - `--from-url URL`: that major from the api-docs a running Asterisk
//!   serves (its release from `--release` or `GET /ari/asterisk/info`);
//! - `--from-source PATH`: that major from an Asterisk checkout's
//!   `rest-api/` (its release from `--release` or the checkout's `.version`);
//!
//! Every major is always generated: what several majors publish alike is
//! written once under `src/generated/shared/` (`ari_codegen::share`).
//! - `--check`: write nothing; list stale files and exit 1 if there are any.
//!
//! "Available since" comes from the release history of the spec folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ari_codegen::{MatrixInput, Options};
use ari_spec::{Api, History, SpecDir, MAJORS};
use clap::Args;

use crate::regen_sources::{self, Target};
use crate::regen_write::{Outcome, Writer};
use crate::TaskResult;

/// `cargo xtask regen`.
#[derive(Args, Debug)]
pub struct RegenArgs {
    /// Exit 1 and list stale files instead of writing.
    #[arg(long)]
    pub check: bool,
    /// Read the api-docs from a running Asterisk (`http://HOST:8088/ari`).
    #[arg(long, value_name = "URL", conflicts_with = "from_source")]
    pub from_url: Option<String>,
    /// Read the api-docs from an Asterisk source checkout.
    #[arg(long, value_name = "PATH")]
    pub from_source: Option<PathBuf>,
    /// The release the `--from-url`/`--from-source` docs are from (`20.20.1`).
    #[arg(long, value_name = "X.Y.Z")]
    pub release: Option<String>,
    /// The ARI user, for `--from-url`.
    #[arg(long, env = "ARI_USERNAME")]
    pub username: Option<String>,
    /// The ARI password, for `--from-url`.
    #[arg(long, env = "ARI_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// The shared spec folder (default `$ARI_SPEC_DIR`, else `../shared/ari-spec`).
    #[arg(long)]
    pub spec_dir: Option<PathBuf>,
}

pub fn run(args: RegenArgs) -> TaskResult {
    let root = crate::workspace_root();
    let spec_dir = SpecDir::locate(args.spec_dir.clone(), &root);
    let sdk = root.join("ari-sdk");
    let mut writer = Writer::new(args.check);
    regenerate(&args, &spec_dir, &sdk, &mut writer)?;
    Ok(report(&writer, args.check))
}

/// Generates what `args` asks for into `sdk` (an `ari-sdk` folder).
pub fn regenerate(
    args: &RegenArgs,
    spec_dir: &SpecDir,
    sdk: &Path,
    writer: &mut Writer,
) -> Result<(), Box<dyn std::error::Error>> {
    let history = History::load(spec_dir)?;
    let targets = regen_sources::targets(args, spec_dir)?;
    let mut modules = Vec::new();
    for target in &targets {
        modules.push(ari_codegen::ModuleFiles {
            major: target.major,
            release: target.release.clone(),
            files: generate_module(target, &history)?,
        });
    }
    let shared = ari_codegen::share(modules)?;
    let generated = sdk.join("src").join("generated");
    for module in &shared.modules {
        writer.sync_dir(&generated.join(format!("v{}", module.major)), &module.files)?;
    }
    writer.sync_dir(&generated.join("shared"), &shared.shared)?;
    // The matrix always covers every major of the spec folder.
    if args.from_url.is_none() && args.from_source.is_none() {
        let matrix = api_matrix(spec_dir, &history)?;
        writer.file(&sdk.join("API_MATRIX.md"), &matrix)?;
    }
    Ok(())
}

/// One module's files.
pub fn generate_module(
    target: &Target,
    history: &History,
) -> Result<Vec<ari_codegen::GeneratedFile>, Box<dyn std::error::Error>> {
    let api = Api::merge(&target.spec);
    Ok(ari_codegen::generate(
        &api,
        &Options::sdk(target.major, target.release.clone()),
        &LineReleases {
            history,
            major: target.major,
        },
    )?)
}

/// The release history as the generated code of one major tells it.
struct LineReleases<'a> {
    history: &'a History,
    major: u32,
}

impl LineReleases<'_> {
    /// The release of line `major` that brought `key`, unless it is the
    /// line's first: "available since 22.0.0" in the v22 module tells its
    /// reader nothing.
    fn after_line_start(&self, major: u32, key: &ari_spec::ItemKey) -> Option<&str> {
        let line_start = self
            .history
            .release_table()
            .line(major)
            .first()
            .map(|release| release.tag.as_str());
        self.history
            .first_release(major, key)
            .filter(|release| Some(*release) != line_start)
    }
}

impl ari_codegen::Since for LineReleases<'_> {
    fn first_release(&self, key: &ari_spec::ItemKey) -> Option<String> {
        self.after_line_start(self.major, key).map(str::to_string)
    }

    /// Every line's late arrival: the same in every major, so an item
    /// alike in several majors is shared whole, docs and table.
    fn line_releases(&self, key: &ari_spec::ItemKey) -> Vec<String> {
        self.history
            .majors()
            .into_iter()
            .filter_map(|major| self.after_line_start(major, key))
            .map(str::to_string)
            .collect()
    }
}

fn api_matrix(spec_dir: &SpecDir, history: &History) -> Result<String, Box<dyn std::error::Error>> {
    let mut apis = Vec::new();
    for major in MAJORS {
        let spec = spec_dir.load_major(major)?;
        let release = regen_sources::dir_release(&spec, major)?;
        apis.push((major, release, Api::merge(&spec)));
    }
    let sinces: Vec<_> = apis
        .iter()
        .map(|(major, _, _)| {
            let major = *major;
            move |key: &ari_spec::ItemKey| history.first_release(major, key).map(str::to_string)
        })
        .collect();
    let inputs: Vec<MatrixInput<'_>> = apis
        .iter()
        .zip(&sinces)
        .map(|((major, release, api), since)| MatrixInput {
            major: *major,
            release: release.clone(),
            api,
            since,
        })
        .collect();
    Ok(ari_codegen::api_matrix(&inputs)?)
}

fn report(writer: &Writer, check: bool) -> ExitCode {
    let root = crate::workspace_root();
    let show = |p: &Path| p.strip_prefix(&root).unwrap_or(p).display().to_string();
    let mut stale = 0;
    for (path, outcome) in writer.outcomes() {
        match outcome {
            Outcome::Unchanged => {}
            Outcome::Written => println!("wrote {}", show(path)),
            Outcome::Removed => println!("removed {}", show(path)),
            Outcome::Stale => {
                stale += 1;
                println!("stale: {}", show(path));
            }
            Outcome::Extra => {
                stale += 1;
                println!("stale (not generated any more): {}", show(path));
            }
        }
    }
    if check && stale > 0 {
        eprintln!(
            "{stale} generated file(s) out of date: run `cargo xtask regen` and commit the result"
        );
        ExitCode::FAILURE
    } else {
        if check {
            println!(
                "generated code is up to date ({} files)",
                writer.outcomes().len()
            );
        }
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use crate::regen_write::Outcome;

    fn spec_dir() -> SpecDir {
        SpecDir::locate(None, &crate::workspace_root())
    }

    fn args() -> RegenArgs {
        RegenArgs {
            check: false,
            from_url: None,
            from_source: None,
            release: None,
            username: None,
            password: None,
            spec_dir: None,
        }
    }

    /// Serves a spec folder the way Asterisk does (`/ari/api-docs/...`) and
    /// `GET /ari/asterisk/info`, on 127.0.0.1.
    fn serve_like_asterisk(dir: PathBuf, version: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/ari", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf);
                let target = head.split(' ').nth(1).unwrap_or("").to_string();
                let (status, body) = if target == "/ari/asterisk/info?only=system" {
                    (
                        200,
                        format!(r#"{{"system":{{"version":"{version}","entity_id":"x"}}}}"#)
                            .into_bytes(),
                    )
                } else if let Some(file) = target.strip_prefix("/ari/api-docs/") {
                    let path = if file == "resources.json" {
                        dir.join(file)
                    } else {
                        dir.join("api-docs").join(file)
                    };
                    match std::fs::read(path) {
                        Ok(bytes) => (200, bytes),
                        Err(_) => (404, b"{}".to_vec()),
                    }
                } else {
                    (404, b"{}".to_vec())
                };
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        url
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let dest = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy_dir(&path, &dest);
            } else {
                std::fs::copy(&path, &dest).unwrap();
            }
        }
    }

    #[test]
    fn the_three_spec_sources_generate_the_same_code() {
        let spec_dir = spec_dir();
        let history = History::load(&spec_dir).unwrap();
        let generate = |args: &RegenArgs| {
            let targets = regen_sources::targets(args, &spec_dir).unwrap();
            let majors: Vec<u32> = targets.iter().map(|t| t.major).collect();
            assert_eq!(majors, MAJORS.collect::<Vec<_>>());
            let v20 = targets.iter().find(|t| t.major == 20).unwrap();
            generate_module(v20, &history).unwrap()
        };

        let from_dir = generate(&args());

        // A checkout keeps the same files under rest-api/, with a .version.
        let checkout = tempfile::tempdir().unwrap();
        copy_dir(&spec_dir.major_dir(20), &checkout.path().join("rest-api"));
        std::fs::remove_file(checkout.path().join("rest-api").join("RELEASE")).unwrap();
        std::fs::write(checkout.path().join(".version"), "20.20.1\n").unwrap();
        let from_source = generate(&RegenArgs {
            from_source: Some(checkout.path().to_path_buf()),
            ..args()
        });

        // A running Asterisk: the release comes from /asterisk/info.
        let url = serve_like_asterisk(spec_dir.major_dir(20), "20.20.1");
        let from_url = generate(&RegenArgs {
            from_url: Some(url),
            username: Some("asterisk".into()),
            password: Some("secret".into()),
            ..args()
        });

        assert!(from_dir.len() > 10);
        assert!(from_dir == from_source, "dir and checkout differ");
        assert!(from_dir == from_url, "dir and server differ");
    }

    /// Where an operation's own `since` list and the release snapshots
    /// disagree (`events.claimChannel` in line 20: the list says 20.17.0,
    /// the snapshots first carry it in 20.20.0), the generated guard and
    /// docs follow the snapshots.
    #[test]
    fn the_snapshots_win_over_a_disagreeing_since_list() {
        let spec_dir = spec_dir();
        let history = History::load(&spec_dir).unwrap();
        let targets = regen_sources::targets(&args(), &spec_dir).unwrap();
        let mut checked = 0;
        for disagreement in history.since_disagreements() {
            let ari_spec::Subject::Item(key @ ari_spec::ItemKey::Operation { .. }) =
                &disagreement.subject
            else {
                continue;
            };
            let (Some(observed), Some(claimed)) =
                (&disagreement.snapshots, disagreement.since.release())
            else {
                continue;
            };
            let Some(target) = targets.iter().find(|t| t.major == disagreement.major) else {
                continue;
            };
            let line_start = history.release_table().line(target.major).first().unwrap();
            if observed == &line_start.tag {
                continue; // not late in its line: nothing to guard
            }
            let ari_spec::ItemKey::Operation { resource, nickname } = key else {
                unreachable!()
            };
            let name = format!("name: \"{resource}.{nickname}\",");
            let files = generate_module(target, &history).unwrap();
            let table = files
                .iter()
                .find_map(|f| {
                    let at = f.contents.find(&name)?;
                    let rest = &f.contents[at..];
                    Some(rest[..rest.find("};").unwrap()].to_string())
                })
                .unwrap_or_else(|| panic!("no table for {name}"));
            let since = &table[table.find("since:").unwrap()..];
            let since = &since[..since.find(']').unwrap()];
            assert!(
                since.contains(&format!("\"{observed}\"")),
                "{disagreement}: {since}"
            );
            assert!(
                !since.contains(&format!("\"{claimed}\"")),
                "{disagreement}: {since}"
            );
            checked += 1;
        }
        assert!(checked > 0, "no disagreement on a late operation to check");
    }

    #[test]
    fn the_committed_code_is_current_and_check_catches_a_hand_edit() {
        let root = crate::workspace_root();
        let sdk = tempfile::tempdir().unwrap();
        let generated = sdk.path().join("src").join("generated");
        copy_dir(&root.join("ari-sdk/src/generated"), &generated);
        std::fs::copy(
            root.join("ari-sdk/API_MATRIX.md"),
            sdk.path().join("API_MATRIX.md"),
        )
        .unwrap();
        let check = RegenArgs {
            check: true,
            ..args()
        };

        // Two runs, the same bytes: what is committed is what regen makes.
        let mut writer = Writer::new(true);
        regenerate(&check, &spec_dir(), sdk.path(), &mut writer).unwrap();
        let stale: Vec<_> = writer
            .outcomes()
            .iter()
            .filter(|(_, o)| *o != Outcome::Unchanged)
            .collect();
        assert!(stale.is_empty(), "run `cargo xtask regen`: {stale:?}");

        let edited = generated.join("v20").join("channels.rs");
        let mut text = std::fs::read_to_string(&edited).unwrap();
        text.push_str("// a hand edit\n");
        std::fs::write(&edited, &text).unwrap();
        std::fs::write(generated.join("v20").join("extra.rs"), "").unwrap();
        let mut writer = Writer::new(true);
        regenerate(&check, &spec_dir(), sdk.path(), &mut writer).unwrap();
        let flagged: Vec<_> = writer
            .outcomes()
            .iter()
            .filter(|(_, o)| *o != Outcome::Unchanged)
            .map(|(p, o)| (p.file_name().unwrap().to_string_lossy().into_owned(), *o))
            .collect();
        assert_eq!(
            flagged,
            [
                ("channels.rs".to_string(), Outcome::Stale),
                ("extra.rs".to_string(), Outcome::Extra)
            ]
        );
        assert_eq!(report(&writer, true), ExitCode::FAILURE);
        // Check mode wrote nothing.
        assert_eq!(std::fs::read_to_string(&edited).unwrap(), text);
    }
}
