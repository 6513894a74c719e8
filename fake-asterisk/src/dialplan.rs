//! A tiny dialplan: contexts of extensions, each a list of (application, data)
//! steps, with Asterisk's pattern syntax (`_X.`, `_NXX`, `[1-5]`, `!`).
//!
//! Only the applications the fake can simulate are interpreted (see
//! [`Step`]); the names and data are what `ChannelDialplan` events report.

use indexmap::IndexMap;

/// One priority of an extension: a dialplan application with its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub(crate) app: String,
    pub(crate) data: String,
    pub(crate) label: Option<String>,
}

impl Step {
    /// Any application by name, e.g. `Step::new("Wait", "60")`.
    pub fn new(app: impl Into<String>, data: impl Into<String>) -> Self {
        Step {
            app: app.into(),
            data: data.into(),
            label: None,
        }
    }
    /// `Answer()`; the fake, like Asterisk on a Local channel, lingers 500 ms in it.
    pub fn answer() -> Self {
        Step::new("Answer", "")
    }
    /// `Wait(seconds)`.
    pub fn wait(seconds: f64) -> Self {
        Step::new("Wait", trim_float(seconds))
    }
    /// `Stasis(app[,args])`: hands the channel to an ARI application.
    pub fn stasis(app: &str, args: &[&str]) -> Self {
        let mut data = app.to_string();
        for arg in args {
            data.push(',');
            data.push_str(arg);
        }
        Step::new("Stasis", data)
    }
    /// `StasisBroadcast(timeout_ms,app_filter,args,notify_claimed)`: offers
    /// the channel to the applications whose name matches `app_filter` (all
    /// when `None`); the first to claim it gets it with `args`. `None`
    /// timeout: Asterisk's 500 ms.
    pub fn stasis_broadcast(
        timeout_ms: Option<u64>,
        app_filter: Option<&str>,
        args: &[&str],
        notify_claimed: bool,
    ) -> Self {
        let data = [
            timeout_ms.map(|t| t.to_string()).unwrap_or_default(),
            app_filter.unwrap_or("").to_string(),
            args.join(":"),
            if notify_claimed {
                "yes".into()
            } else {
                String::new()
            },
        ];
        Step::new(
            "StasisBroadcast",
            data.join(",").trim_end_matches(',').to_string(),
        )
    }
    /// `Set(NAME=value)`.
    pub fn set(name: &str, value: &str) -> Self {
        Step::new("Set", format!("{name}={value}"))
    }
    /// `NoOp(text)`.
    pub fn noop(text: &str) -> Self {
        Step::new("NoOp", text)
    }
    /// `Ringing()`.
    pub fn ringing() -> Self {
        Step::new("Ringing", "")
    }
    /// `Progress()`.
    pub fn progress() -> Self {
        Step::new("Progress", "")
    }
    /// `Busy(seconds)`.
    pub fn busy(seconds: u32) -> Self {
        Step::new("Busy", seconds.to_string())
    }
    /// `Congestion(seconds)`.
    pub fn congestion(seconds: u32) -> Self {
        Step::new("Congestion", seconds.to_string())
    }
    /// `Hangup()`.
    pub fn hangup() -> Self {
        Step::new("Hangup", "")
    }
    /// `SendDTMF(digits,between_ms,duration_ms)`.
    pub fn send_dtmf(digits: &str, between_ms: u32, duration_ms: u32) -> Self {
        Step::new("SendDTMF", format!("{digits},{between_ms},{duration_ms}"))
    }
    /// `Playback(sound)`.
    pub fn playback(sound: &str) -> Self {
        Step::new("Playback", sound)
    }
    /// `Echo()`: keeps the call up until hangup.
    pub fn echo() -> Self {
        Step::new("Echo", "")
    }
    /// Gives this priority a label (`same => n(label),App(data)`).
    pub fn label(mut self, label: &str) -> Self {
        self.label = Some(label.to_string());
        self
    }
}

fn trim_float(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// Contexts of extensions.
///
/// ```
/// use fake_asterisk::{Dialplan, Step};
/// let dialplan = Dialplan::new()
///     .extension("default", "100", vec![Step::answer(), Step::stasis("demo", &["inbound"])])
///     .extension("test", "wait", vec![Step::answer(), Step::wait(60.0)]);
/// assert!(dialplan.has_extension("default", "100"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Dialplan {
    contexts: IndexMap<String, IndexMap<String, Vec<Step>>>,
}

impl Dialplan {
    /// An empty dialplan.
    pub fn new() -> Self {
        Dialplan::default()
    }

    /// Adds (or replaces) an extension; `exten` may be a pattern like `_1XX`.
    pub fn extension(mut self, context: &str, exten: &str, steps: Vec<Step>) -> Self {
        self.add_extension(context, exten, steps);
        self
    }

    /// Adds (or replaces) an extension in place.
    pub fn add_extension(&mut self, context: &str, exten: &str, steps: Vec<Step>) {
        self.contexts
            .entry(context.to_string())
            .or_default()
            .insert(exten.to_string(), steps);
    }

    /// Whether `exten` (literally or by pattern) exists in `context`.
    pub fn has_extension(&self, context: &str, exten: &str) -> bool {
        self.steps(context, exten).is_some()
    }

    /// The steps of the extension matching `exten` in `context`: an exact
    /// match wins over a pattern, as in Asterisk.
    pub(crate) fn steps(&self, context: &str, exten: &str) -> Option<&[Step]> {
        let ctx = self.contexts.get(context)?;
        if let Some(steps) = ctx.get(exten) {
            return Some(steps);
        }
        ctx.iter()
            .find(|(pattern, _)| pattern_matches(pattern, exten))
            .map(|(_, steps)| steps.as_slice())
    }

    /// The 1-based priority of `label` in the extension, if any.
    pub(crate) fn find_label(&self, context: &str, exten: &str, label: &str) -> Option<u32> {
        let steps = self.steps(context, exten)?;
        steps
            .iter()
            .position(|s| s.label.as_deref() == Some(label))
            .map(|i| i as u32 + 1)
    }

    /// The step at a 1-based priority.
    pub(crate) fn step(&self, context: &str, exten: &str, priority: u32) -> Option<&Step> {
        let steps = self.steps(context, exten)?;
        let index = usize::try_from(priority).ok()?.checked_sub(1)?;
        steps.get(index)
    }
}

/// Asterisk extension pattern matching (`_` prefix); a literal otherwise.
fn pattern_matches(pattern: &str, exten: &str) -> bool {
    let Some(pattern) = pattern.strip_prefix('_') else {
        return pattern == exten;
    };
    let pat: Vec<char> = pattern.chars().collect();
    let ext: Vec<char> = exten.chars().collect();
    let (mut p, mut e) = (0, 0);
    while p < pat.len() {
        match pat[p] {
            '.' => return e < ext.len(),
            '!' => return true,
            _ if e >= ext.len() => return false,
            'X' | 'x' if ext[e].is_ascii_digit() => {}
            'Z' | 'z' if ('1'..='9').contains(&ext[e]) => {}
            'N' | 'n' if ('2'..='9').contains(&ext[e]) => {}
            '[' => {
                let Some(close) = pat[p..].iter().position(|c| *c == ']') else {
                    return false;
                };
                let set = &pat[p + 1..p + close];
                if !char_in_set(set, ext[e]) {
                    return false;
                }
                p += close;
            }
            c if c == ext[e] => {}
            _ => return false,
        }
        p += 1;
        e += 1;
    }
    e == ext.len()
}

fn char_in_set(set: &[char], c: char) -> bool {
    let mut i = 0;
    while i < set.len() {
        if i + 2 < set.len() && set[i + 1] == '-' {
            if (set[i]..=set[i + 2]).contains(&c) {
                return true;
            }
            i += 3;
        } else {
            if set[i] == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_asterisk() {
        // `.` is one or more characters, `!` zero or more.
        assert!(!pattern_matches("_X.", "1"));
        assert!(pattern_matches("_X.", "12"));
        assert!(pattern_matches("_X!", "1"));
        assert!(!pattern_matches("_X.", ""));
        assert!(pattern_matches("_NXX", "234"));
        assert!(!pattern_matches("_NXX", "134"));
        assert!(pattern_matches("_1[2-4]X", "139"));
        assert!(!pattern_matches("_1[2-4]X", "159"));
        assert!(pattern_matches("_9!", "9"));
        assert!(pattern_matches("100", "100"));
        assert!(!pattern_matches("100", "1000"));
    }

    #[test]
    fn exact_wins_and_labels_resolve() {
        let dp = Dialplan::new()
            .extension("c", "_X.", vec![Step::noop("pattern")])
            .extension(
                "c",
                "42",
                vec![Step::noop("exact"), Step::hangup().label("end")],
            );
        assert_eq!(
            dp.step("c", "42", 1).map(|s| s.data.as_str()),
            Some("exact")
        );
        assert_eq!(
            dp.step("c", "77", 1).map(|s| s.data.as_str()),
            Some("pattern")
        );
        assert_eq!(dp.find_label("c", "42", "end"), Some(2));
        assert!(dp.step("c", "42", 0).is_none());
        assert!(dp.step("nope", "42", 1).is_none());
        assert_eq!(Step::wait(1.5).data, "1.5");
        assert_eq!(Step::stasis("app", &["a", "b"]).data, "app,a,b");
    }
}
