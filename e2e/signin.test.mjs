// Signing in where nobody is signed in automatically (docs/deploy.md#signing-in), in real
// Chromium: callhost is reached under a reverse proxy's name (`--allowed-host crm.test`, which
// Chromium resolves to loopback), so the development user is not signed in; an operator makes
// a one-time link with `callhost user sign-in` beside the running `serve`; the link, followed
// from another site as from a mail, signs that user in and lands on their portal's contacts;
// the same link again signs nobody in.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { launchChromium } from "./fixtures.js";
import { callhostBin, startCallhost } from "./serve.js";

const run = promisify(execFile);
const NAME = "crm.test";

let dir;
let server;
let browser;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "callhost-signin-"));
  server = await startCallhost({ storage: ["--data-dir", dir], flags: ["--allowed-host", NAME] });
  browser = await launchChromium([`--host-resolver-rules=MAP ${NAME} 127.0.0.1`]);
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0, "callhost exits cleanly on SIGTERM");
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a management command beside the running serve; its one JSON line. */
async function callhost(...args) {
  const { stdout } = await run(callhostBin(), [...args, "--data-dir", dir]);
  return JSON.parse(stdout);
}

test("a sign-in link followed from another site signs its user in behind a proxy, once", async () => {
  const { ready } = server;
  const port = new URL(ready.hostUrl).port;
  const proxied = `http://${NAME}:${port}`;
  const agent = await callhost("user", "create", "--portal", String(ready.portalId), "--email", "ada.agent@example.com");
  const link = await callhost("user", "sign-in", "--portal", String(ready.portalId), "--user", String(agent.userId), "--url", proxied);
  assert.equal(link.url, `${proxied}${link.path}`);

  const context = await browser.newContext();
  const page = await context.newPage();
  // Under the proxy's name nobody is signed in automatically.
  const contacts = `${proxied}/contacts/${ready.portalId}/objects/0-1/views/all/list`;
  const refused = await page.goto(contacts);
  assert.equal(refused?.status(), 401);
  assert.match(await page.getByTestId("not-found-message").innerText(), /sign-in link/);

  // The link, clicked on a page of another site (the demo origin), as in a mail.
  await page.goto(ready.demoAppUrl);
  await page.evaluate((href) => {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = "Sign in";
    a.id = "mail-link";
    document.body.append(a);
  }, link.url);
  await Promise.all([page.waitForURL(/\/objects\/0-1\/views\/all\/list$/), page.click("#mail-link")]);
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  assert.equal(new URL(page.url()).host, `${NAME}:${port}`);
  // The Apps page says who is signed in: the link's user, not the development user.
  await page.goto(`${proxied}/settings/${ready.portalId}/apps`);
  assert.equal(await page.getByTestId("signed-in-user").innerText(), "ada.agent@example.com");

  // Used once: a second browser with the same link is not signed in.
  const other = await browser.newContext();
  const second = await other.newPage();
  const again = await second.goto(link.url);
  assert.equal(again?.status(), 401);
  assert.match(await second.getByTestId("not-found-message").innerText(), /used already, has expired/);
  await other.close();
  await context.close();
});
