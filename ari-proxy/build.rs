//! Turns on `cfg(nats_server)` when `NATS_SERVER` names the `nats-server`
//! binary (`cargo xtask test` installs Debian's package when missing and
//! sets it), so the tests against a real NATS server run instead of being
//! listed as ignored.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(nats_server)");
    println!("cargo:rerun-if-env-changed=NATS_SERVER");
    if std::env::var_os("NATS_SERVER").is_some_and(|path| !path.is_empty()) {
        println!("cargo:rustc-cfg=nats_server");
    }
}
