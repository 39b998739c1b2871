"""The official Python client's OAuth methods (hubspot-api-client) against a running callhost:
the code of an install exchanged with `oauth.tokens_api.create`, a CRM call with the token,
`access_tokens_api.get`, `refresh_tokens_api.get`, refreshing, a used code's BAD_AUTH_CODE, and
`refresh_tokens_api.archive`. The install itself (sign-in on loopback, an app created from the
host, the consent form) is done over HTTP as a browser would. Needs CALLHOST_API_URL
(scripts/compat.sh sets it)."""

import html
import http.cookiejar
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hubspot import HubSpot
from hubspot.oauth import ApiException

HOST = os.environ["CALLHOST_API_URL"]
SCOPES = "crm.objects.contacts.read crm.objects.contacts.write"
REDIRECT = "http://127.0.0.1:9/oauth-callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def field(page, name):
    found = re.search(f'name="{name}" value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


@pytest.fixture(scope="module")
def install():
    """An app created from the host and connected once: (app, redirect query)."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)).open(f"{HOST}/").read()

    def call(path, data=None, content_type=None):
        request = urllib.request.Request(f"{HOST}{path}", data=data, headers={"origin": HOST})
        if content_type:
            request.add_header("content-type", content_type)
        try:
            return browser.open(request)
        except urllib.error.HTTPError as err:
            return err

    made = call("/host/api/developer/apps",
                json.dumps({"name": "Python OAuth app", "redirectUrls": [REDIRECT], "scopes": SCOPES}).encode(),
                "application/json")
    assert made.status == 201
    app = json.loads(made.read())
    query = urllib.parse.urlencode({"client_id": app["clientId"], "redirect_uri": REDIRECT,
                                    "scope": SCOPES, "state": "py state"})
    page = call(f"/oauth/authorize?{query}").read().decode()
    form = {name: field(page, name) for name in
            ["client_id", "redirect_uri", "scope", "optional_scope", "state", "csrf", "portal"]}
    form = {k: v for k, v in form.items() if v is not None}
    form["action"] = "connect"
    answer = call("/oauth/authorize", urllib.parse.urlencode(form).encode(),
                  "application/x-www-form-urlencoded")
    assert answer.status == 303
    location = urllib.parse.urlparse(answer.headers["location"])
    return app, dict(urllib.parse.parse_qsl(location.query))


def test_tokens_metadata_refresh_and_revocation(install):
    app, query = install
    assert query["state"] == "py state"
    client = HubSpot(host=HOST)
    tokens = client.oauth.tokens_api.create(
        grant_type="authorization_code", code=query["code"], redirect_uri=REDIRECT,
        client_id=app["clientId"], client_secret=app["clientSecret"])
    assert tokens.token_type == "bearer"
    assert tokens.expires_in == 1800

    crm = HubSpot(host=HOST, access_token=tokens.access_token)
    assert isinstance(crm.crm.contacts.basic_api.get_page(limit=5).results, list)

    info = client.oauth.access_tokens_api.get(token=tokens.access_token)
    assert info.token == tokens.access_token
    assert info.app_id == app["appId"]
    assert info.scopes == SCOPES.split()
    assert info.token_type == "access"
    refresh_info = client.oauth.refresh_tokens_api.get(token=tokens.refresh_token)
    assert refresh_info.client_id == app["clientId"]
    assert refresh_info.hub_id == info.hub_id

    fresh = client.oauth.tokens_api.create(
        grant_type="refresh_token", refresh_token=tokens.refresh_token,
        client_id=app["clientId"], client_secret=app["clientSecret"])
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token == tokens.refresh_token

    with pytest.raises(ApiException) as used:
        client.oauth.tokens_api.create(
            grant_type="authorization_code", code=query["code"], redirect_uri=REDIRECT,
            client_id=app["clientId"], client_secret=app["clientSecret"])
    assert used.value.status == 400
    assert json.loads(used.value.body)["status"] == "BAD_AUTH_CODE"

    client.oauth.refresh_tokens_api.archive(token=tokens.refresh_token)
    with pytest.raises(ApiException) as gone:
        client.oauth.refresh_tokens_api.get(token=tokens.refresh_token)
    assert gone.value.status == 404
