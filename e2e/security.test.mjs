// Origins in real Chromium: a hostile page on another loopback origin holds a reference to
// the host (it opened it) and posts forged SDK messages at the host and at the calling app
// inside it, mid-call. None of them may change anything: not the call, not the CRM, not the
// widget, not the page, and the app hears nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { allEvents, appFrame, events, launchChromium, newAppId, recordUrl, settled, useCallhost } from "./fixtures.js";

let server;
let apps;
let evil;
let browser;
let rest;
const app = { appId: newAppId(), name: "Honest app" };

useCallhost({ apps: true, evil: true }, async (env) => {
  ({ server, apps, evil, browser, rest } = env);
  await rest.registerApp(app.appId, { name: app.name, url: `${apps.origin}/umd.html` });
});

test("a hostile page on another origin posts forged messages at the host and the app mid-call, and nothing changes", async () => {
  assert.notEqual(apps.origin, evil.origin);
  const ada = await rest.contactNamed("Ada");
  const context = await browser.newContext();
  const hostile = await context.newPage();
  await hostile.goto(`${evil.origin}/hostile.html`);
  const opened = context.waitForEvent("page");
  await hostile.evaluate((url) => { window.opened = window.open(url); }, recordUrl(server.ready, "0-1", ada.id));
  const page = await opened;
  await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });

  await page.locator("[data-testid=call-button]").first().click();
  await page.locator(`[data-testid=provider-option][data-app-id="${app.appId}"]`).click();
  const frame = await appFrame(page, apps.origin);
  await events(frame, "onDialNumber");
  const externalCallId = `honest-${Date.now()}`;
  await frame.evaluate((id) => window.cti.outgoingCall({ externalCallId: id, toNumber: "+16175550123", createEngagement: true }), externalCallId);
  const [created] = await events(frame, "onCreateEngagementSucceeded");
  const engagementId = created.data.engagementId;
  await page.locator("[data-testid=calling-widget][data-call-state=DIALING]").waitFor();

  const snapshot = async () => ({
    url: page.url(),
    appEvents: await allEvents(frame),
    frameUrl: frame.url(),
    size: await page.locator("#hubspot-calling-extension-iframe").evaluate((f) => [f.style.width, f.style.height]),
    widget: await page.getByTestId("calling-widget").evaluate((w) => [w.hidden, w.dataset.state, w.dataset.callState]),
    status: await page.getByTestId("app-status").innerText(),
    alerts: await page.getByTestId("host-alert").count(),
    calls: (await rest.callsOf("contacts", ada.id)).sort(),
    body: (await rest.get(`/crm/v3/objects/calls/${engagementId}?properties=hs_call_body`)).properties.hs_call_body ?? null,
  });
  const before = await snapshot();

  const sent = await hostile.evaluate((id) => window.forge(id, 0), externalCallId);
  assert.ok(sent >= 10);
  // Whatever the forged messages set off would reach the page, the server and the app before
  // the honest app's next exchange with the host is answered; that exchange is the one new event.
  await settled(frame, server.ready);
  const afterwards = await snapshot();
  assert.deepEqual(afterwards, { ...before, appEvents: [...before.appEvents, "onNavigateToRecordFailed"] },
    "the forged messages changed nothing");
  assert.equal(await page.getByTestId("end-call").isEnabled(), true, "the call is still live");

  // The honest app still drives the call.
  await frame.evaluate((id) => window.cti.callEnded({ externalCallId: id, callEndStatus: "COMPLETED" }), externalCallId);
  await page.locator("[data-testid=calling-widget][data-call-state=ENDED]").waitFor();
  await context.close();
});

test("a dial clicked while the app loads, to an app that initializes logged out, becomes an alert and no DIAL_NUMBER", async () => {
  const ada = await rest.contactNamed("Ada");
  const page = await browser.newPage();
  // The app initializes logged out: the click waits, then turns into an alert.
  await page.goto(recordUrl(server.ready, "0-1", ada.id));
  await page.locator("body[data-ready=true]").waitFor();
  await page.evaluate((url) => localStorage.setItem("LocalSettings:Calling:CallingExtensions", JSON.stringify({ name: "Logged-out app", url })), `${apps.origin}/umd.html?login=out`);
  await page.reload();
  await page.locator("body[data-ready=true]").waitFor();
  await page.locator("[data-testid=call-button]").first().click();
  await page.locator("[data-testid=provider-option][data-provider=override]").click();
  const frame = await appFrame(page, apps.origin);
  await page.getByTestId("host-alert").waitFor({ timeout: 10_000 });
  await settled(frame, server.ready);
  assert.ok(!(await allEvents(frame)).includes("onDialNumber"));
  await page.close();
});

test("DNS rebinding: a page on a name that resolves to 127.0.0.1 gets 421, no session, no token and no secret", async () => {
  // The attacker's name resolves to callhost's address, as a rebinding DNS server would make it.
  const rebinding = await launchChromium(["--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1"]);
  try {
    const context = await rebinding.newContext();
    const page = await context.newPage();
    const port = new URL(server.ready.hostUrl).port;
    const rebound = `http://rebind.attacker.example:${port}`;
    const response = await page.goto(`${rebound}/contacts/${server.ready.portalId}/objects/0-1/views/all/list`);
    assert.equal(response?.status(), 421);
    assert.equal((await response?.json()).category, "MISDIRECTED_REQUEST");
    // The page is same-origin with what it asks for, so it could read every answer.
    const answers = await page.evaluate(async (appId) => {
      const paths = ["/", "/host/api/context", `/host/api/apps/${appId}/secret`];
      return Promise.all(paths.map(async (path) => {
        const r = await fetch(path, { credentials: "include" });
        return [path, r.status, await r.text()];
      }));
    }, server.ready.demoAppId);
    for (const [path, status, body] of answers) {
      assert.equal(status, 421, path);
      assert.ok(!body.includes(server.ready.accessToken), `${path} leaks no token`);
    }
    assert.deepEqual(await context.cookies(), [], "no session cookie was set");

    // The same browser still signs in on the listen address.
    const honest = await context.newPage();
    await honest.goto(`${server.ready.hostUrl}/contacts/${server.ready.portalId}/objects/0-1/views/all/list`);
    await honest.locator("body[data-ready=true]").waitFor();
    const cookies = await context.cookies(server.ready.hostUrl);
    assert.ok(cookies.some((c) => c.name === "callhost_session"), "signed in on loopback");
  } finally {
    await rebinding.close();
  }
});
