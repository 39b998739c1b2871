"""The official Python client (hubspot-api-client) against a running callhost: every calling
settings method, with HubSpot's status codes, fields and errors, asserting on what the client
returns. Needs CALLHOST_API_URL and CALLHOST_DEV_API_KEY (scripts/compat.sh sets them)."""

import datetime
import itertools
import json
import os
import random

import pytest
from hubspot import HubSpot
from hubspot.crm.extensions.calling import (
    ApiException,
    ChannelConnectionSettingsPatchRequest,
    ChannelConnectionSettingsRequest,
    RecordingSettingsPatchRequest,
    RecordingSettingsRequest,
    SettingsPatchRequest,
    SettingsRequest,
)

HOST = os.environ["CALLHOST_API_URL"]
KEY = os.environ["CALLHOST_DEV_API_KEY"]
_app_ids = itertools.count(900000 + random.randrange(90000))


@pytest.fixture
def calling():
    return HubSpot(api_key=KEY, host=HOST).crm.extensions.calling


def new_app_id():
    return next(_app_ids)


def error_body(exc_info, status):
    err = exc_info.value
    assert err.status == status, err
    body = json.loads(err.body)
    assert body["status"] == "error"
    assert len(body["correlationId"]) == 36
    return body


def test_settings_create_get_update_archive(calling):
    app_id = new_app_id()
    created = calling.settings_api.create(app_id, SettingsRequest(
        name="Acme Dialer", url="https://dialer.example.com/hubspot", width=320, height=540,
        is_ready=False, supports_custom_objects=True, supports_inbound_calling=True,
        uses_calling_window=False, uses_remote=False))
    assert created is not None, "a non-200 success would make the client return None"
    assert (created.name, created.width, created.height, created.is_ready) == ("Acme Dialer", 320, 540, False)
    assert created.supports_custom_objects and created.supports_inbound_calling
    assert not created.uses_calling_window and not created.uses_remote
    assert isinstance(created.created_at, datetime.datetime)
    assert created.created_at.tzinfo is not None

    fetched = calling.settings_api.get_by_id(app_id)
    assert fetched.to_dict() == created.to_dict()

    updated = calling.settings_api.update(app_id, SettingsPatchRequest(is_ready=True, height=700))
    assert (updated.is_ready, updated.height, updated.name) == (True, 700, "Acme Dialer")

    assert calling.settings_api.archive(app_id) is None
    with pytest.raises(ApiException) as exc_info:
        calling.settings_api.get_by_id(app_id)
    assert error_body(exc_info, 404)["category"] == "OBJECT_NOT_FOUND"


def test_settings_create_with_name_and_url_only(calling):
    created = calling.settings_api.create(new_app_id(), SettingsRequest(name="Min", url="https://m.example.com/"))
    assert (created.width, created.height, created.is_ready) == (400, 600, True)
    assert (created.uses_calling_window, created.uses_remote) == (True, True)


def test_settings_accepts_plain_dict_bodies(calling):
    app_id = new_app_id()
    created = calling.settings_api.create(app_id, {"name": "Dict", "url": "https://d.example.com/", "isReady": False})
    assert created.is_ready is False


def test_settings_validation_error_names_the_field(calling):
    with pytest.raises(ApiException) as exc_info:
        calling.settings_api.create(new_app_id(), SettingsRequest(name="Bad", url="http://insecure.example.com/"))
    body = error_body(exc_info, 400)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["errors"][0]["in"] == "url"


def test_absent_settings_are_404_on_update_and_archive(calling):
    app_id = new_app_id()
    with pytest.raises(ApiException) as exc_info:
        calling.settings_api.update(app_id, SettingsPatchRequest(name="x"))
    error_body(exc_info, 404)
    with pytest.raises(ApiException) as exc_info:
        calling.settings_api.archive(app_id)
    error_body(exc_info, 404)


def test_recording_settings_register_get_update(calling):
    app_id = new_app_id()
    url = "https://app.example.com/recordings/%s"
    registered = calling.recording_settings_api.register_url_format(
        app_id, RecordingSettingsRequest(url_to_retrieve_authed_recording=url))
    assert registered.url_to_retrieve_authed_recording == url
    assert calling.recording_settings_api.get_url_format(app_id).url_to_retrieve_authed_recording == url
    updated = calling.recording_settings_api.update_url_format(
        app_id, RecordingSettingsPatchRequest(url_to_retrieve_authed_recording="https://app.example.com/r?id=%s"))
    assert updated.url_to_retrieve_authed_recording == "https://app.example.com/r?id=%s"


def test_channel_connection_settings_lifecycle(calling):
    app_id = new_app_id()
    api = calling.channel_connection_settings_api
    created = api.create(app_id, ChannelConnectionSettingsRequest(url="https://example.com/help-desk", is_ready=True))
    assert (created.url, created.is_ready) == ("https://example.com/help-desk", True)
    assert api.get_by_id(app_id).to_dict() == created.to_dict()
    updated = api.update(app_id, ChannelConnectionSettingsPatchRequest(is_ready=False))
    assert (updated.url, updated.is_ready) == ("https://example.com/help-desk", False)
    assert api.archive(app_id) is None
    with pytest.raises(ApiException) as exc_info:
        api.get_by_id(app_id)
    error_body(exc_info, 404)


def test_missing_or_wrong_key_is_401():
    for client in (HubSpot(host=HOST), HubSpot(api_key="wrong-key", host=HOST)):
        with pytest.raises(ApiException) as exc_info:
            client.crm.extensions.calling.settings_api.get_by_id(new_app_id())
        assert error_body(exc_info, 401)["category"] == "INVALID_AUTHENTICATION"
