//! `stsenv assume` (or `exec`, `console`) with no TARGET at a terminal: a fuzzy picker
//! (dialoguer) on /dev/tty — never stdout, which is eval'd — over the profiles, most recently
//! and most often used first (frecency), then the account/role pairs of SSO sessions with a
//! valid sign-in that no profile names yet (assumed directly, `--sso-session`).

use crate::cache::Cache;
use crate::creds::now;
use crate::error::{Error, Result, printable};
use crate::profile::{Profiles, value};
use crate::source::sso::{self, portal::AccountRole, token};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicI32, Ordering};

/// The terminal the picker draws on (or the MFA prompt asks on) while it is open: a signal
/// handler shows the cursor again there (dialoguer hides it) and ends the line (the shell's
/// next prompt starts on a line of its own) before the process ends.
pub static OPEN_TTY: AtomicI32 = AtomicI32::new(-1);

/// The history is cut back to its newest `HISTORY_KEPT` uses past this size.
const HISTORY_BYTES: u64 = 64 * 1024;
const HISTORY_KEPT: usize = 500;

/// How long the SSO listing the picker shows is reused (listing 500 accounts takes seconds).
const LISTING_TTL: i64 = 3600;

pub enum Choice {
    Profile(String),
    /// `ACCOUNT_ID/ROLE` of an `[sso-session]`.
    SsoRole {
        session: String,
        target: String,
    },
}

/// `None` when there is no terminal to ask on; `Err` with exit 130 when the user gave up.
pub fn pick(profiles: &Profiles, cache: &Cache, verb: &str) -> Result<Option<Choice>> {
    let open = |write| std::fs::OpenOptions::new().read(true).write(write).open("/dev/tty");
    let (Ok(tty_in), Ok(tty_out)) = (open(false), open(true)) else { return Ok(None) };
    let mut choices: Vec<(String, Choice)> = Vec::new();
    let scores = frecency(cache);
    let mut names = profiles.own_names();
    names.sort_by(|a, b| {
        let score = |n: &str| scores.get(n).copied().unwrap_or(0.0);
        score(b).total_cmp(&score(a)).then_with(|| a.cmp(b))
    });
    // Labels are drawn on the terminal: names from a config or a portal are filtered.
    for name in names {
        choices.push((printable(name), Choice::Profile(name.to_owned())));
    }
    for (session, role) in unlisted_sso_roles(profiles, cache) {
        let label = printable(&format!(
            "{}/{}  (SSO session {session}, account {})",
            role.account_name, role.role_name, role.account_id
        ));
        choices.push((label, Choice::SsoRole { session, target: format!("{}/{}", role.account_id, role.role_name) }));
    }
    if choices.is_empty() {
        return Ok(None);
    }
    use std::os::fd::AsRawFd;
    OPEN_TTY.store(tty_out.as_raw_fd(), Ordering::SeqCst);
    let term = dialoguer::console::Term::read_write_pair(tty_in, tty_out);
    let labels: Vec<&str> = choices.iter().map(|(label, _)| label.as_str()).collect();
    let picked = select(&term, &format!("stsenv {verb}: type to filter, Enter to choose, Esc to cancel"), &labels);
    let _ = term.show_cursor();
    OPEN_TTY.store(-1, Ordering::SeqCst);
    match picked {
        Ok(Some(i)) => Ok(Some(choices.swap_remove(i).1)),
        Ok(None) => Err(Error::new("nothing chosen").exit(130)),
        Err(e) => Err(Error::new(format!("the picker failed on the terminal: {e}"))),
    }
}

/// Rows of choices shown at once, fewer on a short terminal.
const ROWS: usize = 15;

/// The picker itself: a filter line and the best matches under it. Type to filter,
/// Backspace, Ctrl-U (clear) and Ctrl-W (a word), Up/Down (or Tab), Enter; Esc and Ctrl-C
/// give up — both clear what was drawn. (Ctrl-C is a key here, not a signal.)
fn select(term: &dialoguer::console::Term, prompt: &str, labels: &[&str]) -> std::io::Result<Option<usize>> {
    use dialoguer::console::Key;
    let (mut query, mut selected, mut hint) = (String::new(), 0usize, None::<String>);
    let mut drawn = 0;
    term.hide_cursor()?;
    loop {
        let matches = ranked(&query, labels);
        selected = selected.min(matches.len().saturating_sub(1));
        let (height, width) = term.size();
        // The prompt, the filter and the "more" line stay on screen however short it is.
        let rows = ROWS.min(usize::from(height).saturating_sub(3)).max(1);
        let mut lines = vec![format!("{prompt}"), format!("> {query}")];
        let start = selected.saturating_sub(rows - 1);
        for (row, &i) in matches.iter().enumerate().skip(start).take(rows) {
            lines.push(format!("{} {}", if row == selected { "\u{276f}" } else { " " }, labels[i]));
        }
        let hidden = matches.len().saturating_sub(rows);
        if hidden > 0 {
            lines.push(format!("  \u{2026} {hidden} more: type to filter, \u{2191}\u{2193} to scroll"));
        }
        if let Some(text) = hint.take() {
            lines.push(text);
        }
        term.clear_last_lines(drawn)?;
        let width = usize::from(width).max(20);
        for line in &lines {
            term.write_line(&line.chars().take(width - 1).collect::<String>())?;
        }
        drawn = lines.len();
        let key = term.read_key_raw()?;
        match key {
            Key::Escape | Key::CtrlC => {
                term.clear_last_lines(drawn)?;
                return Ok(None);
            }
            Key::Enter => match matches.get(selected) {
                Some(&i) => {
                    term.clear_last_lines(drawn)?;
                    return Ok(Some(i));
                }
                None => hint = Some(format!("  nothing matches {query:?}: Backspace or Ctrl-U to change the filter")),
            },
            Key::ArrowUp | Key::BackTab => {
                selected = selected.checked_sub(1).unwrap_or(matches.len().saturating_sub(1))
            }
            Key::ArrowDown | Key::Tab => selected = if selected + 1 < matches.len() { selected + 1 } else { 0 },
            Key::Backspace => {
                query.pop();
                selected = 0;
            }
            Key::Char('\u{15}') => {
                query.clear(); // Ctrl-U
                selected = 0;
            }
            Key::Char('\u{17}') => {
                // Ctrl-W: the last word
                let trimmed = query.trim_end().len();
                let cut = query[..trimmed].rfind([' ', '.', '-', '/']).map_or(0, |i| i + 1);
                query.truncate(cut);
                selected = 0;
            }
            Key::Char(c) if !c.is_control() => {
                query.push(c);
                selected = 0;
            }
            _ => {}
        }
    }
}

/// The labels that hold `query` as a subsequence (any case), best first: matched characters
/// that follow each other and that start words (after `.-_/ :@`, or a capital after a small
/// letter) count more. Ties keep the given order (most used first).
fn ranked(query: &str, labels: &[&str]) -> Vec<usize> {
    let mut scored: Vec<(i64, usize)> =
        labels.iter().enumerate().filter_map(|(i, label)| score(query, label).map(|s| (s, i))).collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

/// The best alignment of `query` in `label` (dynamic programming over positions).
fn score(query: &str, label: &str) -> Option<i64> {
    const ADJACENT: i64 = 4;
    const WORD_START: i64 = 3;
    let q: Vec<char> = query.to_lowercase().chars().collect();
    if q.is_empty() {
        return Some(0);
    }
    let original: Vec<char> = label.chars().collect();
    let l: Vec<char> = label.to_lowercase().chars().collect();
    if l.len() != original.len() {
        return None;
    }
    let starts_word = |j: usize| {
        j == 0 || " ._-/:@".contains(original[j - 1]) || (original[j - 1].is_lowercase() && original[j].is_uppercase())
    };
    let none = i64::MIN / 2;
    // best[j]: the best score of the query so far with its last character at position j.
    let mut best: Vec<i64> = l
        .iter()
        .enumerate()
        .map(|(j, c)| if *c == q[0] { 1 + if starts_word(j) { WORD_START } else { 0 } } else { none })
        .collect();
    for &qc in &q[1..] {
        let mut next = vec![none; l.len()];
        let mut before = none; // the best over positions < j - 1
        for j in 1..l.len() {
            if j >= 2 {
                before = before.max(best[j - 2]);
            }
            if l[j] != qc {
                continue;
            }
            let adjacent = if best[j - 1] > none { best[j - 1] + ADJACENT } else { none };
            let from = before.max(adjacent);
            if from > none {
                next[j] = from + 1 + if starts_word(j) { WORD_START } else { 0 };
            }
        }
        best = next;
    }
    best.into_iter().max().filter(|s| *s > none)
}

/// Remembers that `label` was assumed, for the picker's order: one appended line, so the
/// cache-hit path pays one small write.
pub fn record(cache: &Cache, label: &str) {
    if label.contains('\n') || !cache.dir().is_dir() {
        return;
    }
    let path = cache.dir().join("history");
    let line = format!("{} {label}\n", now());
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(&path);
    if let Ok(mut file) = file {
        let _ = file.write_all(line.as_bytes());
        // Now and then, keep only the newest uses: the order needs no more.
        if file.metadata().is_ok_and(|m| m.len() > HISTORY_BYTES)
            && let Some(text) = crate::cache::read_private(&path)
        {
            let text = String::from_utf8_lossy(&text);
            let lines: Vec<&str> = text.lines().collect();
            let kept: String =
                lines[lines.len().saturating_sub(HISTORY_KEPT)..].iter().map(|l| format!("{l}\n")).collect();
            let _ = crate::cache::write_atomic(&path, kept.as_bytes(), None);
        }
    }
}

/// zoxide's frecency: each use counts 4 within the hour, 2 within the day, ½ within the
/// week, ¼ after that.
fn frecency(cache: &Cache) -> HashMap<String, f64> {
    let text = crate::cache::read_private(&cache.dir().join("history")).unwrap_or_default();
    let now = now();
    let mut scores: HashMap<String, f64> = HashMap::new();
    for line in String::from_utf8_lossy(&text).lines() {
        let Some((at, name)) = line.split_once(' ') else { continue };
        let age = now - at.parse::<i64>().unwrap_or(0);
        let weight = match age {
            a if a < 3600 => 4.0,
            a if a < 86_400 => 2.0,
            a if a < 604_800 => 0.5,
            _ => 0.25,
        };
        *scores.entry(name.to_owned()).or_default() += weight;
    }
    scores
}

/// The account/role pairs of each signed-in SSO session that no profile names, from a
/// listing cached for an hour. A session whose sign-in is not valid is left out, never
/// signed in to from here.
fn unlisted_sso_roles(profiles: &Profiles, cache: &Cache) -> Vec<(String, AccountRole)> {
    let named: Vec<(String, String)> = profiles
        .names()
        .into_iter()
        .filter_map(|n| profiles.get(n))
        .filter_map(|p| Some((value(p, "sso_account_id")?.to_owned(), value(p, "sso_role_name")?.to_owned())))
        .collect();
    let mut pairs = Vec::new();
    for name in profiles.sso_session_names() {
        let Ok(session) = sso::named_session(profiles, name) else { continue };
        let Some(valid) = token::read(&token::path(&session)).filter(|t| t.seconds_left() > 60) else { continue };
        let Some(roles) = listing(profiles, cache, &session, &valid.access_token) else { continue };
        // Only what populate would write: a portal's other text is never a target.
        let valid = |r: &AccountRole| {
            crate::populate::account_id_ok(&r.account_id) && crate::populate::role_name_ok(&r.role_name)
        };
        for role in roles.into_iter().filter(valid) {
            if !named.iter().any(|(a, r)| *a == role.account_id && *r == role.role_name) {
                pairs.push((name.to_owned(), role));
            }
        }
    }
    pairs
}

fn listing(profiles: &Profiles, cache: &Cache, session: &sso::SsoSession, token: &str) -> Option<Vec<AccountRole>> {
    let key = Cache::key("sso-listing", &format!("{}\n{}", session.start_url, session.region));
    let path = cache.dir().join(format!("{key}.listing"));
    if let Some(bytes) = crate::cache::read_private(&path)
        && let Ok((at, roles)) = serde_json::from_slice::<(i64, Vec<AccountRole>)>(&bytes)
        && now() - at < LISTING_TTL
    {
        return Some(roles);
    }
    let endpoint = profiles.endpoint("SSO").ok()?;
    let portal = sso::portal::Portal::new(&session.region, &endpoint, &session.login_hint).ok()?;
    let accounts = portal.accounts(token).ok()?;
    let roles = portal.roles(token, &accounts).ok()?;
    if cache.ensure_dir().is_ok()
        && let Ok(json) = serde_json::to_vec(&(now(), &roles))
    {
        let _ = crate::cache::write_atomic(&path, &json, None);
    }
    Some(roles)
}

#[cfg(test)]
mod tests {
    #[test]
    fn contiguous_and_word_start_matches_rank_first() {
        let labels = ["Team-007-prod.Admin", "Team-007-prod.ReadOnly", "other"];
        assert_eq!(super::ranked("tm7ro", &labels), [1, 0]);
        assert_eq!(super::ranked("", &labels), [0, 1, 2]);
        assert_eq!(super::ranked("adm", &labels), [0]);
    }
}
