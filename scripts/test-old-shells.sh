#!/usr/bin/env bash
# The shell-integration scenarios in the old shells users have by default (tests/old_shells.rs):
#   scripts/test-old-shells.sh PEERS_DIR    (PEERS_DIR holds bash-3.2/ and fish-3.3/; see its README)
# The oldest supported nushell comes from npm into a temporary prefix. Run after scripts/test.sh,
# which installs everything else.
set -euo pipefail
cd "$(dirname "$0")/.."
peers=$(cd "${1:?usage: scripts/test-old-shells.sh PEERS_DIR}" && pwd)
nu_version=0.101.0

prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
echo "test-old-shells.sh: installing nushell $nu_version from npm into $prefix" >&2
npm install --silent --prefix "$prefix" "nushell@$nu_version" >/dev/null
nu=$(find "$prefix/node_modules" -path '*/bin/nu' -type f | head -n 1)
[ -x "$nu" ] || { echo "test-old-shells.sh: no nu binary in nushell@$nu_version" >&2; exit 1; }

export STSENV_TEST_VENV=${STSENV_TEST_VENV:-$PWD/.venv}
log=$(mktemp)
trap 'rm -rf "$prefix" "$log"' EXIT
status=0
STSENV_TEST_PEERS=$peers STSENV_TEST_NU=$nu cargo test --locked --no-fail-fast --test old_shells "${@:2}" 2>&1 |
    tee "$log" || status=$?
awk '/^test result:/ { p += $4; f += $6 } END { printf "old shells: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
