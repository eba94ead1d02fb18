//! `stsenv sso populate`: one profile per account and role a sign-in reaches, kept in
//! `~/.aws/config` inside a marked block that stsenv owns (one per SSO session). Every byte
//! outside the block is kept; a re-run replaces the block in place and, with nothing new,
//! writes the same bytes. Nothing here touches the network or the file system.

use crate::error::{Error, Result};
use crate::source::sso::portal::AccountRole;
use std::collections::{BTreeMap, BTreeSet};

pub const DEFAULT_TEMPLATE: &str = "{account_name}.{role_name}";

pub struct Options<'a> {
    pub session: &'a str,
    pub template: &'a str,
    /// `region = …` in every profile.
    pub region: Option<&'a str>,
    /// Further settings for every profile (from `--copy-from`), in order.
    pub extra: &'a [(String, String)],
    /// Drop the profiles of roles the sign-in no longer reaches (else they are kept).
    pub prune: bool,
}

/// What a populate would do to the config text.
#[derive(Debug, Default)]
pub struct Outcome {
    pub text: String,
    /// Profiles in the block, by name.
    pub written: usize,
    pub added: Vec<String>,
    /// Roles no longer reached whose profiles stay (no `--prune`).
    pub kept: Vec<String>,
    pub pruned: Vec<String>,
    /// Names a hand-written profile already has: never overwritten, so not written.
    pub skipped: Vec<String>,
}

struct Entry {
    name: String,
    account_id: String,
    role_name: String,
}

fn begin(session: &str) -> String {
    format!("# BEGIN stsenv sso populate {session}: `stsenv sso populate --sso-session {session}` rewrites this block")
}

fn end(session: &str) -> String {
    format!("# END stsenv sso populate {session}")
}

/// The new config text for `roles` of SSO session `options.session`.
pub fn apply(text: &str, roles: &[AccountRole], options: &Options) -> Result<Outcome> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let block = find_block(&lines, options.session)?;
    let in_block = |i: &usize| block.as_ref().is_some_and(|b| b.contains(i));
    let numbered = || lines.iter().copied().enumerate();
    let hand_written: BTreeSet<String> =
        numbered().filter(|(i, _)| !in_block(i)).filter_map(|(_, l)| profile_header(l)).collect();
    let old = parse_block(numbered().filter(|(i, _)| in_block(i)).map(|(_, l)| l));

    let mut outcome = Outcome::default();
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for entry in names(roles, options)? {
        if hand_written.contains(&entry.name) {
            outcome.skipped.push(entry.name);
        } else {
            if !old.iter().any(|o| o.name == entry.name) {
                outcome.added.push(entry.name.clone());
            }
            entries.insert(entry.name.clone(), entry);
        }
    }
    for gone in old {
        let still = roles.iter().any(|r| r.account_id == gone.account_id && r.role_name == gone.role_name);
        if still || entries.contains_key(&gone.name) || hand_written.contains(&gone.name) {
            continue;
        }
        if options.prune {
            outcome.pruned.push(gone.name);
        } else {
            outcome.kept.push(gone.name.clone());
            entries.insert(gone.name.clone(), gone);
        }
    }
    outcome.written = entries.len();

    let mut rendered = vec![begin(options.session)];
    for entry in entries.values() {
        rendered.push(format!("[profile {}]", entry.name));
        rendered.push(format!("sso_session = {}", options.session));
        rendered.push(format!("sso_account_id = {}", entry.account_id));
        rendered.push(format!("sso_role_name = {}", entry.role_name));
        if let Some(region) = options.region {
            rendered.push(format!("region = {region}"));
        }
        rendered.extend(options.extra.iter().map(|(k, v)| format!("{k} = {v}").trim_end().to_owned()));
        rendered.push(String::new());
    }
    rendered.push(end(options.session));
    let rendered: String = rendered.iter().map(|l| format!("{l}{newline}")).collect();

    outcome.text = match block {
        Some(range) => {
            let before: String = lines[..range.start].concat();
            let after: String = lines[range.end..].concat();
            // A block that ended the file without a newline keeps it that way.
            let ends_bare = range.end == lines.len() && !text.ends_with('\n');
            let rendered = if ends_bare { rendered.trim_end_matches(newline).to_owned() } else { rendered };
            before + &rendered + &after
        }
        None if text.is_empty() => rendered,
        None => {
            // After the last byte: the block on lines of its own, one blank line before it.
            let mut out = text.to_owned();
            if !out.ends_with('\n') {
                out += newline;
            }
            if !out.ends_with(&format!("{newline}{newline}")) {
                out += newline;
            }
            out + &rendered
        }
    };
    Ok(outcome)
}

/// The block's line range, begin and end markers included.
fn find_block(lines: &[&str], session: &str) -> Result<Option<std::ops::Range<usize>>> {
    let (open, close) = (begin(session), end(session));
    let marker = |line: &str, m: &str| line.trim_end() == m;
    let Some(start) = lines.iter().position(|l| marker(l, &open)) else { return Ok(None) };
    match lines[start..].iter().position(|l| marker(l, &close)) {
        Some(n) => Ok(Some(start..start + n + 1)),
        None => {
            Err(Error::new(format!("the block of SSO session {session} begins at line {} but never ends", start + 1))
                .hint(format!("put back the line `{close}` after its profiles, or remove the block")))
        }
    }
}

/// `[profile NAME]` (or `[NAME]`): the profile name it declares.
fn profile_header(line: &str) -> Option<String> {
    let inner = line.trim().strip_prefix('[')?.split(']').next()?.trim();
    let words: Vec<&str> = inner.split_whitespace().collect();
    match words.as_slice() {
        ["profile", name] => Some((*name).to_owned()),
        [name] if *name != "sso-session" && *name != "services" => Some((*name).to_owned()),
        _ => None,
    }
}

/// The profiles of an existing block (stsenv wrote it: one key a line).
fn parse_block<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for line in lines {
        if let Some(name) = profile_header(line) {
            entries.push(Entry { name, account_id: String::new(), role_name: String::new() });
        } else if let (Some(entry), Some((key, value))) = (entries.last_mut(), line.split_once('=')) {
            match key.trim() {
                "sso_account_id" => entry.account_id = value.trim().to_owned(),
                "sso_role_name" => entry.role_name = value.trim().to_owned(),
                _ => {}
            }
        }
    }
    entries.retain(|e| !e.account_id.is_empty() && !e.role_name.is_empty());
    entries
}

/// Profile names from the template; names that two roles would share get the account id.
fn names(roles: &[AccountRole], options: &Options) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for role in roles {
        let name = profile_name(options.template, role, options.session)?;
        entries.push(Entry { name, account_id: role.account_id.clone(), role_name: role.role_name.clone() });
    }
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for e in &entries {
        *count.entry(e.name.clone()).or_default() += 1;
    }
    for e in &mut entries {
        if count[&e.name] > 1 {
            e.name = format!("{}-{}", e.name, e.account_id);
        }
    }
    Ok(entries)
}

/// Every `{…}` in the template is a placeholder stsenv fills.
pub fn check_template(template: &str) -> Result<()> {
    const PLACEHOLDERS: [&str; 4] = ["account_name", "account_id", "role_name", "sso_session"];
    for part in template.split('{').skip(1) {
        let word = part.split('}').next().unwrap_or("");
        if !PLACEHOLDERS.contains(&word) {
            return Err(Error::new(format!("--template has an unknown placeholder {{{word}}}"))
                .hint("use {account_name}, {account_id}, {role_name} and {sso_session}"));
        }
    }
    Ok(())
}

/// `{account_name}`, `{account_id}`, `{role_name}`, `{sso_session}` filled in, then made a
/// valid profile name: every run of other characters (spaces, brackets, `#`, `=`…) is `-`.
pub fn profile_name(template: &str, role: &AccountRole, session: &str) -> Result<String> {
    check_template(template)?;
    // Each value on its own first, so `Team 7 [eu]` becomes `Team-7-eu`, not `Team-7-eu-`.
    let filled = template
        .replace("{account_name}", &clean(&role.account_name))
        .replace("{account_id}", &clean(&role.account_id))
        .replace("{role_name}", &clean(&role.role_name))
        .replace("{sso_session}", &clean(session));
    let name = clean(&filled);
    if name.is_empty() {
        return Err(Error::new(format!(
            "--template {template:?} gives an empty profile name for account {}",
            role.account_id
        )));
    }
    Ok(name)
}

/// Runs of characters a profile name cannot hold become one `-`; none at either end.
fn clean(text: &str) -> String {
    let mut name = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c) {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    name.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, account: &str, role: &str) -> AccountRole {
        AccountRole { account_id: id.into(), account_name: account.into(), role_name: role.into() }
    }

    #[test]
    fn names_are_sanitised_and_collisions_get_the_account_id() {
        let r = role("111111111111", "Prod [EU] #1", "Admin Access");
        assert_eq!(profile_name(DEFAULT_TEMPLATE, &r, "corp").unwrap(), "Prod-EU-1.Admin-Access");
        assert_eq!(profile_name("{account_name} / {role_name}", &r, "corp").unwrap(), "Prod-EU-1-/-Admin-Access");
        assert!(profile_name("{nope}", &r, "corp").is_err());
        let options = Options { session: "corp", template: DEFAULT_TEMPLATE, region: None, extra: &[], prune: false };
        let twins = [role("111111111111", "Dev", "Admin"), role("222222222222", "Dev", "Admin")];
        let names: Vec<String> = names(&twins, &options).unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["Dev.Admin-111111111111", "Dev.Admin-222222222222"]);
    }
}
