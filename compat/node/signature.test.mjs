// callhost's webhook signatures, checked by the official Node client's `Signature` helper: a
// real callhost (started here, with a data dir of its own so that `callhost app secret` can
// read the app's client secret) sends the channel-connection webhook to a receiver on
// loopback, which verifies the v3 and v2 signatures as a calling app's backend would.
// Uses CALLHOST_BIN (scripts/compat.sh sets it), or the debug build.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';

const require = createRequire(import.meta.url);
const { Client, Signature } = require('@hubspot/api-client');
const bin = process.env.CALLHOST_BIN ?? new URL('../../target/debug/callhost', import.meta.url).pathname;

/** Starts `callhost serve` in `dataDir`; resolves with the process and its ready JSON. */
function startCallhost(dataDir) {
  const child = spawn(bin, ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--demo-listen', 'off'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CALLHOST_LOG: 'warn' },
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => {
      if (!line.startsWith('callhost ready ')) reject(new Error(`unexpected line: ${line}`));
      else resolve({ child, ready: JSON.parse(line.slice('callhost ready '.length)) });
    });
    child.once('exit', (code) => reject(new Error(`callhost exited with ${code}`)));
  });
}

/** A webhook receiver that keeps every request and answers with two numbers. */
function startReceiver() {
  const seen = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method, path: req.url, headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ phoneNumbers: [{ e164PhoneNumber: '+18001231234', friendlyName: 'Compat line' }] }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, seen })));
}

describe('webhook signatures, verified with @hubspot/api-client Signature', () => {
  let dataDir, callhost, ready, receiver, hookUrl, cookie;
  const appId = 800000 + Math.floor(Math.random() * 90000);

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'callhost-signature-'));
    ({ child: callhost, ready } = await startCallhost(dataDir));
    receiver = await startReceiver();
    hookUrl = `http://127.0.0.1:${receiver.server.address().port}/numbers?source=compat`;
    const calling = new Client({ basePath: ready.apiUrl, developerApiKey: ready.developerApiKey }).crm.extensions.calling;
    await calling.settingsApi.create(appId, { name: 'Signature compat', url: 'https://widget.example.com/' });
    await calling.channelConnectionSettingsApi.create(appId, { url: hookUrl, isReady: true });
    // Opening a host page on loopback signs the development user in.
    const page = await fetch(`${ready.hostUrl}/contacts/${ready.portalId}/objects/0-1/views/all/list`);
    cookie = page.headers.get('set-cookie').split(';')[0];
  });

  after(async () => {
    receiver?.server.close();
    if (callhost) {
      const exited = new Promise((resolve) => callhost.once('exit', resolve));
      callhost.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Asks callhost for the app's numbers; returns the request the receiver saw. */
  async function fetchNumbers() {
    const res = await fetch(`${ready.hostUrl}/host/api/channels/${appId}/numbers`, { headers: { cookie } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.error, undefined, JSON.stringify(body.error));
    assert.equal(body.numbers[0].e164PhoneNumber, '+18001231234');
    return receiver.seen.at(-1);
  }

  const secret = (...extra) =>
    execFileSync(bin, ['app', 'secret', '--app-id', String(appId), '--data-dir', dataDir, ...extra], {
      encoding: 'utf8',
    }).trim();

  function verify(request, clientSecret) {
    const common = { clientSecret, requestBody: request.body, url: hookUrl, method: request.method };
    return {
      v3: Signature.isValid({
        ...common,
        signatureVersion: 'v3',
        signature: request.headers['x-hubspot-signature-v3'],
        timestamp: Number(request.headers['x-hubspot-request-timestamp']),
      }),
      v2: Signature.isValid({ ...common, signatureVersion: 'v2', signature: request.headers['x-hubspot-signature'] }),
    };
  }

  it('signs the channel-connection webhook with v3 and v2, valid for the official helper', async () => {
    const request = await fetchNumbers();
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['x-hubspot-signature-version'], 'v2');
    assert.deepEqual(JSON.parse(request.body), { appId, portalId: ready.portalId, userId: ready.userId });
    assert.deepEqual(verify(request, secret()), { v3: true, v2: true });
    assert.deepEqual(verify(request, 'not-the-secret'), { v3: false, v2: false });
  });

  it('signs with the new secret once it is rotated', async () => {
    const old = secret();
    const rotated = secret('--rotate');
    assert.notEqual(rotated, old);
    const request = await fetchNumbers();
    assert.deepEqual(verify(request, rotated), { v3: true, v2: true });
    assert.deepEqual(verify(request, old), { v3: false, v2: false });
  });
});
