#!/usr/bin/env python3
"""REST throughput: `GET /crm/v3/objects/contacts/{id}` and `PATCH /crm/v3/objects/calls/{id}`
on a real `callhost serve` (release build), against a bare axum hello-world (`hello`, in this
crate) on the same machine in the same run. Prints requests a second, p50/p99 latency, the
ratio to the bare server, and the CPU time each server spent per request (user and system,
from /proc: it moves far less than requests a second when other work shares the cores). It is
a benchmark that prints figures, not a test.

The GET runs twice: once for one contact, over and over (on SQLite the server answers it from
memory while nothing is committed), and once for 1,100 contacts in turn, more than the server
keeps in memory, so that every read asks the database.

    python3 bench/rest.py [--seconds 10] [--connections 32] [--database-url postgres://...]
                          [--callhost path/to/callhost] [--no-build]

It builds what it runs (`cargo build --release -p callhost -p callhost-bench`) and installs the
load generator, wrk (Debian's package, `apt-get install wrk`), when it is missing. Without
`--database-url` (or CALLHOST_DATABASE_URL) callhost keeps its data in SQLite; with one, in an
ephemeral schema of that PostgreSQL database.

Why wrk: it is a small C program, packaged by Debian, and spends little CPU per request, which
matters when the load generator and the server share two cores; it takes a Lua script for the
PATCH's method, body and headers, and prints the latency distribution (`--latency`).
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("installing wrk (apt-get install wrk)", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "wrk"], check=True)


def start(argv, prefix):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if not line.startswith(prefix):
        proc.kill()
        sys.exit(f"{argv[0]} did not start: {line!r}")
    return proc, line[len(prefix):].strip()


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def api(ready, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(ready["apiUrl"] + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + ready["accessToken"])
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())


LUA = """
wrk.method = "{method}"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
{body}
"""

# Each request reads the next of many objects, more than the server keeps in memory
# (`crates/store/src/object_cache.rs` keeps 1,024), so that every read asks the database.
LUA_IN_TURN = """
local ids = {{{ids}}}
local i = 0
request = function()
  i = i % #ids + 1
  return wrk.format(nil, "{path}" .. ids[i])
end
"""

# How many contacts the in-turn read goes through.
IN_TURN = 1100


def cpu_seconds(pid):
    """User and system CPU time `pid` has used, in seconds (Linux's /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, method, token, body, seconds, connections, pid, in_turn=None):
    """Runs wrk against `url`, served by process `pid`; returns (requests a second, p50 ms,
    p99 ms, non-2xx, errors, the server's CPU microseconds per request). With `in_turn`, a
    path and a list of ids, each request asks for the path and the next id instead."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        body_line = f"wrk.body = {json.dumps(json.dumps(body))}" if body is not None else ""
        script.write(LUA.format(method=method, token=token, body=body_line))
        if in_turn:
            path, ids = in_turn
            script.write(LUA_IN_TURN.format(ids=", ".join(f'"{i}"' for i in ids), path=path))
    try:
        # A short warm-up (connections, caches, the store's statements), then the measure.
        subprocess.run(["wrk", "-t1", f"-c{connections}", "-d2s", "-s", script.name, url],
                       check=True, capture_output=True)
        cpu_before = cpu_seconds(pid)
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                              "-s", script.name, url], check=True, capture_output=True, text=True).stdout
        cpu = cpu_seconds(pid) - cpu_before
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    dist = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return rps, to_ms(dist["50"]), to_ms(dist["99"]), int(non2xx.group(1)) if non2xx else 0, \
        errors.group(1) if errors else "", cpu / max(requests, 1) * 1e6


def to_ms(value):
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", default=os.environ.get("CALLHOST_DATABASE_URL"))
    parser.add_argument("--callhost", help="the callhost binary (default: the release build)")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    ensure_wrk()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "callhost", "-p", "callhost-bench"],
                       cwd=ROOT, check=True)

    hello, hello_url = start([os.path.join(RELEASE, "hello")], "hello ready ")
    argv = [args.callhost or os.path.join(RELEASE, "callhost"), "serve", "--ephemeral", "--listen", "127.0.0.1:0",
            "--demo-listen", "127.0.0.1:0"]
    if args.database_url:
        argv += ["--database-url", args.database_url]
    callhost, ready = start(argv, "callhost ready ")
    ready = json.loads(ready)
    try:
        contact = api(ready, "POST", "/crm/v3/objects/contacts", {"properties": {
            "firstname": "Ada", "lastname": "Lovelace", "email": "ada@example.com", "phone": "+16175550100"}})
        call = api(ready, "POST", "/crm/v3/objects/calls", {"properties": {
            "hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_title": "Benchmark call"}})
        contacts = []
        for first in range(0, IN_TURN, 100):
            batch = api(ready, "POST", "/crm/v3/objects/contacts/batch/create", {"inputs": [
                {"properties": {"firstname": "Ada", "lastname": f"Lovelace {n}", "phone": "+16175550100"}}
                for n in range(first, min(first + 100, IN_TURN))]})
            contacts += [c["id"] for c in batch["results"]]
        token = ready["accessToken"]
        patch = {"properties": {"hs_call_body": "Updated by the benchmark"}}
        # (label, URL, method, body, server, (path, ids) to read in turn or None)
        runs = [
            ("bare axum: GET", hello_url + "/hello", "GET", None, hello.pid, None),
            ("GET /crm/v3/objects/contacts/{id}", f"{ready['apiUrl']}/crm/v3/objects/contacts/{contact['id']}", "GET", None,
             callhost.pid, None),
            (f"  the same, {IN_TURN:,} contacts in turn", ready["apiUrl"], "GET", None, callhost.pid,
             ("/crm/v3/objects/contacts/", contacts)),
            ("bare axum: PATCH", hello_url + "/hello", "PATCH", patch, hello.pid, None),
            ("PATCH /crm/v3/objects/calls/{id}", f"{ready['apiUrl']}/crm/v3/objects/calls/{call['id']}", "PATCH", patch,
             callhost.pid, None),
        ]
        print(f"callhost ({ready['backend']}) against a bare axum server; wrk, 1 thread, "
              f"{args.connections} connections, {args.seconds} s each after a 2 s warm-up")
        print(f"  {'':<36} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6} {'CPU us/req':>10}"
              "  non-2xx / errors")
        bare = None
        for label, url, method, body, pid, in_turn in runs:
            rps, p50, p99, non2xx, errors, cpu = wrk(url, method, token, body, args.seconds, args.connections, pid,
                                                     in_turn)
            if label.startswith("bare"):
                bare = rps
                ratio = ""
            else:
                ratio = f"{rps / bare:.2f}"
            print(f"  {label:<36} {rps:>9.0f} {p50:>8.2f} {p99:>8.2f} {ratio:>6} {cpu:>10.1f}"
                  f"  {non2xx} / {errors or 'none'}")
        print(f"  load average {os.getloadavg()[0]:.1f}")
    finally:
        stop(callhost)
        stop(hello)


if __name__ == "__main__":
    main()
