#!/usr/bin/env bash
# Runs the official HubSpot API clients (Node and Python) against a real `callhost serve`,
# once on SQLite and, when CALLHOST_TEST_DATABASE_URL is set, once on PostgreSQL. Also checks
# the CLI contract on the way: one ready line on stdout, a clean exit on SIGTERM.
#   usage: scripts/compat.sh [path/to/callhost]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/debug/callhost}
# The signature compatibility tests start callhosts of their own from this binary.
export CALLHOST_BIN=$bin

run_against() {
  local label=$1; shift
  local log; log=$(mktemp)
  echo "== compatibility suite on $label"
  coproc SERVER { exec "$bin" serve --ephemeral --listen 127.0.0.1:0 --demo-listen off "$@" 2>"$log"; }
  local pid=$SERVER_PID line=""
  if ! read -t 60 -r line <&"${SERVER[0]}" || [[ $line != "callhost ready "* ]]; then
    echo "callhost did not print its ready line; its log:" >&2; cat "$log" >&2; return 1
  fi
  local ready=${line#callhost ready }
  export CALLHOST_API_URL CALLHOST_DEV_API_KEY CALLHOST_ACCESS_TOKEN
  CALLHOST_API_URL=$(node -e 'console.log(JSON.parse(process.argv[1]).apiUrl)' "$ready")
  CALLHOST_DEV_API_KEY=$(node -e 'console.log(JSON.parse(process.argv[1]).developerApiKey)' "$ready")
  CALLHOST_ACCESS_TOKEN=$(node -e 'console.log(JSON.parse(process.argv[1]).accessToken)' "$ready")
  local status=0
  (cd "$root/compat/node" && node --test) || status=1
  (cd "$root/compat/python" && .venv/bin/python -m pytest -q) || status=1
  kill -TERM "$pid"
  local exit_code=0
  wait "$pid" || exit_code=$?
  if [[ $exit_code -ne 0 ]]; then
    echo "callhost exited with $exit_code on SIGTERM (expected 0); its log:" >&2; cat "$log" >&2; status=1
  fi
  rm -f "$log"
  return $status
}

status=0
run_against sqlite || status=1
if [[ -n ${CALLHOST_TEST_DATABASE_URL:-} ]]; then
  run_against postgresql --database-url "$CALLHOST_TEST_DATABASE_URL" || status=1
else
  echo "CALLHOST_TEST_DATABASE_URL is not set: skipping the PostgreSQL compatibility run"
fi
exit $status
