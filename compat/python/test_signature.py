"""callhost's webhook signatures, checked by the official Python client's
`hubspot.utils.signature.Signature`: a real callhost (started here, with a data dir of its own so
that `callhost app secret` can read the app's client secret) sends the channel-connection webhook
to a receiver on loopback, which verifies the v3 and v2 signatures as a calling app's backend
would. Uses CALLHOST_BIN (scripts/compat.sh sets it), or the debug build."""

import http.server
import json
import os
import pathlib
import random
import subprocess
import tempfile
import threading
import urllib.request

import pytest
from hubspot import HubSpot
from hubspot.crm.extensions.calling import ChannelConnectionSettingsRequest, SettingsRequest
from hubspot.utils.signature import Signature

BIN = os.environ.get(
    "CALLHOST_BIN",
    str(pathlib.Path(__file__).resolve().parents[2] / "target" / "debug" / "callhost"),
)


class Receiver(http.server.BaseHTTPRequestHandler):
    """Keeps every request and answers with one number."""

    seen = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"])).decode()
        Receiver.seen.append({"method": self.command, "headers": dict(self.headers), "body": body})
        answer = json.dumps({"phoneNumbers": [{"e164PhoneNumber": "+18001231234"}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def world():
    data_dir = tempfile.mkdtemp(prefix="callhost-signature-")
    env = {**os.environ, "CALLHOST_LOG": "warn"}
    callhost = subprocess.Popen(
        [BIN, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0", "--demo-listen", "off"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = callhost.stdout.readline()
    assert line.startswith("callhost ready "), line
    ready = json.loads(line[len("callhost ready "):])
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/numbers?source=compat"
    app_id = 880000 + random.randrange(90000)
    calling = HubSpot(api_key=ready["developerApiKey"], host=ready["apiUrl"]).crm.extensions.calling
    calling.settings_api.create(
        app_id, SettingsRequest(name="Signature compat", url="https://widget.example.com/")
    )
    calling.channel_connection_settings_api.create(
        app_id, ChannelConnectionSettingsRequest(url=hook_url, is_ready=True)
    )
    # Opening a host page on loopback signs the development user in.
    page = urllib.request.urlopen(
        f"{ready['hostUrl']}/contacts/{ready['portalId']}/objects/0-1/views/all/list"
    )
    cookie = page.headers["set-cookie"].split(";")[0]
    yield {"ready": ready, "hook_url": hook_url, "app_id": app_id, "cookie": cookie,
           "data_dir": data_dir}
    receiver.shutdown()
    callhost.terminate()
    assert callhost.wait(timeout=30) == 0


def secret(world, *extra):
    return subprocess.run(
        [BIN, "app", "secret", "--app-id", str(world["app_id"]), "--data-dir", world["data_dir"],
         *extra],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def fetch_numbers(world):
    ready = world["ready"]
    request = urllib.request.Request(
        f"{ready['hostUrl']}/host/api/channels/{world['app_id']}/numbers",
        headers={"cookie": world["cookie"]},
    )
    body = json.load(urllib.request.urlopen(request))
    assert "error" not in body, body
    assert body["numbers"][0]["e164PhoneNumber"] == "+18001231234"
    return Receiver.seen[-1]


def verify(world, request, client_secret):
    headers = {k.lower(): v for k, v in request["headers"].items()}
    v3 = Signature.is_valid(
        signature=headers["x-hubspot-signature-v3"],
        client_secret=client_secret,
        request_body=request["body"],
        http_uri=world["hook_url"],
        http_method=request["method"],
        signature_version="v3",
        timestamp=headers["x-hubspot-request-timestamp"],
    )
    v2 = Signature.is_valid(
        signature=headers["x-hubspot-signature"],
        client_secret=client_secret,
        request_body=request["body"],
        http_uri=world["hook_url"],
        http_method=request["method"],
        signature_version="v2",
    )
    return {"v3": v3, "v2": v2}


def test_the_channel_connection_webhook_is_signed_with_v3_and_v2(world):
    request = fetch_numbers(world)
    ready = world["ready"]
    assert json.loads(request["body"]) == {
        "appId": world["app_id"], "portalId": ready["portalId"], "userId": ready["userId"],
    }
    assert verify(world, request, secret(world)) == {"v3": True, "v2": True}
    assert verify(world, request, "not-the-secret") == {"v3": False, "v2": False}


def test_a_rotated_secret_signs_the_next_request(world):
    old = secret(world)
    rotated = secret(world, "--rotate")
    assert rotated != old
    request = fetch_numbers(world)
    assert verify(world, request, rotated) == {"v3": True, "v2": True}
    assert verify(world, request, old) == {"v3": False, "v2": False}
