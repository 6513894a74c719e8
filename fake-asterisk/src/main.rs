//! `fake-asterisk`: the fake Asterisk as a program, for developing ARI
//! applications without an Asterisk.
//!
//! ```text
//! cargo run -p fake-asterisk -- --port 8088 --app demo --demo-callers 10
//! ```

use std::time::Duration;

use fake_asterisk::{AnswerMode, FakeAsterisk, Step};
use clap::Parser;

/// A fake Asterisk 20 speaking ARI on 127.0.0.1.
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
    /// The Asterisk version `GET /asterisk/info` reports (the examples'
    /// `v22` module checks for 22). Only the reported version: the routes
    /// and their validation stay those of Asterisk 20.
    #[arg(long)]
    asterisk_version: Option<String>,
    /// Place a demo call into the app every N seconds (0 = never).
    #[arg(long, default_value_t = 0)]
    demo_callers: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut builder = FakeAsterisk::builder();
    if let Some(version) = &args.asterisk_version {
        builder = builder.version(version.clone());
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
    println!("fake Asterisk ARI at {}", fake.url());
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
