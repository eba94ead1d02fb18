//! Writing one section of a profile file and keeping every other byte — comments, order,
//! blank lines, CRLF, a missing final newline: `--write-profile` puts temporary credentials
//! into `~/.aws/credentials`, `credential-process --write-config` a `credential_process`
//! line into `~/.aws/config`. Atomic, locked, the file's mode kept.

use crate::cache::{Cache, write_atomic};
use crate::creds::{Credentials, rfc3339};
use crate::error::{Error, Result, q};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The keys stsenv owns in a section it writes; other lines of the section are kept.
const OWNED: [&str; 5] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "x_security_token_expires",
];

pub fn write(path: &Path, section: &str, creds: &Credentials, force: bool, cache: &Cache) -> Result<()> {
    check_name(section)?;
    write_with(path, cache, |text| edit(text, section, creds, force))
}

/// Sets `credential_process = COMMAND` in `[profile NAME]` of the config file. A section
/// that gets its credentials some other way is not touched.
/// `settings` (region, output) are added where the section does not have them yet; stsenv's
/// own (`stsenv_…`) are always set.
pub fn write_credential_process(
    path: &Path,
    name: &str,
    command: &str,
    settings: &[(&str, String)],
    cache: &Cache,
) -> Result<()> {
    check_name(name)?;
    let section = if name == "default" { "default".to_owned() } else { format!("profile {name}") };
    let line = format!("credential_process = {}", checked(command)?);
    write_with(path, cache, |text| {
        let present = section_keys(text, &section);
        let mut lines = vec![line.clone()];
        let mut owned = vec!["credential_process"];
        for (k, v) in settings.iter().filter(|(k, _)| k.starts_with("stsenv_") || !present.iter().any(|p| p == k)) {
            lines.push(format!("{k} = {}", checked(v)?));
            owned.push(k);
        }
        edit_section(text, &section, &lines, &owned, |body, header_line| {
            let other = body.iter().find_map(|l| key(l).filter(|k| SOURCE_KEYS.contains(k)));
            match other {
                Some(k) => Err(Error::new(format!("[{section}] already gets credentials from {k}; not changing it"))
                    .at(Some((std::path::PathBuf::new(), header_line)))
                    .hint("choose another profile name for --write-config")),
                None => Ok(()),
            }
        })
    })
}

/// Removes `keys` from `[section]` (every copy of it), keeping every other byte; a file or
/// section that does not exist is left as it is.
pub fn remove_keys(path: &Path, section: &str, keys: &[&str], cache: &Cache) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    write_with(path, cache, |text| {
        if !text.lines().any(|l| header(l).flatten().as_deref() == Some(section)) {
            return Ok(text.to_owned());
        }
        edit_section(text, section, &[], keys, |_, _| Ok(()))
    })
}

/// The keys a section already has (in any of its copies).
fn section_keys(text: &str, section: &str) -> Vec<String> {
    let mut inside = false;
    let mut keys = Vec::new();
    for line in text.lines() {
        if let Some(name) = header(line) {
            inside = name.as_deref() == Some(section);
        } else if let (true, Some(k)) = (inside, key(line)) {
            keys.push(k.to_owned());
        }
    }
    keys
}

/// Keys that give a profile its credentials.
const SOURCE_KEYS: [&str; 10] = [
    "login_session",
    "aws_access_key_id",
    "role_arn",
    "source_profile",
    "credential_source",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "sso_role_name",
];

/// Reads `path`, applies `change` to its text and writes the result back atomically, keeping
/// the mode, under a lock against other stsenv processes. Serves both profile files.
pub fn write_with(path: &Path, cache: &Cache, change: impl Fn(&str) -> Result<String>) -> Result<()> {
    // A dotfiles-managed symlink stays a symlink: write the file it points to.
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let _lock = cache.lock(&Cache::key("credentials-file", &path.to_string_lossy()))?;
    let (text, mode) = match std::fs::read(&path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|_| Error::new(format!("{} is not UTF-8 text; not touching it", path.display())))?;
            let mode = std::fs::metadata(&path)?.permissions().mode() & 0o7777;
            (text, mode)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            (String::new(), 0o600)
        }
        Err(e) => return Err(Error::new(format!("cannot read {}: {e}", path.display()))),
    };
    let updated = change(&text).map_err(|e| e.in_file(&path))?;
    if updated == text && path.exists() {
        return Ok(()); // nothing to change: not even the file's times
    }
    write_atomic(&path, updated.as_bytes(), Some(mode))
}

/// The new file text: `[section]`'s owned keys replaced (later duplicate `[section]`s
/// folded away, since botocore rejects duplicates), or a new section appended.
pub fn edit(text: &str, section: &str, creds: &Credentials, force: bool) -> Result<String> {
    let mut keys = vec![
        format!("aws_access_key_id = {}", checked(&creds.access_key_id)?),
        format!("aws_secret_access_key = {}", checked(&creds.secret_access_key)?),
    ];
    if let Some(token) = &creds.session_token {
        keys.push(format!("aws_session_token = {}", checked(token)?));
    }
    if let Some(at) = creds.expires_at {
        keys.push(format!("x_security_token_expires = {}", rfc3339(at)));
    }

    edit_section(text, section, &keys, &OWNED, |body, header_line| {
        let long_term = body.iter().any(|l| key(l) == Some("aws_access_key_id"))
            && !body.iter().any(|l| key(l) == Some("aws_session_token"));
        if long_term && !force {
            return Err(Error::new(format!(
                "[{section}] holds long-term keys (no aws_session_token); not overwriting them"
            ))
            .at(Some((std::path::PathBuf::new(), header_line)))
            .hint("choose another --write-profile name, or pass --force"));
        }
        Ok(())
    })
}

/// The new text: `[section]`'s `owned` keys replaced by `keys` (later duplicate `[section]`s
/// folded away, since botocore rejects duplicates), or a new section appended. `guard` sees
/// the existing section's lines and its header's line number first, and may refuse.
fn edit_section(
    text: &str,
    section: &str,
    keys: &[String],
    owned_keys: &[&str],
    guard: impl Fn(&[&str], usize) -> Result<()>,
) -> Result<String> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let headers: Vec<(usize, Option<String>)> =
        lines.iter().enumerate().filter_map(|(i, l)| header(l).map(|h| (i, h))).collect();
    let mut ours = headers.iter().enumerate().filter(|(_, (_, name))| name.as_deref() == Some(section));
    let Some((first, &(start, _))) = ours.next() else {
        return Ok(append(text, section, keys, newline));
    };
    let end_of = |h: usize| headers.get(h + 1).map_or(lines.len(), |(i, _)| *i);
    let body = &lines[start + 1..end_of(first)];
    guard(body, start + 1)?;

    let owned = |line: &str| key(line).is_some_and(|k| owned_keys.contains(&k));
    let block: String = keys.iter().map(|k| format!("{k}{newline}")).collect();
    let duplicates: Vec<(usize, usize)> = ours.map(|(h, &(i, _))| (i, end_of(h))).collect();
    let mut out = String::with_capacity(text.len() + block.len());
    // Our keys go where the section's first owned key was, else right under the header.
    let mut written = false;
    for (i, line) in lines.iter().enumerate() {
        if duplicates.iter().any(|&(from, to)| (from..to).contains(&i)) {
            continue;
        }
        if i > start && i < end_of(first) && owned(line) {
            if !written {
                out += &block;
                written = true;
            }
            continue;
        }
        out += line;
        if i == start && !body.iter().any(|l| owned(l)) {
            if !line.ends_with('\n') {
                out += newline;
            }
            out += &block;
            written = true;
        }
    }
    // Keep a missing final newline missing — unless the last line was in a folded duplicate:
    // then the line now last keeps the newline it had.
    let last_folded = duplicates.iter().any(|&(from, to)| (from..to).contains(&(lines.len() - 1)));
    if !text.is_empty() && !text.ends_with('\n') && out.ends_with(newline) && !last_folded {
        out.truncate(out.len() - newline.len());
    }
    Ok(out)
}

fn append(text: &str, section: &str, keys: &[String], newline: &str) -> String {
    let mut out = text.to_owned();
    let final_newline = text.is_empty() || text.ends_with('\n');
    if !text.is_empty() {
        if !final_newline {
            out += newline;
        }
        if !text.trim_end_matches(['\r', '\n']).is_empty() && !text.ends_with(&format!("{newline}{newline}")) {
            out += newline;
        }
    }
    out += &format!("[{section}]");
    for k in keys {
        out += newline;
        out += k;
    }
    if final_newline {
        out += newline;
    }
    out
}

/// The section name of a header line, as the AWS parsers read it.
fn header(line: &str) -> Option<Option<String>> {
    let trimmed = line.trim();
    let inner = trimmed.strip_prefix('[')?;
    let name = inner.split(']').next().map(|n| n.trim().to_owned());
    Some(name)
}

fn key(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if trimmed.starts_with(['#', ';', '[']) {
        return None;
    }
    trimmed.split_once('=').map(|(k, _)| k.trim())
}

fn check_name(name: &str) -> Result<()> {
    let bad = name.is_empty() || name.chars().any(|c| c.is_control() || c.is_whitespace() || "[]#;=".contains(c));
    if bad {
        return Err(Error::new(format!("{} cannot be a profile name in the credentials file", q(name)))
            .hint("use letters, digits and -_.@+/"));
    }
    Ok(())
}

/// A value STS returned; a line break in it would inject lines into the file.
fn checked(value: &str) -> Result<&str> {
    if value.chars().any(char::is_control) {
        return Err(Error::new("STS returned a credential with control characters; not writing it"));
    }
    Ok(value)
}
