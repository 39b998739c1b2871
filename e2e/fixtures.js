// Shared pieces of the host's browser tests: Chromium, a real callhost, a static server on
// another loopback origin for test calling apps built on the OFFICIAL SDK from npm, and
// small helpers around the REST API and the host page.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

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

export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
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
 * The frame of the calling app in the widget.
 * @param {import("playwright-core").Page} page
 * @param {string} origin
 */
export async function appFrame(page, origin) {
  const handle = await page.locator("#hubspot-calling-extension-iframe").elementHandle({ timeout: 10_000 });
  for (let i = 0; i < 100; i++) {
    const frame = await handle.contentFrame();
    if (frame && frame.url().startsWith(origin)) {
      await frame.waitForFunction(() => Array.isArray(window.events) || document.querySelector("[data-testid=event-log]"), null, { timeout: 10_000, polling: 100 });
      return frame;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no app frame from ${origin}`);
}

/**
 * The frame of the calling app in the nav bar's calling remote.
 * @param {import("playwright-core").Page} page
 * @param {string} origin
 */
export async function remoteFrame(page, origin) {
  const handle = await page.locator("[data-testid=remote-frame] iframe").elementHandle({ timeout: 10_000 });
  for (let i = 0; i < 100; i++) {
    const frame = await handle.contentFrame();
    if (frame && frame.url().startsWith(origin)) {
      await frame.waitForFunction(() => Array.isArray(window.events), null, { timeout: 10_000, polling: 100 });
      return frame;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no remote frame from ${origin}`);
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

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
