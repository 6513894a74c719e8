//! `cargo xtask spec ...`: look into Asterisk's api-docs (issue #3).
//!
//! - `validate [--all-snapshots] [TARGET...]`: check every major's newest
//!   release (and every snapshot of `history/`), or the given targets;
//! - `diff A B [--json]`: what changed from A to B;
//! - `since ITEM [--json]` / `since --disagreements`: when an item appeared
//!   on each release line, per the release snapshots and per the spec's own
//!   `since` list.
//!
//! A TARGET is a major (`20`: its newest release), a release tag of
//! `history/releases.tsv` (`20.17.0`), a running Asterisk
//! (`http://HOST:8088/ari`, with `--username`/`--password`), or a path to a
//! spec folder or an Asterisk source checkout.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use ari_spec::since::claim_for_line;
use ari_spec::{
    diff, validate, Api, History, SinceClaim, SinceList, Spec, SpecDir, SpecError, SpecSource,
    Subject, Timeline, Version, MAJORS,
};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::{workspace_root, TaskResult};

/// `cargo xtask spec`.
#[derive(Args)]
pub struct SpecArgs {
    /// The shared spec folder (default `$ARI_SPEC_DIR`, else `../shared/ari-spec`).
    #[arg(long, global = true)]
    pub spec_dir: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: SpecCommand,
}

/// The `spec` subcommands.
#[derive(Subcommand)]
pub enum SpecCommand {
    /// Check api-docs and print every finding (exit 1 on errors).
    Validate(ValidateArgs),
    /// Print what changed from one release to another.
    Diff(DiffArgs),
    /// Print when an item appeared on each release line.
    Since(SinceArgs),
}

/// Credentials for a running Asterisk.
#[derive(Args)]
pub struct AuthArgs {
    /// ARI user for URL targets (ari.conf).
    #[arg(long, env = "ARI_USERNAME")]
    pub username: Option<String>,
    /// ARI password for URL targets.
    #[arg(long, env = "ARI_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

/// `cargo xtask spec validate`.
#[derive(Args)]
pub struct ValidateArgs {
    /// Majors, release tags, URLs or paths (default: every major's newest release).
    pub targets: Vec<String>,
    /// Also check every snapshot of `history/`.
    #[arg(long)]
    pub all_snapshots: bool,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// `cargo xtask spec diff`.
#[derive(Args)]
pub struct DiffArgs {
    /// The older side: a major, a release tag, a URL or a path.
    pub from: String,
    /// The newer side.
    pub to: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// `cargo xtask spec since`.
#[derive(Args)]
pub struct SinceArgs {
    /// The item: `events.claimChannel`, `channels.originate(endpoint)`,
    /// `Channel.state`, `Channel.state = Up`, `StasisStart`, `model Channel`,
    /// `event StasisStart` or `resource events`.
    #[arg(required_unless_present = "disagreements")]
    pub item: Option<String>,
    /// List every disagreement between the spec's `since` lists and the
    /// release snapshots instead.
    #[arg(long, conflicts_with = "item")]
    pub disagreements: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SpecArgs) -> TaskResult {
    let spec_dir = SpecDir::locate(args.spec_dir, &workspace_root());
    match args.command {
        SpecCommand::Validate(a) => run_validate(&spec_dir, a),
        SpecCommand::Diff(a) => run_diff(&spec_dir, a),
        SpecCommand::Since(a) => run_since(&spec_dir, a),
    }
}

/// Loads what a command-line target names.
fn load_target(spec_dir: &SpecDir, target: &str, auth: &AuthArgs) -> Result<Spec, SpecError> {
    if let Ok(major) = target.parse::<u32>() {
        return spec_dir.load_major(major);
    }
    if target.parse::<Version>().is_ok() {
        return spec_dir.load_release(target);
    }
    let source = match SpecSource::from_arg(target) {
        SpecSource::Url { url, .. } => SpecSource::Url {
            url,
            username: auth.username.clone(),
            password: auth.password.clone(),
        },
        other => other,
    };
    let mut spec = source.load()?;
    spec.release.get_or_insert_with(|| target.to_string());
    Ok(spec)
}

fn run_validate(spec_dir: &SpecDir, args: ValidateArgs) -> TaskResult {
    let mut targets = args.targets.clone();
    if targets.is_empty() {
        targets.extend(MAJORS.map(|m| m.to_string()));
    }
    if args.all_snapshots {
        let table = spec_dir.release_table()?;
        targets.extend(table.snapshots().into_iter().map(String::from));
    }
    let (mut errors, mut warnings) = (0, 0);
    let mut reports = Vec::new();
    let mut out = String::new();
    for target in &targets {
        let spec = load_target(spec_dir, target, &args.auth)?;
        let diagnostics = validate(&spec);
        let target_errors = diagnostics.iter().filter(|d| d.is_error()).count();
        errors += target_errors;
        warnings += diagnostics.len() - target_errors;
        if args.json {
            reports.push(json!({
                "target": target,
                "release": spec.release,
                "diagnostics": diagnostics,
            }));
            continue;
        }
        writeln!(
            out,
            "== {target} ({}): {target_errors} errors, {} warnings",
            spec.release.as_deref().unwrap_or("release unknown"),
            diagnostics.len() - target_errors
        )?;
        for diagnostic in &diagnostics {
            writeln!(out, "  {diagnostic}")?;
        }
    }
    if args.json {
        out = serde_json::to_string_pretty(&reports)? + "\n";
    } else {
        writeln!(
            out,
            "{} targets: {errors} errors, {warnings} warnings",
            targets.len()
        )?;
    }
    emit(&out)?;
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn run_diff(spec_dir: &SpecDir, args: DiffArgs) -> TaskResult {
    let from = Api::merge(&load_target(spec_dir, &args.from, &args.auth)?);
    let to = Api::merge(&load_target(spec_dir, &args.to, &args.auth)?);
    let changes = diff(&from, &to);
    if args.json {
        emit(&(serde_json::to_string_pretty(&changes)? + "\n"))?;
    } else {
        emit(&changes.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_since(spec_dir: &SpecDir, args: SinceArgs) -> TaskResult {
    let history = History::load(spec_dir)?;
    if args.disagreements {
        let all = history.since_disagreements();
        let mut out = String::new();
        if args.json {
            out = serde_json::to_string_pretty(&all)? + "\n";
        } else {
            for disagreement in &all {
                writeln!(out, "{disagreement}")?;
            }
            writeln!(out, "{} disagreements", all.len())?;
        }
        emit(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = args.item.unwrap_or_default();
    let subject = match text.trim().strip_prefix("resource ") {
        Some(name) => Subject::Resource(name.trim().to_string()),
        None => Subject::Item(
            history
                .find(&text)
                .ok_or_else(|| format!("no snapshot of history/ has an item `{text}`"))?,
        ),
    };
    let timeline = history
        .subject_timeline(&subject)
        .ok_or_else(|| format!("no snapshot of history/ has {subject}"))?;
    let lists = history.since_lists(&subject);
    let rows: Vec<LineRow> = history
        .majors()
        .into_iter()
        .map(|major| LineRow::new(&history, timeline, lists, major))
        .collect();
    if args.json {
        let lines: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "major": r.major,
                    "snapshots": {
                        "available_since": r.available_since,
                        "first_appearance": r.first_appearance,
                        "intervals": timeline.line(r.major),
                    },
                    "since_list": r.claims,
                    "disagrees": r.disagrees,
                })
            })
            .collect();
        let out = json!({
            "subject": subject,
            "name": subject.to_string(),
            "since_lists": lists,
            "lines": lines,
        });
        emit(&(serde_json::to_string_pretty(&out)? + "\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    emit(&since_table(&subject, lists, &rows)?)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn emit(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// One line of the `since` table.
struct LineRow {
    major: u32,
    /// Source: release snapshots (start of the interval reaching the newest release).
    available_since: Option<String>,
    /// Source: release snapshots (first release of the line with it at all).
    first_appearance: Option<String>,
    intervals: Vec<String>,
    /// Source: the spec's `since` list(s), one claim per distinct list.
    claims: Vec<SinceClaim>,
    disagrees: bool,
}

impl LineRow {
    fn new(history: &History, timeline: &Timeline, lists: &[SinceList], major: u32) -> LineRow {
        let claims: Vec<SinceClaim> = lists
            .iter()
            .map(|l| claim_for_line(&l.releases, major, history.release_table()))
            .collect();
        let first_appearance = timeline.first_appearance(major).map(String::from);
        let disagrees = claims
            .iter()
            .any(|c| c.release() != first_appearance.as_deref());
        LineRow {
            major,
            available_since: timeline.available_since(major).map(String::from),
            first_appearance,
            intervals: timeline.line(major).iter().map(|i| i.to_string()).collect(),
            claims,
            disagrees,
        }
    }
}

fn since_table(
    subject: &Subject,
    lists: &[SinceList],
    rows: &[LineRow],
) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    writeln!(out, "{subject}")?;
    if lists.is_empty() {
        writeln!(
            out,
            "  the spec carries no `since` list for it (only operations and resources have one)"
        )?;
    }
    for list in lists {
        writeln!(
            out,
            "  spec `since` list: [{}] (carried by {} snapshots, newest {})",
            list.releases.join(", "),
            list.carried_by.len(),
            list.newest_carrier()
        )?;
    }
    writeln!(
        out,
        "\n  {:<5} {:<16} {:<32} spec `since` list says",
        "line", "available since", "present in (release snapshots)"
    )?;
    for row in rows {
        let since = row
            .claims
            .iter()
            .map(|c| match c {
                SinceClaim::Absent => "-".to_string(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" / ");
        let intervals = match row.intervals.is_empty() {
            true => "-".to_string(),
            false => row.intervals.join(" "),
        };
        write!(
            out,
            "  {:<5} {:<16} {:<32} {since}",
            row.major,
            row.available_since.as_deref().unwrap_or("-"),
            intervals
        )?;
        if row.disagrees {
            write!(
                out,
                "  <- DISAGREES: snapshots first carry it in {}",
                row.first_appearance
                    .as_deref()
                    .unwrap_or("no release of the line")
            )?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "\n  available since: the first release of the stretch that reaches the line's newest release\n  \
         (source: release snapshots); stretches are [appeared in, removed in). A `since` figure is\n  \
         compared with the line's first appearance; see ari_spec::since for how a list is read."
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_dir() -> SpecDir {
        SpecDir::locate(None, &workspace_root())
    }

    fn no_auth() -> AuthArgs {
        AuthArgs {
            username: None,
            password: None,
        }
    }

    #[test]
    fn targets_are_majors_release_tags_or_paths() {
        let dir = spec_dir();
        let major = load_target(&dir, "19", &no_auth()).unwrap();
        assert_eq!(major.release.as_deref(), Some("19.8.1"));
        let tag = load_target(&dir, "20.17.0", &no_auth()).unwrap();
        assert_eq!(tag.release.as_deref(), Some("20.17.0"));
        let folder = dir.major_dir(21);
        let path = load_target(&dir, folder.to_str().unwrap(), &no_auth()).unwrap();
        assert_eq!(path.release.as_deref(), Some("21.12.3"));
        for unknown in ["20.99.0", "30"] {
            assert!(matches!(
                load_target(&dir, unknown, &no_auth()),
                Err(SpecError::UnknownRelease(r)) if r == unknown
            ));
        }
        assert!(matches!(
            load_target(&dir, "/no/such/spec", &no_auth()),
            Err(SpecError::Io { .. })
        ));
    }

    #[test]
    fn the_since_table_names_both_sources_and_flags_disagreements() {
        let history = History::load(&spec_dir()).unwrap();
        let subject = Subject::Item(history.find("events.claimChannel").unwrap());
        let timeline = history.subject_timeline(&subject).unwrap();
        let lists = history.since_lists(&subject);
        let rows: Vec<LineRow> = history
            .majors()
            .into_iter()
            .map(|major| LineRow::new(&history, timeline, lists, major))
            .collect();
        let table = since_table(&subject, lists, &rows).unwrap();
        let line = |major: &str| {
            table
                .lines()
                .find(|l| l.trim_start().starts_with(major))
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            line("20 "),
            "20 20.20.0 [20.20.0, ...] 20.17.0 <- DISAGREES: snapshots first carry it in 20.20.0"
        );
        assert_eq!(line("21 "), "21 - - -");
        assert_eq!(
            line("23 "),
            "23 23.4.0 [23.4.0, ...] 23.1.0 <- DISAGREES: snapshots first carry it in 23.4.0"
        );
        assert!(table.contains("spec `since` list: [20.17.0, 22.7.0, 23.1.0]"));
    }
}
