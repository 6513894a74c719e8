//! Makes the README's quick start includable by a test
//! (`tests/examples_quick_start.rs`): the example without its module docs,
//! which `include!` cannot take. And turns on `cfg(real_asterisk)` when
//! `ARI_TEST_URL` names a real Asterisk, so the examples' `real_asterisk`
//! tests run instead of being listed as ignored. And `cfg(foreign_clients)`
//! when `cargo xtask test` names the installed foreign ARI clients
//! (`ARI_FOREIGN_NODE_MODULES`, `ARI_FOREIGN_PYTHON`), so
//! `tests/foreign_clients.rs` runs them.

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(real_asterisk)");
    println!("cargo:rerun-if-env-changed=ARI_TEST_URL");
    if std::env::var_os("ARI_TEST_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo:rustc-cfg=real_asterisk");
    }
    println!("cargo::rustc-check-cfg=cfg(foreign_clients)");
    let foreign = ["ARI_FOREIGN_NODE_MODULES", "ARI_FOREIGN_PYTHON"];
    for variable in foreign {
        println!("cargo:rerun-if-env-changed={variable}");
    }
    if foreign
        .iter()
        .all(|variable| std::env::var_os(variable).is_some_and(|path| !path.is_empty()))
    {
        println!("cargo:rustc-cfg=foreign_clients");
    }
    let source = "../ari-sdk/examples/quick_start.rs";
    println!("cargo:rerun-if-changed={source}");
    let text = std::fs::read_to_string(source).unwrap_or_else(|error| panic!("{source}: {error}"));
    let program: String = text
        .lines()
        .filter(|line| !line.starts_with("//!"))
        .map(|line| format!("{line}\n"))
        .collect();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("quick_start.rs"), program)
        .unwrap_or_else(|error| panic!("writing the quick start: {error}"));
}
