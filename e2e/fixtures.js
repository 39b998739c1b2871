// Shared pieces of the host's browser tests: the one setup every test file uses
// (`useCallhost`: a real callhost, Chromium, a static server on another loopback origin for
// test calling apps built on the OFFICIAL SDK from npm), small helpers around the REST API
// and the host page, and waits on page or app state (never fixed sleeps).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, afterEach, before } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startCallhost } from "./serve.js";

export const CHROMIUM = "/usr/bin/chromium";
export const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

const here = dirname(fileURLToPath(import.meta.url));
const sdkDist = join(dirname(createRequire(import.meta.url).resolve("@hubspot/calling-extensions-sdk/package.json")), "dist");

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };

/**
 * Serves the test apps (`/umd.html`, `/esm.html`, `/hostile.html`, `/app.js`) and the
 * official SDK's builds (`/sdk/main.js`, `/sdk/main.esm.js`) on 127.0.0.1, port 0.
 * @returns {Promise<{origin: string, close: () => Promise<void>}>}
 */
export async function startAppServer() {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = path.startsWith("/sdk/") ? join(sdkDist, path.slice(5)) : join(here, "apps", path.slice(1));
    const ext = file.slice(file.lastIndexOf("."));
    if (!TYPES[ext] || path.includes("..")) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[ext], "cache-control": "no-store" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** @param {string[]} [extraArgs] flags besides {@link FLAGS} */
export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...extraArgs], headless: true });
}

/**
 * @typedef {object} Env  What a test file's tests use; filled in by the time they run.
 * @property {{ready: Record<string, any>, stop: () => Promise<number | null>, extraStdout: () => string[]}} server
 * @property {Record<string, any>} ready  the server's ready line
 * @property {ReturnType<typeof restClient>} rest
 * @property {import("playwright-core").Browser} browser
 * @property {{origin: string, close: () => Promise<void>}} [apps]  the test apps' origin
 * @property {{origin: string, close: () => Promise<void>}} [evil]  a second, hostile origin
 * @property {(close: () => Promise<unknown>) => void} onClose  runs `close` in `after`, before
 *   the browser and callhost stop (for receivers a file starts in its setup)
 */

/**
 * The setup every browser test file shares, registered as its `before` and `after` hooks:
 * `before` starts a real `callhost serve`, Chromium and the static servers asked for, then
 * runs `setup`; after each test, the browser contexts it left open are closed; `after`
 * closes what was started, newest first, and checks that callhost exits cleanly on SIGTERM.
 * What failed to start is not closed.
 * @param {{apps?: boolean, evil?: boolean, chromiumArgs?: string[]}} [options]
 * @param {(env: Env) => Promise<void>} [setup]
 * @returns {Env}
 */
export function useCallhost(options = {}, setup) {
  /** @type {Array<() => Promise<unknown>>} */
  const closers = [];
  const env = /** @type {Env} */ ({ onClose: (close) => closers.push(close) });
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup.sh installs it`);
    env.server = await startCallhost();
    closers.push(async () => assert.equal(await env.server.stop(), 0, "callhost exits cleanly on SIGTERM"));
    env.ready = env.server.ready;
    env.rest = restClient(env.ready);
    if (options.apps) {
      env.apps = await startAppServer();
      closers.push(() => env.apps.close());
    }
    if (options.evil) {
      env.evil = await startAppServer();
      closers.push(() => env.evil.close());
    }
    env.browser = await launchChromium(options.chromiumArgs);
    closers.push(() => env.browser.close());
    if (setup) await setup(env);
  });
  // Tests close their own pages; this closes what a failing test left open, so that its live
  // widget sessions cannot answer (or ring) in the next test.
  afterEach(async () => {
    for (const context of env.browser?.contexts() ?? []) await context.close();
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
  });
  return env;
}

/** REST helpers for the ready line's credentials. */
export function restClient(ready) {
  const call = async (method, path, body, auth = "token") => {
    const url = new URL(path, ready.apiUrl);
    const headers = { accept: "application/json" };
    if (auth === "token") headers.authorization = `Bearer ${ready.accessToken}`;
    else url.searchParams.set("hapikey", ready.developerApiKey);
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return json;
  };
  return {
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body),
    /** Registers calling settings for an app of the dev account (installed in the dev portal). */
    registerApp: (appId, settings) => call("POST", `/crm/v3/extensions/calling/${appId}/settings`, settings, "key"),
    /** Contacts whose first name is `name`. */
    async contactNamed(name) {
      const body = await call("GET", "/crm/v3/objects/contacts?limit=100&properties=firstname,lastname,phone");
      const found = body.results.find((c) => c.properties.firstname === name);
      if (!found) throw new Error(`no contact named ${name}`);
      return found;
    },
    async createContact(properties) {
      return call("POST", "/crm/v3/objects/contacts", { properties });
    },
    async callsOf(objectType, id) {
      const body = await call("GET", `/crm/v4/objects/${objectType}/${id}/associations/calls`);
      return body.results.map((r) => String(r.toObjectId));
    },
  };
}

/** A fresh app id for a test (the settings API registers it for the dev account). */
let nextApp = 700_000 + Math.floor(Math.random() * 100_000);
export function newAppId() {
  nextApp += 1;
  return nextApp;
}

/** The record page URL of a record on the host. */
export function recordUrl(ready, objectTypeId, id) {
  return `${ready.hostUrl}/contacts/${ready.portalId}/record/${objectTypeId}/${id}`;
}

/**
 * Opens the host page and waits until it has rendered.
 * @param {import("playwright-core").Page} page
 * @param {string} url
 */
export async function openHost(page, url) {
  await page.goto(url);
  await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
}

/**
 * The frame `iframe` (an element of `page`) shows once its document comes from `origin`
 * (it starts on about:blank, and may move): waits for that navigation, not on a timer.
 * @param {import("playwright-core").Page} page
 * @param {import("playwright-core").Locator} iframe
 * @param {(url: string) => boolean} wanted
 * @returns {Promise<import("playwright-core").Frame>}
 */
export async function frameWhere(page, iframe, wanted, timeout = 10_000) {
  const handle = await iframe.elementHandle({ timeout });
  // Listen before looking, so a navigation between the two is not missed.
  const navigated = page.waitForEvent("framenavigated", {
    predicate: async (frame) => wanted(frame.url()) && (await handle.contentFrame()) === frame,
    timeout,
  });
  const current = await handle.contentFrame();
  if (current && wanted(current.url())) {
    navigated.catch(() => {});
    return current;
  }
  return navigated;
}

/**
 * The frame of the calling app in the widget.
 * @param {import("playwright-core").Page} page
 * @param {string} origin
 */
export async function appFrame(page, origin) {
  const frame = await frameWhere(page, page.locator("#hubspot-calling-extension-iframe"), (url) => url.startsWith(origin));
  await frame.waitForFunction(() => Array.isArray(window.events) || document.querySelector("[data-testid=event-log]"), null, { timeout: 10_000, polling: 100 });
  return frame;
}

/**
 * The frame of the calling app in the nav bar's calling remote.
 * @param {import("playwright-core").Page} page
 * @param {string} origin
 */
export async function remoteFrame(page, origin) {
  const frame = await frameWhere(page, page.locator("[data-testid=remote-frame] iframe"), (url) => url.startsWith(origin));
  await frame.waitForFunction(() => Array.isArray(window.events), null, { timeout: 10_000, polling: 100 });
  return frame;
}

/**
 * Waits until the test app has recorded `count` calls of `handler`, and returns them. Polls
 * on a timer: a hidden widget's iframe gets no animation frames.
 */
export async function events(frame, handler, count = 1, timeout = 10_000) {
  await frame.waitForFunction(([h, n]) => window.events.filter((e) => e.handler === h).length >= n, [handler, count], { timeout, polling: 100 });
  return frame.evaluate((h) => window.events.filter((e) => e.handler === h), handler);
}

/** Every handler the test app has recorded so far. */
export function allEvents(frame) {
  return frame.evaluate(() => window.events.map((e) => e.handler));
}

/**
 * Resolves once the host has delivered to the test app in `frame` everything it had to send
 * before now. Asks for a record that does not exist and waits for the
 * NAVIGATE_TO_RECORD_FAILED that answers it: the engine answers on the same ordered path
 * (socket, page, postMessage) as everything it sent earlier. Tests use it to show something
 * did NOT happen without sleeping. Adds one `onNavigateToRecordFailed` to the app's events.
 * @param {import("playwright-core").Frame} frame
 * @param {Record<string, any>} ready
 */
export async function settled(frame, ready) {
  const seen = await frame.evaluate(() => window.events.filter((e) => e.handler === "onNavigateToRecordFailed").length);
  const coordinates = { portalId: ready.portalId, objectTypeId: "0-1", objectId: 987_654_321 };
  await frame.evaluate((c) => window.cti.navigateToRecord({ objectCoordinates: c }), coordinates);
  await events(frame, "onNavigateToRecordFailed", seen + 1);
}

/**
 * Polls `check` (every 50 ms, up to `timeout`) until it returns something truthy, and
 * returns that: for state only the REST API shows, which no page event announces.
 * @template T
 * @param {() => Promise<T>} check
 * @param {string} what  said when it times out
 * @returns {Promise<T>}
 */
export async function until(check, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
