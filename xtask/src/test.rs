//! `cargo xtask test`: the whole test suite, the one `.ci/run` runs.
//!
//! First installs the foreign ARI clients that `ari-sdk-tests/tests/
//! foreign_clients.rs` runs against the fake (Node's `ari-client` and
//! Python's `asyncari`, at the versions committed in
//! `ari-sdk-tests/foreign/`) into `<target>/foreign/`, then runs
//! `cargo test --workspace --all-features` with `ARI_FOREIGN_NODE_MODULES`
//! and `ARI_FOREIGN_PYTHON` naming them. An install that is already there
//! is left alone, so a second run installs nothing.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Args;

use crate::{workspace_root, TaskResult};

type BoxError = Box<dyn std::error::Error>;

/// `cargo xtask test`.
#[derive(Args)]
pub struct TestArgs {
    /// Install the foreign clients and stop (no tests).
    #[arg(long)]
    pub install_only: bool,
    /// Passed on to `cargo test` (after `--`: `cargo xtask test -- --nocapture`).
    #[arg(last = true)]
    pub cargo_test_args: Vec<String>,
}

/// Where the foreign clients are installed.
struct Installed {
    node_modules: PathBuf,
    python: PathBuf,
    nats_server: PathBuf,
}

pub fn run(args: TestArgs) -> TaskResult {
    let root = workspace_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let foreign = target_dir(&cargo, &root)?.join("foreign");
    let sources = root.join("ari-sdk-tests/foreign");
    let installed = Installed {
        node_modules: install_node(&sources.join("node"), &foreign.join("node"))?,
        python: install_python(&sources.join("python"), &foreign.join("venv"))?,
        nats_server: install_nats_server()?,
    };
    if args.install_only {
        println!(
            "ARI_FOREIGN_NODE_MODULES={}\nARI_FOREIGN_PYTHON={}\nNATS_SERVER={}",
            installed.node_modules.display(),
            installed.python.display(),
            installed.nats_server.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args(["test", "--workspace", "--all-features"])
        .args(&args.cargo_test_args)
        .env("ARI_FOREIGN_NODE_MODULES", &installed.node_modules)
        .env("ARI_FOREIGN_PYTHON", &installed.python)
        .env("NATS_SERVER", &installed.nats_server)
        .status()
        .map_err(|error| format!("running cargo test: {error}"))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The workspace's target directory as cargo sees it (`CARGO_TARGET_DIR`,
/// `build.target-dir` and the like included).
fn target_dir(cargo: &OsStr, root: &Path) -> Result<PathBuf, BoxError> {
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|error| format!("running cargo metadata: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata names no target_directory".into())
}

/// `npm ci` from the committed lockfile into `dest`, unless `dest` already
/// holds what that lockfile pins. Returns the `node_modules` folder.
fn install_node(source: &Path, dest: &Path) -> Result<PathBuf, BoxError> {
    let lockfile = read(&source.join("package-lock.json"))?;
    let node_modules = dest.join("node_modules");
    // Written after a successful `npm ci` only: a copy of the lockfile that
    // was installed.
    let stamp = dest.join("installed-package-lock.json");
    if std::fs::read(&stamp).is_ok_and(|installed| installed == lockfile)
        && node_modules.join("ari-client/package.json").is_file()
    {
        return Ok(node_modules);
    }
    if !on_path("node") || !on_path("npm") {
        apt_install(&["nodejs", "npm"])?;
    }
    std::fs::create_dir_all(dest)?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(source.join(file), dest.join(file))
            .map_err(|error| format!("copying {file} to {}: {error}", dest.display()))?;
    }
    eprintln!("installing Node's ari-client into {}", dest.display());
    run_quietly(
        Command::new("npm")
            .arg("ci")
            .arg("--prefix")
            .arg(dest)
            .args(["--no-audit", "--no-fund", "--loglevel=error"]),
    )?;
    std::fs::write(&stamp, &lockfile)?;
    Ok(node_modules)
}

/// A virtual environment at `venv` with `requirements.txt` installed, unless
/// it already has exactly those. Returns its `python`.
fn install_python(source: &Path, venv: &Path) -> Result<PathBuf, BoxError> {
    let requirements = read(&source.join("requirements.txt"))?;
    let python = venv.join("bin/python");
    // Written after a successful `pip install` only.
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read(&stamp).is_ok_and(|installed| installed == requirements) && python.is_file() {
        return Ok(python);
    }
    if !python.is_file() {
        if !on_path("python3") {
            apt_install(&["python3", "python3-venv"])?;
        }
        if create_venv(venv).is_err() {
            // Debian's python3 makes venvs only with python3-venv (ensurepip).
            apt_install(&["python3-venv"])?;
            create_venv(venv)?;
        }
    }
    eprintln!("installing Python's asyncari into {}", venv.display());
    run_quietly(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("--requirement")
            .arg(source.join("requirements.txt")),
    )?;
    std::fs::write(&stamp, &requirements)?;
    Ok(python)
}

/// The `nats-server` binary: on `PATH` or where Debian's package puts it
/// (`/usr/sbin`, not on a user's `PATH`), installed with apt when missing.
fn install_nats_server() -> Result<PathBuf, BoxError> {
    if let Some(found) = find_nats_server() {
        return Ok(found);
    }
    apt_install(&["nats-server"])?;
    find_nats_server().ok_or_else(|| "nats-server installed but not found".into())
}

fn find_nats_server() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nats-server"))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| {
        ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .map(PathBuf::from)
            .find(|candidate| candidate.is_file())
    })
}

fn create_venv(venv: &Path) -> Result<(), BoxError> {
    // A half-made venv (no ensurepip) would pass for a made one next time.
    if venv.exists() {
        std::fs::remove_dir_all(venv)?;
    }
    run_quietly(Command::new("python3").args(["-m", "venv"]).arg(venv))
}

fn read(path: &Path) -> Result<Vec<u8>, BoxError> {
    std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()).into())
}

/// Whether `program` is found on `PATH`, as `command -v` would.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Installs Debian packages: the CI machine is Debian and runs as root.
fn apt_install(packages: &[&str]) -> Result<(), BoxError> {
    if !on_path("apt-get") {
        return Err(format!(
            "{} missing, and no apt-get to install them",
            packages.join(", ")
        )
        .into());
    }
    eprintln!("installing {} with apt-get", packages.join(" "));
    run_quietly(Command::new("apt-get").args(["update", "-qq"]))?;
    run_quietly(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// Runs `command`, showing its output only when it fails.
fn run_quietly(command: &mut Command) -> Result<(), BoxError> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .map_err(|error| format!("running {shown}: {error}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{shown} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
    .into())
}
