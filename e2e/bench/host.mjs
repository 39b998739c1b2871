// Benchmark: the host's handshake and its OUTGOING_CALL_STARTED → CREATE_ENGAGEMENT_SUCCEEDED
// time, in headless Chromium, for callhost (a real `callhost serve`, the call stored in the
// CRM) and, measured in the same run as the baseline, for a host built on the official SDK's
// own host mode (which stores nothing). Both use the same app on the official SDK, served
// from another loopback origin. Prints medians and the ratio; it is not a test.
//
//   cargo build --release -p callhost && CALLHOST_BIN=target/release/callhost node e2e/bench/host.mjs [runs] [--hops]
//
// With --hops it also prints where callhost's call time goes, hop by hop (medians): the app's
// postMessage reaching the host page, the page sending the frame, the WebSocket and the
// server, the page posting the reply, the reply reaching the app; and inside the server
// (its `callhost_server::host::hops` log, docs/design.md#message-path-timing): waiting for the session,
// the engine, the store, the inspector's record and sending frames. The page's times come
// from marks this script adds to the host page (WebSocket send and receive, the window's
// message event), not from the product's code.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../fixtures.js";
import { startCallhost } from "../serve.js";

const HOPS = process.argv.includes("--hops");
const RUNS = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) || 15);
if (HOPS) process.env.CALLHOST_LOG = "warn,callhost_server::host::hops=debug";
const CALLS = 20;
const here = dirname(fileURLToPath(import.meta.url));
const sdkDist = join(dirname(createRequire(import.meta.url).resolve("@hubspot/calling-extensions-sdk/package.json")), "dist");

/** Serves this folder's pages and the official SDK's `/sdk/main.js` on 127.0.0.1. */
async function staticServer() {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = path === "/sdk/main.js" ? join(sdkDist, "main.js") : join(here, path.slice(1));
    if (!/^\/[\w./-]+\.(html|js)$/.test(path) || path.includes("..")) return void res.writeHead(404).end();
    try {
      const type = file.endsWith(".html") ? "text/html" : "text/javascript";
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Handshake (app script start → READY) and CALLS call round trips in the app `frame`;
 * with the host `page`'s marks (see `markHops`), each call's hops too. */
async function measure(frame, page) {
  await frame.waitForFunction(() => window.bench && window.bench.ready !== null, null, { timeout: 15_000 });
  const handshake = await frame.evaluate(() => window.bench.ready - window.bench.start);
  await frame.waitForTimeout(50);
  const calls = [];
  const hops = [];
  for (let i = 0; i < CALLS; i++) {
    if (page) await page.evaluate(() => (window.__hops = {}));
    calls.push(await frame.evaluate(() => window.measureCall()));
    if (page) {
      const app = await frame.evaluate(() => window.bench.last);
      const at = await page.evaluate(() => window.__hops);
      hops.push({
        "app → page (postMessage)": at.pageGot - app.sent,
        "page → WebSocket send": at.wsSend - at.pageGot,
        "WebSocket + server, to the reply frame": at.wsGot - at.wsSend,
        "reply frame → page posts it": at.posted - at.wsGot,
        "page → app (postMessage)": app.got - at.posted,
      });
    }
  }
  return { handshake, call: median(calls), hops };
}

/** Marks in the host page (an init script, before the page's own): when the app's
 * OUTGOING_CALL_STARTED reaches the window, when its frame goes on the WebSocket, when the
 * CREATE_ENGAGEMENT_SUCCEEDED frame arrives and when the page has handled it (posted it). */
function markHops() {
  const now = () => performance.timeOrigin + performance.now();
  window.__hops = {};
  window.addEventListener("message", (event) => {
    if (event.data && event.data.type === "OUTGOING_CALL_STARTED") window.__hops.pageGot = now();
  }, true);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === "string" && data.includes('"OUTGOING_CALL_STARTED"')) window.__hops.wsSend = now();
    return send.call(this, data);
  };
  const listen = WebSocket.prototype.addEventListener;
  WebSocket.prototype.addEventListener = function (type, listener, options) {
    if (type !== "message") return listen.call(this, type, listener, options);
    return listen.call(this, type, (event) => {
      const reply = typeof event.data === "string" && event.data.includes('"CREATE_ENGAGEMENT_SUCCEEDED"');
      if (reply) window.__hops.wsGot = now();
      listener(event);
      if (reply) window.__hops.posted = now();
    }, options);
  };
}

/** The server's hop log lines for OUTGOING_CALL_STARTED: each line's `name=number` fields. */
function serverHops(log) {
  return log
    .split("\n")
    .filter((line) => line.includes("host::hops") && line.includes("input=OUTGOING_CALL_STARTED"))
    .map((line) => Object.fromEntries([...line.matchAll(/ ([\w.]+)=([\d.]+)\b/g)].map(([, k, v]) => [k, Number(v)])));
}

const appFrame = async (page, origin) => {
  for (let i = 0; i < 200; i++) {
    const frame = page.frames().find((f) => f.url().startsWith(origin));
    if (frame) return frame;
    await page.waitForTimeout(25);
  }
  throw new Error("the app frame did not appear");
};

async function main() {
  const server = await startCallhost();
  const apps = await staticServer();
  const officialHost = await staticServer();
  const browser = await launchChromium();
  const { ready } = server;
  const appId = 9_100_000 + Math.floor(Math.random() * 99_999);
  const appUrl = `${apps.origin}/app.html`;
  const register = await fetch(`${ready.apiUrl}/crm/v3/extensions/calling/${appId}/settings?hapikey=${ready.developerApiKey}`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Bench app", url: appUrl, usesCallingWindow: false }),
  });
  if (register.status !== 200) throw new Error(`registering the app: ${register.status}`);

  const results = { callhost: [], official: [] };
  for (let run = 0; run < RUNS; run++) {
    const page = await browser.newPage();
    await page.addInitScript(([key, id]) => localStorage.setItem(key, id), ["callhost:provider", String(appId)]);
    if (HOPS) await page.addInitScript(markHops);
    await page.goto(`${ready.hostUrl}/contacts/${ready.portalId}/objects/0-1/views/all/list`);
    await page.getByTestId("open-widget").click();
    await page.locator(`[data-testid=provider-option][data-app-id="${appId}"]`).first().click();
    results.callhost.push(await measure(await appFrame(page, apps.origin), HOPS ? page : null));
    await page.close();

    const baseline = await browser.newPage();
    await baseline.goto(`${officialHost.origin}/official-host.html?app=${encodeURIComponent(appUrl)}`);
    results.official.push(await measure(await appFrame(baseline, apps.origin)));
    await baseline.close();
  }
  await browser.close();
  apps.close();
  officialHost.close();
  const log = server.log();
  await server.stop();

  const row = (name, key) => {
    const ours = median(results.callhost.map((r) => r[key]));
    const theirs = median(results.official.map((r) => r[key]));
    console.log(`${name.padEnd(52)} callhost ${ours.toFixed(2).padStart(7)} ms   official host mode ${theirs.toFixed(2).padStart(7)} ms   ratio ${(ours / theirs).toFixed(2)}`);
  };
  console.log(`${RUNS} runs, ${CALLS} calls per run; medians`);
  row("handshake (app script start to READY)", "handshake");
  row("OUTGOING_CALL_STARTED to CREATE_ENGAGEMENT_SUCCEEDED", "call");
  if (!HOPS) return;
  const pageHops = results.callhost.flatMap((r) => r.hops);
  console.log(`\ncallhost's call, hop by hop (medians of ${pageHops.length} calls):`);
  for (const name of Object.keys(pageHops[0] ?? {})) {
    console.log(`  ${name.padEnd(44)} ${median(pageHops.map((h) => h[name])).toFixed(3).padStart(7)} ms`);
  }
  const inServer = serverHops(log);
  console.log(`inside the server (medians of ${inServer.length} OUTGOING_CALL_STARTED inputs):`);
  for (const name of ["wait_ms", "engine_ms", "store_ms", "inspector_ms", "send_ms", "written_ms", "total_ms", "store.requests", "frames", "writes"]) {
    const values = inServer.map((h) => h[name]).filter((v) => v !== undefined);
    if (values.length) console.log(`  ${name.padEnd(44)} ${median(values).toFixed(3).padStart(7)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
