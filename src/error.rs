//! One error type for every failure: one line on stderr naming the profile, the cause,
//! the file and line where relevant, and the fix.

use std::fmt;
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug)]
pub struct Error {
    /// What the error is about: `("profile", NAME)`, or another kind of target.
    profile: Option<Box<(&'static str, String)>>,
    cause: String,
    location: Option<(PathBuf, usize)>,
    hint: Option<String>,
    /// The exit status when it is not 1 (2 for usage, 130 for an interrupted prompt).
    code: Option<u8>,
}

impl Error {
    pub fn new(cause: impl Into<String>) -> Self {
        Error { profile: None, cause: cause.into(), location: None, hint: None, code: None }
    }

    /// Names the profile the error is about, unless a deeper step already did.
    pub fn profile(self, profile: &str) -> Self {
        self.about("profile", profile)
    }

    /// Names what the error is about when it is not a profile (`SSO role`), unless a deeper
    /// step already did.
    pub fn about(mut self, kind: &'static str, name: &str) -> Self {
        self.profile.get_or_insert_with(|| Box::new((kind, name.to_owned())));
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

    /// Fills in the file of a location that only knew its line.
    pub fn in_file(mut self, file: &std::path::Path) -> Self {
        if let Some((path, _)) = &mut self.location
            && path.as_os_str().is_empty()
        {
            *path = file.to_owned();
        }
        self
    }

    pub fn exit(mut self, code: u8) -> Self {
        self.code = Some(code);
        self
    }

    pub fn exit_code(&self) -> Option<u8> {
        self.code
    }
}

/// Quotes a user-supplied value for a message, escaping control characters so that
/// a hostile profile name cannot break the one-line format or drive the terminal.
pub fn q(value: &str) -> String {
    format!("'{}'", value.escape_debug())
}

/// The one printable filter for text from outside (a portal, STS, a redirect, a config
/// file) on its way to a terminal: C0 and C1 controls — ESC, and so every CSI and OSC
/// sequence — come out escaped (`\u{1b}`), quotes are left alone. Every error goes through it.
pub fn printable(value: &str) -> String {
    value.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// A list for a message: every name when there are few, else the first few and a count —
/// never a whole config's worth on one line.
pub fn few<S: AsRef<str>>(names: &[S], separator: &str) -> String {
    const SHOWN: usize = 6;
    let shown: Vec<&str> =
        names.iter().take(if names.len() > SHOWN + 2 { SHOWN } else { names.len() }).map(AsRef::as_ref).collect();
    let more = names.len() - shown.len();
    let list = shown.join(separator);
    if more == 0 { list } else { format!("{list}{separator}… ({more} more)") }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((kind, name)) = self.profile.as_deref() {
            write!(f, "{kind} {}: ", q(name))?;
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
    printable(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::new(err.to_string())
    }
}
