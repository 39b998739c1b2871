// The whole OAuth install of a calling app, in real Chromium against a real callhost whose
// data lives in a directory, so that `callhost app create` runs beside `serve` as a developer
// would run it (and with `--token-ttl`, as a test of refreshing would). A backend on loopback plays the app's server: it builds the install URL with
// the official Node client (only its two HubSpot hosts changed), receives the redirect, and
// exchanges the code, calls the CRM, refreshes and reads the token's metadata with the same
// client. Then the app gets calling settings and shows in the provider switcher without a
// reinstall; a super admin uninstalls it on the Apps page; its token is refused and it leaves
// the switcher.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { launchChromium, openHost, until } from "./fixtures.js";
import { callhostBin, startCallhost } from "./serve.js";

const { Client } = createRequire(import.meta.url)("@hubspot/api-client");
const run = promisify(execFile);

let dir;
let server;
let browser;
let backend;
/** What the backend received on its redirect URL. */
const arrived = [];

/** The app's backend: its redirect URL answers a small page and records the query. */
async function startBackend() {
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/oauth/callback") {
      arrived.push(Object.fromEntries(url.searchParams));
      res.writeHead(200, { "content-type": "text/html" }).end("<p id=done>Connected.</p>");
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = /** @type {import("node:net").AddressInfo} */ (http.address());
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { http.closeAllConnections(); http.close(resolve); }),
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "callhost-oauth-"));
  server = await startCallhost({ storage: ["--data-dir", dir], flags: ["--token-ttl", "90s"] });
  backend = await startBackend();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await backend?.close();
  if (server) assert.equal(await server.stop(), 0, "callhost exits cleanly on SIGTERM");
  await rm(dir, { recursive: true, force: true });
});

test("install through OAuth, use and refresh the token, then uninstall: the token is refused and the app leaves the switcher", async () => {
  const { ready } = server;
  const redirectUri = `${backend.origin}/oauth/callback`;
  const name = "OAuth <b>Dialer</b>";
  // The developer creates the app while callhost serves the same data.
  const { stdout } = await run(callhostBin(), [
    "app", "create", "--data-dir", dir, "--name", name, "--redirect-url", redirectUri,
    "--scopes", "crm.objects.contacts.read crm.objects.contacts.write",
  ]);
  const app = JSON.parse(stdout);
  assert.ok(app.appId > 0 && app.clientId && app.clientSecret, stdout);

  // The backend, as written for HubSpot: only api.hubapi.com and app.hubspot.com change.
  const hubspot = new Client({ basePath: ready.apiUrl });
  const installUrl = new URL(hubspot.oauth.getAuthorizationUrl(app.clientId, redirectUri,
    "crm.objects.contacts.read crm.objects.contacts.write", undefined, "s t&a=te"));
  const url = new URL(installUrl.pathname + installUrl.search, ready.hostUrl);

  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url.href);
  assert.equal(await page.getByTestId("oauth-app-name").innerText(), name, "the app's name is text");
  assert.equal(await page.locator("[data-testid=oauth-app-name] b").count(), 0);
  assert.match(await page.getByTestId("oauth-scopes").innerText(), /crm\.objects\.contacts\.write/);
  await page.getByTestId("oauth-connect").click();
  await page.locator("#done").waitFor();
  assert.equal(arrived.length, 1);
  assert.equal(arrived[0].state, "s t&a=te", "state comes back untouched");

  // The backend exchanges the code, calls the CRM, refreshes, and reads the token's metadata.
  const tokens = await hubspot.oauth.tokensApi.create("authorization_code", arrived[0].code, redirectUri,
    app.clientId, app.clientSecret);
  assert.equal(tokens.tokenType, "bearer");
  assert.equal(tokens.expiresIn, 90, "--token-ttl sets the access tokens' lifetime");
  const crm = new Client({ basePath: ready.apiUrl, accessToken: tokens.accessToken });
  const contacts = await crm.crm.contacts.basicApi.getPage(10);
  assert.ok(contacts.results.some((c) => c.properties.firstname === "Ada"));
  const refreshed = await hubspot.oauth.tokensApi.create("refresh_token", undefined, undefined,
    app.clientId, app.clientSecret, tokens.refreshToken);
  assert.notEqual(refreshed.accessToken, tokens.accessToken);
  const info = await hubspot.oauth.accessTokensApi.get(refreshed.accessToken);
  assert.equal(info.hubId, ready.portalId);
  assert.equal(info.userId, ready.userId);
  assert.equal(info.appId, app.appId);
  assert.deepEqual(info.scopes, ["crm.objects.contacts.read", "crm.objects.contacts.write"]);
  assert.ok(info.expiresIn > 0 && info.expiresIn <= 90, String(info.expiresIn));
  const token = refreshed.accessToken;

  // Calling settings added after the install: the app shows in the switcher, no reinstall.
  const settings = await fetch(new URL(`/crm/v3/extensions/calling/${app.appId}/settings?hapikey=${ready.developerApiKey}`, ready.apiUrl), {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "OAuth Dialer", url: "https://widget.example.com/", isReady: true }),
  });
  assert.equal(settings.status, 200, await settings.text());
  const host = `${ready.hostUrl}/contacts/${ready.portalId}/objects/0-1/views/all/list`;
  const option = page.locator(`[data-testid=provider-option][data-app-id="${app.appId}"]`);
  await openHost(page, host);
  await page.getByTestId("open-widget").click();
  await option.first().waitFor();

  // The Apps page shows who is signed in and lists the install with its scopes.
  await page.getByTestId("nav-apps").click();
  assert.equal(await page.getByTestId("signed-in-user").innerText(), "developer@callhost.localhost");
  const row = page.locator(`[data-testid=app-row][data-app-id="${app.appId}"]`);
  await row.getByTestId("app-scopes").waitFor();
  assert.equal(await row.getByTestId("app-scopes").innerText(), "crm.objects.contacts.read crm.objects.contacts.write");
  page.once("dialog", (dialog) => dialog.accept());
  await row.getByTestId("uninstall-app").click();
  await row.waitFor({ state: "detached" });

  // The revoked token is refused; the app is gone from the switcher.
  await assert.rejects(crm.crm.contacts.basicApi.getPage(1), (err) => err.code === 401);
  const revoked = new Client({ basePath: ready.apiUrl, accessToken: token });
  await assert.rejects(revoked.crm.contacts.basicApi.getPage(1), (err) => err.code === 401);
  await openHost(page, host);
  await page.getByTestId("open-widget").click();
  await page.locator("[data-testid=provider-option]").first().waitFor();
  await until(async () => (await option.count()) === 0, "the uninstalled app leaves the switcher");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a user who is not a super admin is told why and cannot install", async () => {
  const { ready } = server;
  const { stdout: made } = await run(callhostBin(), ["user", "create", "--data-dir", dir, "--portal", String(ready.portalId), "--email", "agent@example.com"]);
  const agent = JSON.parse(made);
  assert.equal(agent.superAdmin, false);
  const { stdout } = await run(callhostBin(), [
    "app", "create", "--data-dir", dir, "--name", "Refused", "--redirect-url", `${backend.origin}/oauth/callback`,
    "--scopes", "crm.objects.contacts.read",
  ]);
  const app = JSON.parse(stdout);
  const page = await browser.newPage();
  // Switch to the agent on loopback, as a developer does on the Apps page; the switch lands
  // on the agent's contacts list, a navigation of its own.
  await openHost(page, `${ready.hostUrl}/settings/${ready.portalId}/apps`);
  const chooser = page.getByTestId("switch-user");
  await chooser.waitFor();
  await Promise.all([page.waitForURL(/objects\/0-1/), chooser.selectOption(`${ready.portalId}:${agent.userId}`)]);
  await openHost(page, `${ready.hostUrl}/settings/${ready.portalId}/apps`);
  await until(async () => (await page.getByTestId("signed-in-user").innerText()) === "agent@example.com", "signed in as the agent");
  const install = new URL("/oauth/authorize", ready.hostUrl);
  install.search = new URLSearchParams({ client_id: app.clientId, redirect_uri: `${backend.origin}/oauth/callback`, scope: "crm.objects.contacts.read" }).toString();
  const response = await page.goto(install.href);
  assert.equal(response?.status(), 403);
  assert.match(await page.getByTestId("oauth-error").innerText(), /Only super admins may install apps/);
  assert.equal(await page.getByTestId("oauth-connect").count(), 0);
  // The Apps page says why there is no Uninstall.
  await openHost(page, `${ready.hostUrl}/settings/${ready.portalId}/apps`);
  await page.getByTestId("install-permission").waitFor();
  assert.equal(await page.getByTestId("uninstall-app").count(), 0);
  await page.close();
});

test("in development, the Apps page creates an app whose install URL shows the consent page", async () => {
  const { ready } = server;
  const page = await browser.newPage();
  await openHost(page, `${ready.hostUrl}/settings/${ready.portalId}/apps`);
  // A new page is a new browser context: signed in as the development user again.
  assert.equal(await page.getByTestId("switch-user").inputValue(), `${ready.portalId}:${ready.userId}`);
  await page.getByTestId("create-app-name").fill("Made <here>");
  await page.getByTestId("create-app-redirects").fill(`${backend.origin}/oauth/callback`);
  await page.getByTestId("create-app-scopes").fill("crm.objects.contacts.read");
  await page.getByTestId("create-app-submit").click();
  const created = page.getByTestId("created-app");
  await created.waitFor();
  const clientId = await created.getAttribute("data-client-id");
  assert.match(await page.getByTestId("created-app-secret").innerText(), /^[0-9a-f-]{36}$/);
  const install = new URL("/oauth/authorize", ready.hostUrl);
  install.search = new URLSearchParams({ client_id: clientId ?? "", redirect_uri: `${backend.origin}/oauth/callback`, scope: "crm.objects.contacts.read" }).toString();
  await page.goto(install.href);
  assert.equal(await page.getByTestId("oauth-app-name").innerText(), "Made <here>");
  await page.getByTestId("oauth-cancel").click();
  await page.locator("#done").waitFor();
  assert.equal(arrived.at(-1)?.error, "access_denied");
  await page.close();
});
