// The help desk in real Chromium against a real callhost (issue 7): Help desk → Channels →
// Connect a phone number, with the app's channel-connection webhook answered by a receiver on
// loopback that verifies callhost's v3 and v2 signatures with the official Node client's
// `Signature` helper; then a call into a connected number, from an app on the OFFICIAL SDK
// on another origin, ending in a finalized ticket on the page, on the ticket's record page and
// in the REST API.
import assert from "node:assert/strict";
import { test } from "node:test";
import { events, newAppId, openHost, remoteFrame, useCallhost } from "./fixtures.js";
import { hostCookie, startWebhookReceiver } from "./webhooks.js";

const OVERRIDE = "LocalSettings:Calling:supportsChannelConnection";
const LONG_NAME = "Customer support, Europe 24/7"; // 29 characters; the page shows the first 24
const NUMBERS = [
  { e164PhoneNumber: "+18005550100", friendlyName: "Main line" },
  { e164PhoneNumber: "+18005550101", friendlyName: `${LONG_NAME}!` },
  { e164PhoneNumber: "0800 555 0102", friendlyName: "Old format" },
  { e164PhoneNumber: "+18005550103", extension: "12", friendlyName: "Desk 12" },
  { e164PhoneNumber: "+18005550104", friendlyName: "Overflow" },
];

let server;
let apps;
let browser;
let rest;
let receiver;
const desk = { appId: newAppId(), name: "Desk <b>phone</b>" };
const plain = { appId: newAppId(), name: "Plain dialer" };

/** POST/PATCH the channel-connection settings of an app with the developer API key. */
async function channelConnection(method, appId, body) {
  const url = new URL(`/crm/v3/extensions/calling/${appId}/settings/channel-connection`, server.ready.apiUrl);
  url.searchParams.set("hapikey", server.ready.developerApiKey);
  const response = await fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
}

useCallhost({ apps: true }, async (env) => {
  ({ server, apps, browser, rest } = env);
  receiver = await startWebhookReceiver();
  env.onClose(() => receiver.close());
  receiver.answer = () => ({ body: { phoneNumbers: NUMBERS } });
  await rest.registerApp(desk.appId, { name: desk.name, url: `${apps.origin}/helpdesk.html`, supportsInboundCalling: true, usesCallingWindow: false });
  await rest.registerApp(plain.appId, { name: plain.name, url: `${apps.origin}/helpdesk.html` });
  // The app's backend learns its client secret from the admin API.
  const secret = await fetch(`${server.ready.hostUrl}/host/api/apps/${desk.appId}/secret`, { headers: { cookie: await hostCookie(server.ready) } });
  assert.equal(secret.status, 200);
  receiver.secret = (await secret.json()).clientSecret;
  const registered = await channelConnection("POST", desk.appId, { url: `${receiver.url}/numbers?source=e2e`, isReady: false });
  assert.equal(registered.isReady, false);
});

const helpDeskUrl = () => `${server.ready.hostUrl}/help-desk/${server.ready.portalId}`;
const appButton = (page, app) => page.locator(`[data-testid=helpdesk-app][data-app-id="${app.appId}"]`);
const option = (page, number) => page.locator(`[data-testid=number-option][data-number="${number}"]`);
const inbox = (page, name) => page.locator("[data-testid=inbox]").filter({ has: page.locator(`h3:text-is("${name}")`) });

test("connect flow: greyed app until the override, signed webhook, numbers with their reasons, two connected, refusals connect nothing", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await openHost(page, `${server.ready.hostUrl}/contacts/${server.ready.portalId}/objects/0-1/views/all/list`);
  await page.getByTestId("nav-helpdesk").click();
  await page.locator("[data-testid=inbox]").first().waitFor();
  assert.equal(new URL(page.url()).pathname, `/help-desk/${server.ready.portalId}`);

  // isReady false and no override: greyed out, with why; choosing it asks nothing.
  await page.getByTestId("connect-number").click();
  await appButton(page, desk).waitFor();
  assert.equal(await appButton(page, desk).getAttribute("aria-disabled"), "true");
  assert.equal(await appButton(page, desk).innerText(), desk.name, "the app's name is text");
  assert.match(await page.locator("li", { has: appButton(page, desk) }).getByTestId("app-reason").innerText(), /isReady false/);
  assert.equal(await appButton(page, plain).getAttribute("aria-disabled"), "true");
  assert.match(await page.locator("li", { has: appButton(page, plain) }).getByTestId("app-reason").innerText(), /no channel-connection settings/);
  await appButton(page, desk).click({ force: true }); // greyed: the click must do nothing
  // A bounded wait, kept on purpose: a click that does nothing announces nothing to wait for,
  // and the page's next step (a reload) would cancel what the click might have started.
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId("number-option").count(), 0);
  assert.equal(receiver.seen.length, 0, "nothing was sent for a greyed-out app");

  // The in-browser override makes it selectable.
  await page.evaluate((key) => localStorage.setItem(key, "true"), OVERRIDE);
  await page.reload();
  await page.locator("body[data-ready=true]").waitFor();
  await page.getByTestId("connect-number").click();
  await appButton(page, desk).waitFor();
  assert.equal(await appButton(page, desk).getAttribute("aria-disabled"), "false");
  assert.equal(await appButton(page, plain).getAttribute("aria-disabled"), "true", "no settings stays greyed");
  await appButton(page, desk).click();
  await page.getByTestId("number-option").nth(4).waitFor();

  // The webhook: POSTed with the three ids, signed v3 and v2 (the receiver refuses otherwise).
  const [hook] = receiver.seen;
  assert.equal(hook.method, "POST");
  assert.deepEqual(hook.verified, { v3: true, v2: true });
  assert.deepEqual(JSON.parse(hook.body), { appId: desk.appId, portalId: server.ready.portalId, userId: server.ready.userId });

  // Each number with its friendly name (cut to 24) and, when not selectable, why.
  assert.equal(await option(page, "+18005550100").getAttribute("data-selectable"), "true");
  assert.equal(await option(page, "+18005550101").locator("[data-field=friendly-name]").innerText(), LONG_NAME.slice(0, 24));
  assert.equal(await option(page, "0800 555 0102").getAttribute("data-selectable"), "false");
  assert.match(await option(page, "0800 555 0102").getByTestId("number-reason").innerText(), /not an E\.164 number/);
  assert.equal(await option(page, "0800 555 0102").getByTestId("number-check").isDisabled(), true);
  assert.equal(await option(page, "+18005550103").getAttribute("data-selectable"), "false");
  assert.match(await option(page, "+18005550103").getByTestId("number-reason").innerText(), /extension/);
  assert.equal(await option(page, "+18005550103").getByTestId("number-check").isDisabled(), true);

  // A new inbox; a duplicate name is refused with the reason.
  await page.getByTestId("inbox-name").fill("Billing");
  await page.getByTestId("create-inbox").click();
  await inbox(page, "Billing").waitFor();
  await page.getByTestId("inbox-name").fill("Billing");
  await page.getByTestId("create-inbox").click();
  await page.getByTestId("inbox-error").filter({ hasText: /\S/ }).waitFor();
  assert.equal(await inbox(page, "Billing").count(), 1);

  // Connect two numbers to Billing.
  await option(page, "+18005550100").getByTestId("number-check").check();
  await option(page, "+18005550101").getByTestId("number-check").check();
  await page.getByTestId("connect-inbox").selectOption({ label: "Billing" });
  await page.getByTestId("connect-submit").click();
  await page.getByTestId("connect-result").filter({ hasText: "Connected 2 numbers" }).waitFor();
  const billing = inbox(page, "Billing");
  await billing.getByTestId("inbox-channel").nth(1).waitFor();
  assert.deepEqual((await billing.getByTestId("inbox-channel").evaluateAll((els) => els.map((e) => e.dataset.number))).sort(), ["+18005550100", "+18005550101"]);
  assert.equal(receiver.seen.length, 2, "connecting asked the webhook again");
  assert.deepEqual(receiver.seen[1].verified, { v3: true, v2: true });

  const channelsNow = () => page.evaluate(() => fetch("/host/api/helpdesk/inboxes").then((r) => r.json()))
    .then((b) => b.inboxes.flatMap((i) => i.channels.map((c) => c.e164PhoneNumber)).sort());
  assert.deepEqual(await channelsNow(), ["+18005550100", "+18005550101"]);

  // One number already connected: refused for that number, and the other is not connected.
  await option(page, "+18005550100").getByTestId("number-check").check();
  await option(page, "+18005550101").getByTestId("number-check").uncheck();
  await option(page, "+18005550104").getByTestId("number-check").check();
  await page.getByTestId("connect-submit").click();
  await page.getByTestId("connect-error").filter({ hasText: "Nothing was connected" }).waitFor();
  assert.match(await option(page, "+18005550100").getByTestId("number-error").innerText(), /\S/);
  assert.equal(await option(page, "+18005550104").getByTestId("number-error").innerText(), "");
  assert.deepEqual(await channelsNow(), ["+18005550100", "+18005550101"]);

  // The webhook now fails: the admin reads why, and nothing is connected.
  receiver.answer = () => ({ status: 500, body: { message: "numbers are down" } });
  await option(page, "+18005550100").getByTestId("number-check").uncheck();
  await page.getByTestId("connect-submit").click();
  await page.getByTestId("connect-error").filter({ hasText: /500/ }).waitFor();
  assert.match(await page.getByTestId("connect-error").innerText(), /Nothing was connected/);
  assert.deepEqual(await channelsNow(), ["+18005550100", "+18005550101"]);

  // Choosing the app again shows the webhook's failure as a readable error.
  await appButton(page, desk).click();
  await page.getByTestId("numbers-error").waitFor();
  assert.match(await page.getByTestId("numbers-error").innerText(), /500/);
  receiver.answer = () => ({ body: { phoneNumbers: NUMBERS } });

  // Disconnect the second number.
  await billing.locator('[data-testid=inbox-channel][data-number="+18005550101"]').getByTestId("disconnect-channel").click();
  await billing.locator('[data-testid=inbox-channel][data-number="+18005550101"]').waitFor({ state: "detached" });
  assert.deepEqual(await channelsNow(), ["+18005550100"]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a call into a connected number ends in a finalized ticket for Ada; PUBLISH_TO_CHANNEL succeeds too", async () => {
  const ada = await rest.contactNamed("Ada");
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await openHost(page, helpDeskUrl());
  // The connect flow has its own test: here an inbox and a connected number through the API.
  const setup = await page.evaluate(async (appId) => {
    const post = (path, body) => fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(async (r) => ({ status: r.status, body: await r.json() }));
    const made = await post("/host/api/helpdesk/inboxes", { name: "Calls" });
    const connected = await post("/host/api/helpdesk/channels", { inboxId: made.body.id, appId, numbers: ["+18005550104"], override: true });
    return { made, connected };
  }, desk.appId);
  assert.equal(setup.made.status, 201, JSON.stringify(setup.made.body));
  assert.equal(setup.connected.status, 201, JSON.stringify(setup.connected.body));
  await page.reload();
  await page.locator("body[data-ready=true]").waitFor();
  await page.getByTestId("tickets-inbox").selectOption({ label: "Calls" });
  const frame = await remoteFrame(page, apps.origin);
  await events(frame, "onReady");

  const externalCallId = `helpdesk-${Date.now()}`;
  const engagementId = await frame.evaluate((id) => window.takeCall({ externalCallId: id, fromNumber: "617.555.0123", toNumber: "+18005550104" }), externalCallId);
  const [finalized] = await events(frame, "onFinalizeEngagementSucceeded");
  assert.equal(String(finalized.data.engagementId), String(engagementId));
  assert.deepEqual(await frame.evaluate(() => window.events.filter((e) => e.handler === "onFinalizeEngagementFailed")), []);

  // The page (refreshing while open) shows the ticket for Ada with the finalized call.
  const call = page.locator(`[data-testid=ticket-call][data-engagement-id="${engagementId}"]`);
  await call.waitFor({ timeout: 10_000 });
  const ticket = page.locator("[data-testid=ticket]", { has: call });
  await page.locator(`[data-testid=ticket-call][data-engagement-id="${engagementId}"][data-finalized=true]`).waitFor({ timeout: 10_000 });
  assert.equal(await ticket.getAttribute("data-finalized"), "true");
  assert.equal(await ticket.getByTestId("ticket-contact").innerText(), "Ada Lovelace");
  assert.equal(await call.locator("[data-field=to]").innerText(), "+18005550104");
  // The answered call ended COMPLETED: the CRM and the page say so.
  const crmCall = await rest.get(`/crm/v3/objects/calls/${engagementId}?properties=hs_call_status,hs_call_to_number`);
  assert.equal(crmCall.properties.hs_call_status, "COMPLETED");
  await call.locator('[data-field=status][data-value="COMPLETED"]').waitFor({ timeout: 10_000 });
  const ticketId = await ticket.getAttribute("data-ticket-id");

  // The REST API: an ordinary ticket, associated with the call and with Ada.
  const crmTicket = await rest.get(`/crm/v3/objects/tickets/${ticketId}?associations=calls,contacts`);
  assert.ok(crmTicket.associations.calls.results.some((r) => String(r.id) === String(engagementId)), JSON.stringify(crmTicket.associations));
  assert.ok(crmTicket.associations.contacts.results.some((r) => String(r.id) === String(ada.id)));

  // The ticket's record page lists the call in its timeline.
  await ticket.getByTestId("ticket-link").click();
  await page.locator(`[data-testid=record][data-object-type-id="0-5"][data-object-id="${ticketId}"]`).waitFor();
  assert.equal(await page.getByTestId("record-title").innerText(), crmTicket.properties.subject);
  // Its properties read as labels and a date, not empty or raw codes.
  const shown = async (name) => (await page.locator(`dd[data-property=${name}] .value`).innerText()).trim();
  assert.ok(Date.parse(crmTicket.properties.hs_createdate) > 0);
  assert.equal(await shown("hs_createdate"), await page.evaluate((iso) => new Date(iso).toLocaleString(), crmTicket.properties.hs_createdate));
  assert.equal(await shown("hs_pipeline"), "Support pipeline");
  assert.match(await shown("hs_pipeline_stage"), /^(New|Waiting on contact|Waiting on us|Closed)$/);
  await page.locator(`[data-testid=timeline-call][data-engagement-id="${engagementId}"]`).waitFor({ timeout: 10_000 });

  // A second call from Ada, ended the deprecated way: the same open ticket, finalized too.
  await page.goBack();
  await page.getByTestId("tickets-inbox").selectOption({ label: "Calls" });
  const second = await frame.evaluate((id) => window.takeCall({ externalCallId: id, fromNumber: "+16175550123", toNumber: "+1 800 555 0104", finish: "publish" }), `${externalCallId}-2`);
  const [published] = await events(frame, "onPublishToChannelSucceeded");
  assert.equal(String(published.data.engagementId), String(second));
  await page.locator(`[data-testid=ticket][data-ticket-id="${ticketId}"] [data-testid=ticket-call][data-engagement-id="${second}"][data-finalized=true]`).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator(`[data-testid=ticket][data-ticket-id="${ticketId}"]`).getAttribute("data-finalized"), "true");
  assert.deepEqual(errors, []);
  await page.close();
});
