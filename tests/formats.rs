//! More shells and formats (issue 10): nushell (real `nu`), PowerShell (its single-quoted
//! string rule, modelled), dotenv (read back by python-dotenv) and JSON.

mod common;

use common::http::{Server, sts_credentials, sts_identity};
use common::*;
use stsenv::render::pwsh_quote;

/// What an STS endpoint might return, at its worst: quotes, `$()`, backticks, `\`, a newline,
/// PowerShell's curly quotes, nushell's string interpolation, non-ASCII.
const HOSTILE: &str =
    "it's $(touch pwned) `touch pwned` \"; touch pwned; \\ \\' \u{2018}x\u{2019} $\"(touch pwned)\" ü 日本\n#";

fn hostile_sts() -> Server {
    Server::start(|req| match req.action().as_str() {
        "GetCallerIdentity" => sts_identity("arn:aws:iam::123456789012:user/alice"),
        action => {
            sts_credentials(action, "ASIA'$(touch pwned)", HOSTILE, &format!("tok{HOSTILE}"), "2099-01-01T00:00:00Z")
        }
    })
}

fn nu() -> std::path::PathBuf {
    shell_program("nu")
}

/// Runs `script` in real nushell with stsenv's init sourced.
fn nu_run(home: &Home, script: &str) -> std::process::Output {
    let init = home.path().join("stsenv.nu");
    let out = home.stsenv(&["init", "nu"]);
    std::fs::write(&init, &out.stdout).unwrap();
    home.command(nu())
        .args(["--no-config-file", "-c", &format!("source {}\n{script}", init.display())])
        .output()
        .unwrap()
}

#[test]
fn nushell_assume_unset_expiry_and_hostile_values() {
    let home = Home::seeds(&moto().url);
    let script = format!(
        "$env.AWS_PROFILE = 'work'\n\
         stsenv assume s3FullforAssumeRole --token-code 123456\n\
         ^{}\n\
         print $\"PROFILE-DURING=($env.AWS_PROFILE? | default none)\"\n\
         stsenv unset\n\
         print $\"AFTER-UNSET=($env.AWS_PROFILE) KEY=($env.AWS_ACCESS_KEY_ID? | default none)\"\n\
         stsenv assume s3FullforAssumeRole\n\
         $env.STSENV_EXPIRES_AT = '100'\n\
         __stsenv_hook\n\
         print $\"AFTER-EXPIRY=($env.AWS_PROFILE) KEY=($env.AWS_ACCESS_KEY_ID? | default none)\"\n\
         print $\"HOOKS=($env.config.hooks.pre_prompt | where {{|h| $h == '__stsenv_hook'}} | length)\"\n\
         let failed = try {{ stsenv assume nosuchprofile; 'no' }} catch {{ 'yes' }}\n\
         print $\"FAILED=($failed) KEY=($env.AWS_ACCESS_KEY_ID? | default none)\"",
        check_line("nu-bucket")
    );
    let out = nu_run(&home, &script);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("assumed-role/s3FullforAssumeRole/alice") && stdout.contains("BUCKET nu-bucket"),
        "{stdout}{}",
        text(&out.stderr)
    );
    for want in [
        "PROFILE-DURING=none",
        "AFTER-UNSET=work KEY=none",
        "AFTER-EXPIRY=work KEY=none",
        "HOOKS=1",
        "FAILED=yes KEY=none",
    ] {
        assert!(stdout.contains(want), "{want}: {stdout}{}", text(&out.stderr));
    }

    // Hostile values reach nushell's environment byte for byte and run nothing.
    let stub = hostile_sts();
    let home = Home::with(
        &stub.url,
        "[profile evil]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = default\n",
        CREDENTIALS,
    );
    let out = nu_run(
        &home,
        "stsenv assume evil --no-cache\nprint -n ($env.AWS_SECRET_ACCESS_KEY + \"\\u{0}\" + $env.AWS_SESSION_TOKEN + \"\\u{0}\" + $env.AWS_ACCESS_KEY_ID)",
    );
    let values: Vec<String> = text(&out.stdout).split('\0').map(str::to_owned).collect();
    assert_eq!(
        values,
        [HOSTILE.to_owned(), format!("tok{HOSTILE}"), "ASIA'$(touch pwned)".to_owned()],
        "{}",
        text(&out.stderr)
    );
    assert!(!home.path().join("pwned").exists());
}

/// PowerShell's tokenizer for a single-quoted string (ScanStringLiteral): any of `'`, U+2018,
/// U+2019, U+201A, U+201B ends it, unless the next character is one of them too, in which case
/// the first is kept and the second skipped. Returns the value and the rest of the line.
fn pwsh_parse(text: &str) -> Option<(String, &str)> {
    let quote = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}');
    let mut chars = text.char_indices().peekable();
    let (_, first) = chars.next()?;
    if !quote(first) {
        return None;
    }
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        if quote(c) {
            if chars.peek().is_some_and(|(_, n)| quote(*n)) {
                value.push(c);
                chars.next();
                continue;
            }
            return Some((value, &text[i + c.len_utf8()..]));
        }
        value.push(c);
    }
    None // unterminated
}

#[test]
fn powershell_quoting_reads_back_every_value() {
    let pieces = [
        "'",
        "''",
        "\u{2018}",
        "\u{2019}",
        "\u{201a}",
        "\u{201b}",
        "\"",
        "$x",
        "$(rm -r /)",
        "`n",
        "@'",
        "'@",
        "\n",
        "\\",
        "ü",
        "🙂",
        " ",
        "#",
        ";",
    ];
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for i in 0..5_000 {
        let value: String = (0..(i % 13))
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                pieces[(seed % pieces.len() as u64) as usize]
            })
            .collect();
        let quoted = pwsh_quote(&value);
        let (parsed, rest) = pwsh_parse(&quoted).unwrap_or_else(|| panic!("unterminated: {quoted:?}"));
        assert_eq!(parsed, value, "{quoted:?}");
        assert_eq!(rest, "", "the string ended early, the rest would run: {quoted:?}");
    }
    // What `--shell pwsh` prints: assignments, removals, and a failure that throws.
    let home = Home::seeds(&moto().url);
    let out = home.stsenv(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--shell", "pwsh"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("$env:AWS_ACCESS_KEY_ID = 'ASIA")
            && stdout.contains("Remove-Item -ErrorAction SilentlyContinue Env:AWS_PROFILE"),
        "{stdout}"
    );
    let out = home.stsenv(&["assume", "s3FullforAsumeRole", "--shell", "pwsh"]);
    assert_eq!(text(&out.stdout), "throw 'stsenv failed'\n");
    let init = home.command(bin()).args(["init", "pwsh"]).env_remove("STSENV_NO_COMPLETIONS").output().unwrap();
    assert!(text(&init.stdout).contains("Register-ArgumentCompleter"), "completions for PowerShell");
}

#[test]
fn dotenv_reads_back_in_python_dotenv_and_json_is_the_credential_process_shape() {
    let stub = hostile_sts();
    let home = Home::with(
        &stub.url,
        "[profile evil]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = default\nregion = eu-west-1\n",
        CREDENTIALS,
    );
    // A line break no dotenv reader can hold: an error naming the variable, not a split line.
    let out = home.stsenv(&["assume", "evil", "--format", "dotenv"]);
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(1), String::new()));
    assert!(text(&out.stderr).contains("AWS_SECRET_ACCESS_KEY holds a line break"), "{}", text(&out.stderr));
    let stub = Server::start(|req| match req.action().as_str() {
        "GetCallerIdentity" => sts_identity("arn:aws:iam::123456789012:user/alice"),
        action => {
            let one_line = HOSTILE.replace('\n', " ");
            sts_credentials(action, "ASIA'$(touch pwned)", &one_line, &format!("tok{one_line}"), "2099-01-01T00:00:00Z")
        }
    });
    let mut home = home;
    home.endpoint = stub.url.clone();
    let out = home.stsenv(&["assume", "evil", "--format", "dotenv"]);
    let file = home.path().join("creds.env");
    std::fs::write(&file, &out.stdout).unwrap();
    // python-dotenv's default mode (interpolate=True) reads back every byte.
    let read = "import json, sys; from dotenv import dotenv_values; print(json.dumps(dotenv_values(sys.argv[1])))";
    let out = home.command(venv("python")).args(["-c", read]).arg(&file).output().unwrap();
    let values: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out.stderr)));
    let one_line = HOSTILE.replace('\n', " ");
    assert_eq!(values["AWS_SECRET_ACCESS_KEY"], one_line);
    assert_eq!(values["AWS_SESSION_TOKEN"], format!("tok{one_line}"));
    assert_eq!(values["AWS_ACCESS_KEY_ID"], "ASIA'$(touch pwned)");
    assert_eq!(values["AWS_REGION"], "eu-west-1");
    assert!(values.get("STSENV_VARS").is_none(), "session bookkeeping in the file: {values}");

    // Real credentials need no quotes at all, so docker's --env-file (which takes values
    // literally) reads them too.
    let home = Home::seeds(&moto().url);
    let out = home.stsenv(&["assume", "s3FullforAssumeRole", "--token-code", "123456", "--format", "dotenv"]);
    let dotenv = text(&out.stdout);
    assert!(dotenv.lines().all(|l| !l.contains('\'') && !l.contains('"')), "{dotenv}");
    let out = home.stsenv(&["assume", "s3FullforAssumeRole", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["Version"], 1);
    assert!(json["SessionToken"].is_string() && json["Expiration"].as_str().unwrap().ends_with('Z'));
    let out = home.stsenv(&["assume", "s3FullforAsumeRole", "--format", "json"]);
    assert_eq!((out.status.code(), out.stdout.len()), (Some(1), 0), "a data format gets no `false`");
}
