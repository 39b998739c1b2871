// The official Node client (@hubspot/api-client, current and previous major) against a
// running callhost: every method of crm.objects.calls basicApi, batchApi and searchApi and of
// crm.associations.v4 basicApi and batchApi, asserting on what the client returns. Needs
// CALLHOST_API_URL and CALLHOST_ACCESS_TOKEN (scripts/compat.sh sets them).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const require = createRequire(import.meta.url);
const basePath = process.env.CALLHOST_API_URL;
const accessToken = process.env.CALLHOST_ACCESS_TOKEN;
assert.ok(basePath && accessToken, 'CALLHOST_API_URL and CALLHOST_ACCESS_TOKEN must be set');

const clients = {
  '@hubspot/api-client 14': require('@hubspot/api-client'),
  '@hubspot/api-client 13': require('hubspot-api-client-13'),
};

const TO_CONTACT = [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }];
let serial = Date.now();
const unique = (prefix) => `${prefix}-${serial++}`;

async function rejects(fn, code) {
  try {
    await fn();
  } catch (err) {
    assert.equal(err.code, code, `expected HTTP ${code}, got ${err.code}: ${err.message}`);
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    assert.equal(body.status, 'error');
    return body;
  }
  assert.fail(`expected the client to throw HTTP ${code}`);
}

for (const [label, { Client }] of Object.entries(clients)) {
  const client = new Client({ basePath, accessToken });
  const calls = client.crm.objects.calls;
  const v4 = client.crm.associations.v4;
  const newContact = async () =>
    client.crm.contacts.basicApi.create({ properties: { email: `${unique('c')}@example.com` }, associations: [] });
  const newCall = async (title, extra = {}) =>
    calls.basicApi.create({
      properties: { hs_timestamp: '2026-01-01T00:00:00.000Z', hs_call_title: title, ...extra },
      associations: [],
    });

  describe(label, () => {
    it('calls.basicApi: create, getById, getPage, update, archive', async () => {
      const contact = await newContact();
      const title = unique('basic');
      const created = await calls.basicApi.create({
        properties: { hs_timestamp: '2026-01-01T00:00:00Z', hs_call_title: title, hs_call_direction: 'INBOUND', hs_call_duration: '35000' },
        associations: [{ to: { id: contact.id }, types: TO_CONTACT }],
      });
      assert.match(created.id, /^\d+$/);
      assert.equal(created.properties.hs_call_title, title);
      assert.equal(created.properties.hs_object_id, created.id);
      assert.ok(created.createdAt instanceof Date);

      const read = await calls.basicApi.getById(created.id, ['hs_call_title', 'hs_call_status'], ['hs_call_title'], ['contacts'], false);
      assert.equal(read.properties.hs_call_title, title);
      assert.equal(read.properties.hs_call_status, null);
      assert.equal(read.propertiesWithHistory.hs_call_title[0].value, title);
      assert.deepEqual(read.associations.contacts.results.map((r) => [r.id, r.type]), [[contact.id, 'call_to_contact']]);

      const page = await calls.basicApi.getPage(100, undefined, ['hs_call_title']);
      assert.ok(page.results.some((r) => r.id === created.id));

      const updated = await calls.basicApi.update(created.id, { properties: { hs_call_status: 'COMPLETED' } });
      assert.equal(updated.properties.hs_call_status, 'COMPLETED');

      assert.equal(await calls.basicApi.archive(created.id), undefined);
      const err = await rejects(() => calls.basicApi.getById(created.id), 404);
      assert.equal(err.category, 'OBJECT_NOT_FOUND');
    });

    it('calls.basicApi.create rejects a bad option with a 400 naming it', async () => {
      const err = await rejects(() => newCall('bad', { hs_call_direction: 'SIDEWAYS' }), 400);
      assert.equal(err.category, 'VALIDATION_ERROR');
      assert.match(err.message, /INVALID_OPTION/);
      assert.match(err.message, /hs_call_direction/);
    });

    it('calls.batchApi: create, read (207), update, upsert, archive', async () => {
      const titles = [unique('b1'), unique('b2')];
      const created = await calls.batchApi.create({
        inputs: titles.map((t) => ({ properties: { hs_timestamp: '2026-01-01T00:00:00Z', hs_call_title: t }, associations: [] })),
      });
      assert.equal(created.status, 'COMPLETE');
      const ids = created.results.map((r) => r.id);
      assert.equal(ids.length, 2);

      const read = await calls.batchApi.read({ inputs: [{ id: ids[0] }, { id: '1' }], properties: ['hs_call_title'], propertiesWithHistory: [] }, false);
      assert.equal(read.results[0].properties.hs_call_title, titles[0]);
      assert.equal(read.numErrors, 1);
      assert.equal(read.errors[0].category, 'OBJECT_NOT_FOUND');

      const updated = await calls.batchApi.update({ inputs: [{ id: ids[1], properties: { hs_call_status: 'BUSY' } }] });
      assert.equal(updated.results[0].properties.hs_call_status, 'BUSY');

      const upserted = await calls.batchApi.upsert({ inputs: [{ id: ids[0], idProperty: 'hs_object_id', properties: { hs_call_title: 'upserted' } }] });
      assert.equal(upserted.results[0].properties.hs_call_title, 'upserted');
      assert.equal(upserted.results[0]._new ?? upserted.results[0]['new'], false);

      assert.equal(await calls.batchApi.archive({ inputs: ids.map((id) => ({ id })) }), undefined);
      await rejects(() => calls.basicApi.getById(ids[0]), 404);
    });

    it('calls.searchApi.doSearch filters, sorts and pages', async () => {
      const tag = unique('search');
      for (const [n, d] of [[1, 100], [2, 300], [3, 200]]) await newCall(`${tag} ${n}`, { hs_call_duration: String(d) });
      const body = {
        filterGroups: [{ filters: [{ propertyName: 'hs_call_title', operator: 'CONTAINS_TOKEN', value: `${tag}*` }] }],
        sorts: ['-hs_call_duration'], properties: ['hs_call_title'], limit: 2, after: '0',
      };
      const first = await calls.searchApi.doSearch(body);
      assert.equal(first.total, 3);
      assert.deepEqual(first.results.map((r) => r.properties.hs_call_title), [`${tag} 2`, `${tag} 3`]);
      const second = await calls.searchApi.doSearch({ ...body, after: first.paging.next.after });
      assert.deepEqual(second.results.map((r) => r.properties.hs_call_title), [`${tag} 1`]);
      const err = await rejects(() => calls.searchApi.doSearch({ ...body, limit: 201 }), 400);
      assert.equal(err.category, 'VALIDATION_ERROR');
    });

    it('associations.v4.basicApi: create, createDefault, getPage, archive', async () => {
      const call = await newCall(unique('assoc'));
      const contact = await newContact();
      const pair = await v4.basicApi.create('calls', call.id, 'contacts', contact.id, TO_CONTACT);
      assert.equal(String(pair.fromObjectId), call.id);
      assert.equal(pair.toObjectTypeId, '0-1');
      const page = await v4.basicApi.getPage('contacts', contact.id, 'calls');
      assert.equal(String(page.results[0].toObjectId), call.id);
      assert.equal(page.results[0].associationTypes[0].typeId, 193);
      assert.equal(await v4.basicApi.archive('calls', call.id, 'contacts', contact.id), undefined);
      assert.deepEqual((await v4.basicApi.getPage('calls', call.id, 'contacts')).results, []);
      const def = await v4.basicApi.createDefault('calls', call.id, 'contacts', contact.id);
      assert.equal(def.results[0].associationSpec.associationTypeId, 194);
      await rejects(() => v4.basicApi.create('calls', call.id, 'contacts', '987654321', TO_CONTACT), 404);
    });

    it('associations.v4.batchApi: create, createDefault, getPage, archiveLabels, archive', async () => {
      const call = await newCall(unique('batch-assoc'));
      const [a, b] = [await newContact(), await newContact()];
      const created = await v4.batchApi.create('calls', 'contacts', { inputs: [{ _from: { id: call.id }, to: { id: a.id }, types: TO_CONTACT }] });
      assert.equal(created.results.length, 1);
      const defaults = await v4.batchApi.createDefault('calls', 'contacts', { inputs: [{ _from: { id: call.id }, to: { id: b.id } }] });
      assert.equal(defaults.results.length, 1);
      const read = await v4.batchApi.getPage('calls', 'contacts', { inputs: [{ id: call.id }] });
      assert.deepEqual(read.results[0].to.map((t) => String(t.toObjectId)).sort(), [a.id, b.id].sort());
      assert.equal(await v4.batchApi.archiveLabels('calls', 'contacts', { inputs: [{ _from: { id: call.id }, to: { id: a.id }, types: TO_CONTACT }] }), undefined);
      assert.equal(await v4.batchApi.archive('calls', 'contacts', { inputs: [{ _from: { id: call.id }, to: [{ id: b.id }] }] }), undefined);
      const after = await v4.batchApi.getPage('calls', 'contacts', { inputs: [{ id: call.id }] });
      assert.deepEqual(after.results[0].to, []);
    });
  });
}
