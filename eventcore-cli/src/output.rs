//! Printing: one JSON object per line with `--json`, text otherwise.

use std::io::Write;

use serde_json::Value;

/// Where results go: stdout, as JSON lines or text. Notes for people go to
/// stderr, so scripts reading stdout see only results.
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) const fn new(json: bool) -> Self {
        Self { json }
    }

    /// Prints one result. A closed stdout (`eventcore tail | head`) is not
    /// an error worth a message.
    pub(crate) fn record(&self, value: &Value, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let line = if self.json {
            value.to_string()
        } else {
            text.to_owned()
        };
        let _ = writeln!(stdout, "{line}");
    }

    /// Tells the person at the terminal something that is not a result.
    pub(crate) fn note(&self, text: &str) {
        if !self.json {
            eprintln!("{text}");
        }
    }
}
