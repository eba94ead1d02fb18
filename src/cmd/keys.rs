//! `stsenv keys add|list|remove|export|migrate|unlock|lock|rotate`: an IAM user's long-term
//! keys in a store (`crate::store`: the OS keyring, the encrypted file, pass) instead of
//! plaintext `~/.aws/credentials`. Every file edit keeps every byte it does not mean to
//! change; the keys leave the file only once the store holds them (read back).

use crate::cli::KeysAction;
use crate::creds::Credentials;
use crate::error::{Error, Result, q};
use crate::profile::{self, Profiles, value};
use crate::store::{self, MARKER, Store};
use std::io::BufRead;

const FILE_KEYS: [&str; 2] = ["aws_access_key_id", "aws_secret_access_key"];

pub fn run(action: &KeysAction) -> Result<()> {
    match action {
        KeysAction::Add { profile, from_stdin, store } => add(profile, *from_stdin, *store),
        KeysAction::List => list(),
        KeysAction::Remove { profile } => remove(profile),
        KeysAction::Export { profile } => export(profile),
        KeysAction::Migrate { profile, to } => migrate(profile, *to),
        KeysAction::Unlock => unlock(),
        KeysAction::Lock => lock(),
        KeysAction::Rotate { profile, token_code } => rotate(profile, token_code.as_deref()),
    }
}

fn add(name: &str, from_stdin: bool, store: Option<Store>) -> Result<()> {
    let profiles = Profiles::load(name)?;
    let in_file =
        profiles.get(name).and_then(|p| Some((value(p, "aws_access_key_id")?, value(p, "aws_secret_access_key")?)));
    if let Some(p) = profiles.get(name)
        && value(p, "aws_session_token").is_some()
    {
        return Err(Error::new(
            "its keys are temporary (aws_session_token): only an IAM user's long-term keys go in the keyring",
        )
        .profile(name)
        .at(profiles.locate(name, Some("aws_session_token"))));
    }
    let creds = match (from_stdin, in_file) {
        (true, _) => read_stdin()?,
        (false, Some((id, secret))) => Credentials::long_term(id.to_owned(), secret.to_owned()),
        (false, None) => prompt(name)?,
    };
    check(&creds)?;
    // The same key in other sections (a copy-paste layout): moving one would leave the secret
    // in the file while saying it is gone.
    let others: Vec<String> = crate::credentials_file::profiles_with(
        &profiles.config_file,
        &profiles.credentials_file,
        "aws_access_key_id",
        &creds.access_key_id,
    )
    .into_iter()
    .filter(|s| s != name)
    .collect();
    if !others.is_empty() {
        let list = others.iter().map(|s| format!("[{s}]")).collect::<Vec<_>>().join(" ");
        return Err(Error::new(format!(
            "key {} also stands in {list} of your AWS files: moving it for this profile alone would leave it there in plaintext",
            creds.access_key_id,
        ))
        .profile(name)
        .hint(format!(
            "keep one copy: in ~/.aws/config give those profiles `source_profile = {name}` (or remove them), delete their key lines, then run this again"
        )));
    }
    let cache = crate::cache::Cache::open()?;
    let store = match store {
        Some(store) => store,
        None => {
            let store = Store::default_here();
            if store == Store::File {
                eprintln!(
                    "stsenv: no OS keyring answers here (WSL, SSH, a container?): the keys go to {} instead",
                    store.describe()
                );
            }
            store
        }
    };
    let command = super::credential_process::command_line(["--".to_owned(), name.to_owned()])?;
    store.save(name, &creds)?;
    // Other tools get the profile's credentials from stsenv: a session, never these keys.
    let marker = store::marker(store, &creds.access_key_id);
    crate::credentials_file::write_credential_process(&profiles.config_file, name, &command, &[marker], &cache)
        .map_err(|e| {
            e.hint(format!("the keys are in {} already; fix the config and run this again", store.describe()))
        })?;
    crate::credentials_file::remove_keys(&profiles.credentials_file, name, &FILE_KEYS, &cache).map_err(|e| {
        e.hint(format!(
            "the keys are in {} and the config says so; remove them from the file by hand",
            store.describe()
        ))
    })?;
    eprintln!(
        "stsenv: keys {} of profile {} are in {}{}; other tools get sessions through `credential_process` in {}",
        creds.access_key_id,
        q(name),
        store.describe(),
        if in_file.is_some() {
            format!(", no longer in {}", profiles.credentials_file.display())
        } else {
            String::new()
        },
        profiles.config_file.display()
    );
    Ok(())
}

fn list() -> Result<()> {
    let profiles = Profiles::load(&profile::default_profile())?;
    let rows: Vec<(String, Store, String)> = profiles
        .names()
        .into_iter()
        .filter_map(|n| {
            let (store, key_id) = store::marked(profiles.get(n)?)?;
            Some((n.to_owned(), store, key_id))
        })
        .collect();
    // The file store's lock state, whether or not a profile uses it yet.
    let file_state = match store::file::state() {
        None => None,
        Some(Some(until)) => {
            Some(format!("unlocked for {}", crate::duration::human((until - crate::creds::now()).max(0) as u32)))
        }
        Some(None) => Some("locked (`stsenv keys unlock`)".to_owned()),
    };
    if rows.is_empty() {
        eprintln!("stsenv: no profile keeps its keys in a store; `stsenv keys add PROFILE` moves them there");
        return Ok(());
    }
    let width = rows.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0).max("PROFILE".len());
    let mut text = format!("{:width$}  {:20}  STORE\n", "PROFILE", "ACCESS KEY ID");
    for (name, store, key_id) in rows {
        let state = match (store, &file_state) {
            (Store::File, Some(state)) => format!(" ({state})"),
            _ => String::new(),
        };
        text += &format!("{name:width$}  {key_id:20}  {}{state}\n", store.describe());
    }
    super::write_stdout(&text)
}

fn remove(name: &str) -> Result<()> {
    let profiles = Profiles::load(name)?;
    let (store, _) = marked(&profiles, name)?;
    store.delete(name)?;
    unmark(&profiles, name)?;
    eprintln!(
        "stsenv: the keys of profile {} are gone from {}; the profile has no keys now",
        q(name),
        store.describe()
    );
    Ok(())
}

/// Reads from the old store, writes to the new one and reads it back; only then the old
/// entry goes and the marker changes. A failure leaves the old store as it was.
fn migrate(name: &str, to: Store) -> Result<()> {
    let profiles = Profiles::load(name)?;
    let (from, _) = marked(&profiles, name)?;
    if from == to {
        eprintln!("stsenv: the keys of profile {} are in {} already", q(name), to.describe());
        return Ok(());
    }
    let creds = from.load(name)?;
    to.save(name, &creds)?;
    let cache = crate::cache::Cache::open()?;
    let command = super::credential_process::command_line(["--".to_owned(), name.to_owned()])?;
    crate::credentials_file::write_credential_process(
        &profiles.config_file,
        name,
        &command,
        &[store::marker(to, &creds.access_key_id)],
        &cache,
    )?;
    from.delete(name).map_err(|e| {
        e.hint(format!("the keys are in {} and the profile says so; delete the old entry by hand", to.describe()))
    })?;
    eprintln!(
        "stsenv: keys {} of profile {} moved from {} to {}",
        creds.access_key_id,
        q(name),
        from.describe(),
        to.describe()
    );
    Ok(())
}

fn unlock() -> Result<()> {
    match store::file::unlock_now()? {
        Some(until) => eprintln!(
            "stsenv: the key file is unlocked for {} (STSENV_UNLOCK_TTL); `stsenv keys lock` forgets it now",
            crate::duration::human((until - crate::creds::now()).max(0) as u32)
        ),
        None => eprintln!("stsenv: the passphrase is right, but {}", store::unlock::unavailable_note()),
    }
    Ok(())
}

fn lock() -> Result<()> {
    match store::file::lock_now()? {
        true => eprintln!("stsenv: the key file is locked"),
        false => eprintln!("stsenv: the key file was not unlocked"),
    }
    Ok(())
}

/// CreateAccessKey, store the new key, prove it signs (retried while IAM propagates), then
/// DeleteAccessKey of the old one. A failure at any step leaves a working key stored and
/// says what was done.
fn rotate(name: &str, token_code: Option<&str>) -> Result<()> {
    let profiles = Profiles::load(name)?;
    let source = crate::source::keys::resolve(&profiles, name)?;
    let cache = crate::cache::Cache::open()?;
    let sts_endpoint = profiles.sts_endpoint()?;
    let fetch = crate::source::Fetch {
        cache: &cache,
        mode: crate::cache::Mode::Use,
        may_prompt: true,
        region: None,
        endpoint: &sts_endpoint,
    };
    let old = source.credentials(&fetch)?;
    if !source.long_term() {
        return Err(Error::new("its keys are temporary: only an IAM user's long-term key can be rotated").profile(name));
    }
    let region = profiles.get(name).and_then(|p| value(p, "region")).map(str::to_owned);
    let sts = crate::sts::Sts::new(region.as_deref(), &sts_endpoint)?;
    let me = sts.caller_identity(&old).map_err(|e| e.profile(name))?;
    let Some((_, user)) = me.arn.split_once(":user/") else {
        return Err(Error::new(format!("its key belongs to {}, not an IAM user", q(&me.arn))).profile(name));
    };
    let user = user.rsplit('/').next().unwrap_or(user).to_owned();

    // The IAM calls go with the MFA session when the profile names a device: policies that
    // demand MFA for managing one's own keys are the common case.
    let caller = match profiles.get(name).and_then(|p| value(p, "mfa_serial")) {
        Some(_) => {
            let request = crate::plan::Request { verb: "session", target: name.to_owned(), ..Default::default() };
            let plan = crate::plan::session(&profiles, &request)?;
            let options = crate::obtain::Options { token_code, may_prompt: true, cache: crate::cache::Mode::Use };
            crate::obtain::obtain(&plan, &options, &cache)?.creds
        }
        None => old.clone(),
    };
    let iam = crate::iam::Iam::new(&profiles.endpoint("IAM")?)?;
    let keys = iam.keys(&caller, &user).map_err(|e| e.profile(name))?;
    if let Some(other) = keys.iter().find(|k| **k != old.access_key_id) {
        return Err(Error::new(format!(
            "IAM user {} has two access keys already ({} in this profile, and {other}); IAM allows two",
            q(&user),
            old.access_key_id
        ))
        .profile(name)
        .hint(format!("if {other} is not in use, delete it (`aws iam delete-access-key --user-name {user} --access-key-id {other}`) and rotate again")));
    }
    let new = iam.create(&caller, &user).map_err(|e| e.profile(name))?;
    // What IAM answered is written into the files and shown: checked like typed keys.
    check(&new).map_err(|e| {
        e.profile(name).hint(format!(
            "IAM's CreateAccessKey answered this; delete that key with `aws iam delete-access-key --user-name {user}`"
        ))
    })?;
    eprintln!("stsenv: created access key {} for IAM user {}", new.access_key_id, q(&user));
    let undo = |why: Error| -> Error {
        // Back to the old key, which still works; the new one goes.
        let restored = store_keys(&profiles, name, &old).is_ok();
        let deleted = iam.delete(&caller, &user, &new.access_key_id).is_ok();
        let state = match (restored, deleted) {
            (true, true) => format!("the old key {} is stored again and the new one deleted", old.access_key_id),
            (true, false) => format!(
                "the old key {} is stored again; delete the new one {} by hand",
                old.access_key_id, new.access_key_id
            ),
            _ => format!(
                "the old key {} still works in IAM; store it again with `stsenv keys add {name} --from-stdin`",
                old.access_key_id
            ),
        };
        why.hint(state)
    };
    store_keys(&profiles, name, &new).map_err(undo)?;
    prove(&sts, &new).map_err(undo)?;
    // Every other profile that held the old key gets the new one before the old one goes.
    let sharing = sharing_key(&profiles, name, &old.access_key_id);
    let mut stuck = Vec::new();
    for other in &sharing {
        if let Err(e) = store_keys(&profiles, other, &new) {
            stuck.push(format!("{} ({e})", q(other)));
        }
    }
    if !stuck.is_empty() {
        return Err(Error::new(format!(
            "the new key {} works, but these profiles still hold the old one: {}",
            new.access_key_id,
            stuck.join(", ")
        ))
        .profile(name)
        .hint(format!(
            "the old key {} is not deleted; update them (`stsenv keys add PROFILE --from-stdin`), then delete it with `aws iam delete-access-key --user-name {user} --access-key-id {}`",
            old.access_key_id, old.access_key_id
        )));
    }
    if !sharing.is_empty() {
        eprintln!("stsenv: profiles {} used the same key and now use the new one", sharing.join(" "));
    }
    iam.delete(&caller, &user, &old.access_key_id).map_err(|e| {
        e.profile(name).hint(format!(
            "the new key {} is stored and works; delete the old one {} (`aws iam delete-access-key --user-name {user} --access-key-id {}`)",
            new.access_key_id, old.access_key_id, old.access_key_id
        ))
    })?;
    // The old key's sessions and roles in the cache are of a key that no longer exists.
    cache.forget_source(&old.access_key_id);
    eprintln!(
        "stsenv: profile {} now uses {}; the old key {} is deleted",
        q(name),
        new.access_key_id,
        old.access_key_id
    );
    Ok(())
}

/// The other profiles whose keys are `key_id`: in the credentials file, or in a store.
fn sharing_key(profiles: &Profiles, name: &str, key_id: &str) -> Vec<String> {
    let mut names = crate::credentials_file::profiles_with(
        &profiles.config_file,
        &profiles.credentials_file,
        "aws_access_key_id",
        key_id,
    );
    for other in profiles.names() {
        if profiles.get(other).and_then(store::marked).is_some_and(|(_, id)| id == key_id)
            && !names.iter().any(|n| n == other)
        {
            names.push(other.to_owned());
        }
    }
    names.retain(|n| n != name);
    names
}

/// GetCallerIdentity signed by the new key, retried while IAM makes it known (seconds).
fn prove(sts: &crate::sts::Sts, new: &Credentials) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match sts.caller_identity(new) {
            Ok(_) => return Ok(()),
            Err(_) if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_secs(2)),
            Err(e) => return Err(Error::new(format!("the new key {} never worked: {e}", new.access_key_id))),
        }
    }
}

/// Where the profile keeps its keys: its store (with the config's marker) or the file.
fn store_keys(profiles: &Profiles, name: &str, creds: &Credentials) -> Result<()> {
    let cache = crate::cache::Cache::open()?;
    match profiles.get(name).and_then(store::marked) {
        Some((store, _)) => {
            store.save(name, creds)?;
            crate::credentials_file::write_credential_process(
                &profiles.config_file,
                name,
                &super::credential_process::command_line(["--".to_owned(), name.to_owned()])?,
                &[store::marker(store, &creds.access_key_id)],
                &cache,
            )
        }
        None => crate::credentials_file::write(&profiles.credentials_file, name, creds, true, &cache),
    }
}

/// Back into the credentials file, on request only; then out of the store.
fn export(name: &str) -> Result<()> {
    let profiles = Profiles::load(name)?;
    let (store, _) = marked(&profiles, name)?;
    let creds = store.load(name)?;
    let cache = crate::cache::Cache::open()?;
    crate::credentials_file::write(&profiles.credentials_file, name, &creds, true, &cache)?;
    unmark(&profiles, name)?;
    store.delete(name)?;
    eprintln!(
        "stsenv: keys {} of profile {} are back in {} (plaintext) and gone from {}",
        creds.access_key_id,
        q(name),
        profiles.credentials_file.display(),
        store.describe()
    );
    Ok(())
}

fn marked(profiles: &Profiles, name: &str) -> Result<(Store, String)> {
    let p = profiles.get(name).ok_or_else(|| profile::unknown(profiles, name))?;
    store::marked(p).ok_or_else(|| {
        Error::new("its keys are not in a store of stsenv's").profile(name).hint("`stsenv keys list` shows which are")
    })
}

/// Takes the marker, and the credential_process stsenv wrote, out of the config.
fn unmark(profiles: &Profiles, name: &str) -> Result<()> {
    let section = if name == "default" { "default".to_owned() } else { format!("profile {name}") };
    let cache = crate::cache::Cache::open()?;
    let ours = profiles
        .get(name)
        .and_then(|p| value(p, "credential_process"))
        .is_some_and(|c| c.contains("credential-process"));
    let keys: &[&str] = if ours { &[MARKER, "credential_process"] } else { &[MARKER] };
    crate::credentials_file::remove_keys(&profiles.config_file, &section, keys, &cache)
}

/// Two lines: the access key id, then the secret.
fn read_stdin() -> Result<Credentials> {
    let mut lines = std::io::stdin().lock().lines();
    let mut next = || lines.next().transpose().map(|l| l.unwrap_or_default().trim().to_owned());
    let (id, secret) = (next()?, next()?);
    Ok(Credentials::long_term(id, secret))
}

/// Asks on the terminal; the secret is not echoed.
fn prompt(name: &str) -> Result<Credentials> {
    let open = |write| std::fs::OpenOptions::new().read(true).write(write).open("/dev/tty");
    let (Ok(input), Ok(output)) = (open(false), open(true)) else {
        return Err(Error::new("it has no keys in the credentials file, and there is no terminal to ask for them")
            .profile(name)
            .hint(format!("pipe them in: printf '%s\\n' AKIA… SECRET | stsenv keys add {name} --from-stdin")));
    };
    let term = dialoguer::console::Term::read_write_pair(input, output);
    let id: String = dialoguer::Input::new()
        .with_prompt(format!("Access key ID for {name}"))
        .interact_text_on(&term)
        .map_err(|e| Error::new(format!("no key id: {e}")))?;
    let secret = dialoguer::Password::new()
        .with_prompt("Secret access key")
        .interact_on(&term)
        .map_err(|e| Error::new(format!("no secret: {e}")))?;
    Ok(Credentials::long_term(id.trim().to_owned(), secret.trim().to_owned()))
}

fn check(creds: &Credentials) -> Result<()> {
    let id_ok = (16..=128).contains(&creds.access_key_id.len())
        && creds.access_key_id.bytes().all(|b| b.is_ascii_alphanumeric());
    if !id_ok {
        return Err(Error::new(format!("{} is not an access key id", q(&creds.access_key_id)))
            .hint("an IAM user's key id looks like AKIAIOSFODNN7EXAMPLE"));
    }
    if creds.secret_access_key.is_empty() || creds.secret_access_key.chars().any(char::is_control) {
        return Err(Error::new("the secret access key is empty or has control characters"));
    }
    Ok(())
}
