// Inbound calls and the calling remote in real Chromium (docs/protocol.md#iframe-locations, docs/protocol.md#inbound-call), with an app on the
// OFFICIAL SDK registered with supportsInboundCalling: the remote runs in the nav bar of
// every tab (iframeLocation "remote"), shows availability, rings with the caller's name for
// any written form of a contact's number, opens the record, keeps the call across
// NAVIGATE_TO_RECORD, and logs a MISSED call as such.
import assert from "node:assert/strict";
import { test } from "node:test";
import { events, newAppId, openHost, recordUrl, remoteFrame as remoteFrameOf, until, useCallhost } from "./fixtures.js";

let server;
let apps;
let browser;
let rest;
const app = { appId: newAppId(), name: "Inbound app" };

useCallhost({ apps: true }, async (env) => {
  ({ server, apps, browser, rest } = env);
  await rest.registerApp(app.appId, { name: app.name, url: `${apps.origin}/umd.html`, supportsInboundCalling: true, usesCallingWindow: false });
});

/** The app's frame inside the calling remote. */
const remoteFrame = (page) => remoteFrameOf(page, apps.origin);

const listUrl = () => `${server.ready.hostUrl}/contacts/${server.ready.portalId}/objects/0-1/views/all/list`;

test("the remote runs in every tab with iframeLocation remote, and shows the app's availability", async () => {
  const pages = [await browser.newPage(), await browser.newPage()];
  const ada = await rest.contactNamed("Ada");
  await openHost(pages[0], listUrl());
  await openHost(pages[1], recordUrl(server.ready, "0-1", ada.id));
  for (const page of pages) {
    await page.locator(`[data-testid=calling-remote][data-app-id="${app.appId}"]`).waitFor();
    const frame = await remoteFrame(page);
    const [ready] = await events(frame, "onReady");
    assert.equal(ready.data.iframeLocation, "remote");
    assert.equal(ready.data.usesCallingWindow, false);
    await frame.evaluate(() => window.cti.userAvailable());
    await page.locator('[data-testid=remote-status][data-available="true"]').waitFor();
    assert.equal(await page.getByTestId("remote-status").innerText(), "Available");
    await frame.evaluate(() => window.cti.userUnavailable());
    await page.locator('[data-testid=remote-status][data-available="false"]').waitFor();
    assert.equal(await page.getByTestId("remote-status").innerText(), "Unavailable");
  }
  await Promise.all(pages.map((p) => p.close()));
});

test("one number written three ways rings as Ada Lovelace, creates INBOUND engagements on Ada; NAVIGATE_TO_RECORD keeps the call; MISSED is logged", async () => {
  const ada = await rest.contactNamed("Ada");
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await openHost(page, listUrl());
  const frame = await remoteFrame(page);
  await events(frame, "onReady");
  await frame.evaluate(() => { window.cti.userAvailable(); window.aliveMark = "alive"; });
  await page.evaluate(() => { window.pageMark = "same document"; });

  // Written with a country code, with punctuation, and without a country code (read in the
  // portal's region, US until portals have a region setting): all are Ada's number.
  const numbers = ["+1 (617) 555-0123", "617.555.0123", "+16175550123"];
  const ids = [];
  for (const [i, fromNumber] of numbers.entries()) {
    const externalCallId = `inbound-${i}-${Date.now()}`;
    await frame.evaluate(([id, from]) => window.cti.incomingCall({ externalCallId: id, fromNumber: from, toNumber: "+15555550100", callStartTime: Date.now(), createEngagement: true }), [externalCallId, fromNumber]);
    const matched = await events(frame, "onCallerIdMatchSucceeded", i + 1);
    const created = await events(frame, "onCreateEngagementSucceeded", i + 1);
    const matches = matched[i].data.callerIdMatches;
    assert.equal(matches.length, 1, `${fromNumber} matches one record`);
    assert.equal(String(matches[0].objectCoordinates.objectId), String(ada.id));
    const order = await frame.evaluate(() => window.events.map((e) => e.handler));
    assert.ok(order.lastIndexOf("onCallerIdMatchSucceeded") < order.lastIndexOf("onCreateEngagementSucceeded"), "caller ID first");

    const ringing = page.locator(`[data-testid=incoming-call][data-external-call-id="${externalCallId}"]`);
    await ringing.waitFor();
    assert.equal(await ringing.getByTestId("incoming-caller").innerText(), "Ada Lovelace");
    assert.equal(await ringing.getByTestId("answer-call").isVisible(), true);

    const engagementId = created[i].data.engagementId;
    const call = await rest.get(`/crm/v3/objects/calls/${engagementId}?associations=contacts&properties=hs_call_direction,hs_call_from_number`);
    assert.equal(call.properties.hs_call_direction, "INBOUND");
    assert.deepEqual(call.associations.contacts.results.map((r) => String(r.id)), [String(ada.id)]);
    ids.push({ externalCallId, engagementId });

    if (i === 0) {
      // Answered; the app opens the caller's record; the call and the app survive.
      await frame.evaluate((id) => window.cti.callAnswered({ externalCallId: id }), externalCallId);
      await page.locator('[data-testid=incoming-call][data-call-state="IN_PROGRESS"]').waitFor();
      await frame.evaluate(([portalId, id]) => window.cti.navigateToRecord({ objectCoordinates: { portalId, objectTypeId: "0-1", objectId: id } }), [server.ready.portalId, Number(ada.id)]);
      await page.locator(`[data-testid=record][data-object-id="${ada.id}"]`).waitFor();
      assert.equal(await page.evaluate(() => window.pageMark), "same document");
      assert.equal(await frame.evaluate(() => window.aliveMark), "alive", "the remote's app was not reloaded");
      assert.equal(await page.locator('[data-testid=incoming-call][data-call-state="IN_PROGRESS"]').isVisible(), true);
      await frame.evaluate(([id, eid]) => {
        window.cti.callEnded({ externalCallId: id, engagementId: eid, callEndStatus: "COMPLETED" });
        window.cti.callCompleted({ externalCallId: id, engagementId: eid, engagementProperties: { hs_call_body: "answered inbound" } });
      }, [externalCallId, engagementId]);
    } else if (i === 1) {
      // Not answered: MISSED, logged as such.
      await frame.evaluate(([id, eid]) => {
        window.cti.callEnded({ externalCallId: id, engagementId: eid, callEndStatus: "MISSED" });
        window.cti.callCompleted({ externalCallId: id, engagementId: eid, engagementProperties: {} });
      }, [externalCallId, engagementId]);
    } else {
      // The user opens the caller's record from the ringing call.
      await page.getByTestId("nav-0-1").click();
      await page.getByTestId("record-list").waitFor();
      await page.locator(`[data-testid=incoming-call][data-external-call-id="${externalCallId}"] [data-testid=open-caller-record]`).click();
      await page.locator(`[data-testid=record][data-object-id="${ada.id}"]`).waitFor();
      await frame.evaluate(([id, eid]) => window.cti.callEnded({ externalCallId: id, engagementId: eid, callEndStatus: "REJECTED" }), [externalCallId, engagementId]);
    }
    await page.locator("[data-testid=incoming-call]").waitFor({ state: "hidden" });
  }

  const missed = await rest.get(`/crm/v3/objects/calls/${ids[1].engagementId}?properties=hs_call_status`);
  assert.equal(missed.properties.hs_call_status, "MISSED");
  // The answered call ended COMPLETED; the declined one is logged as not answered (HubSpot's
  // statuses have no REJECTED).
  for (const [i, expected] of [[0, "COMPLETED"], [2, "NO_ANSWER"]]) {
    const statusOf = async () => (await rest.get(`/crm/v3/objects/calls/${ids[i].engagementId}?properties=hs_call_status`)).properties.hs_call_status;
    await until(async () => (await statusOf()) === expected, `call ${i} to be ${expected}`).catch(() => {});
    assert.equal(await statusOf(), expected, `call ${i}`);
  }
  await page.locator(`[data-testid=timeline-call][data-engagement-id="${ids[1].engagementId}"] [data-field=status][data-value="MISSED"]`).waitFor({ timeout: 10_000 });
  await page.locator(`[data-testid=timeline-call][data-engagement-id="${ids[0].engagementId}"]`).filter({ hasText: "answered inbound" }).waitFor({ timeout: 10_000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a number that matches nothing rings with the number; CALLER_ID_MATCH_SUCCEEDED carries no matches", async () => {
  const page = await browser.newPage();
  await openHost(page, listUrl());
  const frame = await remoteFrame(page);
  await events(frame, "onReady");
  const externalCallId = `unknown-${Date.now()}`;
  await frame.evaluate((id) => window.cti.incomingCall({ externalCallId: id, fromNumber: "+15550001111", toNumber: "+15555550100", createEngagement: true }), externalCallId);
  const [matched] = await events(frame, "onCallerIdMatchSucceeded");
  assert.deepEqual(matched.data.callerIdMatches, []);
  await events(frame, "onCreateEngagementSucceeded");
  const ringing = page.locator(`[data-testid=incoming-call][data-external-call-id="${externalCallId}"]`);
  await ringing.waitFor();
  assert.equal(await ringing.getByTestId("incoming-caller").innerText(), "+15550001111");
  assert.equal(await ringing.getByTestId("open-caller-record").count(), 0);
  await page.close();
});

test("a full reload while an INCOMING_CALL is unanswered: the reloaded tab's remote still rings with the caller's name", async () => {
  const ada = await rest.contactNamed("Ada");
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await openHost(page, listUrl());
  let frame = await remoteFrame(page);
  await events(frame, "onReady");
  const externalCallId = `reload-ring-${Date.now()}`;
  await frame.evaluate((id) => window.cti.incomingCall({ externalCallId: id, fromNumber: "+1 617 555 0123", toNumber: "+15555550100", createEngagement: true }), externalCallId);
  const [created] = await events(frame, "onCreateEngagementSucceeded");
  const ringing = page.locator(`[data-testid=incoming-call][data-external-call-id="${externalCallId}"][data-call-state="RINGING"]`);
  await ringing.waitFor();
  await page.evaluate(() => { window.pageMark = "old document"; });

  await page.reload();
  await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
  assert.equal(await page.evaluate(() => window.pageMark), undefined, "a new document");
  await ringing.waitFor({ timeout: 10_000 });
  assert.equal(await ringing.getByTestId("incoming-caller").innerText(), "Ada Lovelace");
  assert.equal(await ringing.getAttribute("data-engagement-id"), String(created.data.engagementId));
  assert.equal(await ringing.getByTestId("answer-call").isVisible(), true);
  assert.equal(await ringing.getByTestId("open-caller-record").count(), 1);

  // The reloaded app goes on with the same call: answering it and ending it reach the remote.
  frame = await remoteFrame(page);
  const [ready] = await events(frame, "onReady");
  assert.equal(ready.data.iframeLocation, "remote");
  await frame.evaluate((id) => window.cti.callAnswered({ externalCallId: id }), externalCallId);
  await page.locator(`[data-testid=incoming-call][data-external-call-id="${externalCallId}"][data-call-state="IN_PROGRESS"]`).waitFor();
  await frame.evaluate(([id, eid]) => window.cti.callEnded({ externalCallId: id, engagementId: eid, callEndStatus: "COMPLETED" }), [externalCallId, created.data.engagementId]);
  await page.locator("[data-testid=incoming-call]").waitFor({ state: "hidden" });
  const call = await rest.get(`/crm/v3/objects/calls/${created.data.engagementId}?associations=contacts&properties=hs_call_direction`);
  assert.deepEqual(call.associations.contacts.results.map((r) => String(r.id)), [String(ada.id)]);
  assert.deepEqual(errors, []);
  await page.close();
});
