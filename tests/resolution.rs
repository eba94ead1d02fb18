//! stsenv against botocore (issue 28): the same config files resolved by both, through one
//! counting proxy in front of moto that records each STS call, its role and who signed it.
//! The three answers that were wrong, each documented difference (README, "Deliberate
//! differences"), and a property test over generated configs that fails on any other
//! divergence.

mod common;

use common::http::{Request, Server};
use common::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/";

/// What one resolution did: STS calls as (action, RoleArn, signer, signed with a token), and
/// the key it ended with (stsenv: exported; botocore: the signer of its GetCallerIdentity).
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    calls: Vec<(String, String, String, bool)>,
    key: String,
    error: Option<String>,
    region: String,
}

impl Outcome {
    /// What both SDKs must agree on: the roles assumed in order and the identity that began
    /// the chain (stsenv's MFA session, GetSessionToken, is stsenv's own and not compared).
    fn essence(&self) -> (Vec<String>, String, bool) {
        let roles = self.calls.iter().filter(|c| c.0.starts_with("AssumeRole")).map(|c| c.1.clone()).collect();
        let base = self.calls.first().map_or(self.key.clone(), |c| c.2.clone());
        (roles, base, self.error.is_none())
    }
}

fn call(r: &Request) -> (String, String, String, bool) {
    (r.action(), r.param("RoleArn").unwrap_or_default(), r.signer(), r.has_session_token())
}

fn stsenv(home: &Home, proxy: &Server, profile: &str, env: &[(&str, &str)]) -> Outcome {
    let before = proxy.all().len();
    let cache = tempfile::tempdir().unwrap();
    let out = home
        .command(bin())
        .args(["assume", profile, "--token-code", "123456", "--shell", "bash"])
        .env("XDG_CACHE_HOME", cache.path())
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    let var = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .map(|v| v.trim_matches('\'').to_owned())
            .unwrap_or_default()
    };
    Outcome {
        calls: proxy.all()[before..].iter().filter(|r| !r.action().is_empty()).map(call).collect(),
        key: var("AWS_ACCESS_KEY_ID"),
        error: (!out.status.success()).then(|| text(&out.stderr)),
        region: var("AWS_REGION"),
    }
}

/// botocore (boto3's session, as the AWS CLI builds it) for each profile: its STS calls seen
/// by a `before-send` hook, the MFA prompter answering the code.
const BOTOCORE: &str = r#"
import json, sys, boto3, botocore.session
out = {}
for profile in json.loads(sys.argv[1]):
    calls = []
    def record(request, **kwargs):
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
        form = dict(p.split("=", 1) for p in body.split("&") if "=" in p)
        from urllib.parse import unquote_plus
        auth = request.headers.get("Authorization", b"")
        auth = auth.decode() if isinstance(auth, bytes) else auth
        signer = auth.split("Credential=")[1].split("/")[0] if "Credential=" in auth else ""
        calls.append([form.get("Action", ""), unquote_plus(form.get("RoleArn", "")), signer, "X-Amz-Security-Token" in request.headers])
    region = ""
    try:
        core = botocore.session.Session(profile=profile)
        core.get_component("credential_provider").get_provider("assume-role")._prompter = lambda _: "123456"
        core.register("before-send.sts", record)
        region = core.get_config_variable("region") or ""
        if not region:
            core.set_config_variable("region", "us-east-1")
        session = boto3.session.Session(botocore_session=core)
        session.client("sts", region_name=region if region.replace("-", "").isalnum() else "us-east-1").get_caller_identity()
        key = calls[-1][2]
        out[profile] = {"calls": calls[:-1], "key": key, "error": None, "region": region}
    except Exception as e:
        out[profile] = {"calls": calls, "key": "", "error": repr(e), "region": region}
print(json.dumps(out))
"#;

fn botocore(home: &Home, proxy: &Server, profiles: &[&str], env: &[(&str, &str)]) -> Vec<Outcome> {
    let names = serde_json::to_string(profiles).unwrap();
    let out = home
        .command(venv("python"))
        .args(["-c", BOTOCORE, &names])
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "botocore: {}", text(&out.stderr));
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    profiles
        .iter()
        .map(|p| {
            let o = &all[*p];
            Outcome {
                calls: o["calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        let s = |i: usize| c[i].as_str().unwrap_or_default().to_owned();
                        (s(0), s(1), s(2), c[3].as_bool().unwrap_or(false))
                    })
                    .collect(),
                key: o["key"].as_str().unwrap_or_default().to_owned(),
                error: o["error"].as_str().map(str::to_owned),
                region: o["region"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

fn process_line(key: &str) -> String {
    format!(
        "credential_process = echo '{{\"Version\": 1, \"AccessKeyId\": \"{key}\", \"SecretAccessKey\": \"s\", \"SessionToken\": \"t\", \"Expiration\": \"2099-01-01T00:00:00Z\"}}'"
    )
}

#[test]
fn the_three_wrong_answers_now_match_the_sdks() {
    let proxy = Server::counting(&moto().url);
    // 1. Keys in ~/.aws/config and credential_process in the target: both SDKs run the process.
    let config = format!(
        "[profile both]\naws_access_key_id = AKIACONFIGKEYS000001\naws_secret_access_key = s\n{}\n\n\
         [profile envrole]\nrole_arn = {ROLE}EnvRole\ncredential_source = Environment\nmfa_serial = arn:aws:iam::123456789012:mfa/ci\n\n\
         [profile lower]\nrole_arn = {ROLE}Lower\ncredential_source = ec2instancemetadata\n\n\
         [profile selfish]\nrole_arn = {ROLE}Self\nsource_profile = selfish\n",
        process_line("ASIAPROCESS000000001")
    );
    let home = Home::with(&proxy.url, &config, "");
    let ours = stsenv(&home, &proxy, "both", &[]);
    let theirs = botocore(&home, &proxy, &["both"], &[]).remove(0);
    assert_eq!(ours.key, "ASIAPROCESS000000001", "{ours:?}");
    assert_eq!(ours.essence(), theirs.essence(), "ours {ours:?} botocore {theirs:?}");

    // 2. AWS_SECURITY_TOKEN: an ASIA key whose token is only there signs with it, and no
    //    GetSessionToken is asked of temporary credentials.
    let temp = home
        .command(venv("python"))
        .args(["-c", "import boto3; c = boto3.client('sts', region_name='us-east-1').get_session_token()['Credentials']; print(c['AccessKeyId'], c['SecretAccessKey'], c['SessionToken'])"])
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .output()
        .unwrap();
    let words: Vec<String> = text(&temp.stdout).split_whitespace().map(str::to_owned).collect();
    assert_eq!(words.len(), 3, "{}", text(&temp.stderr));
    let env = [
        ("AWS_ACCESS_KEY_ID", words[0].as_str()),
        ("AWS_SECRET_ACCESS_KEY", words[1].as_str()),
        ("AWS_SECURITY_TOKEN", words[2].as_str()),
    ];
    let ours = stsenv(&home, &proxy, "envrole", &env);
    let theirs = botocore(&home, &proxy, &["envrole"], &env).remove(0);
    assert!(ours.error.is_none(), "{ours:?}");
    assert_eq!(ours.calls.len(), 1, "one AssumeRole, no GetSessionToken: {ours:?}");
    assert!(ours.calls[0].3, "AssumeRole signed without the token: {ours:?}");
    assert_eq!(ours.calls[0].0, theirs.calls[0].0);
    assert_eq!((&ours.calls[0].2, ours.calls[0].3), (&theirs.calls[0].2, theirs.calls[0].3), "{theirs:?}");
    let dry = home.command(bin()).args(["assume", "envrole", "--dry-run"]).envs(env).output().unwrap();
    assert!(text(&dry.stderr).contains("STS gives no MFA session for those"), "{}", text(&dry.stderr));

    // 3. credential_source in any case; the hint says what the code does.
    let out = home.command(bin()).args(["assume", "lower", "--dry-run"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Ec2InstanceMetadata"), "{}", text(&out.stderr));

    // 4. A role that names itself as source_profile with no keys: a cycle, with file and line.
    let out = home.stsenv(&["assume", "selfish"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("source_profile cycle: selfish -> selfish"), "{stderr}");
    assert!(stderr.contains(&format!("{}:17", home.aws_file("config").display())), "{stderr}");
    assert!(!stderr.contains("aws_secret_access_key"), "{stderr}");
}

#[test]
fn each_documented_difference_holds_as_documented() {
    let proxy = Server::counting(&moto().url);
    let credentials = "[a]\naws_access_key_id = AKIAPROFILEA00000001\naws_secret_access_key = s\n\n\
                       [b]\naws_access_key_id = AKIAPROFILEB00000001\naws_secret_access_key = s\n\n\
                       [keysfile]\naws_access_key_id = AKIAKEYSFILE00000001\naws_secret_access_key = s\n\n\
                       [webkeys]\naws_access_key_id = AKIAWEBKEYS000000001\naws_secret_access_key = s\n\n\
                       [default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = s\n";
    let home_dir = tempfile::tempdir().unwrap();
    let token = home_dir.path().join("token");
    std::fs::write(&token, "eyJhbGciOiJIUzI1NiJ9.e30.x").unwrap();
    let config = format!(
        "[profile keysfile]\n{}\n\n\
         [profile comment]\naws_access_key_id = AKIACOMMENT000000001\naws_secret_access_key = s\nregion = eu-west-1 # mine\n\n\
         [profile webkeys]\nrole_arn = {ROLE}Web\nweb_identity_token_file = {}\n\n\
         [profile onweb]\nrole_arn = {ROLE}OnWeb\nsource_profile = webkeys\n\n\
         [profile hours]\nrole_arn = {ROLE}Hours\nsource_profile = a\nduration_seconds = 1h\n\n\
         [profile srcboth]\naws_access_key_id = AKIASRCBOTH000000001\naws_secret_access_key = s\n{}\n\n\
         [profile onsrcboth]\nrole_arn = {ROLE}OnSrcBoth\nsource_profile = srcboth\n\n\
         [profile default]\nregion = eu-north-1\n\n[default]\nregion = ap-south-1\n",
        process_line("ASIAPROCESS000000002"),
        token.display(),
        process_line("ASIAPROCESS000000003")
    );
    let home = Home::with(&proxy.url, &config, credentials);

    // Target with credential_process and keys in ~/.aws/credentials: the process (botocore: keys).
    let ours = stsenv(&home, &proxy, "keysfile", &[]);
    let theirs = botocore(&home, &proxy, &["keysfile"], &[]).remove(0);
    assert_eq!((ours.key.as_str(), theirs.key.as_str()), ("ASIAPROCESS000000002", "AKIAKEYSFILE00000001"));

    // A role ARN's source: AWS_PROFILE before AWS_DEFAULT_PROFILE (botocore: the other way).
    let env = [("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")];
    let ours = stsenv(&home, &proxy, &format!("{ROLE}ByArn"), &env);
    assert_eq!(ours.essence().1, "AKIAPROFILEA00000001", "{ours:?}");
    let theirs = botocore(&home, &proxy, &["b"], &[]).remove(0);
    let default_first = home
        .command(venv("python"))
        .args(["-c", "import boto3; print(boto3.session.Session().get_credentials().access_key)"])
        .envs(env)
        .output()
        .unwrap();
    assert_eq!(text(&default_first.stdout).trim(), "AKIAPROFILEB00000001", "{theirs:?}");

    // ` # comment` after a value: stripped (botocore keeps it).
    let ours = stsenv(&home, &proxy, "comment", &[]);
    let theirs = botocore(&home, &proxy, &["comment"], &[]).remove(0);
    assert_eq!((ours.region.as_str(), theirs.region.as_str()), ("eu-west-1", "eu-west-1 # mine"));

    // A source with static keys and its own web identity: the keys (botocore: the web identity).
    let ours = stsenv(&home, &proxy, "onweb", &[]);
    let theirs = botocore(&home, &proxy, &["onweb"], &[]).remove(0);
    assert_eq!(ours.essence().0, [format!("{ROLE}OnWeb")], "{ours:?}");
    assert!(ours.calls.iter().all(|c| c.0 != "AssumeRoleWithWebIdentity"), "{ours:?}");
    assert!(theirs.calls.iter().any(|c| c.0 == "AssumeRoleWithWebIdentity"), "{theirs:?}");

    // duration_seconds = 1h: an error with file and line (botocore: an hour).
    let ours = stsenv(&home, &proxy, "hours", &[]);
    let theirs = botocore(&home, &proxy, &["hours"], &[]).remove(0);
    let error = ours.error.unwrap_or_default();
    assert!(error.contains("duration_seconds '1h'") && error.contains("config:"), "{error}");
    assert!(theirs.error.is_none(), "{theirs:?}");

    // [profile default] and [default]: [profile default] (botocore: the later one).
    let ours = stsenv(&home, &proxy, "default", &[]);
    let theirs = botocore(&home, &proxy, &["default"], &[]).remove(0);
    assert_eq!((ours.region.as_str(), theirs.region.as_str()), ("eu-north-1", "ap-south-1"), "{ours:?}");

    // A source profile with keys in ~/.aws/config and a credential_process: the keys, as
    // every source's static keys (botocore: the process).
    let ours = stsenv(&home, &proxy, "onsrcboth", &[]);
    let theirs = botocore(&home, &proxy, &["onsrcboth"], &[]).remove(0);
    assert_eq!(
        (ours.essence().1.as_str(), theirs.essence().1.as_str()),
        ("AKIASRCBOTH000000001", "ASIAPROCESS000000003")
    );

    // A key twice in a section: the last wins (botocore refuses the file).
    let twice = "[profile twice]\naws_access_key_id = AKIATWICE00000000001\naws_secret_access_key = s\nregion = us-west-1\nregion = us-west-2\n";
    let home = Home::with(&proxy.url, twice, "");
    let ours = stsenv(&home, &proxy, "twice", &[]);
    let theirs = botocore(&home, &proxy, &["twice"], &[]).remove(0);
    assert_eq!(ours.region, "us-west-2", "{ours:?}");
    assert!(theirs.error.is_some_and(|e| e.contains("ConfigParseError")), "botocore refuses the file");
}

/// A small deterministic generator (no dependency): the same configs on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Configs only where the documented differences cannot arise; any divergence fails.
fn generate(rng: &mut Rng, i: usize) -> (String, String, Vec<String>) {
    let mut config = String::new();
    let mut credentials = String::new();
    let mut names: Vec<String> = Vec::new();
    let mfa = |rng: &mut Rng| {
        if rng.next(2) == 0 { "mfa_serial = arn:aws:iam::123456789012:mfa/gen\n".to_owned() } else { String::new() }
    };
    let region = |rng: &mut Rng| ["", "region = eu-west-1\n", "region = us-east-2\n"][rng.next(3) as usize].to_owned();
    // Bases: keys in either file, a process.
    credentials += &format!("[k{i}]\naws_access_key_id = AKIAGENKEYS{i:09}\naws_secret_access_key = s\n\n");
    config += &format!("[profile k{i}]\n{}{}\n", mfa(rng), region(rng));
    names.push(format!("k{i}"));
    config += &format!(
        "[profile c{i}]\naws_access_key_id = AKIAGENCONF{i:09}\naws_secret_access_key = s\n{}{}\n",
        mfa(rng),
        region(rng)
    );
    names.push(format!("c{i}"));
    config += &format!("[profile p{i}]\n{}\n{}\n", process_line(&format!("ASIAGENPROC{i:09}")), region(rng));
    names.push(format!("p{i}"));
    // Roles on any earlier profile, some with keys of their own (ignored as a target, used
    // as a source), some with MFA.
    for r in 0..(2 + rng.next(3)) {
        let source = names[rng.next(names.len() as u64) as usize].clone();
        let name = format!("r{i}x{r}");
        let own_keys = rng.next(4) == 0;
        if own_keys {
            credentials +=
                &format!("[{name}]\naws_access_key_id = AKIAGENROLE{i:05}{r:04}\naws_secret_access_key = s\n\n");
        }
        config += &format!(
            "[profile {name}]\nrole_arn = {ROLE}Gen{i}x{r}\nsource_profile = {source}\n{}{}\n",
            mfa(rng),
            region(rng)
        );
        names.push(name);
    }
    (config, credentials, names)
}

#[test]
fn generated_configs_resolve_as_botocore_resolves_them() {
    let proxy = Server::counting(&moto().url);
    let mut rng = Rng(28);
    let mut compared = 0;
    for i in 0..12 {
        let (config, credentials, names) = generate(&mut rng, i);
        let home = Home::with(&proxy.url, &config, &credentials);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let theirs = botocore(&home, &proxy, &refs, &[]);
        for (name, theirs) in names.iter().zip(theirs) {
            let ours = stsenv(&home, &proxy, name, &[]);
            assert_eq!(
                ours.essence(),
                theirs.essence(),
                "{name} resolves differently\nconfig:\n{config}\ncredentials:\n{credentials}\nstsenv: {ours:?}\nbotocore: {theirs:?}"
            );
            if !theirs.region.is_empty() {
                assert_eq!(ours.region, theirs.region, "{name}: region\n{config}");
            }
            compared += 1;
        }
    }
    println!("{compared} profiles resolved alike");
    assert!(compared >= 60, "{compared}");
}
