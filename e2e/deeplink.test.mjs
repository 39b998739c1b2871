// The deep link (docs/design.md#host-urls): `{hostUrl}/contacts/{portalId}/record/0-1/{id}?callingApp={appId}`
// opens the record with the widget already on that app, no click on the switcher: for an app
// on the OFFICIAL SDK from another origin, and for the demo app callhost serves. An app that
// is not offered in the portal says so on the page and opens nothing.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { appFrame, events, frameWhere, newAppId, openHost, recordUrl, useCallhost } from "./fixtures.js";
import { startCallhost } from "./serve.js";

let server;
let apps;
let browser;
let rest;
let ada;
const official = { appId: newAppId(), name: "Official SDK app" };
const unready = { appId: newAppId(), name: "Unready app" };

useCallhost({ apps: true }, async (env) => {
  ({ server, apps, browser, rest } = env);
  await rest.registerApp(official.appId, { name: official.name, url: `${apps.origin}/umd.html`, usesCallingWindow: false });
  await rest.registerApp(unready.appId, { name: unready.name, url: `${apps.origin}/umd.html`, isReady: false });
  ada = await rest.contactNamed("Ada");
});

/** @param {number | string} appId */
function linkTo(appId) {
  return `${recordUrl(server.ready, "0-1", ada.id)}?callingApp=${appId}`;
}

test("the deep link opens the record with the widget on an official-SDK app, which initializes and takes a dial", async () => {
  const page = await browser.newPage();
  page.on("pageerror", (e) => { throw e; });
  await openHost(page, linkTo(official.appId));
  await page.getByTestId("record-title").waitFor();
  const frame = await appFrame(page, apps.origin);
  const [ready] = await events(frame, "onReady");
  assert.equal(ready.data.portalId, server.ready.portalId);
  assert.equal(ready.data.iframeLocation, "widget");
  await page.locator('[data-testid=app-status][data-logged-in="true"]').waitFor();
  assert.equal(await page.getByTestId("calling-widget").getAttribute("data-state"), "open");
  const chosen = page.locator(`[data-testid=provider-option][data-app-id="${official.appId}"]`);
  assert.equal(await chosen.getAttribute("aria-selected"), "true");
  // The session is the user's: the record's Call button dials through it at once.
  await page.getByTestId("call-button").first().click();
  const [dial] = await events(frame, "onDialNumber");
  assert.equal(dial.data.objectId, Number(ada.id));
  await page.close();
});

test("the deep link opens the demo app on the demo origin", async () => {
  const { demoAppUrl, demoAppId } = server.ready;
  const page = await browser.newPage();
  page.on("pageerror", (e) => { throw e; });
  await openHost(page, linkTo(demoAppId));
  const frame = await frameWhere(page, page.locator("#hubspot-calling-extension-iframe"), (url) => url.startsWith(demoAppUrl));
  await frame.locator("[data-testid=demo-status]").filter({ hasText: /^ready/ }).waitFor({ timeout: 15_000 });
  const chosen = page.locator(`[data-testid=provider-option][data-app-id="${demoAppId}"]`);
  assert.equal(await chosen.getAttribute("aria-selected"), "true");
  await page.close();
});

test("a deep link to an app that is not offered says so and opens nothing", async () => {
  for (const [appId, words] of [[987654321, /987654321 is not offered in this portal/], [unready.appId, /not ready/], ["abc", /must be an app id/]]) {
    const page = await browser.newPage();
    page.on("pageerror", (e) => { throw e; });
    await openHost(page, linkTo(appId));
    const alert = page.getByTestId("host-alert-text");
    await alert.waitFor();
    assert.match(await alert.innerText(), words);
    assert.equal(await page.getByTestId("calling-widget").getAttribute("data-state"), "hidden");
    assert.equal(await page.locator("#hubspot-calling-extension-iframe").count(), 0);
    await page.close();
  }
});

// docs/fixtures.md#reset, as a test suite uses it: callhost started from a fixture that
// declares the official-SDK app; a reset ends the open page's widget session, the page starts
// a new one by itself and the app is loaded afresh, with the records back as they were.
test("after a reset, an open page's widget reconnects to a new session and the app starts over", async () => {
  const dir = await mkdtemp(join(tmpdir(), "callhost-deeplink-"));
  const fixture = JSON.parse(await readFile(fileURLToPath(new URL("../docs/fixture.example.json", import.meta.url)), "utf8"));
  fixture.apps[1].calling.url = `${apps.origin}/umd.html`;
  const path = join(dir, "fixture.json");
  await writeFile(path, JSON.stringify(fixture));
  const fixed = await startCallhost(["--fixture", path]);
  const page = await browser.newPage();
  try {
    const { ready } = fixed;
    const auth = { authorization: `Bearer ${ready.accessToken}` };
    page.on("pageerror", (e) => { throw e; });
    await openHost(page, `${recordUrl(ready, "0-1", 301)}?callingApp=3002`);
    const frame = await appFrame(page, apps.origin);
    await events(frame, "onReady");
    await page.locator('[data-testid=app-status][data-logged-in="true"]').waitFor();
    const before = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)));
    const made = await fetch(`${ready.apiUrl}/crm/v3/objects/contacts`, {
      method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ properties: { firstname: "Temporary" } }),
    });
    assert.equal(made.status, 201);
    const madeId = (await made.json()).id;

    const reloaded = page.waitForEvent("framenavigated", { predicate: (f) => f.url().startsWith(apps.origin), timeout: 10_000 });
    const response = await fetch(`${ready.apiUrl}/callhost/v1/reset`, { method: "POST", headers: auth });
    assert.equal(response.status, 204);

    // The app is loaded again (a new document in the iframe) and goes through the handshake.
    await reloaded;
    const fresh = await appFrame(page, apps.origin);
    await events(fresh, "onReady");
    const after = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)));
    assert.notEqual(after, before, "the page remembers a new session");
    const gone = await fetch(`${ready.apiUrl}/crm/v3/objects/contacts/${madeId}`, { headers: auth });
    assert.equal(gone.status, 404);
  } finally {
    await page.close();
    assert.equal(await fixed.stop(), 0);
    await rm(dir, { recursive: true, force: true });
  }
});
