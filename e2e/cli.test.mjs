// The CLI contract (docs/design.md#cli-contract): one ready line on stdout and nothing else, logs on stderr,
// a clean exit on SIGTERM even when it arrives right after the ready line.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
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

// docs/fixtures.md: `--fixture` gives the same ids and credentials on every run, and a fixture
// error stops callhost before its ready line, naming the file, the path in it and the problem.
const exampleFixture = fileURLToPath(new URL("../docs/fixture.example.json", import.meta.url));

test("--fixture gives the same ids and credentials on two runs", async () => {
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const server = await startCallhost(["--fixture", exampleFixture]);
    try {
      const { ready } = server;
      runs.push(Object.fromEntries(["portalId", "userId", "ownerId", "developerApiKey", "accessToken", "demoAppId"].map((k) => [k, ready[k]])));
      const response = await fetch(`${ready.apiUrl}/crm/v3/objects/contacts/301`, { headers: { authorization: `Bearer ${ready.accessToken}` } });
      assert.equal(response.status, 200);
      assert.equal((await response.json()).properties.firstname, "Ada");
    } finally {
      assert.equal(await server.stop(), 0);
    }
  }
  assert.deepEqual(runs[0], runs[1]);
  assert.deepEqual(runs[0], {
    portalId: 424242, userId: 101, ownerId: 90101,
    developerApiKey: "chk-example-developer-key", accessToken: "chp-example-access-token", demoAppId: 3001,
  });
});

test("a fixture error names the file, the path and the problem, and callhost does not start", async () => {
  const dir = await mkdtemp(join(tmpdir(), "callhost-fixture-"));
  try {
    const fixture = JSON.parse(await readFile(exampleFixture, "utf8"));
    fixture.records.contacts[1].properties.email = "not-unique";
    fixture.records.contacts[0].properties.email = "not-unique";
    const path = join(dir, "broken.json");
    await writeFile(path, JSON.stringify(fixture));
    const bin = process.env.CALLHOST_BIN || fileURLToPath(new URL("../target/debug/callhost", import.meta.url));
    const child = spawn(bin, ["serve", "--ephemeral", "--listen", "127.0.0.1:0", "--demo-listen", "off", "--fixture", path], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    assert.notEqual(code, 0);
    assert.equal(out, "", "no ready line");
    assert.match(err, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: records\\.contacts\\[1\\]\\.properties\\.email: "not-unique" is already the email of another record`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
