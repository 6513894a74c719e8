//! The README's quick start is the `quick_start` example, word for word, so
//! the code newcomers copy is the code CI compiles.

use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The first ```rust block after the `## Quick start` heading.
fn quick_start_block(readme: &str) -> String {
    let section = readme
        .split("\n## Quick start")
        .nth(1)
        .expect("a Quick start section");
    let code = section
        .split("```rust\n")
        .nth(1)
        .expect("a rust block")
        .split("```")
        .next()
        .expect("the block ends");
    code.to_string()
}

#[test]
fn readme_quick_start_is_the_quick_start_example() {
    let readme = read("../README.md");
    let example = read("../ari-sdk/examples/quick_start.rs");
    // The example's module docs are not part of the README's program.
    let program: String = example
        .lines()
        .skip_while(|line| line.starts_with("//!") || line.is_empty())
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(quick_start_block(&readme), program);
}

#[test]
fn readme_names_the_setup_commands_and_every_example() {
    let readme = read("../README.md");
    let setup = readme
        .split("\n## Set-up")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Set-up section");
    assert!(setup.contains("cargo run -p ari-sdk --example call_roulette"));
    assert!(setup.contains("\ncargo xtask test\n"));
    let ci = read("../.ci/run");
    assert!(
        ci.contains("\ncargo xtask test\n"),
        "the README's test command is CI's"
    );
    // What `cargo xtask test` runs once the foreign clients are installed.
    let task = read("../xtask/src/test.rs");
    assert!(task.contains(r#".args(["test", "--workspace", "--all-features"])"#));
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ari-sdk/examples");
    // An example is a file (`quick_start.rs`) or a folder with its `main.rs`
    // (`call_roulette/main.rs`, beside its `demo.rs`); `common/` is neither.
    let mut names = Vec::new();
    for entry in std::fs::read_dir(examples).expect("examples") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name");
        if path.extension().is_some_and(|e| e == "rs") || path.join("main.rs").is_file() {
            names.push(name.to_string());
        }
    }
    assert!(names.len() >= 9, "{names:?}");
    for name in names {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "{name} is in the README's table"
        );
    }
}
