#!/usr/bin/env bash
# Installs what the test suite needs beyond Rust, from the project's own lock files:
# Chromium (Debian's package) for the browser tests, the SDK's and the browser tests' npm
# packages, the official API clients (npm, PyPI) for the compatibility suite, and the fuzz
# suite's schemathesis and OpenAPI validator (PyPI). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "== installing chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "the browser tests need Chromium at /usr/bin/chromium (Debian: apt-get install chromium)" >&2
    exit 1
  fi
fi

for dir in sdk e2e compat/node; do
  (cd "$root/$dir" && npm ci --no-audit --no-fund --loglevel=error)
done
if [[ ! -x $root/compat/python/.venv/bin/python ]]; then
  python3 -m venv "$root/compat/python/.venv"
fi
"$root/compat/python/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/compat/python/requirements.txt"
if [[ ! -x $root/fuzz/.venv/bin/python ]]; then
  python3 -m venv "$root/fuzz/.venv"
fi
"$root/fuzz/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/fuzz/requirements.txt"
