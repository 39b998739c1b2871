#!/usr/bin/env bash
# The one test command: lints, every Rust test (SQLite always, PostgreSQL when
# CALLHOST_TEST_DATABASE_URL is set), the SDK's tests (unit, differential against the
# official SDK, Chromium on two origins), browser tests of a real `callhost serve`, and the
# official API clients against a real server, and the fuzz suite (schemathesis over the
# served OpenAPI document) on each backend.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/scripts/setup.sh"

echo "== format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi

echo "== SDK"
npm --prefix sdk test

cargo build --quiet -p callhost
echo "== host page type check, and browser tests of callhost serve"
npm --prefix e2e run typecheck
(cd e2e && CALLHOST_BIN="$root/target/debug/callhost" node --test)

echo "== official API clients"
"$root/scripts/compat.sh" "$root/target/debug/callhost"

echo "== fuzz suite"
"$root/scripts/fuzz.sh" "$root/target/debug/callhost"
