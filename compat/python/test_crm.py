"""The official Python client (hubspot-api-client) against a running callhost: every method of
crm.objects.calls basic_api, batch_api and search_api and of crm.associations.v4 basic_api and
batch_api, asserting on what the client returns. Needs CALLHOST_API_URL and
CALLHOST_ACCESS_TOKEN (scripts/compat.sh sets them)."""

import datetime
import itertools
import json
import os
import time

import pytest
from hubspot import HubSpot
from hubspot.crm.associations import v4
from hubspot.crm.objects.calls import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

HOST = os.environ["CALLHOST_API_URL"]
TOKEN = os.environ["CALLHOST_ACCESS_TOKEN"]
_serial = itertools.count(int(time.time() * 1000))
TO_CONTACT = [v4.AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=194)]


def unique(prefix):
    return f"{prefix}-{next(_serial)}"


@pytest.fixture
def client():
    return HubSpot(access_token=TOKEN, host=HOST)


def new_call(client, title, **extra):
    properties = {"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_title": title, **extra}
    return client.crm.objects.calls.basic_api.create(
        SimplePublicObjectInputForCreate(properties=properties, associations=[]))


def new_contact(client):
    from hubspot.crm.contacts import SimplePublicObjectInputForCreate as ContactInput
    return client.crm.contacts.basic_api.create(
        ContactInput(properties={"email": f"{unique('p')}@example.com"}, associations=[]))


def error_body(exc_info, status):
    assert exc_info.value.status == status, exc_info.value
    body = json.loads(exc_info.value.body)
    assert body["status"] == "error"
    return body


def test_calls_basic_api(client):
    basic = client.crm.objects.calls.basic_api
    contact = new_contact(client)
    title = unique("basic")
    created = basic.create(SimplePublicObjectInputForCreate(
        properties={"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_title": title,
                    "hs_call_direction": "OUTBOUND"},
        associations=[{"to": {"id": contact.id}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 194}]}]))
    assert created is not None, "a non-201 success would make the client return None"
    assert created.properties["hs_object_id"] == created.id
    assert isinstance(created.created_at, datetime.datetime)

    read = basic.get_by_id(created.id, properties=["hs_call_title", "hs_call_status"],
                           properties_with_history=["hs_call_title"], associations=["contacts"],
                           archived=False)
    assert read.properties["hs_call_title"] == title
    assert read.properties["hs_call_status"] is None
    assert read.properties_with_history["hs_call_title"][0].value == title
    assert read.associations["contacts"].results[0].id == contact.id

    page = basic.get_page(limit=100, properties=["hs_call_title"])
    assert any(r.id == created.id for r in page.results)

    updated = basic.update(created.id, SimplePublicObjectInput(properties={"hs_call_status": "COMPLETED"}))
    assert updated.properties["hs_call_status"] == "COMPLETED"

    assert basic.archive(created.id) is None
    with pytest.raises(ApiException) as exc_info:
        basic.get_by_id(created.id)
    assert error_body(exc_info, 404)["category"] == "OBJECT_NOT_FOUND"
    with pytest.raises(ApiException) as exc_info:
        new_call(client, "bad", hs_call_direction="SIDEWAYS")
    assert "INVALID_OPTION" in error_body(exc_info, 400)["message"]


def test_calls_batch_api(client):
    batch = client.crm.objects.calls.batch_api
    titles = [unique("b1"), unique("b2")]
    created = batch.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=[
        SimplePublicObjectBatchInputForCreate(
            properties={"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_title": t}, associations=[])
        for t in titles]))
    assert created is not None and created.status == "COMPLETE"
    ids = [r.id for r in created.results]

    read = batch.read(BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=ids[0]), SimplePublicObjectId(id="1")],
        properties=["hs_call_title"], properties_with_history=[]), archived=False)
    assert read.results[0].properties["hs_call_title"] == titles[0]
    assert read.num_errors == 1 and read.errors[0].category == "OBJECT_NOT_FOUND"

    updated = batch.update(BatchInputSimplePublicObjectBatchInput(inputs=[
        SimplePublicObjectBatchInput(id=ids[1], properties={"hs_call_status": "BUSY"})]))
    assert updated.results[0].properties["hs_call_status"] == "BUSY"

    upserted = batch.upsert(BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
        SimplePublicObjectBatchInputUpsert(id=ids[0], id_property="hs_object_id",
                                           properties={"hs_call_title": "upserted"})]))
    assert upserted.results[0].properties["hs_call_title"] == "upserted"
    assert upserted.results[0].new is False

    assert batch.archive(BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=i) for i in ids])) is None


def test_calls_search_api(client):
    tag = unique("search")
    for n, duration in [(1, 100), (2, 300), (3, 200)]:
        new_call(client, f"{tag} {n}", hs_call_duration=str(duration))
    request = dict(
        filter_groups=[FilterGroup(filters=[Filter(property_name="hs_call_title",
                                                   operator="CONTAINS_TOKEN", value=f"{tag}*")])],
        sorts=["-hs_call_duration"], properties=["hs_call_title"], limit=2, after="0")
    search = client.crm.objects.calls.search_api
    first = search.do_search(PublicObjectSearchRequest(**request))
    assert first.total == 3
    assert [r.properties["hs_call_title"] for r in first.results] == [f"{tag} 2", f"{tag} 3"]
    second = search.do_search(PublicObjectSearchRequest(**{**request, "after": first.paging.next.after}))
    assert [r.properties["hs_call_title"] for r in second.results] == [f"{tag} 1"]


def test_associations_v4_basic_api(client):
    basic = client.crm.associations.v4.basic_api
    call = new_call(client, unique("assoc"))
    contact = new_contact(client)
    pair = basic.create("calls", call.id, "contacts", contact.id, TO_CONTACT)
    assert pair is not None and pair.from_object_id == call.id and pair.to_object_type_id == "0-1"
    page = basic.get_page("contacts", contact.id, "calls")
    assert page.results[0].to_object_id == call.id
    assert page.results[0].association_types[0].type_id == 193
    assert basic.archive("calls", call.id, "contacts", contact.id) is None
    assert basic.get_page("calls", call.id, "contacts").results == []
    default = basic.create_default("calls", call.id, "contacts", contact.id)
    assert default.results[0].association_spec.association_type_id == 194
    with pytest.raises(v4.ApiException) as exc_info:
        basic.create("calls", call.id, "contacts", "987654321", TO_CONTACT)
    error_body(exc_info, 404)


def test_associations_v4_batch_api(client):
    batch = client.crm.associations.v4.batch_api
    call = new_call(client, unique("batch-assoc"))
    a, b = new_contact(client), new_contact(client)
    created = batch.create("calls", "contacts", v4.BatchInputPublicAssociationMultiPost(inputs=[
        v4.PublicAssociationMultiPost(_from=v4.PublicObjectId(id=call.id), to=v4.PublicObjectId(id=a.id), types=TO_CONTACT)]))
    assert created is not None and len(created.results) == 1
    defaults = batch.create_default("calls", "contacts", v4.BatchInputPublicDefaultAssociationMultiPost(inputs=[
        v4.PublicDefaultAssociationMultiPost(_from=v4.PublicObjectId(id=call.id), to=v4.PublicObjectId(id=b.id))]))
    assert len(defaults.results) == 1
    read = batch.get_page("calls", "contacts", v4.BatchInputPublicFetchAssociationsBatchRequest(inputs=[
        v4.PublicFetchAssociationsBatchRequest(id=call.id)]))
    assert sorted(t.to_object_id for t in read.results[0].to) == sorted([a.id, b.id])
    assert batch.archive_labels("calls", "contacts", v4.BatchInputPublicAssociationMultiPost(inputs=[
        v4.PublicAssociationMultiPost(_from=v4.PublicObjectId(id=call.id), to=v4.PublicObjectId(id=a.id), types=TO_CONTACT)])) is None
    assert batch.archive("calls", "contacts", v4.BatchInputPublicAssociationMultiArchive(inputs=[
        v4.PublicAssociationMultiArchive(_from=v4.PublicObjectId(id=call.id), to=[v4.PublicObjectId(id=b.id)])])) is None
    after = batch.get_page("calls", "contacts", v4.BatchInputPublicFetchAssociationsBatchRequest(inputs=[
        v4.PublicFetchAssociationsBatchRequest(id=call.id)]))
    assert after.results[0].to == []
