// The Playwright example of docs/testing-in-ci.md, run as it is shown there (a unit test
// keeps the two identical). It starts callhost, registers a calling app built on the official
// SDK, opens it in the host and drives the call through callhost's automation API.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

const APP_ID = 424242;
let callhost;
let ready;
let browser;
let stopApp = async () => {};

/** A JSON request to callhost with the portal's access token (or a `?hapikey=` in `path`). */
async function hubspot(method, path, body) {
  const response = await fetch(new URL(path, ready.apiUrl), {
    method,
    headers: { authorization: `Bearer ${ready.accessToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The session's first entry of `type` after `after`, waiting for it (no sleeps). */
async function next(sessionId, type, after = -1) {
  const query = `type=${type}&wait=15000${after >= 0 ? `&after=${after}` : ""}`;
  const { results } = await hubspot("GET", `/callhost/v1/sessions/${sessionId}/transcript?${query}`);
  assert.ok(results.length, `no ${type} within 15 s`);
  return results[0];
}

before(async () => {
  callhost = spawn(process.env.CALLHOST_BIN ?? "callhost",
    ["serve", "--ephemeral", "--listen", "127.0.0.1:0", "--demo-listen", "off"], { stdio: ["ignore", "pipe", "ignore"] });
  const [line] = await once(createInterface({ input: callhost.stdout }), "line");
  ready = JSON.parse(line.slice("callhost ready ".length));
  // Your app's URL (its dev server). In callhost's repository: the dialer of e2e/apps.
  let appUrl = process.env.APP_URL;
  if (!appUrl) {
    const { startAppServer } = await import("./fixtures.js");
    const apps = await startAppServer();
    appUrl = `${apps.origin}/dialer.html`;
    stopApp = apps.close;
  }
  await hubspot("POST", `/crm/v3/extensions/calling/${APP_ID}/settings?hapikey=${ready.developerApiKey}`,
    { name: "My dialer", url: appUrl, usesCallingWindow: false });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  await stopApp();
  callhost?.kill("SIGTERM");
});

test("a call is logged on the contact, and a failed one shows the app's error", async () => {
  const contacts = await hubspot("GET", "/crm/v3/objects/contacts?properties=firstname");
  const ada = contacts.results.find((c) => c.properties.firstname === "Ada");
  const page = await browser.newPage();
  await page.goto(`${ready.hostUrl}/contacts/${ready.portalId}/record/0-1/${ada.id}`);
  await page.getByTestId("open-widget").click();
  await page.locator(`[data-testid=provider-option][data-app-id="${APP_ID}"]`).first().click();
  let session;
  for (let tries = 0; !session && tries < 100; tries += 1) {
    const { results } = await hubspot("GET", "/callhost/v1/sessions");
    session = results.find((s) => s.appId === APP_ID && s.connected && s.state.loggedIn);
    if (!session) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(session, "the app logged in");
  const actions = `/callhost/v1/sessions/${session.id}/actions`;

  // Dial Ada as the user would; the app places the call and callhost logs it.
  await hubspot("POST", actions, { action: "dial", objectTypeId: "0-1", objectId: ada.id });
  const created = await next(session.id, "CREATE_ENGAGEMENT_SUCCEEDED");
  await hubspot("POST", actions, { action: "end-call" });
  await next(session.id, "UPDATE_ENGAGEMENT_SUCCEEDED", created.seq);
  const call = await hubspot("GET", `/crm/v3/objects/calls/${created.data.engagementId}?properties=hs_call_body&associations=contacts`);
  assert.match(call.properties.hs_call_body, /Notes from the dialer/);
  assert.equal(String(call.associations.contacts.results[0].id), String(ada.id));

  // Make the next call's engagement fail: the app must tell its user.
  await hubspot("POST", "/callhost/v1/faults", {
    match: { messageType: "OUTGOING_CALL_STARTED", appId: APP_ID },
    effect: { kind: "fail", message: "CRM unavailable" },
    times: 1,
  });
  await hubspot("POST", actions, { action: "dial", objectTypeId: "0-1", objectId: ada.id });
  await next(session.id, "CREATE_ENGAGEMENT_FAILED", created.seq);
  const app = page.frameLocator("#hubspot-calling-extension-iframe");
  await app.getByTestId("error").waitFor();
  assert.equal(await app.getByTestId("error").innerText(), "The call could not be logged: CRM unavailable");
  await page.close();
});
