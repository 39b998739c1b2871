// Two `callhost serve` processes on one fresh PostgreSQL database behave as one host
// (docs/design.md#several-instances), in real Chromium: a tiny reverse proxy in front of both
// (one origin, so the session cookie and the WebSocket's Origin check hold; each request goes
// to the instance the test routes it to, WebSocket upgrades included) serves a record page from
// instance 1 and the calling window of an official-SDK app from instance 2. The call made in
// the window reaches the record page on the other instance (its calling remote rings, its
// timeline shows the call), and the window reloaded onto instance 1 resumes its session with
// the call. Without a reachable PostgreSQL the test is skipped, unless CI is set.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { appFrame, events, launchChromium, newAppId, openHost, remoteFrame, restClient, startAppServer } from "./fixtures.js";
import { startCallhost } from "./serve.js";

const PG = process.env.CALLHOST_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const pg = new URL(PG);
const database = `callhost_multi_${process.pid}`;
const pgArgs = ["-h", pg.hostname, "-p", pg.port || "5432", "-U", pg.username || "postgres"];

/** Creates the test's database; false when no PostgreSQL is reachable. */
function createDatabase() {
  try {
    execFileSync("createdb", [...pgArgs, database], { stdio: "pipe" });
    return true;
  } catch (err) {
    if (process.env.CI) throw new Error(`CI: PostgreSQL is required for this test: ${err}`);
    return false;
  }
}

const reachable = createDatabase();
let proxy;
let route = 0;
const instances = [];
let apps;
let browser;
let dir;

/** A reverse proxy on loopback that sends each request, upgrades included, to `instances[route]`. */
async function startProxy() {
  const target = () => new URL(instances[route].ready.hostUrl);
  const server = createServer((req, res) => {
    const { hostname, port } = target();
    const upstream = request({ hostname, port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on("upgrade", (req, socket, head) => {
    const { hostname, port } = target();
    const upstream = connect(Number(port), hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

before(async () => {
  if (!reachable) return;
  proxy = await startProxy();
  const origin = `localhost:${proxy.address().port}`;
  dir = mkdtempSync(join(tmpdir(), "callhost-multi-"));
  const url = new URL(PG);
  url.pathname = `/${database}`;
  for (let i = 0; i < 2; i += 1) {
    // One after the other: the first seeds the database, the second finds the seed.
    instances.push(await startCallhost({ storage: ["--database-url", url.href, "--data-dir", dir], flags: ["--allowed-host", origin] }));
  }
  apps = await startAppServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await apps?.close();
  for (const instance of instances) await instance.stop();
  proxy?.closeAllConnections();
  proxy?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (reachable) execFileSync("dropdb", [...pgArgs, "--if-exists", database], { stdio: "pipe" });
});

test("the calling window on one instance reaches the record page on the other, and a reload onto the other resumes it", { skip: !reachable && "no PostgreSQL reachable (set CALLHOST_TEST_DATABASE_URL)" }, async () => {
  const { ready } = instances[0];
  const rest = restClient(ready);
  const appId = newAppId();
  await rest.registerApp(appId, { name: "Windowed", url: `${apps.origin}/umd.html`, supportsInboundCalling: true, usesCallingWindow: true });
  const ada = await rest.contactNamed("Ada");
  const host = `http://localhost:${proxy.address().port}`;
  const context = await browser.newContext();
  // Behind a proxy nobody is signed in automatically: the development user's token is the cookie.
  await context.addCookies([{ name: "callhost_session", value: ready.accessToken, url: host }]);

  route = 0;
  const record = await context.newPage();
  await openHost(record, `${host}/contacts/${ready.portalId}/record/0-1/${ada.id}`);
  await events(await remoteFrame(record, apps.origin), "onReady");

  route = 1;
  const popup = await context.newPage();
  await openHost(popup, `${host}/calling-integration-popup-ui/${ready.portalId}`);
  const win = await appFrame(popup, apps.origin);
  await events(win, "onReady");
  await popup.locator('[data-testid=app-status][data-logged-in="true"]').waitFor();

  const externalCallId = `multi-${Date.now()}`;
  await win.evaluate((data) => window.cti.incomingCall(data), { externalCallId, fromNumber: "+16175550123", toNumber: "+15555550100", createEngagement: true });
  const [created] = await events(win, "onCreateEngagementSucceeded");
  const engagementId = created.data.engagementId;
  // On instance 1: the remote rings with the window's call, and the timeline shows it.
  await record.locator(`[data-testid=incoming-call][data-external-call-id="${externalCallId}"]`).waitFor({ timeout: 10_000 });
  await win.evaluate((id) => window.cti.callAnswered({ externalCallId: id }), externalCallId);
  await record.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"]`).waitFor({ timeout: 10_000 });

  // The window reloads and its socket lands on instance 1: the session resumes with the call.
  route = 0;
  await popup.reload();
  await popup.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
  await popup.locator(`[data-testid=calling-widget][data-call-state=IN_PROGRESS]`).waitFor({ timeout: 10_000 });
  await context.close();
});
