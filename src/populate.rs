//! `stsenv sso populate`: one profile per account and role a sign-in reaches, kept in
//! `~/.aws/config` inside a marked block that stsenv owns (one per SSO session). Every byte
//! outside the block is kept; a re-run replaces the block in place and, with nothing new,
//! writes the same bytes. Nothing here touches the network or the file system.
//!
//! What the portal sends is checked before it is written: an account id is 12 digits, a role
//! name IAM's characters, an account name reaches the file only through the name sanitiser
//! ([`profile_name`]), and every line goes through `credentials_file`'s checked writer.

use crate::credentials_file::{profile_names, section_header, setting};
use crate::error::{Error, Result, q};
use crate::profile::Setting;
use crate::source::sso::portal::AccountRole;
use std::collections::{BTreeMap, BTreeSet};

pub const DEFAULT_TEMPLATE: &str = "{account_name}.{role_name}";

pub struct Options<'a> {
    pub session: &'a str,
    pub template: &'a str,
    /// `region = …` in every profile.
    pub region: Option<&'a str>,
    /// Further settings for every profile (from `--copy-from`), in order.
    pub extra: &'a [Setting],
    /// Drop the profiles of roles the sign-in no longer reaches (else they are kept).
    pub prune: bool,
    /// The profiles of `~/.aws/credentials`: a populated profile of the same name would turn
    /// that IAM user's profile into an SSO one for the AWS CLI, so none is written.
    pub credentials: &'a BTreeSet<String>,
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
    /// The account and role each skipped name would have pointed at, by name.
    pub skipped_pairs: BTreeMap<String, (String, String)>,
    /// Names `~/.aws/credentials` has: not written either.
    pub in_credentials: Vec<String>,
    /// What the portal sent that is not an account id or role name: one line each, not written.
    pub rejected: Vec<String>,
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
    let outside: String = numbered().filter(|(i, _)| !in_block(i)).map(|(_, l)| l).collect();
    // As botocore or the Rust SDK would read them: `[profile  x]` is profile x too.
    let hand_written = profile_names(&outside, true);
    let old = parse_block(numbered().filter(|(i, _)| in_block(i)).map(|(_, l)| l));

    let mut outcome = Outcome::default();
    let (roles, rejected): (Vec<&AccountRole>, Vec<&AccountRole>) = roles.iter().partition(|r| why_not(r).is_none());
    outcome.rejected = rejected.iter().map(|r| why_not(r).unwrap_or_default()).collect();
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for entry in names(&roles, options)? {
        if hand_written.contains(&entry.name) {
            outcome.skipped_pairs.insert(entry.name.clone(), (entry.account_id.clone(), entry.role_name.clone()));
            outcome.skipped.push(entry.name);
        } else if options.credentials.contains(&entry.name) {
            outcome.in_credentials.push(entry.name);
        } else {
            if !old.iter().any(|o| o.name == entry.name) {
                outcome.added.push(entry.name.clone());
            }
            entries.insert(entry.name.clone(), entry);
        }
    }
    for gone in old {
        let still = roles.iter().any(|r| r.account_id == gone.account_id && r.role_name == gone.role_name);
        let taken = hand_written.contains(&gone.name) || options.credentials.contains(&gone.name);
        if still || entries.contains_key(&gone.name) || taken {
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
        rendered.push(section_header(&format!("profile {}", entry.name)));
        rendered.push(setting("sso_session", options.session)?);
        rendered.push(setting("sso_account_id", &entry.account_id)?);
        rendered.push(setting("sso_role_name", &entry.role_name)?);
        if let Some(region) = options.region {
            rendered.push(setting("region", region)?);
        }
        for extra in options.extra {
            rendered.push(setting(&extra.key, &extra.value)?);
            for (key, value) in &extra.nested {
                rendered.push(format!("    {}", setting(key, value)?));
            }
        }
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

/// The profiles of an existing block (stsenv wrote it: one key a line). An entry that is not
/// a valid account and role (an older stsenv wrote what a portal sent) is dropped.
fn parse_block<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for line in lines {
        if let Some(name) = profile_names(line, true).into_iter().next() {
            entries.push(Entry { name, account_id: String::new(), role_name: String::new() });
        } else if let (Some(entry), Some((key, value))) = (entries.last_mut(), line.split_once('=')) {
            match key.trim() {
                "sso_account_id" => entry.account_id = value.trim().to_owned(),
                "sso_role_name" => entry.role_name = value.trim().to_owned(),
                _ => {}
            }
        }
    }
    entries.retain(|e| account_id_ok(&e.account_id) && role_name_ok(&e.role_name));
    entries
}

/// Why a pair the portal listed cannot be written, if it cannot.
fn why_not(role: &AccountRole) -> Option<String> {
    let what = if !account_id_ok(&role.account_id) {
        "its account id is not 12 digits"
    } else if !role_name_ok(&role.role_name) {
        "its role name is not an IAM role name (1 to 64 of A-Z a-z 0-9 _+=,.@-)"
    } else {
        return None;
    };
    Some(format!(
        "skipped account {} ({}) role {}: {what}",
        q(&role.account_id),
        q(&role.account_name),
        q(&role.role_name)
    ))
}

pub fn account_id_ok(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// IAM's role name characters, `[\w+=,.@-]{1,64}`.
pub fn role_name_ok(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// Profile names from the template. A name two roles would share gets the account id, and
/// one that is still not unique (a role literally named `Admin-<account id>`) a number:
/// every pair gets a profile of its own, pointing at its own account.
fn names(roles: &[&AccountRole], options: &Options) -> Result<Vec<Entry>> {
    let mut roles = roles.to_vec();
    roles.sort();
    let mut entries = Vec::new();
    for role in roles {
        let name = profile_name(options.template, role, options.session)?;
        entries.push(Entry { name, account_id: role.account_id.clone(), role_name: role.role_name.clone() });
    }
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for e in &entries {
        *count.entry(e.name.clone()).or_default() += 1;
    }
    let mut taken: BTreeSet<String> = count.iter().filter(|(_, n)| **n == 1).map(|(name, _)| name.clone()).collect();
    for e in &mut entries {
        if count[&e.name] > 1 {
            let base = format!("{}-{}", e.name, e.account_id);
            let mut name = base.clone();
            let mut n = 1;
            while taken.contains(&name) {
                n += 1;
                name = format!("{base}-{n}");
            }
            taken.insert(name.clone());
            e.name = name;
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
        let credentials = BTreeSet::new();
        let options = Options {
            session: "corp",
            template: DEFAULT_TEMPLATE,
            region: None,
            extra: &[],
            prune: false,
            credentials: &credentials,
        };
        let twins = [role("111111111111", "Dev", "Admin"), role("222222222222", "Dev", "Admin")];
        let names: Vec<String> =
            names(&twins.iter().collect::<Vec<_>>(), &options).unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["Dev.Admin-111111111111", "Dev.Admin-222222222222"]);
    }
}
