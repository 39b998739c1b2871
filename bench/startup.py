#!/usr/bin/env python3
"""Times `callhost serve --ephemeral` from spawn to its ready line, over several runs, and
prints the median beside a baseline measured in the same run (`callhost --version`, the
cost of starting the process at all), so the figure means something on a noisy machine.

    cargo build --release -p callhost && python3 bench/startup.py [path/to/callhost] [runs]
"""

import signal
import statistics
import subprocess
import sys
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/callhost"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 11


def time_version():
    start = time.perf_counter()
    subprocess.run([BIN, "--version"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def time_ready(extra):
    start = time.perf_counter()
    proc = subprocess.Popen(
        [BIN, "serve", "--ephemeral", "--listen", "127.0.0.1:0", "--demo-listen", "127.0.0.1:0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.send_signal(signal.SIGTERM)
    if proc.wait(timeout=30) != 0 or not line.startswith("callhost ready "):
        sys.exit(f"callhost did not start and stop cleanly: {line!r}")
    return elapsed


def report(label, samples, baseline):
    med = statistics.median(samples)
    print(f"{label:<34} median {med * 1000:7.1f} ms  min {min(samples) * 1000:7.1f}  "
          f"max {max(samples) * 1000:7.1f}  ({med / baseline:5.1f}x process start)")


def main():
    baseline = statistics.median(time_version() for _ in range(RUNS))
    print(f"{'baseline: callhost --version':<34} median {baseline * 1000:7.1f} ms")
    report("serve --ephemeral (SQLite)", [time_ready([]) for _ in range(RUNS)], baseline)
    if len(sys.argv) > 3:
        report("serve --ephemeral (PostgreSQL)",
               [time_ready(["--database-url", sys.argv[3]]) for _ in range(RUNS)], baseline)


if __name__ == "__main__":
    main()
