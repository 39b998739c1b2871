// The demo calling app as `callhost serve` ships it: served on the demo origin, loading the
// SDK from there, driven in real Chromium by a host page on the API origin that uses the SDK
// build callhost serves under /sdk/. Two real origins, no fixtures server. Then, on the same
// fresh start and with nothing registered by the test, the demo app's backend at work: a demo
// number connected in the help desk (callhost's signed webhook to the demo origin), a call
// rung into it from the demo app in the calling remote (HubSpot's supportsInboundCalling
// localStorage override) ending in a finalized ticket, and that call's recording played on
// the activity timeline (signed recording webhook, WAV by Range).
import assert from "node:assert/strict";
import { test } from "node:test";
import { frameWhere, openHost, recordUrl, restClient, useCallhost } from "./fixtures.js";

/**
 * Turns the page (callhost's own start page, so the document really comes from the API
 * origin) into a host: loads the UMD build callhost serves and hosts the demo app with the
 * SDK's IFrameManager.
 */
async function becomeHost(page, demoAppUrl) {
  await page.addScriptTag({ url: "/sdk/calling-extensions-sdk.umd.js" });
  await page.evaluate((src) => {
    const container = document.createElement("div");
    container.id = "calling-app";
    document.body.append(container);
    window.calls = [];
    window.host = new window.IFrameManager({
      debugMode: false,
      iFrameOptions: { src, width: "400px", height: "600px", hostElementSelector: "#calling-app" },
      onMessageHandler: (message) => window.calls.push(structuredClone(message)),
    });
  }, demoAppUrl);
}

let server;
let browser;

// Muted playback needs no user gesture anyway; the flag keeps the test independent of that.
useCallhost({ chromiumArgs: ["--autoplay-policy=no-user-gesture-required"] }, async (env) => {
  ({ server, browser } = env);
});

test("the demo app served by callhost syncs, initializes and takes a dial from a host on the API origin", async () => {
  const { apiUrl, demoAppUrl } = server.ready;
  assert.notEqual(new URL(apiUrl).origin, new URL(demoAppUrl).origin, "two origins");
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${apiUrl}/`);
  await becomeHost(page, demoAppUrl);

  await page.waitForFunction(() => window.calls.some((m) => m.type === "INITIALIZED"), null, { timeout: 15_000 });
  // The page may run the demo app in its calling remote too: take the IFrameManager's frame.
  const frame = await (await page.locator("#calling-app iframe").elementHandle()).contentFrame();
  assert.ok(frame?.url().startsWith(demoAppUrl), "the demo app is in the iframe");
  assert.match(await frame.locator("[data-testid=demo-status]").innerText(), /^ready/);

  await page.evaluate(() => window.host.sendMessage({ type: "DIAL_NUMBER", data: { phoneNumber: "+16175550123" } }));
  await frame.locator("#event-log li[data-handler=onDialNumber]").waitFor({ timeout: 5_000 });
  assert.equal(await frame.locator("[data-testid=demo-phone]").inputValue(), "+16175550123");

  await frame.locator("[data-testid=sdk-outgoingCall]").click();
  await page.waitForFunction(() => window.calls.some((m) => m.type === "OUTGOING_CALL_STARTED"), null, { timeout: 5_000 });
  const started = await page.evaluate(() => window.calls.find((m) => m.type === "OUTGOING_CALL_STARTED"));
  assert.equal(started.data.toNumber, "+16175550123", "the dialed number");
  assert.equal(started.data.createEngagement, true);
  assert.ok(started.data.externalCallId);
  assert.deepEqual(errors, []);
  await page.close();
});

/** The demo app's frame in the calling remote of `page`. */
async function demoRemoteFrame(page, demoAppUrl) {
  const iframe = page.locator("[data-testid=remote-frame] iframe");
  const frame = await frameWhere(page, iframe, (url) => url.startsWith(demoAppUrl), 15_000);
  // The remote's panel stays hidden until a call is answered: attached is enough.
  await frame.locator("[data-testid=demo-status]").filter({ hasText: /^ready/ }).waitFor({ state: "attached", timeout: 15_000 });
  return frame;
}

test("out of the box: a demo number connected in the help desk, rung from the demo app, ends in a finalized ticket whose call plays its recording", async () => {
  const { ready } = server;
  const rest = restClient(ready);
  const ada = await rest.contactNamed("Ada");
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // The demo app ships without supportsInboundCalling (the remote is the developer's own
  // app's); HubSpot's in-browser override puts it in the calling remote to ring a line.
  await page.addInitScript(() => localStorage.setItem("LocalSettings:Calling:supportsInboundCalling", "true"));
  await openHost(page, `${ready.hostUrl}/help-desk/${ready.portalId}`);

  // Connect: the demo app is selectable as it ships (isReady), and its webhook on the demo
  // origin, which verifies callhost's signature, offers its numbers (the one with an
  // extension listed but not selectable).
  const demoApp = page.locator(`[data-testid=helpdesk-app][data-app-id="${ready.demoAppId}"]`);
  await page.getByTestId("connect-number").click();
  await demoApp.waitFor();
  assert.equal(await demoApp.getAttribute("aria-disabled"), "false");
  await demoApp.click();
  const option = (number) => page.locator(`[data-testid=number-option][data-number="${number}"]`);
  await option("+18885550142").waitFor();
  assert.equal(await option("+18885550140").getAttribute("data-selectable"), "true");
  assert.equal(await option("+18885550142").getAttribute("data-selectable"), "false");
  assert.match(await option("+18885550142").getByTestId("number-reason").innerText(), /extension/);
  await option("+18885550140").getByTestId("number-check").check();
  await page.getByTestId("connect-inbox").selectOption({ label: "Support" });
  await page.getByTestId("connect-submit").click();
  await page.getByTestId("connect-result").filter({ hasText: "Connected 1 number" }).waitFor();
  await page.locator('[data-testid=inbox-channel][data-number="+18885550140"]').waitFor();
  await page.getByTestId("tickets-inbox").selectOption({ label: "Support" });

  // Ring it from the demo app in the calling remote, as the README's walkthrough says: the
  // demo's Phone field starts as Ada's seeded number, so Ada calls the demo support line.
  const frame = await demoRemoteFrame(page, ready.demoAppUrl);
  assert.equal(await frame.locator("[data-testid=demo-phone]").inputValue(), "+16175550123");
  await frame.locator("[data-testid=demo-line]").evaluate((select) => { select.value = "+18885550140"; });
  await frame.locator("[data-testid=sdk-incomingCall]").evaluate((button) => button.click());
  await page.getByTestId("incoming-caller").filter({ hasText: "Ada Lovelace" }).waitFor({ timeout: 10_000 });
  await page.getByTestId("answer-call").click();
  await frame.locator("#event-log li[data-handler=onCreateEngagementSucceeded]").waitFor({ timeout: 10_000 });
  const engagementId = await frame.locator("[data-testid=demo-engagement-id]").inputValue();
  assert.match(engagementId, /^\d+$/);
  await frame.locator("[data-testid=sdk-callAnswered]").click();
  await frame.locator("[data-testid=sdk-callEnded]").click();
  await frame.locator("[data-testid=demo-hide-widget]").uncheck();
  await frame.locator("[data-testid=sdk-callCompleted]").click();
  // CALL_COMPLETED, once the host confirms it, is followed by FINALIZE_ENGAGEMENT.
  await frame.locator("#event-log li[data-handler=onFinalizeEngagementSucceeded]").waitFor({ timeout: 10_000 });
  assert.equal(await frame.locator("#event-log li[data-handler=onFinalizeEngagementFailed]").count(), 0);

  // The ticket: Ada's, with the finalized call into the demo line.
  const call = page.locator(`[data-testid=ticket-call][data-engagement-id="${engagementId}"][data-finalized=true]`);
  await call.waitFor({ timeout: 15_000 });
  const ticket = page.locator("[data-testid=ticket]", { has: call });
  assert.equal(await ticket.getByTestId("ticket-contact").innerText(), "Ada Lovelace");
  assert.equal(await call.locator("[data-field=to]").innerText(), "+18885550140");
  const crmCall = await rest.get(`/crm/v3/objects/calls/${engagementId}?properties=hs_call_app_id,hs_call_external_id`);
  assert.equal(crmCall.properties.hs_call_app_id, String(ready.demoAppId));

  // The call's recording plays on Ada's timeline: the demo backend's signed recording webhook
  // and its WAV, through callhost.
  await openHost(page, recordUrl(ready, "0-1", ada.id));
  const player = page.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"]`).getByTestId("recording-audio");
  await player.waitFor({ timeout: 10_000 });
  const outcome = await player.evaluate(async (audio) => {
    const media = /** @type {HTMLAudioElement} */ (audio);
    media.muted = true;
    const played = await media.play().then(() => "playing", (e) => `rejected: ${e.name}`);
    if (!Number.isFinite(media.duration) || media.duration <= 0) {
      await new Promise((resolve) => media.addEventListener("durationchange", resolve, { once: true }));
    }
    const seeked = new Promise((resolve) => media.addEventListener("seeked", resolve, { once: true }));
    media.currentTime = 3;
    await seeked;
    return { played, duration: media.duration, error: media.error && media.error.code };
  });
  assert.equal(outcome.played, "playing");
  assert.ok(Math.abs(outcome.duration - 4) < 0.1, `duration ${outcome.duration}`);
  assert.equal(outcome.error, null);
  assert.deepEqual(errors, []);
  await page.close();
});
