// HubSpot's rate limits as the official Node client sees them: a callhost started here with a
// small burst and search limit (docs/rate-limits.md#configuring) refuses with HubSpot's 429,
// which the client reports with its body, and which its own retry
// (`numberOfApiCallRetries`) waits out and then succeeds, for the burst limit
// (TEN_SECONDLY_ROLLING, a 10-second wait) and the search API's (SECONDLY, 1 second).
// Uses CALLHOST_BIN (scripts/compat.sh sets it), or the debug build.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';

const require = createRequire(import.meta.url);
const { Client } = require('@hubspot/api-client');
const bin = process.env.CALLHOST_BIN ?? new URL('../../target/debug/callhost', import.meta.url).pathname;
const LIMITS = 'burst=2/2s,search=1';

function startCallhost() {
  const args = ['serve', '--ephemeral', '--listen', '127.0.0.1:0', '--demo-listen', 'off', '--rate-limits', LIMITS];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CALLHOST_LOG: 'warn' } });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => {
      if (!line.startsWith('callhost ready ')) reject(new Error(`unexpected line: ${line}`));
      else resolve({ child, ready: JSON.parse(line.slice('callhost ready '.length)) });
    });
    child.once('exit', (code) => reject(new Error(`callhost exited with ${code}`)));
  });
}

describe(`@hubspot/api-client against --rate-limits ${LIMITS}`, () => {
  let callhost, ready;
  before(async () => {
    ({ child: callhost, ready } = await startCallhost());
  });
  after(async () => {
    if (callhost) {
      const exited = new Promise((resolve) => callhost.once('exit', resolve));
      callhost.kill('SIGTERM');
      await exited;
    }
  });

  const client = (retries) =>
    new Client({ basePath: ready.apiUrl, accessToken: ready.accessToken, numberOfApiCallRetries: retries });

  it('reports the 429 without retries, and retries it to success with them', { timeout: 60_000 }, async () => {
    const once = client(0).crm.contacts.basicApi;
    let refused;
    for (let i = 0; i < 5 && !refused; i++) {
      try {
        await once.getPage(1);
      } catch (err) {
        refused = err;
      }
    }
    assert.ok(refused, 'a third request in a window is refused');
    assert.equal(refused.code, 429);
    assert.equal(refused.body.errorType, 'RATE_LIMIT');
    assert.equal(refused.body.policyName, 'TEN_SECONDLY_ROLLING');
    assert.equal(refused.headers['x-hubspot-ratelimit-remaining'], '0');

    // Spend the window again, then let the client's retry wait it out.
    for (let i = 0; i < 3; i++) await once.getPage(1).catch(() => {});
    const started = Date.now();
    const page = await client(3).crm.contacts.basicApi.getPage(1);
    assert.ok(Array.isArray(page.results));
    assert.ok(Date.now() - started >= 9_000, 'the client waited before its retry');
  });

  it('retries the search API\'s secondly limit to success', { timeout: 30_000 }, async () => {
    const search = client(4).crm.contacts.searchApi;
    for (let i = 0; i < 3; i++) {
      const found = await search.doSearch({ filterGroups: [], limit: 1 });
      assert.ok(Array.isArray(found.results));
    }
  });
});
