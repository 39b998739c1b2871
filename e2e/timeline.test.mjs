// The record page's timeline follows the engine's `callChanged` signal, in real Chromium
// against a real `callhost serve`, with apps on the OFFICIAL SDK: a call the widget or the
// tab's calling remote creates appears without a reload, shows IN_PROGRESS while it is
// answered and its end status right after CALL_ENDED (writes the app never hears about), and
// each change reads that one call again, not the whole timeline, keeping the entry's
// recording section.
import assert from "node:assert/strict";
import { test } from "node:test";
import { events, frameWhere, newAppId, openHost, recordUrl, useCallhost } from "./fixtures.js";

let server;
let apps;
let browser;
let rest;
let ada;
const outbound = { appId: newAppId(), name: "Timeline widget app" };
const inbound = { appId: newAppId(), name: "Timeline inbound app" };

/** Long enough for a busy machine, far shorter than a timer-free page would ever need. */
const PROMPT = 5_000;

useCallhost({ apps: true }, async (env) => {
  ({ server, apps, browser, rest } = env);
  await rest.registerApp(outbound.appId, { name: outbound.name, url: `${apps.origin}/umd.html`, isReady: true });
  await rest.registerApp(inbound.appId, { name: inbound.name, url: `${apps.origin}/umd.html`, supportsInboundCalling: true, usesCallingWindow: false });
  ada = await rest.contactNamed("Ada");
});

/**
 * The app's frame inside `host` (the widget's or the remote's frame host), once the test app
 * runs in it.
 * @param {import("playwright-core").Page} page
 * @param {string} host  a data-testid
 */
async function frameIn(page, host) {
  const frame = await frameWhere(page, page.locator(`[data-testid=${host}] iframe`), (url) => url.startsWith(apps.origin));
  await frame.waitForFunction(() => Array.isArray(window.events), null, { timeout: 10_000, polling: 100 });
  return frame;
}

/**
 * A page on Ada's record that counts whole timeline reads (the record's list of calls).
 * @param {import("playwright-core").BrowserContext} context
 */
async function adaPage(context) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const reads = { whole: 0 };
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === `/crm/v4/objects/0-1/${ada.id}/associations/calls`) reads.whole += 1;
  });
  await openHost(page, recordUrl(server.ready, "0-1", ada.id));
  await page.locator("[data-testid=timeline] [data-testid=timeline-call], [data-testid=timeline-empty]").first().waitFor();
  await page.evaluate(() => { window.sameDocument = true; });
  return { page, errors, reads };
}

/**
 * The status an entry shows.
 * @param {import("playwright-core").Page} page
 * @param {number} engagementId
 * @param {string} status
 */
async function showsStatus(page, engagementId, status) {
  await page.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"] [data-field=status][data-value="${status}"]`)
    .waitFor({ timeout: PROMPT });
}

test("widget: the timeline shows the new call, IN_PROGRESS while answered and BUSY right after CALL_ENDED, without reloading", async () => {
  const context = await browser.newContext();
  await context.addInitScript((key) => localStorage.setItem("callhost:provider", key), `app:${outbound.appId}`);
  const { page, errors, reads } = await adaPage(context);
  await page.getByTestId("open-widget").click();
  const frame = await frameIn(page, "widget-frame");
  await events(frame, "onReady");
  await page.locator('[data-testid=app-status][data-logged-in="true"]').waitFor();
  assert.equal(reads.whole, 1, "the page read its timeline once");

  await page.locator('[data-testid=call-button][data-phone="617.555.0123"]').click();
  await events(frame, "onDialNumber");
  const externalCallId = `timeline-out-${Date.now()}`;
  await frame.evaluate((id) => window.cti.outgoingCall({ externalCallId: id, toNumber: "+16175550123", callStartTime: Date.now(), createEngagement: true }), externalCallId);
  const [created] = await events(frame, "onCreateEngagementSucceeded");
  const engagementId = created.data.engagementId;
  const entry = page.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"]`);
  await entry.waitFor({ timeout: PROMPT });
  assert.equal(await page.locator("[data-testid=timeline-call]").first().getAttribute("data-engagement-id"), String(engagementId), "the newest call comes first");
  // The entry's recording section (hidden: this app has no recording settings) is kept.
  await entry.getByTestId("recording").evaluate((section) => { section.dataset.mark = "kept"; });

  await frame.evaluate((id) => window.cti.callAnswered({ externalCallId: id }), externalCallId);
  await showsStatus(page, engagementId, "IN_PROGRESS");
  await frame.evaluate(([id, eid]) => window.cti.callEnded({ externalCallId: id, engagementId: eid, callEndStatus: "BUSY" }), [externalCallId, engagementId]);
  await showsStatus(page, engagementId, "BUSY");
  const stored = await rest.get(`/crm/v3/objects/calls/${engagementId}?properties=hs_call_status`);
  assert.equal(stored.properties.hs_call_status, "BUSY");

  assert.equal(await entry.count(), 1, "one entry for the call");
  assert.equal(await entry.locator("[data-testid=recording][data-mark=kept]").count(), 1, "the recording section was reused");
  assert.equal(await page.evaluate(() => window.sameDocument), true, "no reload");
  assert.equal(reads.whole, 1, "each change read that one call, not the whole timeline");
  assert.deepEqual(errors, []);
  await context.close();
});

test("calling remote: an inbound call appears, shows IN_PROGRESS when answered and MISSED for the next one, without reloading", async () => {
  const context = await browser.newContext();
  await context.addInitScript((key) => localStorage.setItem("callhost:provider", key), `app:${inbound.appId}`);
  const { page, errors, reads } = await adaPage(context);
  await page.locator(`[data-testid=calling-remote][data-app-id="${inbound.appId}"]`).waitFor();
  const frame = await frameIn(page, "remote-frame");
  await events(frame, "onReady");
  await frame.evaluate(() => window.cti.userAvailable());

  const answered = `timeline-in-${Date.now()}`;
  await frame.evaluate((id) => window.cti.incomingCall({ externalCallId: id, fromNumber: "+16175550123", toNumber: "+15555550100", callStartTime: Date.now(), createEngagement: true }), answered);
  const [created] = await events(frame, "onCreateEngagementSucceeded");
  const engagementId = created.data.engagementId;
  await page.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"]`).waitFor({ timeout: PROMPT });
  await frame.evaluate((id) => window.cti.callAnswered({ externalCallId: id }), answered);
  await showsStatus(page, engagementId, "IN_PROGRESS");
  await frame.evaluate(([id, eid]) => window.cti.callEnded({ externalCallId: id, engagementId: eid, callEndStatus: "COMPLETED" }), [answered, engagementId]);
  await showsStatus(page, engagementId, "COMPLETED");

  const missed = `timeline-missed-${Date.now()}`;
  await frame.evaluate((id) => window.cti.incomingCall({ externalCallId: id, fromNumber: "+16175550123", toNumber: "+15555550100", callStartTime: Date.now(), createEngagement: true }), missed);
  const second = (await events(frame, "onCreateEngagementSucceeded", 2))[1].data.engagementId;
  await frame.evaluate((id) => window.cti.callEnded({ externalCallId: id, callEndStatus: "MISSED" }), missed);
  await showsStatus(page, second, "MISSED");
  assert.equal(await page.locator("[data-testid=timeline-call]").first().getAttribute("data-engagement-id"), String(second), "the newest call comes first");
  await showsStatus(page, engagementId, "COMPLETED");

  assert.equal(await page.evaluate(() => window.sameDocument), true, "no reload");
  assert.equal(reads.whole, 1, "each change read that one call, not the whole timeline");
  assert.deepEqual(errors, []);
  await context.close();
});
