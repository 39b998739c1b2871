"""A calling app's backend, tested against callhost with plain HTTP: the example of
docs/testing-in-ci.md (kept identical to it by a test). The backend saves a call's notes with
PATCH /crm/v3/objects/calls/{id} and must survive HubSpot's rate limit; callhost's
automation API makes the next PATCH answer 429. Needs CALLHOST_API_URL and
CALLHOST_ACCESS_TOKEN (the ready line's apiUrl and accessToken)."""

import json
import os
import time
import urllib.error
import urllib.request

API = os.environ["CALLHOST_API_URL"]
TOKEN = os.environ["CALLHOST_ACCESS_TOKEN"]


def call(method, path, body=None):
    """One JSON request with the portal's token: (status, headers, body)."""
    request = urllib.request.Request(
        API + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return response.status, response.headers, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"null")


def save_notes(engagement_id, notes):
    """The code under test: saves notes, waiting out a rate limit as Retry-After says."""
    for _ in range(3):
        status, headers, body = call(
            "PATCH", f"/crm/v3/objects/calls/{engagement_id}",
            {"properties": {"hs_call_body": notes}},
        )
        if status != 429:
            return status, body
        time.sleep(min(int(headers.get("Retry-After", "1")), 1))
    return status, body


def test_notes_are_saved_through_a_rate_limit():
    status, _, created = call("POST", "/crm/v3/objects/calls", {"properties": {
        "hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_title": "CI call"}})
    assert status == 201
    status, _, rule = call("POST", "/callhost/v1/faults", {
        "match": {"path": "/crm/v3/objects/calls/*", "method": "PATCH"},
        "effect": {"kind": "http", "status": 429},
        "times": 1,
    })
    assert status == 201
    try:
        status, saved = save_notes(created["id"], "Saved after a 429")
        assert status == 200
        assert saved["properties"]["hs_call_body"] == "Saved after a 429"
        _, _, rules = call("GET", "/callhost/v1/faults")
        fired = [r["fired"] for r in rules["results"] if r["id"] == rule["id"]]
        assert fired == [1], "the backend met the rate limit once"
    finally:
        call("DELETE", f"/callhost/v1/faults/{rule['id']}")
