//! One error type for every failure: one line on stderr naming the profile, the cause,
//! the file and line where relevant, and the fix.

use std::fmt;
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug)]
pub struct Error {
    profile: Option<String>,
    cause: String,
    location: Option<(PathBuf, usize)>,
    hint: Option<String>,
}

impl Error {
    pub fn new(cause: impl Into<String>) -> Self {
        Error { profile: None, cause: cause.into(), location: None, hint: None }
    }

    /// Names the profile the error is about, unless a deeper step already did.
    pub fn profile(mut self, profile: &str) -> Self {
        self.profile.get_or_insert_with(|| profile.to_owned());
        self
    }

    pub fn at(mut self, location: Option<(PathBuf, usize)>) -> Self {
        if self.location.is_none() {
            self.location = location;
        }
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Quotes a user-supplied value for a message, escaping control characters so that
/// a hostile profile name cannot break the one-line format or drive the terminal.
pub fn q(value: &str) -> String {
    format!("'{}'", value.escape_debug())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(profile) = &self.profile {
            write!(f, "profile {}: ", q(profile))?;
        }
        f.write_str(&one_line(&self.cause))?;
        if let Some((path, line)) = &self.location {
            write!(f, " ({}:{line})", path.display())?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; {}", one_line(hint))?;
        }
        Ok(())
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::new(err.to_string())
    }
}
