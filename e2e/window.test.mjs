// The calling window in real Chromium (docs/protocol.md#calling-window), with an app on the OFFICIAL SDK that
// supports inbound calling and uses the calling window: two tabs run the calling remote, one
// of them opens the calling window (`/calling-integration-popup-ui/{portalId}`, iframeLocation
// "window"), the call lives there, and the tabs and the window reporting the same call make
// one engagement and one timeline entry. Closing a tab does not drop the call.
import assert from "node:assert/strict";
import { test } from "node:test";
import { appFrame, events, newAppId, openHost, recordUrl, remoteFrame, useCallhost } from "./fixtures.js";

let server;
let apps;
let browser;
let rest;
const app = { appId: newAppId(), name: "Windowed app" };

useCallhost({ apps: true }, async (env) => {
  ({ server, apps, browser, rest } = env);
  await rest.registerApp(app.appId, { name: app.name, url: `${apps.origin}/umd.html`, supportsInboundCalling: true, usesCallingWindow: true });
});

test("two tabs and the calling window at once: one engagement, one timeline entry, and closing a tab keeps the call", async () => {
  const { ready } = server;
  const ada = await rest.contactNamed("Ada");
  const context = await browser.newContext();
  const errors = [];
  const list = await context.newPage();
  const record = await context.newPage();
  for (const page of [list, record]) page.on("pageerror", (e) => errors.push(e.message));
  await openHost(list, `${ready.hostUrl}/contacts/${ready.portalId}/objects/0-1/views/all/list`);
  await openHost(record, recordUrl(ready, "0-1", ada.id));
  const remotes = [];
  for (const page of [list, record]) {
    const frame = await remoteFrame(page, apps.origin);
    const [sync] = await events(frame, "onReady");
    assert.equal(sync.data.iframeLocation, "remote");
    assert.equal(sync.data.usesCallingWindow, true);
    remotes.push(frame);
  }

  const [popup] = await Promise.all([context.waitForEvent("page"), list.getByTestId("open-calling-window").click()]);
  popup.on("pageerror", (e) => errors.push(e.message));
  await popup.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
  assert.equal(new URL(popup.url()).pathname, `/calling-integration-popup-ui/${ready.portalId}`);
  const win = await appFrame(popup, apps.origin);
  const [sync] = await events(win, "onReady");
  assert.equal(sync.data.iframeLocation, "window");
  assert.equal(sync.data.usesCallingWindow, true);
  await popup.locator('[data-testid=app-status][data-logged-in="true"]').waitFor();

  // The window rings; the app also reports the call from both tabs' remotes.
  const externalCallId = `window-${Date.now()}`;
  const incoming = { externalCallId, fromNumber: "+16175550123", toNumber: "+15555550100", createEngagement: true };
  await win.evaluate((data) => window.cti.incomingCall(data), incoming);
  for (const frame of remotes) await frame.evaluate((data) => window.cti.incomingCall(data), incoming);
  const ids = [];
  for (const frame of [win, ...remotes]) {
    const [created] = await events(frame, "onCreateEngagementSucceeded");
    ids.push(created.data.engagementId);
  }
  assert.equal(new Set(ids).size, 1, "one engagement for the call");
  const engagementId = ids[0];
  await popup.locator("[data-testid=calling-widget][data-call-state=RINGING]").waitFor();

  // The record tab is closed mid-call; the window's app goes on.
  await win.evaluate((id) => window.cti.callAnswered({ externalCallId: id }), externalCallId);
  await popup.locator("[data-testid=calling-widget][data-call-state=IN_PROGRESS]").waitFor();
  await record.close();
  await win.evaluate(([id, eid]) => {
    window.cti.callEnded({ externalCallId: id, engagementId: eid, callEndStatus: "COMPLETED" });
    window.cti.callCompleted({ externalCallId: id, engagementId: eid, hideWidget: false, engagementProperties: { hs_call_body: "from the calling window" } });
  }, [externalCallId, engagementId]);
  await events(win, "onUpdateEngagementSucceeded");

  const calls = await rest.callsOf("contacts", ada.id);
  assert.equal(calls.filter((id) => id === String(engagementId)).length, 1);
  const again = await context.newPage();
  await openHost(again, recordUrl(ready, "0-1", ada.id));
  const entry = again.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"]`);
  await entry.filter({ hasText: "from the calling window" }).waitFor({ timeout: 10_000 });
  assert.equal(await entry.count(), 1, "one timeline entry");
  const call = await rest.get(`/crm/v3/objects/calls/${engagementId}?properties=hs_call_direction,hs_call_status`);
  assert.equal(call.properties.hs_call_direction, "INBOUND");
  assert.deepEqual(errors, []);
  await context.close();
});

test("with usesCallingWindow false the app opens the calling window itself, as the official demos do; it SYNCs with iframeLocation window", async () => {
  const { ready } = server;
  const own = { appId: newAppId(), name: "Self-windowing app" };
  await rest.registerApp(own.appId, { name: own.name, url: `${apps.origin}/umd.html`, supportsInboundCalling: true, usesCallingWindow: false });
  const context = await browser.newContext();
  const page = await context.newPage();
  await context.addInitScript((key) => localStorage.setItem("callhost:provider", key), `app:${own.appId}`);
  await openHost(page, `${ready.hostUrl}/contacts/${ready.portalId}/objects/0-1/views/all/list`);
  await page.locator(`[data-testid=calling-remote][data-app-id="${own.appId}"]`).waitFor();
  assert.equal(await page.getByTestId("open-calling-window").count(), 0, "the host does not offer its window");
  const remote = await remoteFrame(page, apps.origin);
  const [sync] = await events(remote, "onReady");
  assert.equal(sync.data.usesCallingWindow, false);
  const [popup] = await Promise.all([
    context.waitForEvent("page"),
    remote.evaluate(([hostUrl, portalId]) => window.open(`${hostUrl}/calling-integration-popup-ui/${portalId}?usesCallingWindow=false`), [sync.data.hostUrl, sync.data.portalId]),
  ]);
  await popup.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
  const win = await appFrame(popup, apps.origin);
  const [winSync] = await events(win, "onReady");
  assert.equal(winSync.data.iframeLocation, "window");
  assert.equal(winSync.data.usesCallingWindow, false);
  assert.equal(await popup.locator(`[data-testid=provider-option][aria-selected="true"]`).getAttribute("data-app-id"), String(own.appId));
  await context.close();
});
