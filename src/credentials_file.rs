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
    let line = setting("credential_process", command)?;
    write_with(path, cache, |text| {
        let present = section_keys(text, &section);
        let mut lines = vec![line.clone()];
        let mut owned = vec!["credential_process"];
        for (k, v) in settings.iter().filter(|(k, _)| k.starts_with("stsenv_") || !present.iter().any(|p| p == k)) {
            lines.push(setting(k, v)?);
            owned.push(k);
        }
        edit_section(text, &section, &lines, &owned, |body, header_line| {
            let other = body.iter().find_map(|l| key(l).filter(|k| SOURCE_KEYS.contains(&k.as_str())));
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
        if !text.lines().any(|l| opens(l, section)) {
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
        if header(line) {
            inside = opens(line, section);
        } else if let (true, Some(k)) = (inside, key(line)) {
            keys.push(k);
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
                // 0700 whatever the umask (it only narrows the mode asked for).
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
            }
            (String::new(), 0o600)
        }
        Err(e) => return Err(Error::new(format!("cannot read {}: {e}", path.display()))),
    };
    let updated = change(&text).map_err(|e| e.in_file(&path))?;
    if let Some(dir) = path.parent() {
        // Even when nothing changes below: copies a killed rewrite (of an older stsenv) left.
        crate::cache::remove_strays(dir);
    }
    if updated == text && path.exists() {
        return Ok(()); // nothing to change: not even the file's times
    }
    write_atomic(&path, updated.as_bytes(), Some(mode))
}

/// The new file text: `[section]`'s owned keys replaced (later duplicate `[section]`s
/// folded away, since botocore rejects duplicates), or a new section appended.
pub fn edit(text: &str, section: &str, creds: &Credentials, force: bool) -> Result<String> {
    let mut keys = vec![
        setting("aws_access_key_id", &creds.access_key_id)?,
        setting("aws_secret_access_key", &creds.secret_access_key)?,
    ];
    if let Some(token) = &creds.session_token {
        keys.push(setting("aws_session_token", token)?);
    }
    if let Some(at) = creds.expires_at {
        keys.push(setting("x_security_token_expires", &rfc3339(at))?);
    }

    edit_section(text, section, &keys, &OWNED, |body, header_line| {
        let long_term = body.iter().any(|l| key(l).as_deref() == Some("aws_access_key_id"))
            && !body.iter().any(|l| key(l).as_deref() == Some("aws_session_token"));
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
    let headers: Vec<(usize, bool)> =
        lines.iter().enumerate().filter(|(_, l)| header(l)).map(|(i, l)| (i, opens(l, section))).collect();
    let mut ours = headers.iter().enumerate().filter(|(_, (_, mine))| *mine);
    let Some((first, &(start, _))) = ours.next() else {
        return Ok(append(text, section, keys, newline));
    };
    let end_of = |h: usize| headers.get(h + 1).map_or(lines.len(), |(i, _)| *i);
    let body = &lines[start + 1..end_of(first)];
    guard(body, start + 1)?;

    let owned = |line: &str| key(line).is_some_and(|k| owned_keys.contains(&k.as_str()));
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
    out += &section_header(section);
    for k in keys {
        out += newline;
        out += k;
    }
    if final_newline {
        out += newline;
    }
    out
}

/// A section header line (of any section).
fn header(line: &str) -> bool {
    line.trim_start().starts_with('[')
}

/// The key a line sets, lowercased as both SDKs read it (`AWS_ACCESS_KEY_ID` is
/// `aws_access_key_id`).
fn key(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    if trimmed.starts_with(['#', ';', '[']) {
        return None;
    }
    trimmed.split_once('=').map(|(k, _)| k.trim().to_ascii_lowercase())
}

/// A name stsenv writes a section for: the characters profile names are made of, so no
/// parser reads it as another name (botocore `shlex`-splits quotes), and never configparser's
/// `DEFAULT`, whose keys every section inherits.
fn check_name(name: &str) -> Result<()> {
    let bad = name.is_empty()
        || name == "DEFAULT"
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c));
    if bad {
        return Err(Error::new(format!("{} cannot be a profile name stsenv writes", q(name)))
            .hint("use letters, digits and _-/.%@:+ (and not DEFAULT)"));
    }
    Ok(())
}

/// One `key = value` line for either file. A line break (LF, CR — botocore ends a line at a
/// bare CR —, or Unicode's), any other control character, or a value that an INI reader would
/// not give back as it is (leading or trailing space), is refused: written, it could start a
/// section or add a key. Values from STS, a portal or the user's own files all come here.
pub fn setting(key: &str, value: &str) -> Result<String> {
    let clean = |t: &str| !t.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'));
    // configparser also splits a key from its value at `:`.
    let key_ok = !key.is_empty() && clean(key) && !key.contains(['=', ':', '[', ']', '#', ';', ' ']);
    if !key_ok || !clean(value) || value.trim() != value {
        return Err(Error::new(format!(
            "not writing {} = {}: a profile file cannot hold it as one line",
            q(key),
            q(value)
        )));
    }
    Ok(if value.is_empty() { format!("{key} =") } else { format!("{key} = {value}") })
}

/// The header line of a section (`default`, `profile NAME`, `sso-session NAME`, or a
/// credentials-file NAME), whose name went through [`check_name`].
pub fn section_header(section: &str) -> String {
    format!("[{section}]")
}

/// The section a header line opens, as each AWS parser reads it: botocore (configparser takes
/// what stands between `[` and the line's last `]` as it is, then `shlex.split`s a header that
/// starts with `profile`, so `[profile  x]`, `[profilex x]` and `[profile "x"]` are all
/// profile x) and the Rust SDK (the trimmed inside, split on whitespace, so `[ profile x ]`
/// is one too). Names come back as `profile NAME`, `default`, or as written.
pub fn readings(line: &str) -> Vec<String> {
    let Some(inner) = line.trim().strip_prefix('[') else { return Vec::new() };
    let mut names = Vec::new();
    // botocore
    if let Some(end) = inner.rfind(']') {
        let raw = &inner[..end];
        if raw.starts_with("profile") {
            if let Ok(parts) = shell_words::split(raw)
                && let [_, name] = parts.as_slice()
            {
                names.push(format!("profile {name}"));
            }
        } else if !raw.is_empty() {
            names.push(raw.to_owned());
        }
    }
    // The Rust SDK
    if let Some(raw) = inner.split(']').next() {
        let words: Vec<&str> = raw.split_whitespace().collect();
        match words.as_slice() {
            ["profile", name] => names.push(format!("profile {name}")),
            [] => {}
            _ => names.push(raw.trim().to_owned()),
        }
    }
    names.dedup();
    names
}

/// Every profile name either parser finds in a file's text (`config`: `[profile NAME]` and
/// `[default]`; else every section). A bare CR ends a line, as botocore reads it.
pub fn profile_names(text: &str, config: bool) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    for line in text.split(['\n', '\r']) {
        for reading in readings(line) {
            match reading.strip_prefix("profile ") {
                Some(name) if config => names.insert(name.to_owned()),
                _ if config && reading != "default" => false,
                _ => names.insert(reading),
            };
        }
    }
    names
}

/// The profiles of both files that hold `key = value` (e.g. one access key), by name.
pub fn profiles_with(config: &Path, credentials: &Path, key_name: &str, value: &str) -> Vec<String> {
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let mut names = sections_with(&read(credentials), key_name, value);
    for section in sections_with(&read(config), key_name, value) {
        let name = section.strip_prefix("profile ").unwrap_or(&section).to_owned();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The sections of a file's text whose `key` is `value` (each header as either parser reads
/// it first), e.g. every profile that holds one access key.
pub fn sections_with(text: &str, key_name: &str, value: &str) -> Vec<String> {
    let mut current: Option<String> = None;
    let mut found = Vec::new();
    for line in text.lines() {
        if header(line) {
            current = readings(line).into_iter().next();
        } else if let (Some(section), Some(k)) = (&current, key(line))
            && k == key_name
            && line.split_once('=').is_some_and(|(_, v)| v.trim() == value)
            && !found.contains(section)
        {
            found.push(section.clone());
        }
    }
    found
}

/// A header line opens `section` for either parser; in the config file `[default]` and
/// `[profile default]` are both the default profile.
fn opens(line: &str, section: &str) -> bool {
    let same = |r: &String| r == section || (section == "default" && r == "profile default");
    readings(line).iter().any(same)
}
