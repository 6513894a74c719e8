//! The fake's sound library and how long each kind of media plays.
//!
//! Durations are simulated milliseconds (see `Clock`); they follow what a
//! real Asterisk 20 with the core English sounds takes (`hello-world` 1.4 s,
//! a spoken digit ~0.8 s, `beep` 0.4 s).

/// One sound file the fake pretends to have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoundFile {
    /// Id as ARI names it (`hello-world`, `digits/1`).
    pub id: String,
    /// Length in simulated milliseconds.
    pub duration_ms: u64,
    /// `(language, format)` pairs available.
    pub formats: Vec<(String, String)>,
}

/// Core prompts: (id, duration in ms).
const CORE_PROMPTS: &[(&str, u64)] = &[
    ("hello-world", 1400),
    ("demo-congrats", 11_000),
    ("demo-echotest", 8_500),
    ("demo-echodone", 2_300),
    ("demo-thanks", 3_200),
    ("demo-instruct", 12_000),
    ("demo-nogo", 2_700),
    ("demo-moreinfo", 6_000),
    ("beep", 425),
    ("beeperr", 600),
    ("goodbye", 700),
    ("vm-goodbye", 800),
    ("vm-deleted", 900),
    ("vm-intro", 3_600),
    ("vm-login", 1_500),
    ("vm-password", 1_200),
    ("vm-youhave", 900),
    ("vm-message", 700),
    ("vm-messages", 800),
    ("vm-INBOX", 700),
    ("vm-Old", 500),
    ("vm-and", 400),
    ("vm-no", 400),
    ("conf-onlyperson", 2_500),
    ("conf-enteringno", 1_700),
    ("conf-getpin", 1_900),
    ("conf-invalidpin", 1_800),
    ("conf-muted", 1_200),
    ("conf-unmuted", 1_300),
    ("conf-hasjoin", 1_000),
    ("conf-hasleft", 1_000),
    ("confbridge-join", 900),
    ("confbridge-leave", 900),
    ("queue-thankyou", 1_600),
    ("queue-youarenext", 1_700),
    ("queue-thereare", 900),
    ("queue-callswaiting", 1_400),
    ("queue-holdtime", 1_800),
    ("queue-minutes", 700),
    ("queue-seconds", 700),
    ("pls-hold-while-try", 2_200),
    ("please-try-again", 1_400),
    ("please-try-call-later", 2_300),
    ("all-circuits-busy-now", 2_200),
    ("im-sorry", 700),
    ("sorry", 600),
    ("invalid", 900),
    ("pbx-invalid", 2_000),
    ("pbx-transfer", 1_300),
    ("transfer", 700),
    ("one-moment-please", 1_300),
    ("agent-pass", 1_600),
    ("auth-thankyou", 900),
    ("auth-incorrect", 1_600),
    ("tt-monkeys", 13_000),
    ("tt-weasels", 3_300),
    ("tt-allbusy", 4_000),
    ("number-not-answering", 2_000),
    ("privacy-prompt", 4_500),
    ("you-entered", 900),
    ("entr-num-rmv-blklist", 3_000),
    ("activated", 800),
    ("de-activated", 900),
    ("silence/1", 1_000),
    ("silence/2", 2_000),
    ("silence/3", 3_000),
    ("silence/5", 5_000),
    ("silence/10", 10_000),
];

/// Spoken numbers, letters and words used by `digits:`, `number:` and
/// `characters:` media (each about 0.8 s).
const SAY_WORD_MS: u64 = 820;
/// One spelled character (`characters:abc` is ~2.2 s).
const SAY_CHAR_MS: u64 = 740;

/// The whole library: core prompts plus `digits/*` and `letters/*`.
pub(crate) fn library() -> Vec<SoundFile> {
    let both = || {
        vec![
            ("en".to_string(), "gsm".to_string()),
            ("en".to_string(), "slin".to_string()),
        ]
    };
    let mut sounds: Vec<SoundFile> = CORE_PROMPTS
        .iter()
        .map(|(id, ms)| SoundFile {
            id: (*id).to_string(),
            duration_ms: *ms,
            formats: both(),
        })
        .collect();
    let digits = (0..=20)
        .chain([30, 40, 50, 60, 70, 80, 90])
        .map(|n| n.to_string())
        .chain(
            [
                "hundred", "thousand", "million", "billion", "minus", "oh", "star", "pound",
            ]
            .map(String::from),
        );
    for name in digits {
        sounds.push(SoundFile {
            id: format!("digits/{name}"),
            duration_ms: SAY_WORD_MS,
            formats: both(),
        });
    }
    for c in 'a'..='z' {
        sounds.push(SoundFile {
            id: format!("letters/{c}"),
            duration_ms: SAY_CHAR_MS,
            formats: both(),
        });
    }
    sounds
}

/// How a piece of media will play on the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MediaPlan {
    /// Plays for this long; `controllable` media can be stopped, paused,
    /// restarted, skipped (sounds, recordings, tones).
    Play {
        duration_ms: Option<u64>,
        controllable: bool,
    },
    /// Fails at once (a missing sound file): `PlaybackFinished` with `failed`.
    Fail,
    /// Asterisk 20 logs an error and skips it without a final event
    /// (`recording:` that does not exist, an unknown scheme, a bad number).
    Skip,
}

/// Decides how `uri` plays. `recording_ms` looks up stored recordings.
pub(crate) fn plan_media(
    uri: &str,
    sounds: &[SoundFile],
    recording_ms: impl Fn(&str) -> Option<u64>,
) -> MediaPlan {
    if let Some(name) = uri.strip_prefix("sound:") {
        return match sounds.iter().find(|s| s.id == name) {
            Some(sound) => MediaPlan::Play {
                duration_ms: Some(sound.duration_ms),
                controllable: true,
            },
            None => MediaPlan::Fail,
        };
    }
    if let Some(name) = uri.strip_prefix("recording:") {
        return match recording_ms(name) {
            Some(ms) => MediaPlan::Play {
                duration_ms: Some(ms),
                controllable: true,
            },
            None => MediaPlan::Skip,
        };
    }
    if let Some(digits) = uri.strip_prefix("digits:") {
        return MediaPlan::Play {
            duration_ms: Some(digits.chars().count() as u64 * SAY_WORD_MS),
            controllable: false,
        };
    }
    if let Some(chars) = uri.strip_prefix("characters:") {
        return MediaPlan::Play {
            duration_ms: Some(chars.chars().count() as u64 * SAY_CHAR_MS),
            controllable: false,
        };
    }
    if let Some(number) = uri.strip_prefix("number:") {
        return match number.trim().parse::<i64>() {
            Ok(n) => MediaPlan::Play {
                duration_ms: Some(spoken_words(n) * SAY_WORD_MS),
                controllable: false,
            },
            Err(_) => MediaPlan::Skip,
        };
    }
    if uri.starts_with("tone:") {
        // A tone plays until stopped.
        return MediaPlan::Play {
            duration_ms: None,
            controllable: true,
        };
    }
    MediaPlan::Skip
}

/// How many words `ast_say_number` speaks for `n` in English.
fn spoken_words(n: i64) -> u64 {
    let mut words = 0;
    let mut n = if n < 0 {
        words += 1;
        n.unsigned_abs()
    } else {
        n as u64
    };
    if n == 0 {
        return 1;
    }
    for (scale, _) in [
        (1_000_000_000u64, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
    ] {
        if n >= scale {
            words += spoken_words((n / scale) as i64) + 1;
            n %= scale;
        }
    }
    if n >= 100 {
        words += 2;
        n %= 100;
    }
    if n >= 20 {
        words += 1;
        n %= 10;
    }
    if n > 0 {
        words += 1;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_each_kind_of_media() {
        let lib = library();
        let none = |_: &str| None;
        assert_eq!(
            plan_media("sound:hello-world", &lib, none),
            MediaPlan::Play {
                duration_ms: Some(1400),
                controllable: true
            }
        );
        assert_eq!(plan_media("sound:no-such", &lib, none), MediaPlan::Fail);
        assert_eq!(plan_media("recording:nope", &lib, none), MediaPlan::Skip);
        assert_eq!(plan_media("bogus:thing", &lib, none), MediaPlan::Skip);
        assert_eq!(plan_media("number:x", &lib, none), MediaPlan::Skip);
        assert_eq!(
            plan_media("number:42", &lib, none),
            MediaPlan::Play {
                duration_ms: Some(2 * SAY_WORD_MS),
                controllable: false
            }
        );
        assert_eq!(
            plan_media("tone:ring;tonezone=us", &lib, none),
            MediaPlan::Play {
                duration_ms: None,
                controllable: true
            }
        );
        assert_eq!(
            plan_media("recording:r1", &lib, |n| (n == "r1").then_some(900)),
            MediaPlan::Play {
                duration_ms: Some(900),
                controllable: true
            }
        );
        assert_eq!(spoken_words(7), 1);
        assert_eq!(spoken_words(115), 3);
        assert_eq!(spoken_words(1_000), 2);
    }
}
