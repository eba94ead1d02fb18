//! `stsenv assume` with no TARGET at a terminal (issue 18): the fuzzy picker on /dev/tty,
//! driven with keys in a real pseudo-terminal in bash, zsh and fish — type, arrow, Enter,
//! Esc — most recently used first, and SSO account/role pairs no profile names yet.

mod common;

use common::shell::*;
use common::sso::*;
use common::*;

const PROMPT: &str = "type to filter, Enter to choose, Esc to cancel";

/// Keys as typed: rexpect buffers what has no newline until a flush.
fn send(sh: &mut Shell, keys: &str) {
    sh.pty.send(keys).unwrap();
    sh.pty.flush().unwrap();
}

/// Esc alone: a key that follows at once would make it the start of an escape sequence.
fn escape(sh: &mut Shell) {
    send(sh, "\x1b");
    std::thread::sleep(std::time::Duration::from_millis(300));
}

fn status(kind: &str) -> &'static str {
    if kind == "fish" { "$status" } else { "$?" }
}

#[test]
fn the_picker_filters_moves_chooses_and_cancels_in_every_shell() {
    let home = Home::seeds(&moto().url);
    for kind in ["bash", "zsh", "fish"] {
        let mut sh = Shell::start(&home, kind, &[]);
        sh.init();
        // Type to filter, Enter: the role is assumed in this shell.
        sh.pty.send_line("stsenv assume").unwrap();
        sh.pty.exp_string(PROMPT).unwrap();
        send(&mut sh, "reado");
        std::thread::sleep(std::time::Duration::from_millis(300));
        send(&mut sh, "\r");
        if kind == "bash" {
            // The first shell has no MFA session yet.
            sh.pty.exp_string("Enter MFA code").unwrap();
            sh.pty.send_line("123456").unwrap();
        }
        let out = sh.run("echo \"P=$STSENV_PROFILE KEY=$AWS_ACCESS_KEY_ID\"");
        assert!(out.contains("P=readonly KEY=ASIA"), "{kind}: {out}");

        // Most recently used first: readonly is on top now, so one Down is the next name.
        sh.pty.send_line("stsenv assume").unwrap();
        sh.pty.exp_string(PROMPT).unwrap();
        send(&mut sh, "\x1b[B");
        std::thread::sleep(std::time::Duration::from_millis(300));
        send(&mut sh, "\r");
        let out = sh.run("echo \"P=$STSENV_PROFILE\"");
        assert!(out.contains("P=chained"), "{kind}: {out}");

        // Esc: nothing chosen, nothing changed, the status says so (130).
        sh.pty.send_line(&format!("stsenv assume; echo \"RC={} P=$STSENV_PROFILE\"", status(kind))).unwrap();
        sh.pty.exp_string(PROMPT).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        escape(&mut sh);
        let out = sh.sync();
        assert!(out.contains("RC=130 P=chained"), "{kind}: {out}");

        // Ctrl-C: the same, and the cursor the picker hid is shown again.
        sh.pty.send_line(&format!("stsenv assume; echo \"RC={} P=$STSENV_PROFILE\"", status(kind))).unwrap();
        sh.pty.exp_string(PROMPT).unwrap();
        send(&mut sh, "\x03");
        let out = sh.sync();
        assert!(out.contains("RC=130 P=chained") && out.contains("\x1b[?25h"), "{kind}: {out:?}");
        sh.run("stsenv unset");
    }
}

#[test]
fn sso_pairs_without_a_profile_are_offered_and_assumed_directly() {
    let sso = Sso::start();
    sso.organization(4, &["Admin", "Billing"]);
    let config = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n\
                  [profile team0-admin]\nsso_session = corp\nsso_account_id = 100000000000\nsso_role_name = Admin\n";
    let mut home = Home::with(sso.url(), config, "");
    home.env.push(("AWS_ENDPOINT_URL_SSO".into(), sso.url().into()));
    write_token(&home, "corp", "valid-corp", 8 * 3600, None);
    let mut sh = Shell::start(&home, "bash", &[]);
    sh.init();
    sh.pty.send_line("stsenv assume").unwrap();
    sh.pty.exp_string(PROMPT).unwrap();
    // The pair a profile names is offered as that profile only.
    send(&mut sh, "Team 003 Bill");
    sh.pty.exp_string("SSO session corp, account 100000000003").unwrap();
    send(&mut sh, "\r");
    let out = sh.run("echo \"P=$STSENV_PROFILE KEY=$AWS_ACCESS_KEY_ID T=$AWS_SESSION_TOKEN\"");
    assert!(out.contains("P=100000000003/Billing KEY=ASIASSO") && out.contains("T=sso-token-Billing-"), "{out}");
    let out = sh.run("echo \"R=$STSENV_REQUEST\"");
    assert!(out.contains("--sso-session corp"), "renew replays the session: {out}");
    // The listing is reused for an hour: the second picker asks the portal nothing.
    let listings = sso.count("/assignment/accounts");
    sh.pty.send_line("stsenv assume").unwrap();
    sh.pty.exp_string(PROMPT).unwrap();
    escape(&mut sh);
    sh.sync();
    assert_eq!(sso.count("/assignment/accounts"), listings);
}

#[test]
fn with_no_terminal_there_is_no_picker() {
    let home = Home::seeds(&moto().url);
    let out = home.stsenv_detached(&["assume"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("which profile? stsenv assume"), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "false\n");
}

#[test]
fn portal_names_reach_the_terminal_through_the_printable_filter() {
    let sso = Sso::start();
    sso.set(|s| {
        s.accounts = vec![("100000000001".into(), "Evil\x1b]0;owned\x07\x1b[2J\u{9b}31m".into())];
        s.roles = [("100000000001".to_owned(), vec!["Admin".to_owned()])].into_iter().collect();
    });
    let config = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";
    let mut home = Home::with(sso.url(), config, "");
    home.env.push(("AWS_ENDPOINT_URL_SSO".into(), sso.url().into()));
    write_token(&home, "corp", "valid-corp", 8 * 3600, None);
    let mut sh = Shell::start(&home, "bash", &[]);
    sh.init();
    sh.pty.send_line("stsenv assume").unwrap();
    sh.pty.exp_string(PROMPT).unwrap();
    std::thread::sleep(std::time::Duration::from_secs(2));
    escape(&mut sh);
    let drawn = sh.sync();
    // The picker colours each character: read the text without its SGR sequences.
    let screen = without_colours(&drawn);
    assert!(screen.contains("Evil\\u{1b}]0;owned\\u{7}"), "{screen:?}");
    assert!(!screen.contains("\x1b]0;") && !screen.contains("\x1b[2J") && !screen.contains('\u{9b}'), "{screen:?}");
}

/// `text` without SGR (colour) sequences, `ESC [ digits/; m`.
fn without_colours(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\x1b[") {
        out += &rest[..at];
        let tail = &rest[at + 2..];
        let end = tail.find(|c: char| !(c.is_ascii_digit() || c == ';')).unwrap_or(tail.len());
        if tail[end..].starts_with('m') {
            rest = &tail[end + 1..];
        } else {
            out += "\x1b[";
            rest = tail;
        }
    }
    out + rest
}

#[test]
fn on_a_short_terminal_the_prompt_stays_and_the_rest_is_counted() {
    let many: String = (0..34)
        .map(|i| format!("[profile team-{i:02}.ReadOnly]\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\nsource_profile = default\n"))
        .collect();
    let home = Home::with(&moto().url, &format!("{CONFIG}{many}"), CREDENTIALS);
    let mut sh = Shell::start(&home, "bash", &[]);
    sh.init();
    // Ten rows: the prompt and the filter, seven names, and the count of the others.
    sh.run("stty rows 10 cols 80");
    sh.pty.send_line("stsenv assume").unwrap();
    let (drawn, _) = sh.pty.exp_regex(r"\d+ more: type to filter").unwrap();
    let drawn = without_colours(&drawn);
    assert!(drawn.contains(PROMPT), "{drawn:?}");
    let names = drawn.matches(".ReadOnly").count();
    assert!((1..=7).contains(&names), "{names} names drawn on 10 rows: {drawn:?}");
    escape(&mut sh);
    sh.sync();
}
