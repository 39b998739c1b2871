// Unit tests of the help desk's pure parts (no browser): its routes, and which apps the
// "Connect a phone number" list offers (the seed's isReady rules).
import assert from "node:assert/strict";
import { test } from "node:test";
import { appAvailability, CHANNEL_OVERRIDE_KEY, channelOverride } from "../../web/static/helpdesk.js";
import { appsSettingsPath, helpDeskPath, parseRoute } from "../../web/static/routes.js";

test("the help desk, the apps settings and ticket record pages are routes of the shell", () => {
  assert.deepEqual(parseRoute("/help-desk/7"), { kind: "helpdesk", portalId: 7 });
  assert.deepEqual(parseRoute("/help-desk/7/channels"), { kind: "helpdesk", portalId: 7 });
  assert.deepEqual(parseRoute("/settings/7/apps"), { kind: "admin", portalId: 7 });
  assert.deepEqual(parseRoute("/contacts/7/record/0-5/101"), { kind: "record", portalId: 7, objectTypeId: "0-5", objectId: 101 });
  assert.equal(parseRoute("/settings/7/other").kind, "home");
  assert.equal(parseRoute("/help-desk/x").kind, "home");
  assert.equal(helpDeskPath(7), "/help-desk/7");
  assert.equal(appsSettingsPath(7), "/settings/7/apps");
});

test("an app is selectable when isReady or the localStorage flag says so, greyed with why otherwise", () => {
  const app = (channelConnection) => ({ appId: 1, name: "A", channelConnection });
  const ready = app({ url: "https://x.example/", isReady: true });
  const notReady = app({ url: "https://x.example/", isReady: false });
  assert.deepEqual(appAvailability(ready, false), { selectable: true, reason: null });
  assert.deepEqual(appAvailability(notReady, true), { selectable: true, reason: null });
  const greyed = appAvailability(notReady, false);
  assert.equal(greyed.selectable, false);
  assert.match(greyed.reason, /isReady false/);
  assert.ok(greyed.reason.includes(CHANNEL_OVERRIDE_KEY));
  for (const override of [false, true]) {
    const none = appAvailability(app(null), override);
    assert.equal(none.selectable, false, "no settings: never selectable");
    assert.match(none.reason, /no channel-connection settings/);
  }
});

test("only the string true turns the override on", () => {
  const storage = (value) => ({ getItem: (k) => (k === CHANNEL_OVERRIDE_KEY ? value : null) });
  assert.equal(channelOverride(storage("true")), true);
  for (const value of [null, "false", "1", "TRUE", ""]) assert.equal(channelOverride(storage(value)), false);
});
