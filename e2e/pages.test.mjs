// The host as a person meets it, in Chromium: the widget and the inspector panel dock beside
// the page, which reflows instead of being covered; the keyboard follows the widget (into it
// when it opens, onto the chosen app, back when it closes) and the call's state is a live
// region; the calling window puts the call in the middle; a wrong portal, an unknown path or
// a missing record says so in words to a browser (and in HubSpot's JSON to an API client);
// an app that does not load is explained within seconds; the developer settings panel writes
// the documented LocalSettings:Calling:* keys.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import { newAppId, openHost, recordUrl, useCallhost } from "./fixtures.js";

const env = useCallhost();

/** Opens Ada's record at `width`, clicks Call and chooses the demo app. */
async function dialAda(width, height = 900) {
  const { ready, rest, browser } = env;
  const ada = await rest.contactNamed("Ada");
  const page = await browser.newPage({ viewport: { width, height } });
  await openHost(page, recordUrl(ready, "0-1", ada.id));
  const call = page.locator('[data-testid=call-button][data-phone="617.555.0123"]');
  await call.click();
  return { page, call };
}

test("the widget and the inspector panel dock beside the page: nothing of the record is covered, and a narrow screen never scrolls sideways", async () => {
  const { page } = await dialAda(1440);
  await page.locator("[data-testid=provider-option]").first().click();
  await page.locator('[data-testid=app-status][data-logged-in="true"]').waitFor({ timeout: 15_000 });
  await page.getByTestId("widget-inspect").click();
  await page.getByTestId("inspector-panel").waitFor();
  const box = (selector) => page.locator(selector).first().boundingBox();
  const [main, widget, panel] = await Promise.all([box("main"), box("[data-testid=calling-widget]"), box("[data-testid=inspector-panel]")]);
  assert.ok(main.x + main.width <= panel.x + 1, `page ${JSON.stringify(main)} ends before the panel ${JSON.stringify(panel)}`);
  assert.ok(panel.x + panel.width <= widget.x + 1, "the panel is left of the widget");
  // Every property row and Call button can be clicked: nothing lies over them.
  const covered = await page.$$eval(".properties dd, .call-button", (nodes) => nodes.filter((n) => {
    const r = n.getBoundingClientRect();
    const top = document.elementFromPoint(r.x + Math.min(5, r.width / 2), r.y + r.height / 2);
    return !(top && (n === top || n.contains(top)));
  }).length);
  assert.equal(covered, 0);
  // Closing the widget closes the panel with it; the page takes the width back.
  await page.getByTestId("widget-close").click();
  await page.getByTestId("calling-widget").waitFor({ state: "hidden" });
  assert.equal(await page.getByTestId("inspector-panel").isVisible(), false);
  const wide = await box("main");
  assert.ok(wide.width > main.width + 300, `${wide.width} vs ${main.width}`);
  await page.close();

  const narrow = await dialAda(375, 800);
  await narrow.page.locator("[data-testid=provider-option]").first().click();
  await narrow.page.locator('[data-testid=app-status][data-logged-in="true"]').waitFor({ timeout: 15_000 });
  const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${overflow} px of sideways scroll at 375 px`);
  const sheet = await narrow.page.getByTestId("calling-widget").boundingBox();
  assert.ok(sheet.x >= 0 && sheet.x + sheet.width <= 375 + 1, JSON.stringify(sheet));
  await narrow.page.close();
});

test("focus follows the widget: into it when a Call opens it, onto the chosen app, back to the Call button when it closes; the call's state is announced", async () => {
  const { page, call } = await dialAda(1440);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "calling-widget");
  await page.keyboard.press("Tab");
  // The first provider option is reachable by keyboard and choosing it keeps focus on it.
  const option = page.locator("[data-testid=provider-option]").first();
  await option.focus();
  await page.keyboard.press("Enter");
  await page.locator('[data-testid=provider-option][aria-selected="true"]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-selected")), "true");
  assert.equal(await page.getByTestId("call-state").getAttribute("aria-live"), "polite");
  assert.equal(await page.getByTestId("call-state").getAttribute("role"), "status");
  await page.getByTestId("widget-close").focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("calling-widget").waitFor({ state: "hidden" });
  assert.equal(await call.evaluate((button) => button === document.activeElement), true, "focus is back on the Call button");
  await page.close();
});

test("the calling window puts the call in the middle, with the app loaded and no CRM navigation", async () => {
  const { ready, browser } = env;
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await openHost(page, `${ready.hostUrl}/calling-integration-popup-ui/${ready.portalId}`);
  const widget = page.getByTestId("calling-widget");
  await widget.waitFor();
  const box = await widget.boundingBox();
  assert.ok(Math.abs(box.x + box.width / 2 - 720) < 10, `centred: ${JSON.stringify(box)}`);
  // The portal's one ready app is loaded without asking.
  await page.locator('[data-testid=app-status][data-logged-in="true"]').waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId("open-widget").isVisible(), false);
  assert.equal(await page.getByTestId("nav-helpdesk").isVisible(), false);
  await page.close();
});

test("a wrong portal, an unknown path and a missing record say what happened to a browser; API clients keep HubSpot's JSON", async () => {
  const { ready, browser, rest } = env;
  const page = await browser.newPage();
  const wrong = `/contacts/${ready.portalId + 1}/objects/0-1/views/all/list`;
  const response = await page.goto(ready.hostUrl + wrong);
  assert.equal(response.status(), 404);
  assert.match(response.headers()["content-type"], /text\/html/);
  assert.match(await page.getByTestId("not-found-message").innerText(), new RegExp(`signed in to portal ${ready.portalId}`));
  await page.getByTestId("not-found-same-page").click();
  await page.locator("body[data-ready=true]").waitFor();
  assert.equal(new URL(page.url()).pathname, `/contacts/${ready.portalId}/objects/0-1/views/all/list`);

  const unknown = await page.goto(`${ready.hostUrl}/no/such/<page>`);
  assert.equal(unknown.status(), 404);
  assert.match(await page.getByTestId("not-found-message").innerText(), /No route matches GET \/no\/such\/%3Cpage%3E/);
  assert.equal(await page.locator(`a[href="/contacts/${ready.portalId}/objects/0-1/views/all/list"]`).count(), 1);

  for (const path of [wrong, "/no/such/page"]) {
    const api = await fetch(ready.hostUrl + path, { headers: { accept: "application/json" } });
    assert.equal(api.status, 404);
    const body = await api.json();
    assert.equal(body.category, "OBJECT_NOT_FOUND", JSON.stringify(body));
    assert.equal(typeof body.correlationId, "string");
  }

  const ada = await rest.contactNamed("Ada");
  await openHost(page, recordUrl(ready, "0-1", Number(ada.id) + 999_999));
  const message = await page.getByTestId("page-error").innerText();
  assert.match(message, /There is no contact with ID \d+ in this portal/);
  assert.doesNotMatch(message, /crm\/v3/);
  await page.close();
});

test("an app that does not load is explained within seconds (refused, X-Frame-Options) and the 30 s failure says why", async () => {
  const { ready, rest, browser } = env;
  // A page that forbids framing, and a port where nothing listens.
  const framed = createServer((request, response) => {
    response.writeHead(200, { "content-type": "text/html", "x-frame-options": "DENY" });
    response.end("<!doctype html><title>no framing</title>");
  });
  await new Promise((resolve) => framed.listen(0, "127.0.0.1", resolve));
  const closed = createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const deadPort = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
  const denied = { appId: newAppId(), name: "Framing denied app" };
  const dead = { appId: newAppId(), name: "Unreachable app" };
  await rest.registerApp(denied.appId, { name: denied.name, url: `http://127.0.0.1:${framed.address().port}/` });
  await rest.registerApp(dead.appId, { name: dead.name, url: `http://127.0.0.1:${deadPort}/` });
  try {
    const ada = await rest.contactNamed("Ada");
    for (const [app, expected] of [[denied, /X-Frame-Options: DENY/], [dead, /could not reach|refused/i]]) {
      const page = await browser.newPage();
      await openHost(page, recordUrl(ready, "0-1", ada.id));
      await page.getByTestId("open-widget").click();
      const started = Date.now();
      await page.locator(`[data-testid=provider-option][data-app-id="${app.appId}"]`).click();
      const slow = page.getByTestId("load-slow");
      await slow.filter({ hasText: expected }).waitFor({ timeout: 15_000 });
      assert.ok(Date.now() - started < 15_000);
      assert.match(await slow.innerText(), /keeps waiting until 30 s/);
      assert.match(await slow.innerText(), new RegExp(`127\\.0\\.0\\.1`));
      await page.close();
    }
  } finally {
    framed.close();
  }
});

test("the developer settings panel writes the documented LocalSettings:Calling:* keys, refuses bad JSON, and removes what is turned off", async () => {
  const { ready, rest, browser } = env;
  const ada = await rest.contactNamed("Ada");
  const page = await browser.newPage();
  await openHost(page, recordUrl(ready, "0-1", ada.id));
  await page.getByTestId("open-dev-settings").click();
  const dialog = page.getByTestId("dev-settings");
  await dialog.waitFor();
  await page.getByTestId("dev-inbound").check();
  await page.getByTestId("dev-demo-widget").selectOption("local");
  await page.getByTestId("dev-override").fill("{not json");
  await page.getByTestId("dev-save").click();
  assert.match(await page.getByTestId("dev-error").innerText(), /not JSON/);
  assert.equal(await page.evaluate(() => localStorage.getItem("LocalSettings:Calling:supportsInboundCalling")), null, "nothing saved");

  const override = JSON.stringify({ name: "Panel app", url: "https://localhost:9443/" });
  await page.getByTestId("dev-override").fill(override);
  await Promise.all([page.waitForEvent("load"), page.getByTestId("dev-save").click()]);
  await page.locator("body[data-ready=true]").waitFor();
  assert.deepEqual(await page.evaluate(() => [
    localStorage.getItem("LocalSettings:Calling:supportsInboundCalling"),
    localStorage.getItem("LocalSettings:Calling:installDemoWidget"),
    localStorage.getItem("LocalSettings:Calling:CallingExtensions"),
    localStorage.getItem("LocalSettings:Calling:supportsChannelConnection"),
  ]), ["true", "local", override, null]);
  // The providers follow the overrides: the panel's app and Demo App Local are offered.
  await page.getByTestId("open-widget").click();
  await page.locator("[data-testid=provider-option][data-provider=override]").filter({ hasText: "Panel app" }).waitFor();
  await page.locator("[data-testid=provider-option][data-provider=demo-local]").waitFor();

  // The panel shows what is set; turning things off removes the keys.
  await page.getByTestId("open-dev-settings").click();
  assert.equal(await page.getByTestId("dev-inbound").isChecked(), true);
  assert.equal(await page.getByTestId("dev-override").inputValue(), override);
  await page.getByTestId("dev-inbound").uncheck();
  await page.getByTestId("dev-demo-widget").selectOption("");
  await page.getByTestId("dev-override").fill("");
  await Promise.all([page.waitForEvent("load"), page.getByTestId("dev-save").click()]);
  await page.locator("body[data-ready=true]").waitFor();
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("LocalSettings:"))), []);
  await page.close();
});
