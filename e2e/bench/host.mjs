// Benchmark: the host's handshake and its OUTGOING_CALL_STARTED → CREATE_ENGAGEMENT_SUCCEEDED
// time, in headless Chromium, for callhost (a real `callhost serve`, the call stored in the
// CRM) and, measured in the same run as the baseline, for a host built on the official SDK's
// own host mode (which stores nothing). Both use the same app on the official SDK, served
// from another loopback origin. Prints medians and the ratio; it is not a test.
//
//   cargo build --release -p callhost && CALLHOST_BIN=target/release/callhost node e2e/bench/host.mjs [runs]
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../fixtures.js";
import { startCallhost } from "../serve.js";

const RUNS = Number(process.argv[2] || 15);
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

/** Handshake (app script start → READY) and CALLS call round trips in the app `frame`. */
async function measure(frame) {
  await frame.waitForFunction(() => window.bench && window.bench.ready !== null, null, { timeout: 15_000 });
  const handshake = await frame.evaluate(() => window.bench.ready - window.bench.start);
  await frame.waitForTimeout(50);
  const calls = [];
  for (let i = 0; i < CALLS; i++) calls.push(await frame.evaluate(() => window.measureCall()));
  return { handshake, call: median(calls) };
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
    await page.goto(`${ready.hostUrl}/contacts/${ready.portalId}/objects/0-1/views/all/list`);
    await page.getByTestId("open-widget").click();
    await page.locator(`[data-testid=provider-option][data-app-id="${appId}"]`).first().click();
    results.callhost.push(await measure(await appFrame(page, apps.origin)));
    await page.close();

    const baseline = await browser.newPage();
    await baseline.goto(`${officialHost.origin}/official-host.html?app=${encodeURIComponent(appUrl)}`);
    results.official.push(await measure(await appFrame(baseline, apps.origin)));
    await baseline.close();
  }
  await browser.close();
  apps.close();
  officialHost.close();
  await server.stop();

  const row = (name, key) => {
    const ours = median(results.callhost.map((r) => r[key]));
    const theirs = median(results.official.map((r) => r[key]));
    console.log(`${name.padEnd(52)} callhost ${ours.toFixed(2).padStart(7)} ms   official host mode ${theirs.toFixed(2).padStart(7)} ms   ratio ${(ours / theirs).toFixed(2)}`);
  };
  console.log(`${RUNS} runs, ${CALLS} calls per run; medians`);
  row("handshake (app script start to READY)", "handshake");
  row("OUTGOING_CALL_STARTED to CREATE_ENGAGEMENT_SUCCEEDED", "call");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
