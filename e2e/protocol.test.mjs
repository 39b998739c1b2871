// docs/protocol.md#app-to-host-messages, row by row, in real Chromium: calling apps built on the OFFICIAL
// SDK from npm (UMD by script tag, and ESM), served from another loopback origin, registered
// through the settings API or the LocalSettings override, hosted by callhost's record pages.
import assert from "node:assert/strict";
import { test } from "node:test";
import { allEvents, appFrame, events, frameWhere, newAppId, openHost, recordUrl, settled, useCallhost } from "./fixtures.js";

let server;
let apps;
let browser;
let rest;
let ada;
/** Registered apps: UMD (no custom objects), not ready, UMD with custom objects. */
const umd = { appId: newAppId(), name: "Official SDK UMD app" };
const notReady = { appId: newAppId(), name: "Unready app" };
const custom = { appId: newAppId(), name: "Custom objects app" };

useCallhost({ apps: true }, async (env) => {
  ({ server, apps, browser, rest } = env);
  await rest.registerApp(umd.appId, { name: umd.name, url: `${apps.origin}/umd.html`, width: 350, height: 500, isReady: true });
  await rest.registerApp(notReady.appId, { name: notReady.name, url: `${apps.origin}/umd.html`, isReady: false });
  await rest.registerApp(custom.appId, { name: custom.name, url: `${apps.origin}/umd.html`, supportsCustomObjects: true });
  ada = await rest.contactNamed("Ada");
});

/**
 * Opens a record, opens the widget with the given app and waits until the app is logged in.
 * @returns {Promise<{page: import("playwright-core").Page, frame: import("playwright-core").Frame}>}
 */
async function withApp(appId, { path = recordUrl(server.ready, "0-1", ada.id), loggedIn = true, page } = {}) {
  page ??= await browser.newPage();
  page.on("pageerror", (e) => { throw e; });
  await openHost(page, path);
  await page.getByTestId("open-widget").click();
  await page.locator(`[data-testid=provider-option][data-app-id="${appId}"]`).first().click();
  const frame = await appFrame(page, apps.origin);
  await events(frame, "onReady");
  if (loggedIn) await page.locator('[data-testid=app-status][data-logged-in="true"]').waitFor();
  return { page, frame };
}

test("SYNC → SYNC_ACK → INITIALIZED: onReady gets the host's exact origin, the ids and the location; the iframe is sized from settings", async () => {
  const { page, frame } = await withApp(umd.appId);
  const [ready] = await events(frame, "onReady");
  assert.equal(ready.data.hostUrl, server.ready.hostUrl.replace(/\/$/, ""));
  assert.equal(ready.data.portalId, server.ready.portalId);
  assert.equal(ready.data.userId, server.ready.userId);
  assert.equal(ready.data.ownerId, server.ready.ownerId);
  assert.equal(ready.data.iframeLocation, "widget");
  assert.equal(typeof ready.data.usesCallingWindow, "boolean");
  const iframe = page.locator("#hubspot-calling-extension-iframe");
  assert.equal(await iframe.getAttribute("allow"), "microphone; autoplay; speaker-selection");
  assert.deepEqual(await iframe.evaluate((f) => [f.style.width, f.style.height]), ["350px", "500px"]);
  assert.equal(await page.getByTestId("app-status").innerText(), "Logged in");
  await page.close();
});

test("LOGGED_OUT: a dial shows an alert and sends nothing; LOGGED_IN clears the alert and the next dial carries the full DIAL_NUMBER payload", async () => {
  const { page, frame } = await withApp(umd.appId);
  await frame.evaluate(() => window.cti.userLoggedOut());
  await page.locator('[data-testid=app-status][data-logged-in="false"]').waitFor();
  await page.locator('[data-testid=call-button][data-phone="617.555.0123"]').click();
  await page.getByTestId("host-alert").waitFor();
  assert.match(await page.getByTestId("host-alert").innerText(), /not logged in/i);
  await settled(frame, server.ready);
  assert.ok(!(await allEvents(frame)).includes("onDialNumber"), "no DIAL_NUMBER to a logged-out app");

  await frame.evaluate(() => window.cti.userLoggedIn());
  await page.locator('[data-testid=app-status][data-logged-in="true"]').waitFor();
  // The alert said the app was logged out: it goes when the app reports LOGGED_IN.
  await page.getByTestId("host-alert").waitFor({ state: "detached" });
  await page.locator('[data-testid=call-button][data-phone="617.555.0123"]').click();
  const [dial] = await events(frame, "onDialNumber");
  const d = dial.data;
  assert.equal(d.phoneNumber, "+16175550123");
  assert.equal(d.phone_number, "+16175550123");
  assert.equal(d.countryCode, "US");
  assert.deepEqual(d.calleeInfo, { calleeId: Number(ada.id), calleeObjectTypeId: "0-1" });
  assert.equal(d.objectId, Number(ada.id));
  assert.equal(d.subjectId, Number(ada.id));
  assert.equal(d.objectType, "CONTACT");
  assert.equal(d.ownerId, server.ready.ownerId);
  assert.equal(d.portalId, server.ready.portalId);
  assert.equal(d.toPhoneNumberSrc, "phone");
  assert.ok(Math.abs(d.startTimestamp - Date.now()) < 60_000);
  await settled(frame, server.ready);
  assert.equal((await events(frame, "onDialNumber")).length, 1, "exactly once");
  await page.close();
});

test("OUTGOING_CALL_STARTED → CREATE_ENGAGEMENT_SUCCEEDED, CALL_ANSWERED, End call → END_CALL, CALL_ENDED, CALL_COMPLETED → UPDATE_ENGAGEMENT_SUCCEEDED and the timeline", async () => {
  const { page, frame } = await withApp(umd.appId);
  await page.locator('[data-testid=call-button][data-phone="617.555.0123"]').click();
  await events(frame, "onDialNumber");
  const externalCallId = `ext-${Date.now()}`;
  await frame.evaluate((id) => window.cti.outgoingCall({ externalCallId: id, toNumber: "+16175550123", fromNumber: "+15555550199", callStartTime: Date.now(), createEngagement: true }), externalCallId);
  const [created] = await events(frame, "onCreateEngagementSucceeded");
  const engagementId = created.data.engagementId;
  assert.equal(typeof engagementId, "number");
  const call = await rest.get(`/crm/v3/objects/calls/${engagementId}?associations=contacts&properties=hs_call_direction,hubspot_owner_id`);
  assert.deepEqual(call.associations.contacts.results.map((r) => String(r.id)), [String(ada.id)]);
  assert.equal(call.properties.hs_call_direction, "OUTBOUND");
  assert.equal(String(call.properties.hubspot_owner_id), String(server.ready.ownerId));

  await frame.evaluate((id) => window.cti.callAnswered({ externalCallId: id }), externalCallId);
  await page.locator("[data-testid=calling-widget][data-call-state=IN_PROGRESS]").waitFor();
  await page.getByTestId("end-call").click();
  const [end] = await events(frame, "onEndCall");
  assert.deepEqual(end.data, { externalCallId, engagementId });

  await frame.evaluate(([id, eid]) => window.cti.callEnded({ externalCallId: id, engagementId: eid, callEndStatus: "COMPLETED" }), [externalCallId, engagementId]);
  await page.locator("[data-testid=calling-widget][data-call-state=ENDED]").waitFor();
  assert.equal(await page.getByTestId("end-call").isDisabled(), true);
  await frame.evaluate(([id, eid]) => window.cti.callCompleted({
    externalCallId: id, engagementId: eid, hideWidget: false,
    engagementProperties: {
      hs_call_title: "Intro call", hs_call_body: "Notes <b>not bold</b>", hs_call_status: "COMPLETED",
      hs_call_duration: "65000", hs_call_disposition: "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    },
  }), [externalCallId, engagementId]);
  const [updated] = await events(frame, "onUpdateEngagementSucceeded");
  assert.equal(updated.data.engagementId, engagementId);
  const entry = page.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"]`);
  // The entry may already show the call from before the update: wait for the update to land.
  await entry.locator("[data-field=title]", { hasText: "Intro call" }).waitFor({ timeout: 10_000 });
  assert.equal(await entry.locator("[data-field=title]").innerText(), "Intro call");
  assert.equal(await entry.locator("[data-field=notes]").innerText(), "Notes <b>not bold</b>", "notes as text");
  assert.equal(await entry.locator("b").count(), 0);
  assert.equal(await entry.locator("[data-field=duration]").innerText(), "1:05");
  // Codes are shown by their labels; the stored code stays on the element.
  assert.equal(await entry.locator("[data-field=status]").innerText(), "Completed");
  assert.equal(await entry.locator("[data-field=status]").getAttribute("data-value"), "COMPLETED");
  assert.equal(await entry.locator("[data-field=direction]").innerText(), "Outbound");
  assert.equal(await entry.locator("[data-field=disposition]").innerText(), "Connected");
  assert.equal(await entry.locator("[data-field=disposition]").getAttribute("data-value"), "f240bbac-87c9-4f6e-bf70-924b57d47db7");
  assert.equal(await page.getByTestId("calling-widget").isVisible(), true, "hideWidget:false keeps the widget");
  const stored = await rest.get(`/crm/v3/objects/calls/${engagementId}?properties=hs_call_body,hs_call_duration`);
  assert.equal(stored.properties.hs_call_body, "Notes <b>not bold</b>");
  await page.close();
});

test("RESIZE_WIDGET, minimize, restore and close (VISIBILITY_CHANGED), ERROR as a text alert, availability, CALL_DATA ignored", async () => {
  const { page, frame } = await withApp(umd.appId);
  const iframe = page.locator("#hubspot-calling-extension-iframe");
  await frame.evaluate(() => window.cti.resizeWidget({ width: 320, height: 480 }));
  await page.waitForFunction(() => document.getElementById("hubspot-calling-extension-iframe").style.width === "320px");
  assert.equal(await iframe.evaluate((f) => f.style.height), "480px");

  await page.getByTestId("widget-minimize").click();
  let [visibility] = await events(frame, "onVisibilityChanged");
  assert.deepEqual(visibility.data, { isMinimized: true, isHidden: false });
  assert.equal(await page.getByTestId("calling-widget").getAttribute("data-state"), "minimized");
  await page.getByTestId("widget-minimize").click();
  visibility = (await events(frame, "onVisibilityChanged", 2))[1];
  assert.deepEqual(visibility.data, { isMinimized: false, isHidden: false });
  await page.getByTestId("widget-close").click();
  visibility = (await events(frame, "onVisibilityChanged", 3))[2];
  assert.deepEqual(visibility.data, { isMinimized: false, isHidden: true });
  await page.getByTestId("calling-widget").waitFor({ state: "hidden" });
  await page.getByTestId("open-widget").click();
  await page.getByTestId("calling-widget").waitFor({ state: "visible" });

  const hostile = '<img src=x onerror="window.pwned=1">Line failed';
  await frame.evaluate((message) => window.cti.sendError({ message }), hostile);
  await page.getByTestId("host-alert").waitFor();
  assert.equal(await page.getByTestId("host-alert-text").innerText(), hostile);
  assert.equal(await page.locator("[data-testid=host-alert] img").count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  // Only an alert about being logged out goes with a login: the app's own error stays.
  await frame.evaluate(() => window.cti.userLoggedIn());
  await settled(frame, server.ready);
  assert.equal(await page.getByTestId("host-alert").count(), 1);
  await page.getByTestId("host-alert-dismiss").click();

  await frame.evaluate(() => window.cti.userUnavailable());
  await page.getByTestId("app-status").filter({ hasText: "unavailable" }).waitFor();
  await frame.evaluate(() => window.cti.userAvailable());
  await page.getByTestId("app-status").filter({ hasText: /^Logged in$/ }).waitFor();

  await frame.evaluate(() => window.cti.callData({ note: "legacy" }));
  // An alert for CALL_DATA would have been shown before the engine answers a later message.
  await settled(frame, server.ready);
  assert.equal(await page.getByTestId("host-alert").count(), 0);
  await page.close();
});

test("NAVIGATE_TO_RECORD opens the record in place (or a new tab), and NAVIGATE_TO_RECORD_FAILED for a record that does not exist", async () => {
  const { page, frame } = await withApp(umd.appId);
  const companies = await rest.get("/crm/v3/objects/companies?properties=name");
  const acme = companies.results.find((c) => c.properties.name === "Acme Corporation");
  await page.evaluate(() => { window.pageMark = 1; });
  const coordinates = { portalId: server.ready.portalId, objectId: Number(acme.id), objectTypeId: "0-2" };
  await frame.evaluate((c) => window.cti.navigateToRecord({ objectCoordinates: c }), coordinates);
  await page.getByTestId("record-title").filter({ hasText: "Acme Corporation" }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/contacts/${server.ready.portalId}/record/0-2/${acme.id}`);
  assert.equal(await page.evaluate(() => window.pageMark), 1, "same document");
  assert.equal(await frame.evaluate(() => window.events.length > 0), true, "same app instance");

  const popup = page.waitForEvent("popup");
  await frame.evaluate((c) => window.cti.navigateToRecord({ objectCoordinates: { ...c, objectTypeId: "0-1", objectId: c.adaId }, openIn: "NEW_TAB" }),
    { ...coordinates, adaId: Number(ada.id) });
  const tab = await popup;
  await tab.waitForURL(new RegExp(`/record/0-1/${ada.id}$`));
  await tab.close();

  await frame.evaluate((c) => window.cti.navigateToRecord({ objectCoordinates: { ...c, objectId: 987654321 } }), coordinates);
  const [failed] = await events(frame, "onNavigateToRecordFailed");
  assert.deepEqual(failed.data.objectCoordinates, { ...coordinates, objectId: 987654321 });
  await page.close();
});

test("SET_WIDGET_URL to an allowed URL reloads the iframe there and SYNCs again; another origin gets SET_WIDGET_URL_FAILED", async () => {
  const { page, frame } = await withApp(umd.appId);
  await frame.evaluate((url) => window.cti.setWidgetUrl({ iFrameUrl: url }), `${apps.origin}/esm.html?moved=1`);
  const moved = await frameWhere(page, page.locator("#hubspot-calling-extension-iframe"), (url) => url.includes("moved=1"));
  assert.ok(moved, "the iframe loaded the new URL");
  await moved.waitForFunction(() => Array.isArray(window.events));
  await events(moved, "onReady");
  await page.locator('[data-testid=app-status][data-logged-in="true"]').waitFor();
  assert.equal(await moved.evaluate(() => document.documentElement.dataset.flavour), "esm");

  await moved.evaluate(() => window.cti.setWidgetUrl({ iFrameUrl: "https://elsewhere.example/app" }));
  const [failed] = await events(moved, "onSetWidgetUrlFailed");
  assert.ok(failed.data.error.message);
  assert.ok(page.frames().some((f) => f.url().includes("moved=1")), "the iframe stayed");
  await page.close();
});

test("the ESM build through the LocalSettings:Calling:CallingExtensions override; the choice is remembered", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openHost(page, recordUrl(server.ready, "0-1", ada.id));
  await page.evaluate((url) => localStorage.setItem("LocalSettings:Calling:CallingExtensions", JSON.stringify({ name: "Override ESM app", url })), `${apps.origin}/esm.html`);
  await page.reload();
  await page.locator("body[data-ready=true]").waitFor();
  await page.locator("[data-testid=call-button]").first().click();
  const option = page.locator("[data-testid=provider-option][data-provider=override]");
  assert.equal(await option.innerText(), "Override ESM app");
  await option.click();
  const frame = await appFrame(page, apps.origin);
  assert.equal(await frame.evaluate(() => document.documentElement.dataset.flavour), "esm");
  await events(frame, "onDialNumber");

  const again = await context.newPage();
  await openHost(again, recordUrl(server.ready, "0-1", ada.id));
  await again.locator("[data-testid=call-button]").first().click();
  assert.equal(await again.locator("[data-testid=provider-option][data-provider=override]").getAttribute("aria-selected"), "true");
  const second = await appFrame(again, apps.origin);
  await events(second, "onDialNumber");
  await context.close();
});

test("an app whose isReady is false is greyed out unless the localStorage override makes it ready", async () => {
  const page = await browser.newPage();
  await openHost(page, recordUrl(server.ready, "0-1", ada.id));
  await page.getByTestId("open-widget").click();
  const option = page.locator(`[data-testid=provider-option][data-app-id="${notReady.appId}"]`);
  assert.equal(await option.getAttribute("aria-disabled"), "true");
  await option.click({ force: true });
  assert.equal(await page.locator("#hubspot-calling-extension-iframe").count(), 0, "nothing loads");

  await page.evaluate((name) => localStorage.setItem("LocalSettings:Calling:CallingExtensions", JSON.stringify({ name, isReady: true })), notReady.name);
  await page.reload();
  await page.locator("body[data-ready=true]").waitFor();
  await page.getByTestId("open-widget").click();
  assert.equal(await page.locator(`[data-testid=provider-option][data-app-id="${notReady.appId}"]`).getAttribute("aria-disabled"), "false");
  await page.close();
});

test("custom-object records only offer apps with supportsCustomObjects, and dial the custom record", async () => {
  const schema = await rest.post("/crm/v3/schemas", {
    name: "vessel", labels: { singular: "Vessel", plural: "Vessels" }, primaryDisplayProperty: "vessel_name",
    requiredProperties: ["vessel_name"],
    properties: [
      { name: "vessel_name", label: "Name", type: "string", fieldType: "text" },
      { name: "radio_phone", label: "Radio phone", type: "string", fieldType: "phonenumber" },
    ],
  });
  const vessel = await rest.post(`/crm/v3/objects/${schema.objectTypeId}`, { properties: { vessel_name: "Beagle", radio_phone: "+44 20 7946 0000" } });
  const page = await browser.newPage();
  await openHost(page, recordUrl(server.ready, schema.objectTypeId, vessel.id));
  await page.locator('[data-testid=call-button][data-phone="+44 20 7946 0000"]').click();
  assert.equal(await page.locator(`[data-testid=provider-option][data-app-id="${umd.appId}"]`).getAttribute("aria-disabled"), "true");
  const option = page.locator(`[data-testid=provider-option][data-app-id="${custom.appId}"]`);
  assert.equal(await option.getAttribute("aria-disabled"), "false");
  await option.click();
  const frame = await appFrame(page, apps.origin);
  const [dial] = await events(frame, "onDialNumber");
  assert.deepEqual(dial.data.calleeInfo, { calleeId: Number(vessel.id), calleeObjectTypeId: schema.objectTypeId });
  assert.equal(dial.data.phoneNumber, "+442079460000");
  assert.equal(dial.data.toPhoneNumberSrc, "radio_phone");
  await page.close();
});
