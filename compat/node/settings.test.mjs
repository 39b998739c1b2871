// The official Node client (@hubspot/api-client, current and previous major) against a
// running callhost: every calling settings method, with HubSpot's status codes, fields and
// errors, asserting on what the client itself returns. Needs CALLHOST_API_URL and
// CALLHOST_DEV_API_KEY (scripts/compat.sh sets them from the ready line).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const require = createRequire(import.meta.url);
const basePath = process.env.CALLHOST_API_URL;
const developerApiKey = process.env.CALLHOST_DEV_API_KEY;
assert.ok(basePath && developerApiKey, 'CALLHOST_API_URL and CALLHOST_DEV_API_KEY must be set');

const clients = {
  '@hubspot/api-client 14': require('@hubspot/api-client'),
  '@hubspot/api-client 13': require('hubspot-api-client-13'),
};

let nextApp = 700000 + Math.floor(Math.random() * 200000);
const newAppId = () => nextApp++;

/** Runs `fn`, expecting the client to throw its ApiException with `code`; returns the body. */
async function rejects(fn, code) {
  try {
    await fn();
  } catch (err) {
    assert.equal(err.code, code, `expected HTTP ${code}, got ${err.code}: ${err.message}`);
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    assert.equal(body.status, 'error');
    assert.match(body.correlationId, /^[0-9a-f-]{36}$/);
    return body;
  }
  assert.fail(`expected the client to throw HTTP ${code}`);
}

for (const [label, { Client }] of Object.entries(clients)) {
  const client = new Client({ basePath, developerApiKey });
  const calling = client.crm.extensions.calling;

  describe(label, () => {
    it('settingsApi: create, getById, update, archive, then 404', async () => {
      const appId = newAppId();
      const body = {
        name: 'Acme Dialer', url: 'https://dialer.example.com/hubspot', width: 320, height: 540,
        isReady: false, supportsCustomObjects: true, supportsInboundCalling: true,
        usesCallingWindow: false, usesRemote: false,
      };
      const created = await calling.settingsApi.create(appId, body);
      for (const [key, value] of Object.entries(body)) assert.equal(created[key], value, key);
      assert.ok(created.createdAt instanceof Date && !Number.isNaN(created.createdAt.getTime()));
      assert.ok(created.updatedAt instanceof Date);

      const fetched = await calling.settingsApi.getById(appId);
      assert.deepEqual(fetched, created);

      const updated = await calling.settingsApi.update(appId, { isReady: true, height: 700 });
      assert.equal(updated.isReady, true);
      assert.equal(updated.height, 700);
      assert.equal(updated.name, 'Acme Dialer');

      assert.equal(await calling.settingsApi.archive(appId), undefined);
      const err = await rejects(() => calling.settingsApi.getById(appId), 404);
      assert.equal(err.category, 'OBJECT_NOT_FOUND');
    });

    it('settingsApi.create with name and url only fills the defaults', async () => {
      const created = await calling.settingsApi.create(newAppId(), { name: 'Min', url: 'https://m.example.com/' });
      assert.deepEqual(
        [created.width, created.height, created.isReady, created.supportsCustomObjects,
          created.supportsInboundCalling, created.usesCallingWindow, created.usesRemote],
        [400, 600, true, false, false, true, true],
      );
    });

    it('settingsApi.create twice replaces the settings', async () => {
      const appId = newAppId();
      await calling.settingsApi.create(appId, { name: 'One', url: 'https://one.example.com/' });
      const second = await calling.settingsApi.create(appId, { name: 'Two', url: 'https://two.example.com/' });
      assert.equal(second.name, 'Two');
      assert.equal((await calling.settingsApi.getById(appId)).url, 'https://two.example.com/');
    });

    it('settingsApi.create with bad values throws 400 naming the field', async () => {
      const err = await rejects(
        () => calling.settingsApi.create(newAppId(), { name: 'Bad', url: 'https://b.example.com/', width: 0 }),
        400,
      );
      assert.equal(err.category, 'VALIDATION_ERROR');
      assert.equal(err.errors[0].in, 'width');
    });

    it('settingsApi.update and archive of absent settings throw 404', async () => {
      const appId = newAppId();
      await rejects(() => calling.settingsApi.update(appId, { name: 'x' }), 404);
      await rejects(() => calling.settingsApi.archive(appId), 404);
    });

    it('recordingSettingsApi: registerUrlFormat, getUrlFormat, updateUrlFormat', async () => {
      const appId = newAppId();
      await rejects(() => calling.recordingSettingsApi.getUrlFormat(appId), 404);
      const url = 'https://app.example.com/recordings/%s';
      const registered = await calling.recordingSettingsApi.registerUrlFormat(appId, { urlToRetrieveAuthedRecording: url });
      assert.equal(registered.urlToRetrieveAuthedRecording, url);
      assert.equal((await calling.recordingSettingsApi.getUrlFormat(appId)).urlToRetrieveAuthedRecording, url);
      const next = 'https://app.example.com/rec?id=%s';
      const updated = await calling.recordingSettingsApi.updateUrlFormat(appId, { urlToRetrieveAuthedRecording: next });
      assert.equal(updated.urlToRetrieveAuthedRecording, next);
      const err = await rejects(
        () => calling.recordingSettingsApi.registerUrlFormat(appId, { urlToRetrieveAuthedRecording: 'https://x.example.com/' }),
        400,
      );
      assert.equal(err.errors[0].in, 'urlToRetrieveAuthedRecording');
    });

    it('channelConnectionSettingsApi: create, getById, update, archive, then 404', async () => {
      const appId = newAppId();
      const created = await calling.channelConnectionSettingsApi.create(appId, {
        url: 'https://example.com/my-help-desk-service', isReady: true,
      });
      assert.equal(created.url, 'https://example.com/my-help-desk-service');
      assert.equal(created.isReady, true);
      assert.ok(created.createdAt instanceof Date);
      assert.deepEqual(await calling.channelConnectionSettingsApi.getById(appId), created);
      const updated = await calling.channelConnectionSettingsApi.update(appId, { isReady: false });
      assert.equal(updated.isReady, false);
      assert.equal(updated.url, created.url);
      assert.equal(await calling.channelConnectionSettingsApi.archive(appId), undefined);
      await rejects(() => calling.channelConnectionSettingsApi.getById(appId), 404);
    });

    it('a client without a developer API key gets 401', async () => {
      const anonymous = new Client({ basePath, accessToken: 'not-a-developer-key' });
      const err = await rejects(() => anonymous.crm.extensions.calling.settingsApi.getById(newAppId()), 401);
      assert.equal(err.category, 'INVALID_AUTHENTICATION');
      const wrong = new Client({ basePath, developerApiKey: 'wrong-key' });
      await rejects(() => wrong.crm.extensions.calling.settingsApi.getById(newAppId()), 401);
    });
  });
}
