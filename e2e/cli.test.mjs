// The CLI contract (docs/design.md#cli-contract): one ready line on stdout and nothing else, logs on stderr,
// a clean exit on SIGTERM even when it arrives right after the ready line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startCallhost } from "./serve.js";

test("a SIGTERM right after the ready line stops callhost cleanly, every time", async () => {
  for (let i = 0; i < 5; i++) {
    const server = await startCallhost();
    assert.equal(await server.stop(), 0);
    assert.deepEqual(server.extraStdout(), [], "stdout carries only the ready line");
  }
});

test("the ready line carries the contract's fields", async () => {
  const server = await startCallhost();
  try {
    const { ready } = server;
    for (const key of ["apiUrl", "hostUrl", "demoAppUrl", "portalId", "userId", "ownerId", "developerApiKey", "accessToken", "demoAppId"]) {
      assert.ok(ready[key] !== undefined && ready[key] !== null, key);
    }
    for (const key of ["apiUrl", "hostUrl", "demoAppUrl"]) {
      assert.equal(ready[key], new URL(ready[key]).origin, `${key} is an exact origin`);
    }
    const response = await fetch(`${ready.apiUrl}/crm/v3/extensions/calling/${ready.demoAppId}/settings?hapikey=${ready.developerApiKey}`);
    assert.equal(response.status, 200);
    assert.equal((await response.json()).url, `${ready.demoAppUrl}/`, "the demo app's settings point at the demo origin");
  } finally {
    await server.stop();
  }
});
