#!/usr/bin/env bash
# Many widget sessions on one `callhost serve` (bench/src/bin/sessions.rs says what it does):
# builds the release binaries, raises the soft limit of open files (each session is a socket
# on both ends), and runs the benchmark with the flags given.
#
#   bash bench/sessions.sh [--steps 100,1000,5000,10000] [--rate 200] [--sessions-per-user 2]
#                          [--database-url URL]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p callhost -p callhost-bench
# Two file descriptors a session on each side, and some to spare.
ulimit -n "$(ulimit -Hn)"
ulimit -n 65536 2>/dev/null || true
exec target/release/sessions --callhost target/release/callhost "$@"
