#!/usr/bin/env bash
# Benchmark: stsenv against awsume and the AWS CLI, side by side, against one moto server,
# with a bare process start (/bin/true) as the floor. Prints a Markdown table of medians
# (hyperfine, no shell in between), ratios and peak RSS (GNU time).
#
#   scripts/bench.sh [RUNS]        (default 200 runs for fast commands, 20 for slow ones)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}

for tool in hyperfine /usr/bin/time python3 wrk; do
    command -v "$tool" >/dev/null || { echo "bench.sh: needs $tool (apt-get install hyperfine time wrk)" >&2; exit 1; }
done
venv=${STSENV_TEST_VENV:-$PWD/.venv}
if ! "$venv/bin/python" -c 'import moto, awsume' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r tests/requirements.txt awsume==4.5.4
fi
cargo build --release --locked -q
stsenv=$PWD/target/release/stsenv

work=$(mktemp -d)
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
sso_port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/python" tests/support/sso_stub.py "$sso_port" &
sso=$!
trap 'kill $moto $sso 2>/dev/null; rm -rf "$work"' EXIT
until "$venv/bin/python" -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null; do sleep 0.2; done

# A HOME like the seeds': IAM user keys, and a role profile with MFA.
export HOME=$work/home AWS_ENDPOINT_URL=http://127.0.0.1:$port
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN XDG_CACHE_HOME
mkdir -p "$HOME/.aws"
printf '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' >"$HOME/.aws/credentials"
printf '[default]\nregion = ap-northeast-1\n\n[profile s3FullforAssumeRole]\nrole_arn = arn:aws:iam::123456789012:role/s3FullforAssumeRole\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = ap-northeast-1\n' >"$HOME/.aws/config"
# An IAM Identity Center profile, signed in (a token in the CLI's cache) against the stub.
printf '\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\n' >>"$HOME/.aws/config"
mkdir -p "$HOME/.aws/sso/cache"
printf '{"accessToken": "bench", "expiresAt": "%s"}' "$(date -u -d '+8 hours' +%Y-%m-%dT%H:%M:%SZ)" \
    >"$HOME/.aws/sso/cache/$(printf corp | sha1sum | cut -d' ' -f1).json"
export AWS_ENDPOINT_URL_SSO=http://127.0.0.1:$sso_port
until "$venv/bin/python" -c "import socket; socket.create_connection(('127.0.0.1', $sso_port))" 2>/dev/null; do sleep 0.2; done

profile=s3FullforAssumeRole
awsume=$venv/bin/awsumepy
# Fill both tools' caches, so the warm rows measure cache hits.
"$stsenv" assume $profile --token-code 123456 --shell bash >/dev/null
"$stsenv" assume dev --shell bash >/dev/null
"$awsume" $profile --mfa-token 123456 --show-commands >/dev/null 2>&1

names=(
    "bare process start (/bin/true)"
    "stsenv --version (start-up alone)"
    "stsenv assume, cache hit"
    "stsenv assume SSO profile, cache hit"
    "stsenv exec P -- /bin/true, cache hit"
    "stsenv credential-process P, cache hit"
    "stsenv assume, cold (code given)"
    "awsume --show-commands, warm"
    "awsume --show-commands, cold (code given)"
)
commands=(
    "/bin/true"
    "$stsenv --version"
    "$stsenv assume $profile --shell bash"
    "$stsenv assume dev --shell bash"
    "$stsenv exec $profile -- /bin/true"
    "$stsenv credential-process $profile"
    "$stsenv assume $profile --token-code 123456 --no-cache --shell bash"
    "$awsume $profile --show-commands"
    "$awsume $profile --mfa-token 123456 --show-commands"
)
prepare=("" "" "" "" "" "" "" "" "rm -rf $HOME/.awsume/cache")
# The AWS CLI v2 (Debian's awscli package); a pip-installed v1 earlier on PATH has no export.
aws=""
for candidate in /usr/bin/aws "$(command -v aws || true)"; do
    if [ -x "$candidate" ] && "$candidate" --version 2>&1 | grep -q '^aws-cli/2'; then aws=$candidate; break; fi
done
if [ -n "$aws" ]; then
    "$aws" configure export-credentials --profile default >/dev/null
    names+=("aws configure export-credentials (CLI v2)")
    commands+=("$aws configure export-credentials --profile default --format env")
    prepare+=("")
fi

results=$work/results.tsv
for i in "${!commands[@]}"; do
    n=$runs
    case ${names[$i]} in awsume* | aws\ *) n=$(((runs + 9) / 10)) ;; esac
    args=(-N --warmup 3 --runs "$n" --export-json "$work/$i.json" -n "${names[$i]}")
    [ -n "${prepare[$i]}" ] && args+=(--prepare "${prepare[$i]}")
    hyperfine "${args[@]}" "${commands[$i]}" >/dev/null 2>&1
    # Peak RSS: the largest of five runs.
    rss=0
    for _ in 1 2 3 4 5; do
        [ -n "${prepare[$i]}" ] && ${prepare[$i]}
        # shellcheck disable=SC2086 # the command is split into words on purpose
        r=$(/usr/bin/time -f '%M' ${commands[$i]} 2>&1 >/dev/null | tail -n 1)
        ((r > rss)) && rss=$r
    done
    printf '%s\t%s\t%s\n' "${names[$i]}" "$work/$i.json" "$rss" >>"$results"
done

"$venv/bin/python" - "$results" <<'PY'
import json, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
med = {name: json.load(open(path))["results"][0]["median"] * 1000 for name, path, _ in rows}
floor = med["bare process start (/bin/true)"]
hit = med["stsenv assume, cache hit"]
print("| command | median | over the floor | × stsenv cache hit | peak RSS |")
print("|---|---:|---:|---:|---:|")
for name, _, rss in rows:
    m = med[name]
    print(f"| {name} | {m:.2f} ms | +{m - floor:.2f} ms | {m / hit:.1f}× | {int(rss) / 1024:.1f} MiB |")
awsume = med["awsume --show-commands, warm"]
print(f"\nstsenv cache hit = 1/{awsume / hit:.0f} of awsume warm; {hit - floor:.2f} ms above a bare process start.")
ex = med["stsenv exec P -- /bin/true, cache hit"]
print(f"stsenv exec P -- /bin/true: {ex - floor:.2f} ms above /bin/true alone.")
cli = med.get("aws configure export-credentials (CLI v2)")
if cli:
    cp = med["stsenv credential-process P, cache hit"]
    print(f"stsenv credential-process cache hit = 1/{cli / cp:.0f} of aws configure export-credentials.")
PY
# Scale: the same commands with 5,000 SSO-style profiles (aws-sso-util style) in the config.
big=$work/big
mkdir -p "$big/.aws"
cp "$HOME/.aws/credentials" "$big/.aws/"
{
    cat "$HOME/.aws/config"
    for i in $(seq -w 0 4999); do
        printf '\n[profile acct%s-AdministratorAccess]\nsso_session = corp\nsso_account_id = 10000000%s\nsso_role_name = AdministratorAccess\nregion = us-east-1\n' "$i" "$i"
    done
} >"$big/.aws/config"
sleep 2.1 # a file younger than 2 s is never remembered (see src/memo.rs)
HOME=$big "$stsenv" assume $profile --token-code 123456 --shell bash >/dev/null
HOME=$big "$stsenv" profiles >/dev/null
"$stsenv" profiles >/dev/null
echo
echo "| with 5,000 profiles ($(stat -c %s "$big/.aws/config" | awk '{printf "%.0f KB", $1 / 1000}') config) | seed-sized config | 5,000 profiles | ratio | peak RSS (5,000) |"
echo "|---|---:|---:|---:|---:|"
for row in "stsenv assume, cache hit|$stsenv assume $profile --shell bash" \
    "stsenv profiles|$stsenv profiles" \
    "completion of profile names|env COMPLETE=bash _CLAP_COMPLETE_INDEX=2 $stsenv -- stsenv assume acct"; do
    name=${row%%|*}
    cmd=${row#*|}
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/small.json" "$cmd" >/dev/null 2>&1
    HOME=$big hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/bigrun.json" "$cmd" >/dev/null 2>&1
    # shellcheck disable=SC2086 # the command is split into words on purpose
    rss=$(HOME=$big /usr/bin/time -f '%M' $cmd 2>&1 >/dev/null | tail -n 1)
    "$venv/bin/python" -c "import json,sys; a=json.load(open(sys.argv[1]))['results'][0]['median']*1000; b=json.load(open(sys.argv[2]))['results'][0]['median']*1000; print(f'| {sys.argv[3]} | {a:.2f} ms | {b:.2f} ms | {b/a:.2f}× | {int(sys.argv[4])/1024:.1f} MiB |')" \
        "$work/small.json" "$work/bigrun.json" "$name" "$rss"
done
echo

# What `stsenv init` adds to a shell's start-up (one process, completions included).
for sh in bash zsh fish; do
    case $sh in
        bash) base="bash --norc -c :"; with="bash --norc -c 'eval \"\$($stsenv init bash)\"'" ;;
        zsh) base="zsh -f -c 'autoload -Uz compinit; compinit -C -d $work/zcomp'"
            with="zsh -f -c 'autoload -Uz compinit; compinit -C -d $work/zcomp; eval \"\$($stsenv init zsh)\"'" ;;
        fish) base="fish --no-config -c true"; with="fish --no-config -c '$stsenv init fish | source'" ;;
    esac
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/init-$sh.json" "$base" "$with" >/dev/null 2>&1
    "$venv/bin/python" -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(f'$sh start-up: {r[0][\"median\"]*1000:.2f} ms, with stsenv init: {r[1][\"median\"]*1000:.2f} ms (+{(r[1][\"median\"]-r[0][\"median\"])*1000:.2f} ms)')" "$work/init-$sh.json"
done

# Long-term keys from the encrypted key file, unlocked (kernel keyring), against plaintext keys:
# one GetSessionToken each, nothing cached.
store=$work/store
mkdir -p "$store/.aws"
cp "$HOME/.aws/credentials" "$HOME/.aws/config" "$store/.aws/"
export STSENV_FILE_PASSPHRASE=bench-passphrase XDG_DATA_HOME=$store/.local/share
HOME=$store "$stsenv" keys add default --store file 2>/dev/null
HOME=$store "$stsenv" keys unlock 2>/dev/null
unset STSENV_FILE_PASSPHRASE
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/store.json" \
    "env HOME=$HOME $stsenv session default --no-cache --shell bash" \
    "env HOME=$store $stsenv session default --no-cache --shell bash" >/dev/null 2>&1
HOME=$store "$stsenv" keys lock 2>/dev/null
unset XDG_DATA_HOME
"$venv/bin/python" -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(f'session --no-cache: keys in ~/.aws/credentials {r[0][\"median\"]*1000:.2f} ms, in the unlocked key file {r[1][\"median\"]*1000:.2f} ms ({(r[1][\"median\"]-r[0][\"median\"])*1000:+.2f} ms)')" "$work/store.json"

# One credential-server request answered from the cache, timed by a client in the child.
server=$("$stsenv" exec --server $profile -- "$venv/bin/python" tests/support/server_latency.py 500)
echo "credential server: median request ${server#MEDIAN_MS } ms (500 requests, Python urllib client, one connection each)"
# Under load: 50 keep-alive connections for 5 s (wrk, 2 threads), as SDK connection pools ask.
# shellcheck disable=SC2016 # expanded by the child sh, from the server's environment
load=$("$stsenv" exec --server $profile -- sh -c 'wrk -t2 -c50 -d5s --latency -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI"')
median=$(awk '$1 == "50%" { print $2 }' <<<"$load")
p99=$(awk '$1 == "99%" { print $2 }' <<<"$load")
rate=$(awk '/^Requests\/sec/ { print $2 }' <<<"$load")
echo "credential server under 50 concurrent clients: median ${median}, p99 ${p99}, ${rate} requests/s (wrk -t2 -c50 -d5s)"
# Hostile clients (idle, slow-loris, a 100 MiB header, 200 parallel, resets): the answer time
# for others, and the server's peak memory.
hostile=$("$stsenv" exec --server $profile -- "$venv/bin/python" tests/support/server_clients.py hostile "$AWS_ENDPOINT_URL")
echo "credential server with hostile clients: a request answered in $(awk '$1 == "FETCH" { print $3 }' <<<"$hostile") ms; \
peak RSS $(awk '$1 == "SERVER_PEAK_KIB" { printf "%.1f MiB", $2 / 1024 }' <<<"$hostile") after a $(awk '$1 == "LONG_HEADER" { print $2 }' <<<"$hostile") header was cut off (431)"
echo "stripped release binary: $(stat -c %s "$stsenv" | awk '{printf "%.1f MB", $1 / 1e6}')"
