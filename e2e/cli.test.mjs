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

/**
 * Runs `callhost serve` with `args` expecting it to fail at startup; resolves with its exit
 * code, stderr and how long it took.
 */
async function failedStart(args, { timeoutMs = 20_000 } = {}) {
  const { spawn } = await import("node:child_process");
  const bin = process.env.CALLHOST_BIN || new URL("../target/debug/callhost", import.meta.url).pathname;
  const started = Date.now();
  const child = spawn(bin, ["serve", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CALLHOST_LOG: "error" } });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (c) => (stderr += c));
  child.stdout.on("data", (c) => (stdout += c));
  const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
  const code = await new Promise((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  return { code, stderr, stdout, ms: Date.now() - started };
}

test("a port in use names the flag it came from (--listen, --demo-listen)", async () => {
  const { createServer } = await import("node:net");
  const busy = createServer();
  await new Promise((resolve) => busy.listen(0, "127.0.0.1", resolve));
  const port = busy.address().port;
  try {
    const api = await failedStart(["--ephemeral", "--listen", `127.0.0.1:${port}`, "--demo-listen", "127.0.0.1:0"]);
    assert.notEqual(api.code, 0);
    assert.match(api.stderr, new RegExp(`--listen 127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(api.stderr, /--demo-listen/);
    const demo = await failedStart(["--ephemeral", "--listen", "127.0.0.1:0", "--demo-listen", `127.0.0.1:${port}`]);
    assert.notEqual(demo.code, 0);
    assert.match(demo.stderr, new RegExp(`--demo-listen 127\\.0\\.0\\.1:${port}`));
  } finally {
    busy.close();
  }
});

test("an unreachable PostgreSQL fails at once with its cause, not a pool timeout, and without the password", async () => {
  const { createServer } = await import("node:net");
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = probe.address().port;
  await new Promise((resolve) => probe.close(resolve));
  const run = await failedStart(["--ephemeral", "--listen", "127.0.0.1:0", "--demo-listen", "off", "--database-url", `postgres://callhost:hunter2@127.0.0.1:${port}/x`]);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /refused/i);
  assert.doesNotMatch(run.stderr, /timed out/i);
  assert.doesNotMatch(run.stderr, /hunter2/);
  assert.match(run.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.ok(run.ms < 5_000, `failed after ${run.ms} ms`);
});

test("--data-dir: a folder callhost makes is owner-only, an existing one keeps its permissions, an unusable one is named", async () => {
  const { mkdtempSync, mkdirSync, chmodSync, statSync, writeFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const root = mkdtempSync(join(tmpdir(), "callhost-cli-"));
  try {
    const existing = join(root, "shared");
    mkdirSync(existing);
    chmodSync(existing, 0o755);
    const fresh = join(root, "fresh");
    for (const dir of [existing, fresh]) {
      const { spawn } = await import("node:child_process");
      const bin = process.env.CALLHOST_BIN || new URL("../target/debug/callhost", import.meta.url).pathname;
      const child = spawn(bin, ["serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--demo-listen", "off"], { stdio: ["ignore", "pipe", "pipe"] });
      await new Promise((resolve, reject) => {
        child.stdout.once("data", resolve);
        child.once("exit", (code) => reject(new Error(`exited ${code}`)));
      });
      child.removeAllListeners("exit");
      await new Promise((resolve) => { child.once("exit", resolve); child.kill("SIGTERM"); });
    }
    assert.equal(statSync(existing).mode & 0o777, 0o755, "an existing folder is left as it was");
    assert.equal(statSync(fresh).mode & 0o777, 0o700, "a folder callhost made is owner-only");
    assert.equal(statSync(join(existing, "dev-credentials.json")).mode & 0o777, 0o600, "the credentials are owner-only");

    const blocker = join(root, "a-file");
    writeFileSync(blocker, "");
    const run = await failedStart(["--data-dir", join(blocker, "data"), "--listen", "127.0.0.1:0", "--demo-listen", "off"]);
    assert.notEqual(run.code, 0);
    assert.ok(run.stderr.includes(join(blocker, "data")), run.stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
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
