#!/usr/bin/env bash
# The call path with two callhost instances on one PostgreSQL database, against a baseline
# measured in the same run (the same reports sent to one instance): p50, p99 and the mean of
# OUTGOING_CALL_STARTED -> CREATE_ENGAGEMENT_SUCCEEDED over the real host socket, and of the
# inbound-call API. Not a test, not run in CI. See crates/cli/examples/two_instances.rs.
#
#   bench/two_instances.sh [DATABASE_URL] [CALLS]
#
# DATABASE_URL defaults to $CALLHOST_TEST_DATABASE_URL; a database is created on its server for
# the run and dropped after. The server measured is target/release/callhost (built here), or
# $CALLHOST_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
url="${1:-${CALLHOST_TEST_DATABASE_URL:?give a postgres:// URL or set CALLHOST_TEST_DATABASE_URL}}"
calls="${2:-200}"
if [[ -z "${CALLHOST_BIN:-}" ]]; then
  cargo build --release -p callhost --bin callhost
  CALLHOST_BIN=target/release/callhost
fi
cargo run --release -p callhost --example two_instances -- "$url" "$CALLHOST_BIN" "$calls"
