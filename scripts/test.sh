#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need when it is missing —
# zsh, fish, direnv, shellcheck, strace, the AWS CLI v2, pass with gnupg, node, chromium and
# firefox-esr under xvfb, and a Secret Service keyring (gnome-keyring in a dbus-run-session)
# from apt; nushell and the AWS SDK for JavaScript
# from npm; moto, boto3,
# python-dotenv and the AWS CLI in a venv —
# then runs the whole suite. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in zsh fish direnv shellcheck strace setsid python3 dbus-run-session gnome-keyring-daemon openssl pass gpg node chromium firefox-esr xvfb-run; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
# The AWS CLI v2 (Debian's awscli), as a user would have it; pip's awscli in the venv is v1.
/usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2' || missing+=(awscli)
if ((${#missing[@]})); then
    packages=()
    for tool in "${missing[@]}"; do
        case $tool in
            setsid) packages+=(util-linux) ;;
            python3) packages+=(python3 python3-venv) ;;
            dbus-run-session) packages+=(dbus-daemon) ;;
            gnome-keyring-daemon) packages+=(gnome-keyring) ;;
            gpg) packages+=(gnupg) ;;
            node) packages+=(nodejs npm) ;;
            xvfb-run) packages+=(xvfb xauth) ;;
            *) packages+=("$tool") ;;
        esac
    done
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    echo "test.sh: installing ${packages[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
fi

venv=${STSENV_TEST_VENV:-$PWD/.venv}
# nushell from npm (the binary comes in @nushell/linux-x64), pinned and beside the venv, so
# every machine tests the same nu whatever else is installed.
nu_version=0.115.1
nu_prefix=$venv/nushell-$nu_version
if ! "$nu_prefix/bin/nu" --version 2>/dev/null | grep -qx "$nu_version"; then
    echo "test.sh: installing nushell $nu_version from npm" >&2
    mkdir -p "$nu_prefix"
    npm install --silent --prefix "$nu_prefix" "nushell@$nu_version" >/dev/null
    mkdir -p "$nu_prefix/bin"
    ln -sf "$(find "$nu_prefix/node_modules" -path '*/bin/nu' -type f | head -n 1)" "$nu_prefix/bin/nu"
fi
export STSENV_TEST_NU=${STSENV_TEST_NU:-$nu_prefix/bin/nu}

# The AWS SDK for JavaScript v3 (npm), pinned, beside the venv: a real client of --profile-env.
js_version=3.1178.0
if ! grep -qs "\"version\": \"$js_version\"" "$venv/js/node_modules/@aws-sdk/client-sts/package.json"; then
    echo "test.sh: installing @aws-sdk/client-sts $js_version from npm" >&2
    mkdir -p "$venv/js"
    npm install --silent --prefix "$venv/js" "@aws-sdk/client-sts@$js_version" >/dev/null
fi

if ! "$venv/bin/python" -c 'import moto, boto3, awscli, dotenv' 2>/dev/null || [ ! -x "$venv/bin/moto_server" ]; then
    echo "test.sh: creating $venv with moto" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r tests/requirements.txt
fi
export STSENV_TEST_VENV=$venv

# One closing line over every test binary, so CI sees the total.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --locked --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
