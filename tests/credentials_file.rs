//! `--write-profile`: the seeds' `[mfa]` workflow without losing a byte of ~/.aws/credentials.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;

/// The text with every `[name]` section (header to next header) cut out.
fn outside(text: &str, name: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            inside = trimmed.trim_start_matches('[').split(']').next().map(str::trim) == Some(name);
        }
        if !inside {
            out.push_str(line);
        }
    }
    out
}

/// What botocore (the AWS CLI's library) reads from the file for `profile`.
fn botocore_reads(home: &Home, profile: &str) -> String {
    let script = format!(
        "import botocore.session as s; c = s.Session(profile='{profile}').get_credentials(); print(c.access_key, c.token is not None)"
    );
    let out = home.command(venv("python")).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "botocore: {}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

fn write_profile(home: &Home, section: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["session", "--token-code", "123456", "--write-profile", section];
    args.extend_from_slice(extra);
    home.stsenv(&args)
}

const CORPUS: &[(&str, &str)] = &[
    (
        "seed 004",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = oldtoken\n",
    ),
    (
        "comments and order",
        "# my keys\n[default]\n; work account\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n\n[mfa]\n# refreshed by stsenv\naws_access_key_id = ASIAOLD\nregion = eu-west-1\naws_secret_access_key = old\naws_session_token = oldtoken\n\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other\n# trailing comment\n",
    ),
    (
        "CRLF",
        "[default]\r\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\r\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\n\r\n[other]\r\naws_access_key_id = AKIAOTHER\r\naws_secret_access_key = other\r\n",
    ),
    (
        "unicode",
        "# 開発用のキー — ünïcode\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n# 本番 🙂\n",
    ),
    (
        "no final newline",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "section last, no final newline",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = oldtoken",
    ),
    (
        "duplicate sections",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n[mfa]\naws_access_key_id = ASIAOLD1\naws_secret_access_key = old\naws_session_token = t1\n[ mfa ]\naws_session_token = t2\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other\n",
    ),
    (
        "[default] only",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    ),
];

#[test]
fn writing_a_section_keeps_every_other_byte_and_botocore_reads_it() {
    let moto = moto();
    for (name, original) in CORPUS {
        let home = Home::with(&moto.url, "[default]\nregion = us-east-1\n", original);
        let path = home.aws_file("credentials");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let out = write_profile(&home, "mfa", &[]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "", "{name}: --write-profile prints no shell code");
        let written = std::fs::read_to_string(&path).unwrap();
        if original.contains("[mfa]") {
            assert_eq!(
                outside(&written, "mfa"),
                outside(original, "mfa"),
                "{name}: bytes outside [mfa] changed:\n{written}"
            );
        } else {
            assert!(written.starts_with(original), "{name}: the file was not kept as its prefix:\n{written}");
        }
        assert_eq!(written.ends_with('\n'), original.ends_with('\n'), "{name}: final newline changed");
        if original.contains("\r\n") {
            assert_eq!(written.matches('\n').count(), written.matches("\r\n").count(), "{name}: mixed line ends");
        }
        assert_eq!(written.matches("aws_session_token").count(), 1, "{name}: {written}");
        if name.contains("comments") {
            assert!(
                written.contains("[mfa]\n# refreshed by stsenv\n") && written.contains("region = eu-west-1"),
                "{written}"
            );
        }
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640, "{name}: mode");
        let read = botocore_reads(&home, "mfa");
        // (moto's GetSessionToken answers with the docs' example key id; the token tells.)
        assert!(read.ends_with(" True"), "{name}: botocore read {read}");
        assert_eq!(botocore_reads(&home, "default"), "AKIAIOSFODNN7EXAMPLE False", "{name}");
    }
}

#[test]
fn empty_or_missing_files_and_symlinks() {
    let home = Home::with(&moto().url, "[default]\nregion = us-east-1\n", "");
    // Source keys come from the config file here, so the credentials file can be anything.
    std::fs::write(
        home.aws_file("config"),
        "[default]\nregion = us-east-1\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
    )
    .unwrap();
    let path = home.aws_file("credentials");
    assert!(write_profile(&home, "mfa", &[]).status.success());
    assert!(std::fs::read_to_string(&path).unwrap().starts_with("[mfa]\naws_access_key_id = "));

    std::fs::remove_file(&path).unwrap();
    assert!(write_profile(&home, "mfa", &[]).status.success());
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);

    // A dotfiles-managed symlink stays a symlink.
    let real = home.path().join("dotfiles-credentials");
    std::fs::rename(&path, &real).unwrap();
    std::os::unix::fs::symlink(&real, &path).unwrap();
    assert!(write_profile(&home, "mfa2", &[]).status.success());
    assert!(std::fs::symlink_metadata(&path).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&real).unwrap().contains("[mfa2]"));
}

#[test]
fn long_term_keys_are_not_overwritten_without_force() {
    let original = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n[mfa]\naws_access_key_id = AKIALONGTERM\naws_secret_access_key = keep\n";
    let home = Home::with(&moto().url, "[default]\nregion = us-east-1\n", original);
    let out = write_profile(&home, "mfa", &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("[mfa] holds long-term keys"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(home.aws_file("credentials")).unwrap(), original);
    assert!(write_profile(&home, "mfa", &["--force"]).status.success());
    assert!(!std::fs::read_to_string(home.aws_file("credentials")).unwrap().contains("AKIALONGTERM"));
}

#[test]
fn twenty_concurrent_writers_lose_nothing() {
    let home = Home::seeds(&moto().url);
    let children: Vec<_> = (0..20)
        .map(|i| home.spawn(&["session", "--token-code", "123456", "--write-profile", &format!("s{i}")]))
        .collect();
    for child in children {
        let out = wait_output(child, std::time::Duration::from_secs(60));
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let written = std::fs::read_to_string(home.aws_file("credentials")).unwrap();
    assert!(written.starts_with(CREDENTIALS), "{written}");
    for i in 0..20 {
        assert!(written.contains(&format!("[s{i}]\n")), "[s{i}] lost:\n{written}");
    }
    assert!(botocore_reads(&home, "s19").ends_with("True"));
}

/// Generated files — comments, CRLF, odd whitespace, unicode, duplicate `[mfa]` sections, no
/// final newline — keep every byte outside `[mfa]`, and botocore reads every result.
#[test]
fn generated_files_keep_every_byte_outside_the_section() {
    let mut seed = 0x0123_4567_89ab_cdef_u64;
    let mut rand = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let creds = stsenv::creds::Credentials {
        access_key_id: "ASIANEW".into(),
        secret_access_key: "new/secret+key=".into(),
        session_token: Some("newtoken".into()),
        expires_at: Some(2_000_000_000),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for n in 0..300 {
        let newline = if rand(3) == 0 { "\r\n" } else { "\n" };
        let mut sections = vec!["default", "other", "prod ü", "x"];
        let mfa_count = rand(3); // none, one, or a duplicate
        for _ in 0..mfa_count {
            sections.insert(rand(sections.len() + 1), "mfa");
        }
        let mut text = String::new();
        if rand(2) == 0 {
            text += &format!("# generated file {n} — ünïcode ✓{newline}");
        }
        for section in &sections {
            // botocore does not trim `[ mfa ]` (the Rust SDK does): pad only the others.
            let pad = if *section == "mfa" { "" } else { [" ", "", "\t"][rand(3)] };
            text += &format!("[{pad}{section}{pad}]{newline}");
            for k in 0..rand(4) {
                match rand(5) {
                    0 => text += &format!("; comment {k} with = sign{newline}"),
                    1 => text += newline,
                    2 => text += &format!("key{k}={section}-value{newline}"),
                    3 => text += &format!("  key{k}  =\t spaced value {k} {newline}"),
                    _ => text += &format!("note{k} = ✓ unicode {k}{newline}"),
                }
            }
            // Keys stsenv owns, once a section (botocore rejects a key twice).
            if *section == "mfa" && rand(2) == 0 {
                text += &format!("aws_session_token = old{newline}");
            }
        }
        if rand(4) == 0 {
            text = text.trim_end_matches(['\r', '\n']).to_owned();
        }
        let edited = stsenv::credentials_file::edit(&text, "mfa", &creds, true).unwrap();
        if mfa_count == 0 {
            assert!(edited.starts_with(&text), "file {n}: bytes before the new section changed");
        } else {
            assert_eq!(
                outside(&edited, "mfa"),
                outside(&text, "mfa"),
                "file {n}: bytes outside [mfa] changed\n{text:?}\n{edited:?}"
            );
        }
        let path = dir.path().join(format!("credentials-{n}"));
        std::fs::write(&path, &edited).unwrap();
        files.push(path);
    }
    let check = "import sys\nfrom botocore.configloader import raw_config_parse\nfor p in sys.argv[1:]:\n    m = raw_config_parse(p)['mfa']\n    assert (m['aws_access_key_id'], m['aws_secret_access_key'], m['aws_session_token']) == ('ASIANEW', 'new/secret+key=', 'newtoken'), (p, m)\nprint('READ', len(sys.argv) - 1)";
    let out = std::process::Command::new(venv("python")).arg("-c").arg(check).args(&files).output().unwrap();
    assert_eq!(text(&out.stdout).trim(), "READ 300", "{}", text(&out.stderr));
}
