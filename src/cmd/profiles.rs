//! `stsenv profiles [--long]`: the profile names, one a line (for scripts and completions);
//! `--long` adds where each one's credentials come from, resolved like `assume --dry-run`.

use crate::cli::ProfilesArgs;
use crate::error::{Result, printable};
use crate::plan::{self, Request, Step};
use crate::profile::{self, Profiles};
use crate::source::Source;

pub fn run(args: &ProfilesArgs) -> Result<()> {
    if !args.long {
        let names = crate::memo::profile_names()?;
        if names.is_empty()
            && let Some(none) = Profiles::load(&profile::default_profile())?.no_files()
        {
            return Err(none);
        }
        let text: String = names.iter().map(|n| format!("{n}\n")).collect();
        return super::write_stdout(&text);
    }
    let profiles = Profiles::load(&profile::default_profile())?;
    if let Some(none) = profiles.no_files() {
        return Err(none);
    }
    let names = profiles.own_names();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let mut text = String::new();
    for name in names {
        let request = Request { verb: "assume", target: name.to_owned(), ..Request::default() };
        let what = match plan::assume(&profiles, &request) {
            Ok(plan) => describe(&plan),
            Err(e) => format!("error: {e}"),
        };
        text += &format!("{name:width$}  {}\n", printable(&what));
    }
    super::write_stdout(&text)
}

fn describe(plan: &plan::Plan) -> String {
    let roles: Vec<String> = plan
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::AssumeRole(a) => Some(match &a.role {
                plan::Role::Arn(arn) => arn.rsplit('/').next().unwrap_or(arn).to_owned(),
                plan::Role::Name(n) => n.clone(),
            }),
            Step::SessionToken { .. } => None,
        })
        .collect();
    let source = match &plan.source {
        Source::Sso(role) => format!("{role}; {}", crate::source::sso::token::describe(&role.session)),
        other => other.to_string(),
    };
    match roles.is_empty() {
        true if plan.steps.is_empty() => source,
        true => format!("a session (GetSessionToken) from {source}"),
        false => format!("role {} from {source}", roles.join(" -> ")),
    }
}
