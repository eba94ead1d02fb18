//! `stsenv cache list|clear`.

use crate::cache::Cache;
use crate::cli::CacheAction;
use crate::creds::rfc3339;
use crate::duration::human;
use crate::error::{Error, Result, printable, q};
use crate::profile::Profiles;
use crate::source::sso::{self, token};

pub fn run(action: &CacheAction) -> Result<()> {
    let cache = Cache::open()?;
    match action {
        CacheAction::List => {
            let entries = cache.entries();
            let sign_ins = sso_sign_ins();
            if entries.is_empty() {
                eprintln!("stsenv: no cached credentials in {}", cache.dir().display());
                return super::write_stdout(&sign_ins);
            }
            // Two entries of one profile and step differ in duration: name it.
            let ambiguous = |e: &crate::cache::Entry| {
                entries.iter().filter(|(_, o)| o.profile == e.profile && o.what == e.what).count() > 1
            };
            // …or in the key they began with (before and after a key rotation): name that too.
            let two_sources = |e: &crate::cache::Entry| {
                entries.iter().any(|(_, o)| o.profile == e.profile && o.what == e.what && o.source != e.source)
            };
            let rows: Vec<[String; 4]> = entries
                .iter()
                .map(|(_, entry)| {
                    let left = entry.creds.seconds_left().unwrap_or(0);
                    // Whole minutes (floor, as everywhere): seconds would make every listing differ.
                    let state = if left > 0 { human((left as u32) / 60 * 60) } else { "expired".to_owned() };
                    let what = match entry.what.as_str() {
                        "GetSessionToken" => "MFA session (GetSessionToken)".to_owned(),
                        arn if arn.starts_with("arn:") => format!("AssumeRole {arn}"),
                        other => other.to_owned(),
                    };
                    let what = match entry.duration.filter(|_| ambiguous(entry)) {
                        Some(d) => format!("{what} for {}", human(d)),
                        None => what,
                    };
                    let what = match entry.source.as_deref().filter(|_| two_sources(entry)) {
                        Some(source) => format!("{what} from {source}"),
                        None => what,
                    };
                    let until = entry.creds.expires_at.map(rfc3339).unwrap_or_default();
                    [printable(&entry.profile), printable(&what), state, until]
                })
                .collect();
            let header = ["PROFILE", "CREDENTIALS", "LEFT", "EXPIRES"].map(str::to_owned);
            let widths: Vec<usize> =
                (0..3).map(|i| rows.iter().chain([&header]).map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
            let line = |r: &[String; 4]| {
                format!(
                    "{:w0$}  {:w1$}  {:w2$}  {}\n",
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    w0 = widths[0],
                    w1 = widths[1],
                    w2 = widths[2]
                )
            };
            let text: String = std::iter::once(&header).chain(&rows).map(line).collect();
            super::write_stdout(&(text + &sign_ins))
        }
        CacheAction::Clear { profile } => {
            let removed = cache.clear(profile.as_deref())?;
            if let (Some(name), 0) = (profile, removed) {
                // A typo of a cached profile's name: say which one.
                let mut cached: Vec<String> = cache.entries().into_iter().map(|(_, e)| e.profile).collect();
                cached.dedup(); // entries come sorted by profile
                let close = crate::profile::close_names(name, cached.iter().map(String::as_str));
                let hint = match close.first() {
                    Some(c) => format!("did you mean {}? `stsenv cache list` shows what is cached", q(c)),
                    None => "`stsenv cache list` shows what is cached".to_owned(),
                };
                return Err(Error::new(format!("no cached credentials for {}", q(name))).hint(hint));
            }
            eprintln!("stsenv: removed {removed} cached credential(s) from {}", cache.dir().display());
            Ok(())
        }
    }
}

/// The IAM Identity Center sign-ins the config names, and their tokens (never the token).
fn sso_sign_ins() -> String {
    let Ok(profiles) = Profiles::load(&crate::profile::default_profile()) else { return String::new() };
    let mut sessions: Vec<_> =
        profiles.sso_session_names().into_iter().filter_map(|n| sso::named_session(&profiles, n).ok()).collect();
    for name in profiles.names() {
        if let Ok(s) = sso::session_of(&profiles, name)
            && s.name.is_none()
            && !sessions.iter().any(|x| x.name.is_none() && x.start_url == s.start_url)
        {
            sessions.push(s);
        }
    }
    if sessions.is_empty() {
        return String::new();
    }
    let lines: String = sessions.iter().map(|s| format!("{}\n", token::describe(s))).collect();
    format!("\nSSO sign-ins (~/.aws/sso/cache, shared with the AWS CLI):\n{lines}")
}
