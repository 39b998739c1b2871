// The automation API in real Chromium (docs/automation.md): a dialer built on the OFFICIAL SDK,
// served from another origin, runs in the host's widget, and every step on the host's side
// of an outbound call, an inbound call and a failed engagement is driven through
// /callhost/v1/ (actions, the transcript's long poll, faults), while the app's side is the
// app's own UI. The app is opened the way a user does (a record, the Calling button, the
// switcher); what the app shows is checked in its frame, what was logged through the REST API.
import assert from "node:assert/strict";
import { test } from "node:test";
import { appFrame, newAppId, openHost, recordUrl, until, useCallhost } from "./fixtures.js";

let ready;
let apps;
let browser;
let rest;
const appId = newAppId();

useCallhost({ apps: true }, async (env) => {
  ({ ready, apps, browser, rest } = env);
  await rest.registerApp(appId, { name: "Dialer", url: `${apps.origin}/dialer.html`, usesCallingWindow: false });
});

/**
 * A call to the automation API with the portal's access token.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {string} [token]
 */
async function api(method, path, body, token = ready.accessToken) {
  const response = await fetch(new URL(path, ready.apiUrl), {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Acts in a session; fails the test unless the action was accepted. */
async function act(sessionId, action) {
  const { status, body } = await api("POST", `/callhost/v1/sessions/${sessionId}/actions`, action);
  assert.equal(status, 200, JSON.stringify(body));
  return body.results;
}

/** Waits (long poll, no sleep) for the session's next entry of `type` after `after`. */
async function waitFor(sessionId, type, after = -1) {
  const since = after >= 0 ? `&after=${after}` : "";
  const { status, body } = await api("GET", `/callhost/v1/sessions/${sessionId}/transcript?type=${type}&wait=15000${since}`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.ok(body.results.length > 0, `no ${type} in the transcript`);
  return body.results[0];
}

const seen = new Set();

/**
 * Opens Ada's record, opens the widget with the nav bar's Calling button and picks the dialer:
 * returns the app's frame and its new session, once the app has logged in (or initialized).
 */
async function openDialer(page, query = "") {
  if (query) await rest.registerApp(appId, { name: "Dialer", url: `${apps.origin}/dialer.html${query}`, usesCallingWindow: false });
  const ada = await rest.contactNamed("Ada");
  await openHost(page, recordUrl(ready, "0-1", ada.id));
  await page.getByTestId("open-widget").click();
  await page.locator(`[data-testid=provider-option][data-app-id="${appId}"]`).first().click();
  const frame = await appFrame(page, apps.origin);
  const session = await until(async () => {
    const { body } = await api("GET", "/callhost/v1/sessions");
    return body.results.find((s) => s.appId === appId && s.connected && s.state.initialized && !seen.has(s.id));
  }, "the dialer's session");
  seen.add(session.id);
  return { ada, frame, session };
}

test("an outbound call: dial and end it through the API; the app logs it, the transcript shows every step", async () => {
  const page = await browser.newPage();
  const { ada, frame, session } = await openDialer(page);
  assert.equal(session.location, "widget");
  assert.equal(session.state.loggedIn, true);

  const dialed = await act(session.id, { action: "dial", objectTypeId: "0-1", objectId: ada.id });
  assert.deepEqual(dialed.map((e) => e.type), ["dial", "DIAL_NUMBER"]);
  const created = await waitFor(session.id, "CREATE_ENGAGEMENT_SUCCEEDED");
  const engagementId = created.data.engagementId;
  await waitFor(session.id, "CALL_ANSWERED");
  await frame.locator("[data-testid=status]", { hasText: "In call" }).waitFor();
  const { body: listed } = await api("GET", "/callhost/v1/sessions");
  const live = listed.results.find((s) => s.id === session.id);
  assert.equal(live.call.engagementId, engagementId);
  assert.equal(live.call.status, "IN_PROGRESS");

  const ended = await act(session.id, { action: "end-call" });
  assert.deepEqual(ended.map((e) => e.type), ["user:endCall", "END_CALL"]);
  await waitFor(session.id, "UPDATE_ENGAGEMENT_SUCCEEDED", created.seq);
  await frame.locator("[data-testid=status]", { hasText: "Call ended" }).waitFor();

  const call = await rest.get(`/crm/v3/objects/calls/${engagementId}?associations=contacts&properties=hs_call_direction,hs_call_body`);
  assert.equal(call.properties.hs_call_direction, "OUTBOUND");
  assert.equal(call.properties.hs_call_body, "Notes from the dialer (COMPLETED)");
  assert.deepEqual(call.associations.contacts.results.map((r) => String(r.id)), [String(ada.id)]);

  // The transcript is the inspector's record: the host's SYNC is in it, in both views.
  const { body: transcript } = await api("GET", `/callhost/v1/sessions/${session.id}/transcript`);
  const types = transcript.results.map((e) => e.type);
  assert.deepEqual(types.slice(0, 3), ["loaded", "SYNC", "SYNC_ACK"]);
  const inspector = await page.evaluate(async (id) => (await fetch(`/host/api/inspector?session=${id}`)).json(), session.id);
  // Read a moment later, the inspector may hold entries that arrived since (the app keeps
  // talking): the transcript is its prefix, entry for entry.
  const seen = transcript.results.map((e) => e.seq);
  assert.deepEqual(inspector.sessions[0].entries.map((e) => e.seq).slice(0, seen.length), seen);

  // What only the page does: open another record, pick another app.
  const grace = await rest.contactNamed("Grace");
  assert.deepEqual((await act(session.id, { action: "navigate", objectTypeId: "0-1", objectId: grace.id })).map((e) => e.type),
    ["automation:navigate"]);
  await page.waitForURL(recordUrl(ready, "0-1", grace.id));
  await page.getByTestId("record-title").filter({ hasText: "Grace Hopper" }).waitFor();
  assert.deepEqual((await act(session.id, { action: "select-app", appId: ready.demoAppId })).map((e) => e.type),
    ["automation:select-app"]);
  await until(async () => (await api("GET", "/callhost/v1/sessions")).body.results
    .find((s) => s.appId === ready.demoAppId && s.connected && s.location === "widget"), "the demo app's session");
  await page.close();
});

test("an inbound call: the app rings, the API answers and ends it; a second call is declined", async () => {
  const page = await browser.newPage();
  const { ada, frame, session } = await openDialer(page);
  const nothing = await api("POST", `/callhost/v1/sessions/${session.id}/actions`, { action: "answer" });
  assert.equal(nothing.status, 409);

  await frame.getByTestId("ring").click();
  const matched = await waitFor(session.id, "CALLER_ID_MATCH_SUCCEEDED");
  assert.equal(String(matched.data.callerIdMatches[0].objectCoordinates.objectId), String(ada.id));
  const created = await waitFor(session.id, "CREATE_ENGAGEMENT_SUCCEEDED");
  const answered = await act(session.id, { action: "answer" });
  assert.deepEqual(answered.map((e) => e.type), ["user:restore", "VISIBILITY_CHANGED"]);
  // The user answers in the app, as in HubSpot.
  await frame.getByTestId("answer").click();
  await waitFor(session.id, "CALL_ANSWERED");
  await act(session.id, { action: "end-call" });
  await waitFor(session.id, "UPDATE_ENGAGEMENT_SUCCEEDED", created.seq);
  const call = await rest.get(`/crm/v3/objects/calls/${created.data.engagementId}?properties=hs_call_direction,hs_call_body`);
  assert.equal(call.properties.hs_call_direction, "INBOUND");
  assert.equal(call.properties.hs_call_body, "Notes from the dialer (COMPLETED)");

  await frame.getByTestId("ring").click();
  const second = await waitFor(session.id, "INCOMING_CALL", matched.seq);
  await waitFor(session.id, "CREATE_ENGAGEMENT_SUCCEEDED", second.seq);
  const declined = await act(session.id, { action: "decline" });
  assert.deepEqual(declined.map((e) => e.type), ["user:endCall", "END_CALL"]);
  const ended = await waitFor(session.id, "CALL_ENDED", second.seq);
  assert.equal(ended.data.callEndStatus, "REJECTED");
  await page.close();
});

test("a failed engagement: a fault rule fails the write once, the app shows its error, the transcript shows the fault", async () => {
  const { status, body: rule } = await api("POST", "/callhost/v1/faults", {
    match: { messageType: "OUTGOING_CALL_STARTED", appId },
    effect: { kind: "fail", message: "CRM unavailable (injected)" },
    times: 1,
  });
  assert.equal(status, 201, JSON.stringify(rule));
  const page = await browser.newPage();
  const { ada, frame, session } = await openDialer(page);
  await act(session.id, { action: "dial", objectTypeId: "0-1", objectId: ada.id });
  const failed = await waitFor(session.id, "CREATE_ENGAGEMENT_FAILED");
  assert.equal(failed.data.error.message, "CRM unavailable (injected)");
  const error = frame.getByTestId("error");
  await error.waitFor();
  assert.equal(await error.innerText(), "The call could not be logged: CRM unavailable (injected)");
  const fault = await waitFor(session.id, "FAULT");
  assert.equal(fault.fault.faultId, rule.id);
  assert.ok(fault.seq < failed.seq, "the fault is recorded before what it caused");
  const { body: rules } = await api("GET", "/callhost/v1/faults");
  assert.equal(rules.results.find((r) => r.id === rule.id).fired, 1);
  assert.equal((await api("DELETE", `/callhost/v1/faults/${rule.id}`)).status, 204);
  // The inspector shows the same record, the fault marked as injected.
  await page.goto(`${ready.hostUrl}/calling-inspector/${ready.portalId}`);
  const row = page.locator(`[data-testid=inspector-entry][data-injected=true][data-seq="${fault.seq}"]`);
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await row.getAttribute("data-type"), "FAULT");
  await page.close();
});

test("refused actions: an unknown session, a logged-out app, no credentials", async () => {
  const unknown = await api("POST", "/callhost/v1/sessions/ws-unknown/actions", { action: "end-call" });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.category, "OBJECT_NOT_FOUND");
  const page = await browser.newPage();
  const { ada, frame, session } = await openDialer(page, "?login=out");
  assert.equal(session.state.loggedIn, false);
  const refused = await api("POST", `/callhost/v1/sessions/${session.id}/actions`, { action: "dial", objectTypeId: "0-1", objectId: ada.id });
  assert.equal(refused.status, 409);
  assert.match(refused.body.message, /logged out/);
  assert.equal(await frame.locator("li[data-handler=onDialNumber]").count(), 0);
  const anonymous = await fetch(new URL("/callhost/v1/sessions", ready.apiUrl));
  assert.equal(anonymous.status, 401);
  await rest.registerApp(appId, { name: "Dialer", url: `${apps.origin}/dialer.html`, usesCallingWindow: false });
  await page.close();
});

test("the widget socket: a frame over 1 MiB closes it with 1009, a malformed one is refused, both recorded with a finding", async () => {
  const page = await browser.newPage();
  await openHost(page, recordUrl(ready, "0-1", (await rest.contactNamed("Ada")).id));
  const outcome = await page.evaluate(async (appIdOfDemo) => {
    const url = new URL(`/host/ws?appId=${appIdOfDemo}&location=widget`, window.location.href);
    url.protocol = "ws:";
    const socket = new WebSocket(url);
    const frames = [];
    const closed = new Promise((resolve) => socket.addEventListener("close", (e) => resolve(e.code)));
    await new Promise((resolve) => socket.addEventListener("message", (e) => { frames.push(JSON.parse(e.data)); if (frames.length === 2) resolve(null); if (frames.length === 1) socket.send("{not json"); }));
    socket.send(JSON.stringify({ kind: "app", origin: "http://x", message: { type: "CALL_DATA", data: "x".repeat(1_200_000) } }));
    return { code: await closed, frames };
  }, ready.demoAppId);
  assert.equal(outcome.code, 1009);
  assert.deepEqual(outcome.frames.map((f) => f.kind), ["session", "refused"]);
  const sessionId = outcome.frames[0].sessionId;
  const { body } = await api("GET", `/callhost/v1/sessions/${sessionId}/transcript?type=refusedFrame`);
  assert.deepEqual(body.results.map((e) => e.findings[0].code), ["page-frame-refused", "page-frame-too-large"]);
  await page.close();
});
