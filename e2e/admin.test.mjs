// The apps settings page (`/settings/{portalId}/apps`) in real Chromium against a real
// callhost: the installed apps by name (as text), "Show client secret", and "Rotate" behind a
// confirmation. The secret shown is the one callhost signs webhooks with: a receiver on
// loopback checks the channel-connection webhook's signatures with the official Node client's
// `Signature` helper, before and after the rotation.
import assert from "node:assert/strict";
import { test } from "node:test";
import { newAppId, openHost, useCallhost } from "./fixtures.js";
import { startWebhookReceiver, verify } from "./webhooks.js";

let server;
let browser;
let rest;
let receiver;
const app = { appId: newAppId(), name: 'Secrets <img src=x onerror="window.pwned=1"> app' };

useCallhost({}, async (env) => {
  ({ server, browser, rest } = env);
  receiver = await startWebhookReceiver();
  env.onClose(() => receiver.close());
  receiver.answer = () => ({ body: { phoneNumbers: [{ e164PhoneNumber: "+18005550100", friendlyName: "Main" }] } });
  await rest.registerApp(app.appId, { name: app.name, url: "https://widget.example.com/" });
  const hook = `/crm/v3/extensions/calling/${app.appId}/settings/channel-connection?hapikey=${server.ready.developerApiKey}`;
  const made = await fetch(new URL(hook, server.ready.apiUrl), {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: `${receiver.url}/numbers`, isReady: true }),
  });
  assert.equal(made.status, 200, await made.text());
});

/** Makes callhost send the app's webhook (as the help desk does) and returns what arrived. */
async function webhookFrom(page) {
  const before = receiver.seen.length;
  const body = await page.evaluate((appId) => fetch(`/host/api/channels/${appId}/numbers`).then((r) => r.json()), app.appId);
  assert.equal(receiver.seen.length, before + 1, "one webhook per request");
  return { body, request: receiver.seen.at(-1) };
}

test("the apps page shows the secret callhost signs with, and a confirmed rotation replaces it", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await openHost(page, `${server.ready.hostUrl}/contacts/${server.ready.portalId}/objects/0-1/views/all/list`);
  await page.getByTestId("nav-apps").click();
  const row = page.locator(`[data-testid=app-row][data-app-id="${app.appId}"]`);
  await row.waitFor();
  assert.equal(new URL(page.url()).pathname, `/settings/${server.ready.portalId}/apps`);
  // The app's name is text, not markup.
  assert.equal(await row.locator("[data-field=name]").innerText(), app.name);
  assert.equal(await row.locator("img").count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);

  const secret = row.getByTestId("client-secret");
  assert.equal(await secret.isVisible(), false, "hidden until asked for");
  await row.getByTestId("show-secret").click();
  await secret.waitFor();
  const shown = (await secret.innerText()).trim();
  assert.match(shown, /^[0-9a-f-]{36}$/);

  receiver.secret = shown;
  const first = await webhookFrom(page);
  assert.deepEqual(first.request.verified, { v3: true, v2: true }, "the shown secret verifies callhost's signatures");
  assert.equal(first.body.numbers[0].e164PhoneNumber, "+18005550100");

  // Rotate, but cancel the confirmation: nothing changes.
  const prompts = [];
  const dismissed = new Promise((resolve) => page.once("dialog", (dialog) => {
    prompts.push(dialog.message());
    dialog.dismiss().then(resolve);
  }));
  await row.getByTestId("rotate-secret").click();
  await dismissed;
  assert.equal(prompts.length, 1);
  assert.match(prompts[0], /stops working/);
  assert.equal((await secret.innerText()).trim(), shown);
  assert.deepEqual((await webhookFrom(page)).request.verified, { v3: true, v2: true });

  // Confirmed: a new secret, shown at once.
  page.once("dialog", (dialog) => dialog.accept());
  await row.getByTestId("rotate-secret").click();
  await page.waitForFunction(([appId, old]) => {
    const text = document.querySelector(`[data-testid=app-row][data-app-id="${appId}"] [data-testid=client-secret]`)?.textContent?.trim();
    return text && text !== old;
  }, [app.appId, shown]);
  const rotated = (await secret.innerText()).trim();
  assert.notEqual(rotated, shown);

  // The next webhook no longer verifies with the old secret, and does with the new one.
  const after = await webhookFrom(page);
  assert.deepEqual(verify(after.request, shown), { v3: false, v2: false });
  assert.deepEqual(verify(after.request, rotated), { v3: true, v2: true });

  // A reload shows the rotated secret, read again from callhost.
  await page.reload();
  await page.locator("body[data-ready=true]").waitFor();
  await row.getByTestId("show-secret").click();
  await secret.waitFor();
  assert.equal((await secret.innerText()).trim(), rotated);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the admin API: 404 for an app not installed, and never cached", async () => {
  const page = await browser.newPage();
  await openHost(page, `${server.ready.hostUrl}/settings/${server.ready.portalId}/apps`);
  const answers = await page.evaluate(async (appId) => {
    const read = async (r) => ({ status: r.status, cache: r.headers.get("cache-control"), body: await r.json() });
    return {
      mine: await read(await fetch(`/host/api/apps/${appId}/secret`)),
      missing: await read(await fetch("/host/api/apps/1/secret")),
      rotateMissing: await read(await fetch("/host/api/apps/1/secret/rotate", { method: "POST" })),
    };
  }, app.appId);
  assert.equal(answers.mine.status, 200);
  assert.equal(answers.mine.cache, "no-store");
  assert.equal(answers.mine.body.appId, app.appId);
  assert.equal(answers.missing.status, 404);
  assert.equal(answers.missing.body.category, "OBJECT_NOT_FOUND");
  assert.equal(answers.rotateMissing.status, 404);
  await page.close();
});
