// Benchmark: the host's handshake and its OUTGOING_CALL_STARTED → CREATE_ENGAGEMENT_SUCCEEDED
// time, in headless Chromium, for callhost (a real `callhost serve`, the call stored in the
// CRM) and, measured in the same run as the baseline, for a host built on the official SDK's
// own host mode (which stores nothing). Both use the same app on the official SDK, served
// from another loopback origin. Prints medians and the ratio; it is not a test.
//
//   cargo build --release -p callhost && CALLHOST_BIN=target/release/callhost node e2e/bench/host.mjs [runs] [--hops] [--end-calls]
//
// With --hops it also prints where callhost's call time goes, hop by hop (medians): the app's
// postMessage reaching the host page, the page sending the frame, the WebSocket and the
// server, the page posting the reply, the reply reaching the app; and inside the server
// (its `callhost_server::host::hops` log, docs/design.md#message-path-timing): waiting for the session,
// the engine, the store, the inspector's record and sending frames. The page's times come
// from marks this script adds to the host page (WebSocket send and receive, the window's
// message event), not from the product's code. The server's log says when it read each
// input on the wall clock, so "WebSocket + server" is also split into the frame's way to the
// server, the server's own time to the reply's write, and the reply's way back.
//
// With --end-calls the app ends each call (CALL_ENDED) before it starts the next, with both
// hosts, so every call measured starts from no live call, as a user's call does: on callhost
// the widget then changes on every call (its text, the switcher's lock). Without it the calls
// of a run follow each other while the earlier ones are still live.
//
// CALLHOST_BEFORE_BIN=<another build> measures that build too, in the same run: each run
// measures both builds and the official host, the two builds' order alternating from run to
// run, so a change is compared with what it changes under the same load.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../fixtures.js";
import { startCallhost } from "../serve.js";

const HOPS = process.argv.includes("--hops");
const END_CALLS = process.argv.includes("--end-calls");
const BEFORE = process.env.CALLHOST_BEFORE_BIN;
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
    if (END_CALLS && i > 0) {
      await frame.evaluate(() => window.endCall());
      await frame.waitForTimeout(50);
    }
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
        // Absolute times, to line up with the server's log (see `splitSocket`).
        sentAt: at.wsSend,
        gotAt: at.wsGot,
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

/**
 * Splits each call's "WebSocket + server" with the server's line for the same input (the one
 * it read between the page's send and the reply's arrival; page and server share the
 * machine's clock): the frame's way to the server, the server's time from reading it to
 * starting the write that carries the reply (its last), and the reply's way back to the
 * page from there. Calls without such a line (a server without `read_unix_ms`) are left out.
 */
function splitSocket(pageHops, inServer) {
  const split = [];
  for (const hop of pageHops) {
    const line = inServer.find((s) => s.read_unix_ms >= hop.sentAt && s.read_unix_ms <= hop.gotAt);
    if (!line) continue;
    split.push({
      "page → server (WebSocket)": line.read_unix_ms - hop.sentAt,
      "server: read → reply's write starts": line.writing_ms,
      "reply's write → page (WebSocket)": hop.gotAt - (line.read_unix_ms + line.writing_ms),
    });
  }
  return split;
}

/** Prints each hop's median. */
function printMedians(rows, indent = "  ") {
  for (const name of Object.keys(rows[0] ?? {})) {
    console.log(`${indent}${name.padEnd(44)} ${median(rows.map((h) => h[name])).toFixed(3).padStart(7)} ms`);
  }
}

const appFrame = async (page, origin) => {
  for (let i = 0; i < 200; i++) {
    const frame = page.frames().find((f) => f.url().startsWith(origin));
    if (frame) return frame;
    await page.waitForTimeout(25);
  }
  throw new Error("the app frame did not appear");
};

/** Starts a `callhost serve` of `bin` with the benchmark's app registered. */
async function startHost(bin, appUrl) {
  const server = await startCallhost(bin ? { bin } : {});
  const { ready } = server;
  const appId = 9_100_000 + Math.floor(Math.random() * 99_999);
  const register = await fetch(`${ready.apiUrl}/crm/v3/extensions/calling/${appId}/settings?hapikey=${ready.developerApiKey}`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Bench app", url: appUrl, usesCallingWindow: false }),
  });
  if (register.status !== 200) throw new Error(`registering the app: ${register.status}`);
  return { server, appId, runs: [] };
}

/** One run on callhost's contacts list page: the widget opened on the benchmark's app. */
async function measureCallhost(browser, host, appsOrigin) {
  const { ready } = host.server;
  const page = await browser.newPage();
  await page.addInitScript(([key, id]) => localStorage.setItem(key, id), ["callhost:provider", String(host.appId)]);
  if (HOPS) await page.addInitScript(markHops);
  await page.goto(`${ready.hostUrl}/contacts/${ready.portalId}/objects/0-1/views/all/list`);
  await page.getByTestId("open-widget").click();
  await page.locator(`[data-testid=provider-option][data-app-id="${host.appId}"]`).first().click();
  host.runs.push(await measure(await appFrame(page, appsOrigin), HOPS ? page : null));
  await page.close();
}

async function main() {
  const apps = await staticServer();
  const officialHost = await staticServer();
  const browser = await launchChromium();
  const appUrl = `${apps.origin}/app.html`;
  const hosts = [["callhost", await startHost(undefined, appUrl)]];
  if (BEFORE) hosts.push(["before", await startHost(BEFORE, appUrl)]);

  const official = [];
  const loads = [loadavg()[0]];
  for (let run = 0; run < RUNS; run++) {
    // With two builds, each goes first in every other run.
    for (const [, host] of run % 2 ? [...hosts].reverse() : hosts) await measureCallhost(browser, host, apps.origin);

    const baseline = await browser.newPage();
    await baseline.goto(`${officialHost.origin}/official-host.html?app=${encodeURIComponent(appUrl)}`);
    official.push(await measure(await appFrame(baseline, apps.origin)));
    await baseline.close();
    loads.push(loadavg()[0]);
  }
  await browser.close();
  apps.close();
  officialHost.close();
  for (const [, host] of hosts) {
    host.log = host.server.log();
    await host.server.stop();
  }

  const row = (name, key) => {
    const theirs = median(official.map((r) => r[key]));
    const ours = hosts.map(([label, host]) => {
      const value = median(host.runs.map((r) => r[key]));
      return `${label} ${value.toFixed(2).padStart(7)} ms (ratio ${(value / theirs).toFixed(2)})`;
    });
    console.log(`${name.padEnd(52)} ${ours.join("   ")}   official host mode ${theirs.toFixed(2).padStart(7)} ms`);
  };
  console.log(`${RUNS} runs, ${CALLS} calls per run${END_CALLS ? ", each call ended before the next" : ""}; medians; load average (1 min) ${loads.map((l) => l.toFixed(1)).join(" ")}`);
  row("handshake (app script start to READY)", "handshake");
  row("OUTGOING_CALL_STARTED to CREATE_ENGAGEMENT_SUCCEEDED", "call");
  if (!HOPS) return;
  for (const [label, host] of hosts) {
    const pageHops = host.runs.flatMap((r) => r.hops);
    const inServer = serverHops(host.log);
    console.log(`\n${label === "callhost" ? "callhost" : "the before build"}'s call, hop by hop (medians of ${pageHops.length} calls):`);
    printMedians(pageHops.map(({ sentAt, gotAt, ...hop }) => hop));
    const split = splitSocket(pageHops, inServer);
    if (split.length) {
      console.log(`  WebSocket + server, split with the server's clock (${split.length} calls):`);
      printMedians(split, "    ");
    }
    console.log(`inside the server (medians of ${inServer.length} OUTGOING_CALL_STARTED inputs):`);
    for (const name of ["wait_ms", "engine_ms", "store_ms", "inspector_ms", "send_ms", "writing_ms", "written_ms", "total_ms", "store.requests", "frames", "writes"]) {
      const values = inServer.map((h) => h[name]).filter((v) => v !== undefined);
      if (values.length) console.log(`  ${name.padEnd(44)} ${median(values).toFixed(3).padStart(7)}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
