// The protocol inspector in real Chromium (it polls its record, so it updates live): an app on the official SDK makes each kind of
// mistake on purpose and the inspector shows a finding with its code for each; a
// well-behaved app's call shows none; the call's store change is shown with its message;
// filtering by call and the JSON export work.
import assert from "node:assert/strict";
import { test } from "node:test";
import { appFrame, events, newAppId, openHost, recordUrl, startAppServer, useCallhost } from "./fixtures.js";

let server;
let apps;
let browser;
let rest;
let ada;
const sloppy = { appId: newAppId(), name: "Sloppy app" };
const tidy = { appId: newAppId(), name: "Tidy app" };

useCallhost({ apps: true }, async (env) => {
  ({ server, apps, browser, rest } = env);
  await rest.registerApp(sloppy.appId, { name: sloppy.name, url: `${apps.origin}/umd.html` });
  await rest.registerApp(tidy.appId, { name: tidy.name, url: `${apps.origin}/esm.html` });
  ada = await rest.contactNamed("Ada");
});

/** Opens Ada's record with `appId` in the widget, logged in. */
async function withApp(appId) {
  const page = await browser.newPage();
  await openHost(page, recordUrl(server.ready, "0-1", ada.id));
  await page.getByTestId("open-widget").click();
  await page.locator(`[data-testid=provider-option][data-app-id="${appId}"]`).first().click();
  const frame = await appFrame(page, apps.origin);
  await events(frame, "onReady");
  await page.locator('[data-testid=app-status][data-logged-in="true"]').waitFor();
  return { page, frame };
}

/** The inspector page, with its entries for `appId` (waits until `predicate` holds). */
async function inspect(appId, predicate, arg = null) {
  const page = await browser.newPage();
  await page.goto(`${server.ready.hostUrl}/calling-inspector/${server.ready.portalId}`);
  await page.locator("[data-testid=inspector-live]", { hasText: "live" }).waitFor();
  await page.locator("[data-testid=inspector-filter-app]").selectOption(String(appId));
  await page.waitForFunction(predicate, arg, { timeout: 10_000, polling: 100 });
  return page;
}

const codes = (page) =>
  page.$$eval("[data-testid=inspector-session] [data-testid=inspector-finding]", (nodes) => nodes.map((n) => n.getAttribute("data-code")));

test("each kind of mistake an app makes shows as a finding with its code", async () => {
  const { page, frame } = await withApp(sloppy.appId);
  await frame.evaluate(() => {
    const cti = window.cti;
    cti.sendMessage({ type: "NOT_A_REAL_TYPE", data: {} });                  // unknown-type
    cti.outgoingCall({ toNumber: "+16175550123", createEngagement: true });   // missing-field (externalCallId)
    cti.callEnded({ externalCallId: "never-started", callEndStatus: "COMPLETED" }); // unknown-call
    cti.sendMessage({ type: "DIAL_NUMBER", data: {} });                       // host-only-type
    cti.sendMessage({ type: "RESIZE_WIDGET", data: "big" });                  // wrong-type
  });
  const inspector = await inspect(sloppy.appId, () =>
    ["unknown-type", "missing-field", "unknown-call", "host-only-type", "wrong-type"].every((code) =>
      document.querySelector(`[data-testid=inspector-finding][data-code="${code}"]`)));
  const found = await codes(inspector);
  for (const code of ["unknown-type", "missing-field", "unknown-call", "host-only-type", "wrong-type"]) {
    assert.ok(found.includes(code), `${code} in ${found}`);
  }
  // App text (here an ERROR's message with markup) is shown as text.
  await frame.evaluate(() => window.cti.sendError({ message: "<img src=x onerror=alert(1)>" }));
  await inspector.waitForFunction(() => [...document.querySelectorAll("[data-testid=inspector-entry]")]
    .some((row) => (row.textContent ?? "").includes("<img src=x onerror=alert(1)>")), null, { timeout: 10_000, polling: 100 });
  assert.equal(await inspector.locator("#sessions img").count(), 0);

  // The iframe wanders off to another origin (no SET_WIDGET_URL) and posts from there: the page
  // drops the message for its origin, and the inspector shows that finding too.
  const elsewhere = await startAppServer();
  try {
    await frame.evaluate((url) => { location.href = url; }, `${elsewhere.origin}/umd.html?manual`);
    const moved = await appFrame(page, elsewhere.origin);
    await moved.evaluate(() => window.parent.postMessage({ type: "INITIALIZED", messageId: "1_1", data: { isLoggedIn: true } }, "*"));
    await inspector.waitForFunction(() => document.querySelector('[data-testid=inspector-finding][data-code="dropped-origin"]'),
      null, { timeout: 10_000, polling: 100 });
  } finally {
    await elsewhere.close();
  }
  await inspector.close();
  await page.close();
});

test("a well-behaved app's call shows no findings, and its store changes beside its messages", async () => {
  const { page, frame } = await withApp(tidy.appId);
  await page.locator(`[data-testid=call-button]`).first().click();
  await events(frame, "onDialNumber");
  const externalCallId = `tidy-${Date.now()}`;
  await frame.evaluate((id) => window.cti.outgoingCall({ externalCallId: id, toNumber: "+16175550123", fromNumber: "+16175550100", callStartTime: Date.now(), createEngagement: true }), externalCallId);
  await events(frame, "onCreateEngagementSucceeded");
  await frame.evaluate((id) => {
    window.cti.callAnswered({ externalCallId: id });
    window.cti.callEnded({ externalCallId: id, callEndStatus: "COMPLETED" });
    window.cti.callCompleted({ externalCallId: id, hideWidget: false, engagementProperties: { hs_call_body: "Fine", hs_call_status: "COMPLETED" } });
  }, externalCallId);
  await events(frame, "onUpdateEngagementSucceeded");

  const inspector = await inspect(tidy.appId, () => document.querySelectorAll('[data-testid=inspector-entry][data-type="CALL_COMPLETED"] [data-testid=inspector-effect]').length > 0);
  assert.deepEqual(await codes(inspector), [], "no findings for a well-behaved app");
  const started = inspector.locator('[data-testid=inspector-entry][data-type="OUTGOING_CALL_STARTED"] [data-testid=inspector-effect]');
  assert.match(await started.first().innerText(), /createCall/);
  // Host rows say what they are (the Call click is a dial), not "—".
  const hostKinds = await inspector.$$eval('[data-testid=inspector-entry][data-flow=host] td.type', (cells) => cells.map((c) => c.textContent));
  assert.ok(hostKinds.includes("dial"), `${hostKinds}`);
  assert.ok(!hostKinds.includes("—"), `${hostKinds}`);
  // At 1440 px, with every message expanded, the page does not scroll sideways.
  await inspector.setViewportSize({ width: 1440, height: 900 });
  await inspector.$$eval("[data-testid=inspector-entry] details", (all) => all.forEach((d) => { d.open = true; }));
  const overflow = await inspector.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);

  // Filter by call: only that call's messages remain.
  await inspector.locator("[data-testid=inspector-filter-call]").fill(externalCallId);
  const types = await inspector.$$eval("[data-testid=inspector-entry]", (rows) => [...new Set(rows.map((r) => r.getAttribute("data-type")))]);
  assert.ok(types.includes("CALL_ENDED") && !types.includes("INITIALIZED"), `${types}`);

  // The export is the same record as JSON.
  const href = await inspector.locator("[data-testid=inspector-export]").getAttribute("href");
  const exported = await inspector.evaluate(async (url) => (await fetch(url)).json(), href);
  const entries = exported.sessions.flatMap((s) => s.entries);
  assert.ok(entries.length > 0 && entries.every((e) => e.externalCallId === externalCallId));
  assert.ok(entries.some((e) => e.effects.some((x) => x.request.request === "updateCall")));
  await inspector.close();
  await page.close();
});

test("the panel beside the widget shows this session's messages live, with a finding for a deliberate mistake", async () => {
  const { page, frame } = await withApp(sloppy.appId);
  const sessionId = await page.evaluate(() => JSON.parse(sessionStorage.getItem("callhost:session") ?? "null")?.sessionId);
  assert.ok(sessionId, "the widget has a session");
  assert.equal(await page.getByTestId("inspector-panel").isVisible(), false, "closed until asked for");
  await page.getByTestId("widget-inspect").click();
  const panel = page.getByTestId("inspector-panel");
  await panel.waitFor();
  // Only this widget's session, and its handshake so far.
  await panel.locator('[data-testid=inspector-entry][data-type="INITIALIZED"]').waitFor({ timeout: 10_000 });
  assert.deepEqual(await panel.locator("[data-testid=inspector-session]").evaluateAll((s) => s.map((n) => n.getAttribute("data-session-id"))), [sessionId]);
  assert.ok(await panel.locator('[data-testid=inspector-entry][data-flow="fromApp"][data-type="SYNC_ACK"]').count() >= 1);
  // Beside the widget, not over it.
  const [p, w] = await Promise.all([panel.boundingBox(), page.getByTestId("calling-widget").boundingBox()]);
  assert.ok(p && w && p.x + p.width <= w.x + 1, `panel ${JSON.stringify(p)} left of widget ${JSON.stringify(w)}`);

  // A call with a mistake in it: CALL_ANSWERED for a call that never started. The panel
  // updates while open, shows the finding, and the store change of the good call.
  await page.locator("[data-testid=call-button]").first().click();
  await events(frame, "onDialNumber");
  const externalCallId = `panel-${Date.now()}`;
  await frame.evaluate((id) => {
    window.cti.outgoingCall({ externalCallId: id, toNumber: "+16175550123", createEngagement: true });
    window.cti.callAnswered({ externalCallId: "no-such-call" });
  }, externalCallId);
  await panel.locator('[data-testid=inspector-entry][data-type="CALL_ANSWERED"] [data-testid=inspector-finding][data-code="unknown-call"]').waitFor({ timeout: 10_000 });
  await panel.locator('[data-testid=inspector-entry][data-type="OUTGOING_CALL_STARTED"] [data-testid=inspector-effect]').waitFor({ timeout: 10_000 });
  const offsets = await panel.locator("[data-testid=inspector-entry] td.offset").allInnerTexts();
  const ms = offsets.map((t) => Number(t.replace(/[^\d.]/g, "")));
  assert.deepEqual(ms, [...ms].sort((a, b) => a - b), "entries in time order");

  // Closing the panel hides it.
  await page.getByTestId("widget-inspect").click();
  await panel.waitFor({ state: "hidden" });
  await page.close();
});

test("REST calls the app's backend makes about the session's call show under that session, in time order, without credentials", async () => {
  const { ready } = server;
  const { page, frame } = await withApp(tidy.appId);
  await page.locator("[data-testid=call-button]").first().click();
  await events(frame, "onDialNumber");
  const externalCallId = `rest-${Date.now()}`;
  await frame.evaluate((id) => window.cti.outgoingCall({ externalCallId: id, toNumber: "+16175550123", createEngagement: true }), externalCallId);
  const [created] = await events(frame, "onCreateEngagementSucceeded");
  const engagementId = created.data.engagementId;

  // The app's backend (this test, with the development access token) updates the call and
  // reads it back in a batch; a hapikey in the query must not reach the record.
  const backend = async (method, path, body) => {
    const response = await fetch(new URL(path, ready.apiUrl), {
      method, body: JSON.stringify(body),
      headers: { authorization: `Bearer ${ready.accessToken}`, "content-type": "application/json" },
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return response.json();
  };
  await backend("PATCH", `/crm/v3/objects/calls/${engagementId}?hapikey=${ready.developerApiKey}`, { properties: { hs_call_body: "From the backend" } });
  await backend("POST", "/crm/v3/objects/calls/batch/read", { inputs: [{ id: String(engagementId) }], properties: ["hs_call_body"] });
  // A request about another call is not this session's.
  const other = await backend("POST", "/crm/v3/objects/calls", { properties: { hs_timestamp: new Date().toISOString(), hs_call_body: "unrelated" } });
  await backend("PATCH", `/crm/v3/objects/calls/${other.id}`, { properties: { hs_call_body: "still unrelated" } });
  await frame.evaluate(({ id, engagementId }) => window.cti.callEnded({ externalCallId: id, engagementId, callEndStatus: "COMPLETED" }), { id: externalCallId, engagementId });

  const inspector = await inspect(tidy.appId, (id) => document.querySelectorAll(`[data-testid=inspector-session] [data-testid=inspector-entry][data-flow="rest"][data-external-call-id="${id}"]`).length >= 2
    && document.querySelector(`[data-testid=inspector-entry][data-type="CALL_ENDED"][data-external-call-id="${id}"]`), externalCallId);
  await inspector.locator("[data-testid=inspector-filter-call]").fill(externalCallId);
  const rows = await inspector.$$eval("[data-testid=inspector-entry]", (nodes) => nodes.map((n) => ({ flow: n.getAttribute("data-flow"), type: n.getAttribute("data-type") })));
  const at = (type) => rows.findIndex((r) => r.type === type);
  const patch = at(`PATCH /crm/v3/objects/calls/${engagementId}`);
  const batch = at("POST /crm/v3/objects/calls/batch/read");
  assert.ok(patch >= 0 && batch > patch, JSON.stringify(rows));
  assert.ok(at("OUTGOING_CALL_STARTED") < patch && patch < at("CALL_ENDED"), `in time order with the messages: ${JSON.stringify(rows)}`);
  const shown = inspector.locator(`[data-testid=inspector-rest][data-method="PATCH"]`).first();
  assert.equal(await shown.getAttribute("data-status"), "200");
  assert.equal(await shown.getAttribute("data-engagement-ids"), String(engagementId));
  // By the ids the request touched (a text search would also match "200" or a duration).
  assert.equal(await inspector.locator(`[data-testid=inspector-rest][data-engagement-ids~="${other.id}"]`).count(), 0, "another call's request is not shown");

  // The export has them too, and no credential anywhere.
  const text = await inspector.evaluate(async () => (await fetch("/host/api/inspector")).text());
  const exported = JSON.parse(text);
  const rest = exported.sessions.flatMap((s) => s.entries).filter((e) => e.flow === "rest" && e.externalCallId === externalCallId);
  assert.ok(rest.some((e) => e.rest.method === "PATCH" && e.rest.path === `/crm/v3/objects/calls/${engagementId}` && e.rest.status === 200
    && e.rest.portalId === ready.portalId && e.rest.engagementIds.includes(engagementId) && e.rest.durationMs >= 0), JSON.stringify(rest));
  assert.ok(!text.includes(ready.developerApiKey) && !text.includes(ready.accessToken), "no credentials in the record");
  assert.ok(!text.includes(String(other.id)) || !exported.sessions.some((s) => s.entries.some((e) => e.rest?.engagementIds.includes(Number(other.id)))));
  await inspector.close();
  await page.close();
});
