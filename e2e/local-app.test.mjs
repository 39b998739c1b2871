// A local calling app (docs/design.md#local-calling-apps), in Chromium: an app the
// LocalSettings:Calling:CallingExtensions override loads from another origin runs under an
// identity of its own, so its calls never inherit the registered app's recording settings
// (here the demo app's, whose backend would answer any call with tones); and no call offers
// a recording while it is live.
import assert from "node:assert/strict";
import { test } from "node:test";
import { appFrame, events, openHost, recordUrl, useCallhost } from "./fixtures.js";

const env = useCallhost({ apps: true });
const LOCAL_BASE = 2 ** 40;

test("a call by an override app is its own (hs_call_app_id at or above 2^40): no recording is offered, live or ended, and the audio route refuses it", async () => {
  const { server, apps, browser, rest } = env;
  const ada = await rest.contactNamed("Ada");
  const page = await browser.newPage();
  await openHost(page, recordUrl(server.ready, "0-1", ada.id));
  await page.evaluate((url) => localStorage.setItem("LocalSettings:Calling:CallingExtensions", JSON.stringify({ name: "My local app", url })), `${apps.origin}/umd.html`);
  await page.reload();
  await page.locator("body[data-ready=true]").waitFor();
  await page.locator('[data-testid=call-button][data-phone="617.555.0123"]').click();
  await page.locator("[data-testid=provider-option][data-provider=override]").click();
  const frame = await appFrame(page, apps.origin);
  await events(frame, "onDialNumber");
  const externalCallId = `local-${Date.now()}`;
  await frame.evaluate((id) => window.cti.outgoingCall({ externalCallId: id, toNumber: "+16175550123", createEngagement: true }), externalCallId);
  const [created] = await events(frame, "onCreateEngagementSucceeded");
  const engagementId = created.data.engagementId;

  const call = await rest.get(`/crm/v3/objects/calls/${engagementId}?properties=hs_call_app_id,hs_call_status`);
  const appId = Number(call.properties.hs_call_app_id);
  assert.ok(appId >= LOCAL_BASE, `the local app's own id, not the demo app's ${server.ready.demoAppId}: ${appId}`);

  const status = async () => (await page.request.get(`${env.server.ready.hostUrl}/host/api/recordings/${engagementId}/status`)).json();
  // Live: nothing to play yet.
  let answer = await status();
  assert.equal(answer.available, false);
  assert.match(answer.message, /ended/);

  await frame.evaluate(([id, eid]) => window.cti.callEnded({ externalCallId: id, engagementId: eid, callEndStatus: "COMPLETED" }), [externalCallId, engagementId]);
  await frame.evaluate(([id, eid]) => window.cti.callCompleted({ externalCallId: id, engagementId: eid, hideWidget: false, engagementProperties: { hs_call_status: "COMPLETED", hs_call_title: "Local call" } }), [externalCallId, engagementId]);
  await events(frame, "onUpdateEngagementSucceeded");
  answer = await status();
  assert.equal(answer.available, false);
  assert.match(answer.message, /local calling app/);
  const audio = await page.request.get(`${env.server.ready.hostUrl}/host/api/recordings/${engagementId}/audio`);
  assert.equal(audio.status(), 404);

  const entry = page.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"]`);
  await entry.locator("[data-field=title]", { hasText: "Local call" }).waitFor({ timeout: 10_000 });
  await entry.locator("[data-testid=recording][data-state=unavailable]").waitFor({ state: "attached" });
  assert.equal(await entry.getByTestId("recording-audio").count(), 0);
  await page.close();
});

test("the demo app's own call offers no recording while it is live", async () => {
  const { server, rest } = env;
  const ada = await rest.contactNamed("Ada");
  const created = await rest.post("/crm/v3/objects/calls", {
    properties: {
      hs_timestamp: new Date().toISOString(), hs_call_status: "IN_PROGRESS", hs_call_external_id: `live-${Date.now()}`,
      hs_call_app_id: String(server.ready.demoAppId), hs_call_source: "INTEGRATIONS_PLATFORM",
    },
    associations: [{ to: { id: ada.id }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 194 }] }],
  });
  const page = await env.browser.newPage();
  await openHost(page, recordUrl(server.ready, "0-1", ada.id));
  const answer = await (await page.request.get(`${env.server.ready.hostUrl}/host/api/recordings/${created.id}/status`)).json();
  assert.equal(answer.available, false);
  assert.match(answer.message, /IN_PROGRESS/);
  const patched = await fetch(new URL(`/crm/v3/objects/calls/${created.id}`, server.ready.apiUrl), {
    method: "PATCH",
    headers: { authorization: `Bearer ${server.ready.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({ properties: { hs_call_status: "COMPLETED" } }),
  });
  assert.equal(patched.status, 200);
  const after = await (await page.request.get(`${env.server.ready.hostUrl}/host/api/recordings/${created.id}/status`)).json();
  assert.equal(after.available, true, JSON.stringify(after));
  await page.close();
});
