// Unit tests of the host page's pure modules (no browser): routes, phone numbers, the
// provider list with HubSpot's localStorage overrides, the SYNC loop and the message filter.
import assert from "node:assert/strict";
import { test } from "node:test";
import { classify, looksLikeSdkMessage, rateLimiter, toJsonValue } from "../../web/static/inbound.js";
import { normalizePhone } from "../../web/static/phone.js";
import { CHOICE_KEY, DEMO_WIDGET_KEY, isOffered, OVERRIDE_KEY, providersFor, rememberedProvider } from "../../web/static/providers.js";
import { listPath, parseRoute, recordPath } from "../../web/static/routes.js";
import { SyncLoop } from "../../web/static/sync.js";
import { formatDuration } from "../../web/static/timeline.js";

/** A Storage stand-in. */
function storage(items = {}) {
  const map = new Map(Object.entries(items));
  return { getItem: (k) => (map.has(k) ? map.get(k) : null), setItem: (k, v) => map.set(k, String(v)) };
}

const app = (appId, name, extra = {}) => ({
  appId, name, url: `http://127.0.0.1:9/${appId}`, width: 400, height: 600, isReady: true,
  supportsCustomObjects: false, supportsInboundCalling: false, usesCallingWindow: false, usesRemote: true, ...extra,
});

test("routes read HubSpot's record, list and calling-window URL shapes", () => {
  assert.deepEqual(parseRoute("/contacts/7/record/0-1/42"), { kind: "record", portalId: 7, objectTypeId: "0-1", objectId: 42 });
  assert.deepEqual(parseRoute("/contacts/7/record/2-1234/5"), { kind: "record", portalId: 7, objectTypeId: "2-1234", objectId: 5 });
  assert.deepEqual(parseRoute("/contacts/7/objects/0-2/views/all/list"), { kind: "list", portalId: 7, objectTypeId: "0-2" });
  assert.deepEqual(parseRoute("/calling-integration-popup-ui/7"), { kind: "window", portalId: 7 });
  assert.equal(parseRoute("/contacts/7/record/9-9/1").kind, "home");
  assert.equal(parseRoute("/contacts/x/record/0-1/1").kind, "home");
  assert.equal(recordPath(7, "0-1", 42), "/contacts/7/record/0-1/42");
  assert.equal(listPath(7, "2-3"), "/contacts/7/objects/2-3/views/all/list");
});

test("phone numbers become E.164 with their region", () => {
  assert.deepEqual(normalizePhone("617.555.0123"), { phoneNumber: "+16175550123", countryCode: "US" });
  assert.deepEqual(normalizePhone("+1 (617) 555-0100"), { phoneNumber: "+16175550100", countryCode: "US" });
  assert.deepEqual(normalizePhone("+44 20 7323 8299"), { phoneNumber: "+442073238299", countryCode: "GB" });
  assert.deepEqual(normalizePhone("0044 20 7323 8299"), { phoneNumber: "+442073238299", countryCode: "GB" });
  assert.equal(normalizePhone("12345").phoneNumber, "12345");
});

test("every app is a provider; one that is not ready is not selectable", () => {
  const list = providersFor([app(1, "callhost demo app"), app(2, "Beta", { isReady: false })], storage());
  assert.deepEqual(list.map((p) => [p.key, p.selectable]), [["app:1", true], ["app:2", false]]);
});

test("the CallingExtensions override by name makes an app ready and moves its URL", () => {
  const s = storage({ [OVERRIDE_KEY]: JSON.stringify({ name: "Beta", isReady: true, url: "http://127.0.0.1:5/x" }) });
  const beta = providersFor([app(1, "callhost demo app"), app(2, "Beta", { isReady: false })], s)[1];
  assert.equal(beta.selectable, true);
  assert.equal(beta.urlOverride, "http://127.0.0.1:5/x");
  assert.equal(beta.appId, 2);
});

test("an override that names no app is an extra provider running under the demo app", () => {
  const s = storage({ [OVERRIDE_KEY]: JSON.stringify({ name: "My dev app", url: "http://localhost:3000/" }) });
  const list = providersFor([app(2, "Other"), app(1, "callhost demo app")], s);
  const extra = list.find((p) => p.key === "override");
  assert.equal(extra.name, "My dev app");
  assert.equal(extra.appId, 1);
  assert.equal(extra.urlOverride, "http://localhost:3000/");
  assert.equal(extra.selectable, true);
});

test("a malformed override is ignored", () => {
  const list = providersFor([app(1, "A")], storage({ [OVERRIDE_KEY]: "{nope" }));
  assert.equal(list.length, 1);
});

test("installDemoWidget local offers Demo App Local; app:js makes the demo app selectable", () => {
  const apps = [app(1, "callhost demo app", { isReady: false })];
  const local = providersFor(apps, storage({ [DEMO_WIDGET_KEY]: "local" })).find((p) => p.key === "demo-local");
  assert.equal(local.name, "Demo App Local");
  assert.equal(local.urlOverride, "https://localhost:9025/");
  for (const value of ["app:js", "app"]) {
    assert.equal(providersFor(apps, storage({ [DEMO_WIDGET_KEY]: value }))[0].selectable, true);
  }
  assert.equal(providersFor(apps, storage())[0].selectable, false);
});

test("custom objects are only offered apps that support them; the choice is remembered", () => {
  const list = providersFor([app(1, "A"), app(2, "B", { supportsCustomObjects: true })], storage());
  assert.equal(isOffered(list[0], "2-77"), false);
  assert.equal(isOffered(list[1], "2-77"), true);
  assert.equal(isOffered(list[0], "0-1"), true);
  assert.equal(rememberedProvider(list, storage({ [CHOICE_KEY]: "app:2" }))?.appId, 2);
  assert.equal(rememberedProvider(list, storage({ [CHOICE_KEY]: "app:9" })), undefined);
});

/** A fake clock and timer queue for the SYNC loop. */
function fakeTime() {
  let now = 0;
  let timers = [];
  return {
    now: () => now,
    setTimer: (fn, ms) => { const t = { fn, at: now + ms }; timers.push(t); return t; },
    clearTimer: (t) => { timers = timers.filter((x) => x !== t); },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        now = next.at;
        next.fn();
      }
      now = end;
    },
  };
}

test("SYNC goes every 100 ms with fresh h-sync ids to the exact origin until acknowledged", () => {
  const time = fakeTime();
  const posts = [];
  let gaveUp = 0;
  const loop = new SyncLoop({ ...time, post: (m, o) => posts.push([m, o]), onGiveUp: () => gaveUp++ });
  loop.start({ hostUrl: "http://127.0.0.1:1", portalId: 7, type: "EVIL" }, "http://127.0.0.1:2");
  time.advance(350);
  assert.equal(posts.length, 4);
  assert.deepEqual(posts.map(([m]) => m.messageId), ["h-sync-1", "h-sync-2", "h-sync-3", "h-sync-4"]);
  assert.ok(posts.every(([m, o]) => m.type === "SYNC" && m.portalId === 7 && o === "http://127.0.0.1:2"));
  assert.ok(loop.sentId("h-sync-3"));
  loop.stop();
  time.advance(1000);
  assert.equal(posts.length, 4);
  assert.equal(gaveUp, 0);
});

test("SYNC gives up once, 30 s after it started", () => {
  const time = fakeTime();
  let posts = 0;
  let gaveUp = 0;
  const loop = new SyncLoop({ ...time, post: () => posts++, onGiveUp: () => gaveUp++ });
  loop.start({}, "http://a.test");
  time.advance(29_950);
  assert.equal(gaveUp, 0);
  time.advance(200);
  assert.equal(gaveUp, 1);
  assert.ok(posts >= 299 && posts <= 302, `${posts} SYNCs`);
  time.advance(5_000);
  assert.equal(gaveUp, 1);
  assert.equal(loop.running, false);
});

test("only the iframe's window at the expected origin is accepted; forged SDK messages are reported", () => {
  const frame = {};
  const other = {};
  const msg = { type: "INITIALIZED", messageId: "1", data: {} };
  assert.equal(classify({ source: frame, origin: "http://a.test", data: msg }, frame, "http://a.test"), "accept");
  assert.equal(classify({ source: frame, origin: "http://b.test", data: msg }, frame, "http://a.test"), "origin");
  assert.equal(classify({ source: frame, origin: "http://a.test", data: msg }, frame, null), "origin");
  assert.equal(classify({ source: other, origin: "http://a.test", data: msg }, frame, "http://a.test"), "source");
  assert.equal(classify({ source: other, origin: "http://a.test", data: "hello" }, frame, "http://a.test"), "ignore");
  assert.equal(classify({ source: null, origin: "http://a.test", data: { source: "devtools" } }, null, null), "ignore");
  assert.equal(looksLikeSdkMessage({ type: "SYNC_ACK" }), true);
  assert.equal(looksLikeSdkMessage({ type: "webpackOk" }), false);
});

test("messages are made JSON-safe and drop reports are rate limited", () => {
  const cyclic = { type: "X", n: 1n };
  cyclic.self = cyclic;
  assert.deepEqual(toJsonValue(cyclic), { type: "X", n: "1" });
  assert.deepEqual(toJsonValue({ type: "CALL_ENDED", data: undefined }), { type: "CALL_ENDED" });
  let t = 0;
  const allow = rateLimiter(2, 1000, () => t);
  assert.deepEqual([allow(), allow(), allow()], [true, true, false]);
  t = 1001;
  assert.equal(allow(), true);
});

test("call durations are shown as m:ss from milliseconds", () => {
  assert.equal(formatDuration("65000"), "1:05");
  assert.equal(formatDuration(""), null);
  assert.equal(formatDuration("abc"), "abc");
});
