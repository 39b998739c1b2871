// The host's first-run story in real Chromium against a real `callhost serve`: a seeded
// contact, a Call button, the provider switcher, callhost's demo app on its own origin, the
// call logged on the record's timeline; moving between records mid-call without reloading
// the app; a full reload mid-call resuming the call.
import assert from "node:assert/strict";
import { test } from "node:test";
import { frameWhere, openHost, recordUrl, useCallhost } from "./fixtures.js";

let server;
let browser;
let rest;

useCallhost({}, async (env) => {
  ({ server, browser, rest } = env);
});

/** The demo app's frame inside the widget. */
async function demoFrame(page) {
  const { demoAppUrl } = server.ready;
  return frameWhere(page, page.locator("#hubspot-calling-extension-iframe"), (url) => url.startsWith(demoAppUrl));
}

/** Opens `contact`'s record in a new page, clicks its first Call button, picks callhost's demo
 * app and waits for its DIAL_NUMBER; returns the page and the demo app's frame. With
 * `acceptDialogs`, the page accepts its dialogs (leaving mid-call asks first). */
async function dialFromRecord(contact, { acceptDialogs = false } = {}) {
  const { ready } = server;
  const page = await browser.newPage();
  if (acceptDialogs) page.on("dialog", (dialog) => dialog.accept());
  await openHost(page, recordUrl(ready, "0-1", contact.id));
  await page.locator("[data-testid=call-button]").first().click();
  await page.locator(`[data-testid=provider-option][data-app-id="${ready.demoAppId}"]`).first().click();
  const demo = await demoFrame(page);
  await demo.locator("#event-log li[data-handler=onDialNumber]").waitFor({ timeout: 15_000 });
  return { page, demo };
}

/** Starts a call in the demo app and returns its engagement id once the host created it. */
async function startDemoCall(demo) {
  await demo.locator("[data-testid=sdk-outgoingCall]").click();
  await demo.locator("#event-log li[data-handler=onCreateEngagementSucceeded]").waitFor({ timeout: 10_000 });
  return Number(await demo.locator("[data-testid=demo-engagement-id]").inputValue());
}

test("first run: open Ada, click Call, pick the demo app, DIAL_NUMBER arrives once, the call is logged on the timeline", async () => {
  const { ready } = server;
  const ada = await rest.contactNamed("Ada");
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await openHost(page, recordUrl(ready, "0-1", ada.id));
  assert.equal(await page.getByTestId("record-title").innerText(), "Ada Lovelace");

  const call = page.locator('[data-testid=call-button][data-phone="617.555.0123"]');
  await call.click();
  await page.getByTestId("calling-widget").waitFor({ state: "visible" });
  const option = page.locator(`[data-testid=provider-option][data-app-id="${ready.demoAppId}"]`).first();
  assert.equal(await option.getAttribute("aria-disabled"), "false");
  await option.click();

  const demo = await demoFrame(page);
  await demo.locator("#event-log li[data-handler=onDialNumber]").waitFor({ timeout: 15_000 });
  assert.equal(await demo.locator("[data-testid=demo-phone]").inputValue(), "+16175550123");
  const iframe = page.locator("#hubspot-calling-extension-iframe");
  assert.equal(await iframe.getAttribute("allow"), "microphone; autoplay; speaker-selection");

  const engagementId = await startDemoCall(demo);
  assert.ok(engagementId > 0);
  const logged = await rest.get(`/crm/v3/objects/calls/${engagementId}?associations=contacts&properties=hs_call_direction`);
  assert.equal(logged.properties.hs_call_direction, "OUTBOUND");
  assert.deepEqual(logged.associations.contacts.results.map((r) => String(r.id)), [String(ada.id)]);

  for (const step of ["callAnswered", "callEnded", "callCompleted"]) {
    await demo.locator(`[data-testid=sdk-${step}]`).click();
  }
  await demo.locator("#event-log li[data-handler=onUpdateEngagementSucceeded]").waitFor({ state: "attached", timeout: 10_000 });
  const entry = page.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"]`);
  // The entry may already show the call from before the update: wait for the update to land.
  await entry.filter({ hasText: "Called from the callhost demo app" }).waitFor({ timeout: 10_000 });
  assert.match(await entry.innerText(), /Called from the callhost demo app/);
  assert.match(await entry.innerText(), /Completed/);
  // hideWidget defaults to true: the widget hides (its iframe stays in the document).
  await page.getByTestId("calling-widget").waitFor({ state: "hidden" });
  await demo.locator("#event-log li[data-handler=onVisibilityChanged]").waitFor({ state: "attached" });

  // Everything the host sent since the dial (the engagement's replies, the visibility change)
  // has arrived, in order: a second DIAL_NUMBER for the one dial would have come before it.
  assert.equal(await demo.locator("#event-log li[data-handler=onDialNumber]").count(), 1, "DIAL_NUMBER exactly once");
  assert.deepEqual(errors, []);
  await page.close();
});

test("moving between records mid-call keeps the widget's iframe and its call alive", async () => {
  const { ready } = server;
  const ada = await rest.contactNamed("Ada");
  const grace = await rest.contactNamed("Grace");
  const { page, demo } = await dialFromRecord(ada);
  const engagementId = await startDemoCall(demo);
  await demo.evaluate(() => { window.aliveMark = "still here"; });
  await page.evaluate(() => { window.pageMark = "same document"; });

  await page.locator(".breadcrumb a").click();
  await page.locator(`[data-testid=record-link]`, { hasText: "Grace Hopper" }).click();
  await page.getByTestId("record-title").filter({ hasText: "Grace Hopper" }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/contacts/${ready.portalId}/record/0-1/${grace.id}`);
  assert.equal(await page.evaluate(() => window.pageMark), "same document", "no full page load");
  assert.equal(await demo.evaluate(() => window.aliveMark), "still here", "the app was not reloaded");
  assert.equal(await page.getByTestId("end-call").isEnabled(), true, "the call is still live");

  await page.goBack(); // the list
  await page.goBack(); // Ada
  await page.getByTestId("record-title").filter({ hasText: "Ada Lovelace" }).waitFor();
  await page.getByTestId("end-call").click();
  await demo.locator("#event-log li[data-handler=onEndCall]").waitFor({ timeout: 10_000 });
  const ended = await demo.locator("#event-log li[data-handler=onEndCall]").innerText();
  assert.match(ended, new RegExp(`"engagementId": ?${engagementId}`));
  await page.close();
});

test("a full reload mid-call resumes the session: the new SYNC carries the live call's engagementId", async () => {
  const ada = await rest.contactNamed("Ada");
  const dialed = await dialFromRecord(ada, { acceptDialogs: true });
  const { page } = dialed;
  let { demo } = dialed;
  const engagementId = await startDemoCall(demo);

  await page.reload();
  await page.locator("body[data-ready=true]").waitFor();
  await page.waitForFunction(() => !document.querySelector("[data-testid=calling-widget]")?.hidden);
  demo = await demoFrame(page);
  await demo.locator("#event-log li[data-handler=onReady]").waitFor({ timeout: 15_000 });
  assert.equal(Number(await demo.locator("[data-testid=demo-engagement-id]").inputValue()), engagementId);
  assert.match(await demo.locator("#event-log li[data-handler=onReady]").innerText(), new RegExp(`"engagementId": ?${engagementId}`));
  await page.close();
});

test("a callState that changes nothing the switcher shows leaves its options in place; the widget still follows the call", async () => {
  // Rebuilding the switcher for every callState detached the option under the mouse, and the
  // browser then laid the page out again on the thread the app's messages are delivered on
  // (bench/README.md, "The message path").
  const { ready } = server;
  const ada = await rest.contactNamed("Ada");
  const { page, demo } = await dialFromRecord(ada);
  const engagementId = await startDemoCall(demo);
  const callState = page.getByTestId("call-state");
  await page.locator(`[data-testid=call-state][data-engagement-id="${engagementId}"]`).waitFor();
  const option = await page.locator(`[data-testid=provider-option][data-app-id="${ready.demoAppId}"]`).first().elementHandle();

  await demo.locator("[data-testid=sdk-callAnswered]").click();
  await callState.filter({ hasText: "In progress" }).waitFor({ timeout: 10_000 });
  assert.equal(await option.evaluate((node) => node.isConnected), true, "the switcher was not rebuilt");
  assert.equal(await option.getAttribute("aria-selected"), "true");
  assert.equal(await page.getByTestId("end-call").isEnabled(), true);
  assert.equal(await callState.getAttribute("data-engagement-id"), String(engagementId));
  await page.close();
});
