// Browser tests in real Chromium, on two loopback origins (host page on one, calling app on
// the other), for both pairings the issue asks for, and a browser-level differential test:
// - our demo app (our SDK, ESM from /sdk/) under a host built on the OFFICIAL IFrameManager;
// - an app on the OFFICIAL SDK under a host built on OUR IFrameManager;
// - one scripted scenario run for every host/app pairing of official and ours, whose wire
//   transcripts and handler calls must be identical.
// Chromium is /usr/bin/chromium (CI installs the distribution package).

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { startStaticServer } from "./browser/static-server.mjs";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** @type {any} */ let hostServer;
/** @type {any} */ let appServer;
/** @type {import("playwright-core").Browser} */ let browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install the chromium package`);
  hostServer = await startStaticServer();
  appServer = await startStaticServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
});

after(async () => {
  await browser?.close();
  await hostServer?.close();
  await appServer?.close();
});

/**
 * Opens the fixture host page with the given IFrameManager build around `appUrl`.
 * @param {"official" | "ours"} sdk
 * @param {string} appUrl
 */
async function openHost(sdk, appUrl) {
  const page = await browser.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${hostServer.origin}/fixtures/host.html?sdk=${sdk}&app=${encodeURIComponent(appUrl)}`);
  await page.waitForFunction(() => /** @type {any} */ (window).hostCalls.some((/** @type {any} */ m) => m.type === "READY"));
  const frame = page.frames().find((f) => f.url().startsWith(appServer.origin));
  assert.ok(frame, "app frame");
  return { page, frame, errors };
}

/** @param {import("playwright-core").Page} page @param {string} type */
const hostReceived = (page, type) =>
  page.waitForFunction((t) => /** @type {any} */ (window).wire.some((/** @type {any} */ w) => w.data && w.data.type === t), type);

/** @param {import("playwright-core").Page} page */
const hostWire = (page) => page.evaluate(() => /** @type {any} */ (window).wire);

test("our demo app works under a host built on the official IFrameManager", async () => {
  const { page, frame, errors } = await openHost("official", `${appServer.origin}/`);
  try {
    await hostReceived(page, "INITIALIZED");
    assert.match(await frame.locator("[data-testid=demo-status]").innerText(), /^ready/);

    // Host -> app: a dial, with markup in it that must stay text.
    const hostile = "<img src=x onerror=\"document.title='pwned'\">";
    await page.evaluate((note) => {
      /** @type {any} */ (window).host.sendMessage({ type: "DIAL_NUMBER", data: { phoneNumber: "+15550001111", note } });
    }, hostile);
    await frame.locator("#event-log li[data-handler=onDialNumber]").waitFor();
    assert.equal(await frame.locator("[data-testid=demo-phone]").inputValue(), "+15550001111");
    assert.ok((await frame.locator("#event-log").innerText()).includes("<img src=x onerror="));
    assert.equal(await frame.locator("#event-log img").count(), 0);
    assert.notEqual(await frame.evaluate(() => document.title), "pwned");

    // Every method button puts its message on the wire, from the app's exact origin.
    const buttons = await frame.locator("[data-testid^=sdk-]").evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")));
    assert.equal(buttons.length, 20);
    for (const id of buttons) await frame.locator(`[data-testid=${id}]`).click();
    await hostReceived(page, "SET_WIDGET_URL");
    const wire = await hostWire(page);
    const types = new Set(wire.map((/** @type {any} */ w) => w.data.type));
    for (const type of [
      "SYNC_ACK", "INITIALIZED", "LOGGED_IN", "LOGGED_OUT", "USER_AVAILABLE", "USER_UNAVAILABLE",
      "OUTGOING_CALL_STARTED", "INCOMING_CALL", "CALL_ANSWERED", "CALL_ENDED", "CALL_COMPLETED",
      "CALL_TRANSFERRED", "NAVIGATE_TO_RECORD", "CALL_DATA", "ERROR", "RESIZE_WIDGET",
      "PUBLISH_TO_CHANNEL", "FINALIZE_ENGAGEMENT", "SET_WIDGET_URL",
    ]) assert.ok(types.has(type), `host did not receive ${type}`);
    for (const w of wire) assert.equal(w.origin, appServer.origin);

    // Every host message type reaches the demo's log; replies update the call state.
    const handlerNames = await frame.evaluate(async () => {
      const { Constants } = await import("/sdk/calling-extensions-sdk.esm.js");
      return Constants.messageHandlerNames;
    });
    await frame.locator("[data-testid=demo-clear-log]").click();
    await page.evaluate((names) => {
      for (const type of Object.keys(names)) {
        if (type === "READY" || type === "END_CALL") continue;
        const data = type === "CREATE_ENGAGEMENT_SUCCEEDED" ? { engagementId: 4242 } : { type };
        /** @type {any} */ (window).host.sendMessage({ type, data });
      }
    }, handlerNames);
    await frame.locator("#event-log li[data-handler=onFailed]").waitFor();
    const logged = await frame.locator("#event-log li[data-handler]").evaluateAll((els) => els.map((e) => e.getAttribute("data-handler")));
    for (const [type, name] of Object.entries(handlerNames)) {
      if (type === "READY" || type === "END_CALL") continue;
      assert.ok(logged.includes(name), `demo did not log ${name}`);
    }
    assert.ok(logged.includes("FAILED"), "the FAILED catch-all ran for *_FAILED");
    assert.equal(await frame.locator("[data-testid=demo-engagement-id]").inputValue(), "4242");

    // END_CALL makes the demo hang up.
    const before = (await hostWire(page)).filter((/** @type {any} */ w) => w.data.type === "CALL_ENDED").length;
    await page.evaluate(() => /** @type {any} */ (window).host.sendMessage({ type: "END_CALL" }));
    await page.waitForFunction(
      (n) => /** @type {any} */ (window).wire.filter((/** @type {any} */ w) => w.data.type === "CALL_ENDED").length > n,
      before,
    );
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("an app on the official SDK works under a host built on our IFrameManager", async () => {
  const { page, frame, errors } = await openHost("ours", `${appServer.origin}/fixtures/app.html?sdk=official`);
  try {
    await frame.waitForFunction(() => /** @type {any} */ (window).calls.some((/** @type {any} */ c) => c.handler === "onReady"));
    const ready = await frame.evaluate(() => /** @type {any} */ (window).calls[0]);
    assert.equal(ready.data.hostUrl, hostServer.origin);
    const ack = (await hostWire(page)).find((/** @type {any} */ w) => w.data.type === "SYNC_ACK");
    assert.equal(ack.data.version, "0.9.7-beta.0");
    assert.equal(ack.data.iFrameUrl, appServer.origin);
    assert.match(ack.data.messageId, /^\d{13}_\d+$/, "the ACK answers our host's SYNC id");

    await frame.evaluate(() => /** @type {any} */ (window).cti.initialized({ isLoggedIn: true }));
    await hostReceived(page, "INITIALIZED");
    const calls = await page.evaluate(() => /** @type {any} */ (window).hostCalls);
    assert.ok(calls.some((/** @type {any} */ m) => m.type === "INITIALIZED" && m.data.isLoggedIn === true));

    await page.evaluate(() => /** @type {any} */ (window).host.sendMessage({ type: "DIAL_NUMBER", data: { phoneNumber: "+1" } }));
    await frame.waitForFunction(() => /** @type {any} */ (window).calls.some((/** @type {any} */ c) => c.handler === "onDialNumber"));
    await page.evaluate(() => /** @type {any} */ (window).host.updateIFrameSize({ width: 320, height: "50%" }));
    assert.equal(await page.locator("#hubspot-calling-extension-iframe").getAttribute("width"), "320px");
    assert.equal(await page.locator("#hubspot-calling-extension-iframe").getAttribute("height"), "50%");
    assert.equal(await page.locator("#hubspot-calling-extension-iframe").getAttribute("allow"), "microphone; autoplay");
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

/**
 * The scripted scenario: the same steps whatever the builds. Returns a transcript with the
 * repeated SYNCs (their number depends on timing) collapsed and SDK-made ids normalised.
 * @param {"official" | "ours"} hostSdk
 * @param {"official" | "ours"} appSdk
 */
async function scenario(hostSdk, appSdk) {
  const { page, frame } = await openHost(hostSdk, `${appServer.origin}/fixtures/app.html?sdk=${appSdk}`);
  try {
    await frame.waitForFunction(() => /** @type {any} */ (window).calls.some((/** @type {any} */ c) => c.handler === "onReady"));
    const app = (/** @type {string} */ script) => frame.evaluate(script);
    const host = (/** @type {string} */ script) => page.evaluate(script);
    await app(`cti.initialized({ isLoggedIn: true }); cti.userLoggedIn(); cti.userAvailable();
      cti.outgoingCall({ externalCallId: "x-1", toNumber: "+1", createEngagement: true });`);
    await hostReceived(page, "OUTGOING_CALL_STARTED");
    await host(`host.sendMessage({ type: "CREATE_ENGAGEMENT_SUCCEEDED", data: { engagementId: 9 } });
      host.sendMessage({ type: "CREATE_ENGAGEMENT_FAILED", data: { error: { message: "no" } } });
      host.sendMessage({ type: "FAILED", data: 1 });
      host.sendMessage({ type: "VISIBILITY_CHANGED", data: { isMinimized: true, isHidden: false } });
      host.sendMessage({ type: "NOT_A_TYPE", data: 2 });`);
    await hostReceived(page, "ERROR");
    await app(`cti.callAnswered({ externalCallId: "x-1" }); cti.callEnded({ externalCallId: "x-1", engagementId: 9 });
      cti.callCompleted({ externalCallId: "x-1", engagementId: 9, hideWidget: false });
      cti.sendMessage({ type: "SET_WIDGET_URL", iFrameUrl: location.origin }); cti.callEnded();`);
    await page.waitForFunction(() => /** @type {any} */ (window).wire.filter((/** @type {any} */ w) => w.data.type === "CALL_ENDED").length === 2);
    // The host names its own origin: the app posts there from now on.
    await host(`host.sendMessage({ type: "SET_WIDGET_URL", iFrameUrl: ${JSON.stringify(hostServer.origin)} });
      host.sendMessage({ type: "LAST_ONE" });`);
    await page.waitForFunction(() => /** @type {any} */ (window).wire.filter((/** @type {any} */ w) => w.data.type === "ERROR").length === 2);

    const raw = {
      hostWire: await hostWire(page),
      hostCalls: await page.evaluate(() => /** @type {any} */ (window).hostCalls),
      appWire: await frame.evaluate(() => /** @type {any} */ (window).wire),
      appCalls: await frame.evaluate(() => /** @type {any} */ (window).calls),
    };
    const text = JSON.stringify(raw, (_k, v) => (typeof v === "string" && /^\d{13}_\d+$/.test(v) ? "<sdk-id>" : v));
    const t = JSON.parse(text);
    const notSync = (/** @type {any} */ w) => w.data?.type !== "SYNC";
    t.appWire = t.appWire.filter(notSync);
    t.appWire.unshift({ syncsSeen: true });
    return t;
  } finally {
    await page.close();
  }
}

test("differential: one scenario, every host/app pairing of official and ours, same transcript", async () => {
  const reference = await scenario("official", "official");
  assert.ok(reference.hostWire.length >= 12, "scenario exchanged messages");
  for (const [hostSdk, appSdk] of /** @type {const} */ ([["official", "ours"], ["ours", "official"], ["ours", "ours"]])) {
    assert.deepStrictEqual(await scenario(hostSdk, appSdk), reference, `host ${hostSdk} / app ${appSdk}`);
  }
});
