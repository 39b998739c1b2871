// The deep link (docs/design.md#host-urls): `{hostUrl}/contacts/{portalId}/record/0-1/{id}?callingApp={appId}`
// opens the record with the widget already on that app, no click on the switcher: for an app
// on the OFFICIAL SDK from another origin, and for the demo app callhost serves. An app that
// is not offered in the portal says so on the page and opens nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { appFrame, events, frameWhere, newAppId, openHost, recordUrl, useCallhost } from "./fixtures.js";

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
