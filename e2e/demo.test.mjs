// The demo calling app as `callhost serve` ships it: served on the demo origin, loading the
// SDK from there, driven in real Chromium by a host page on the API origin that uses the SDK
// build callhost serves under /sdk/. Two real origins, no fixtures server.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { startCallhost } from "./serve.js";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

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

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup.sh installs it`);
  server = await startCallhost();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0, "callhost exits cleanly on SIGTERM");
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
  const frame = page.frames().find((f) => f.url().startsWith(demoAppUrl));
  assert.ok(frame, "the demo app is in the iframe");
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
