#!/usr/bin/env bash
# Installs what the test suite needs beyond Rust, from the project's own lock files:
# the official API clients (npm, PyPI) for the compatibility suite. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

(cd "$root/compat/node" && npm ci --no-audit --no-fund --loglevel=error)
if [[ ! -x $root/compat/python/.venv/bin/python ]]; then
  python3 -m venv "$root/compat/python/.venv"
fi
"$root/compat/python/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/compat/python/requirements.txt"
