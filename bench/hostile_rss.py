#!/usr/bin/env python3
"""Runs the hostile requests of issue 17, item 8 against a fresh `callhost serve --ephemeral`
and prints, for each, its status, how long it took and the server's resident memory after it
(VmRSS) and at its peak so far (VmHWM), read from /proc. Linux only; standard library only.

    cargo build -p callhost && python3 bench/hostile_rss.py [path/to/callhost] [database-url]

Without a database URL the server uses SQLite; with a postgres:// URL, an ephemeral schema
of that database.
"""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/debug/callhost"
DATABASE_URL = sys.argv[2] if len(sys.argv) > 2 else None


def memory(pid):
    """VmRSS and VmHWM of `pid`, in MiB."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def request(ready, method, path, body=None, timeout=600):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(ready["apiUrl"] + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + ready["accessToken"])
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
    except Exception as error:  # a dropped connection or a timeout is a figure too
        return type(error).__name__, None


def varied(seed, n):
    x, out = seed, []
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        out.append(chr(0x21 + (x >> 33) % 0x5D))
    return "".join(out)


def main():
    args = [BIN, "serve", "--ephemeral", "--listen", "127.0.0.1:0", "--demo-listen", "off"]
    if DATABASE_URL:
        args += ["--database-url", DATABASE_URL]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready = json.loads(proc.stdout.readline().removeprefix("callhost ready "))
        # 300 contacts besides the seed's, so that lists and batches have 100 objects.
        for batch in range(3):
            inputs = [{"properties": {"firstname": f"F{batch}-{i}", "lastname": varied(i, 40)}}
                      for i in range(100)]
            request(ready, "POST", "/crm/v3/objects/contacts/batch/create", {"inputs": inputs})
        status, contacts = request(ready, "GET", "/crm/v3/objects/contacts?limit=1")
        contact = contacts["results"][0]["id"]
        rss, peak = memory(proc.pid)
        print(f"backend {ready['backend']}: started, RSS {rss:.0f} MiB")
        cases = [
            ("read, properties=firstname x3000", "GET",
             f"/crm/v3/objects/contacts/{contact}?" + "&".join(["properties=firstname"] * 3000), None),
            ("search, properties firstname x3000", "POST", "/crm/v3/objects/contacts/search",
             {"properties": ["firstname"] * 3000, "limit": 200}),
            ("batch read x100, properties x3000", "POST", "/crm/v3/objects/contacts/batch/read",
             {"properties": ["firstname"] * 3000, "propertiesWithHistory": ["firstname"] * 3000,
              "inputs": [{"id": contact}] * 100}),
            ("list x100, associations=companies x5000", "GET",
             "/crm/v3/objects/contacts?limit=100&associations=" + ",".join(["companies"] * 5000), None),
            ("search, 1,000 sorts", "POST", "/crm/v3/objects/contacts/search",
             {"sorts": ["firstname"] * 1000}),
            ("search, IN with 40,000 values", "POST", "/crm/v3/objects/contacts/search",
             {"filterGroups": [{"filters": [{"propertyName": "firstname", "operator": "IN",
                                             "values": [f"v{i}" for i in range(40000)]}]}]}),
            ("create, a 65,536-character note", "POST", "/crm/v3/objects/calls",
             {"properties": {"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_body": varied(1, 65536)}}),
        ]
        for name, method, path, body in cases:
            started = time.perf_counter()
            status, _ = request(ready, method, path, body)
            took = time.perf_counter() - started
            rss, peak = memory(proc.pid)
            print(f"  {name}: {status} in {took:.2f} s; RSS {rss:.0f} MiB, peak {peak:.0f} MiB")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
