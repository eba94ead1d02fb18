//! The shell-integration scenarios again, in the shells users have by default: bash 3.2
//! (macOS /bin/bash), fish 3.3 (Ubuntu 22.04) and the oldest nushell stsenv supports.
//! Not part of `cargo test`: `scripts/test-old-shells.sh PEERS_DIR` runs it (.ci/run does,
//! with ../shared/peers), naming the shells in STSENV_TEST_PEERS and STSENV_TEST_NU.

#[path = "formats.rs"]
mod formats;
#[path = "newcomer.rs"]
mod newcomer;
#[path = "quoting.rs"]
mod quoting;
#[path = "shell_integration.rs"]
mod shell_integration;

mod common;

#[test]
fn the_old_shells_are_the_ones_under_test() {
    for (kind, flag, version) in [("bash", "--version", "version 3.2."), ("fish", "--version", "version 3.3.")] {
        let out = std::process::Command::new(common::shell_program(kind)).arg(flag).output().unwrap();
        let printed = common::text(&out.stdout) + &common::text(&out.stderr);
        assert!(printed.contains(version), "{kind}: set STSENV_TEST_PEERS to ../shared/peers: {printed}");
    }
    let nu = std::env::var("STSENV_TEST_NU").expect("STSENV_TEST_NU: the oldest supported nu");
    let out = std::process::Command::new(nu).arg("--version").output().unwrap();
    assert!(common::text(&out.stdout).starts_with(MIN_NU), "{}", common::text(&out.stdout));
}

/// The oldest nushell in the README's table (scripts/test-old-shells.sh installs it).
const MIN_NU: &str = "0.101";
