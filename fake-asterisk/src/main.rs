//! `fake-asterisk`: the fake Asterisk as a program, for developing ARI
//! applications without an Asterisk.
//!
//! ```text
//! cargo run -p fake-asterisk -- --port 8088 --app demo --demo-callers 10
//! cargo run -p fake-asterisk -- --major 22   # Asterisk 22's routes and api-docs
//! ```

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use fake_asterisk::{AnswerMode, FakeAsterisk, Step};

/// A fake Asterisk speaking ARI on 127.0.0.1: Asterisk 20, or the major
/// `--major` names, read from Asterisk's api-docs.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Port to listen on (127.0.0.1).
    #[arg(long, default_value_t = 8088)]
    port: u16,
    /// ARI user name.
    #[arg(long, default_value = "asterisk")]
    username: String,
    /// ARI password.
    #[arg(long, default_value = "asterisk")]
    password: String,
    /// Stasis app that extensions of the `default` context (`_X!`) enter.
    #[arg(long, default_value = "demo")]
    app: String,
    /// Simulated time scale (1.0 = real time).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// `allowed_origins` of `ari.conf`: origins (comma-separated, `*` for
    /// any) given CORS headers, for browser clients on other origins.
    #[arg(long, default_value = "")]
    allowed_origins: String,
    /// The Asterisk major to emulate (13 to 23): its routes, its parameters
    /// and its api-docs (`/ari/api-docs/resources.json`), read at start
    /// from the spec folder, and its release in `/asterisk/info`. Without
    /// it: Asterisk 20's routes, and its api-docs if the folder has them.
    #[arg(long, value_parser = clap::value_parser!(u32).range(13..=23))]
    major: Option<u32>,
    /// The spec folder holding `<major>/resources.json` and
    /// `<major>/api-docs/` (default: `$ARI_SPEC_DIR`, else
    /// `../shared/ari-spec` beside the workspace the program was built in).
    #[arg(long, env = "ARI_SPEC_DIR")]
    spec_dir: Option<PathBuf>,
    /// The Asterisk version `GET /asterisk/info` reports, overriding the
    /// emulated major's release. Only the reported string.
    #[arg(long)]
    asterisk_version: Option<String>,
    /// Place a demo call into the app every N seconds (0 = never).
    #[arg(long, default_value_t = 0)]
    demo_callers: u64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // The message and each cause, not the Debug form.
            eprint!("fake-asterisk: {error}");
            let mut source = error.source();
            while let Some(cause) = source {
                eprint!(": {cause}");
                source = cause.source();
            }
            eprintln!();
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = FakeAsterisk::builder();
    if let Some(version) = &args.asterisk_version {
        builder = builder.version(version.clone());
    }
    if let Some(major) = args.major {
        builder = builder.major(major);
    }
    if let Some(folder) = &args.spec_dir {
        builder = builder.spec_dir(folder.clone());
    }
    let fake = builder
        .port(args.port)
        .username(args.username.clone())
        .password(args.password.clone())
        .time_scale(args.time_scale)
        .allowed_origins(args.allowed_origins.clone())
        .extension(
            "default",
            "_X!",
            vec![Step::answer(), Step::stasis(&args.app, &[])],
        )
        .build()
        .start()
        .await?;
    for (name, number) in [("PJSIP/alice", "1001"), ("PJSIP/bob", "1002")] {
        let phone = fake.phone(name)?;
        phone.set_caller_id(&name[6..], number);
        phone.set_answer_mode(AnswerMode::AutoAnswer { after_ms: 1500 });
    }
    println!(
        "fake Asterisk {} ARI at {}",
        fake.asterisk_version(),
        fake.url()
    );
    println!(
        "events: ws://{}/ari/events?app={}&api_key={}:{}",
        fake.addr(),
        args.app,
        args.username,
        args.password
    );
    println!(
        "phones: PJSIP/alice, PJSIP/bob (auto-answer); dial any number into app {:?}",
        args.app
    );
    if args.demo_callers > 0 {
        let alice = fake.phone("PJSIP/alice")?;
        let every = Duration::from_secs(args.demo_callers);
        tokio::spawn(async move {
            let mut n: u64 = 0;
            loop {
                tokio::time::sleep(every).await;
                n += 1;
                match alice.dial(&format!("{}", 100 + n % 10)) {
                    Ok(call) => {
                        println!("demo call {n}: channel {}", call.channel_id());
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_secs(2)).await;
                            call.press("1").await;
                            call.speak(1500).await;
                            tokio::time::sleep(Duration::from_secs(5)).await;
                            call.hangup();
                        });
                    }
                    Err(err) => eprintln!("demo call failed: {err}"),
                }
            }
        });
    }
    tokio::signal::ctrl_c().await?;
    fake.shutdown().await;
    Ok(())
}
