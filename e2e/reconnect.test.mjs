// A lost WebSocket mid-call: the widget shows the lost connection and then the reconnect; the
// page reconnects to the same session (`&session=`), inputs sent meanwhile are queued, and
// the call goes on as if nothing happened.
import assert from "node:assert/strict";
import { test } from "node:test";
import { appFrame, events, newAppId, openHost, recordUrl, useCallhost } from "./fixtures.js";

let server;
let apps;
let browser;
let rest;
const app = { appId: newAppId(), name: "Reconnecting app" };

useCallhost({ apps: true }, async (env) => {
  ({ server, apps, browser, rest } = env);
  await rest.registerApp(app.appId, { name: app.name, url: `${apps.origin}/umd.html` });
});

test("the WebSocket drops mid-call; the page resumes its session and the call is completed and logged", async () => {
  const ada = await rest.contactNamed("Ada");
  const page = await browser.newPage();
  /** @type {string[]} */
  const urls = [];
  /** @type {import("playwright-core").WebSocketRoute | null} */
  let current = null;
  await page.routeWebSocket(/\/host\/ws/, (ws) => {
    urls.push(ws.url());
    current = ws;
    ws.connectToServer();
  });
  await openHost(page, recordUrl(server.ready, "0-1", ada.id));
  await page.locator("[data-testid=call-button]").first().click();
  await page.locator(`[data-testid=provider-option][data-app-id="${app.appId}"]`).click();
  const frame = await appFrame(page, apps.origin);
  await events(frame, "onDialNumber");
  const externalCallId = `reconnect-${Date.now()}`;
  await frame.evaluate((id) => window.cti.outgoingCall({ externalCallId: id, toNumber: "+16175550123", createEngagement: true }), externalCallId);
  const [created] = await events(frame, "onCreateEngagementSucceeded");
  const engagementId = created.data.engagementId;

  await current.close();
  await page.locator('[data-testid=calling-widget][data-connected="false"]').waitFor();
  // The lost connection is shown, and the header no longer claims the app is logged in.
  const banner = page.getByTestId("connection-state");
  assert.equal(await banner.getAttribute("data-state"), "lost");
  assert.match(await banner.innerText(), /connection to callhost was lost/i);
  assert.equal(await page.getByTestId("app-status").innerText(), "Reconnecting…");
  // Sent while the socket is down: queued, delivered after the reconnect.
  await frame.evaluate((id) => window.cti.callAnswered({ externalCallId: id }), externalCallId);
  await page.locator('[data-testid=calling-widget][data-connected="true"]').waitFor({ timeout: 10_000 });
  // ...and so is the reconnect.
  assert.equal(await banner.getAttribute("data-state"), "restored");
  assert.match(await banner.innerText(), /Reconnected/);
  assert.equal(await page.getByTestId("app-status").innerText(), "Logged in");
  assert.equal(urls.length, 2);
  assert.match(urls[1], /[?&]session=/, "the reconnect names the session");
  await page.locator("[data-testid=calling-widget][data-call-state=IN_PROGRESS]").waitFor();

  await frame.evaluate(([id, eid]) => {
    window.cti.callEnded({ externalCallId: id, engagementId: eid, callEndStatus: "COMPLETED" });
    window.cti.callCompleted({ externalCallId: id, engagementId: eid, engagementProperties: { hs_call_body: "after a reconnect" } });
  }, [externalCallId, engagementId]);
  await events(frame, "onUpdateEngagementSucceeded");
  await page.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"]`).filter({ hasText: "after a reconnect" }).waitFor();
  assert.equal((await events(frame, "onCreateEngagementSucceeded")).length, 1, "one engagement");
  await page.close();
});
