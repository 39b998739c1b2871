// Unit tests of the rules a host relies on, asserted directly on our SDK (the differential
// test shows they match the official one): message ids, origins, the incoming pipeline,
// dispatch, and the two deliberate differences (unique ids, working load errors).

import assert from "node:assert/strict";
import { test } from "node:test";
import CallingExtensions, { Constants, IFrameManager } from "../src/index.js";
import { installFakeBrowser } from "./fake-browser.mjs";
import { HOST, INSTANCE, recordingHandlers } from "./scenarios.mjs";

/** @param {(fake: ReturnType<typeof installFakeBrowser>) => void} body */
function withBrowser(body, options = {}) {
  const fake = installFakeBrowser({ now: INSTANCE, ...options });
  try {
    body(fake);
  } finally {
    fake.restore();
  }
}

/** An app-mode instance that has completed the handshake. */
function syncedApp(/** @type {any} */ fake, /** @type {any[]} */ calls, handlers = recordingHandlers(calls)) {
  const cti = new CallingExtensions({ debugMode: false, eventHandlers: /** @type {any} */ (handlers) });
  fake.deliver({ type: "SYNC", messageId: "h-sync", hostUrl: HOST }, HOST);
  fake.posts.length = 0;
  calls.length = 0;
  return cti;
}

test("ids: every id is <instanceId>_<n> and unique, even within one millisecond", () =>
  withBrowser((fake) => {
    const cti = syncedApp(fake, []);
    for (let i = 0; i < 5; i += 1) cti.userAvailable();
    const ids = fake.posts.map((p) => p.message.messageId);
    assert.equal(new Set(ids).size, 5);
    for (const id of ids) assert.match(id, new RegExp(`^${INSTANCE}_\\d+$`));
    assert.ok(cti.iFrameManager.instanceRegexp.test(ids[0]));
  }));

test("ids: SYNC_ACK carries the id of the SYNC it answers; a given id is kept", () =>
  withBrowser((fake) => {
    const cti = new CallingExtensions({ debugMode: false, eventHandlers: /** @type {any} */ ({}) });
    fake.deliver({ type: "SYNC", messageId: "h-42", hostUrl: HOST }, HOST);
    assert.equal(fake.posts[0].message.messageId, "h-42");
    cti.sendMessage(/** @type {any} */ ({ type: "X", messageId: "mine" }));
    assert.equal(fake.posts[1].message.messageId, "mine");
  }));

test("ids: a host message carrying our prefix is a response: swallowed, not dispatched", () =>
  withBrowser((fake) => {
    /** @type {any[]} */
    const calls = [];
    syncedApp(fake, calls);
    fake.deliver({ type: "DIAL_NUMBER", messageId: `${INSTANCE}_1`, data: {} }, HOST);
    assert.deepEqual(calls, []);
    assert.deepEqual(fake.posts, []);
  }));

test("origin: SYNC is accepted from any origin, then only hostUrl's exact origin is heard", () =>
  withBrowser((fake) => {
    /** @type {any[]} */
    const calls = [];
    new CallingExtensions({ debugMode: false, eventHandlers: /** @type {any} */ (recordingHandlers(calls)) });
    fake.deliver({ type: "SYNC", messageId: "h-1", hostUrl: HOST }, "https://anyone.example");
    assert.equal(fake.posts[0].targetOrigin, HOST);
    for (const origin of ["https://evil.example", `${HOST}/`, "http://host.example", "https://host.example:443x"]) {
      fake.deliver({ type: "DIAL_NUMBER", messageId: "h-2", data: {} }, origin);
    }
    assert.deepEqual(calls.map((c) => c.handler), ["onReady"]);
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-3", data: { n: 1 } }, HOST);
    assert.deepEqual(calls.map((c) => c.handler), ["onReady", "onDialNumber"]);
  }));

test("origin: only the first SYNC counts; a later one (any origin) cannot retarget the app", () =>
  withBrowser((fake) => {
    new CallingExtensions({ debugMode: false, eventHandlers: /** @type {any} */ ({}) });
    fake.deliver({ type: "SYNC", messageId: "h-1", hostUrl: HOST }, HOST);
    fake.deliver({ type: "SYNC", messageId: "h-2", hostUrl: "https://evil.example" }, "https://evil.example");
    assert.equal(fake.posts.length, 1);
    assert.equal(fake.posts[0].targetOrigin, HOST);
  }));

test("origin: before SYNC the destination is the referrer's origin; never '*'", () =>
  withBrowser(
    (fake) => {
      const cti = new CallingExtensions({ debugMode: false, eventHandlers: /** @type {any} */ ({}) });
      assert.equal(cti.iFrameManager.destinationHost, "https://crm.example:8443");
      fake.deliver({ type: "SYNC", messageId: "h-1" }, "https://crm.example:8443");
      cti.userLoggedIn();
      for (const post of fake.posts) assert.equal(post.targetOrigin, "https://crm.example:8443");
    },
    { referrer: "https://crm.example:8443/contacts/1?x" },
  ));

test("origin: host SET_WIDGET_URL moves the accepted origin and fires onReady({iFrameUrl})", () =>
  withBrowser((fake) => {
    /** @type {any[]} */
    const calls = [];
    syncedApp(fake, calls);
    fake.deliver({ type: "SET_WIDGET_URL", messageId: "h-1", iFrameUrl: "https://other.example" }, HOST);
    assert.deepEqual(calls[0].data, { iFrameUrl: "https://other.example" });
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-2", data: {} }, HOST);
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-3", data: {} }, "https://other.example");
    assert.deepEqual(calls.map((c) => c.handler), ["onReady", "onDialNumber"]);
  }));

test("pipeline: messages without messageId or type are dropped", () =>
  withBrowser((fake) => {
    /** @type {any[]} */
    const calls = [];
    syncedApp(fake, calls);
    fake.deliver({ type: "DIAL_NUMBER", data: {} }, HOST);
    fake.deliver({ type: "DIAL_NUMBER", messageId: "", data: {} }, HOST);
    fake.deliver({ messageId: "h-1", data: {} }, HOST);
    assert.deepEqual(calls, []);
    assert.deepEqual(fake.posts, []);
  }));

test("dispatch: each known type reaches its named handler as handler(data, message)", () =>
  withBrowser((fake) => {
    /** @type {any[]} */
    const calls = [];
    syncedApp(fake, calls);
    for (const [type, name] of Object.entries(Constants.messageHandlerNames)) {
      calls.length = 0;
      const message = { type, messageId: `h-${type}`, data: { type } };
      fake.deliver(message, HOST);
      const expected = type.endsWith("_FAILED") ? ["FAILED", name] : [name];
      assert.deepEqual(calls.map((c) => c.handler), expected, type);
      assert.deepEqual(calls.at(-1).data, { type });
      assert.deepEqual(calls.at(-1).message, message);
      assert.equal(calls.at(-1).thisType, "undefined");
    }
    assert.deepEqual(fake.posts, [], "no ERROR for known types");
  }));

test("dispatch: unknown type is answered with ERROR first, then defaultEventHandler", () =>
  withBrowser((fake) => {
    /** @type {any[]} */
    const calls = [];
    syncedApp(fake, calls);
    const message = { type: "SURPRISE", messageId: "h-1", data: 1 };
    fake.deliver(message, HOST);
    assert.equal(fake.posts.length, 1);
    assert.deepEqual(fake.posts[0].message.type, "ERROR");
    assert.deepEqual(fake.posts[0].message.data, {
      type: "UNKNOWN_MESSAGE_TYPE",
      data: { originalMessage: message },
    });
    assert.deepEqual(calls.map((c) => c.handler), ["defaultEventHandler"]);
  }));

test("dispatch: *_FAILED goes to eventHandlers.FAILED (not onFailed); FAILED goes to onFailed", () =>
  withBrowser((fake) => {
    /** @type {any[]} */
    const calls = [];
    syncedApp(fake, calls, recordingHandlers(calls, ["FAILED", "onFailed", "defaultEventHandler"]));
    fake.deliver({ type: "UPDATE_ENGAGEMENT_FAILED", messageId: "h-1", data: 1 }, HOST);
    assert.deepEqual(calls.map((c) => c.handler), ["FAILED", "defaultEventHandler"]);
    calls.length = 0;
    fake.deliver({ type: "FAILED", messageId: "h-2", data: 2 }, HOST);
    assert.deepEqual(calls.map((c) => c.handler), ["onFailed"]);
  }));

test("dispatch: with no handler at all, console.error names the type", () =>
  withBrowser((fake) => {
    syncedApp(fake, [], {});
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-1" }, HOST);
    assert.deepEqual(fake.logs.at(-1), {
      level: "error",
      args: ["No event handler is available to handle message of type: DIAL_NUMBER"],
    });
  }));

test("sending: nothing but SYNC leaves before the handshake; a warning says so", () =>
  withBrowser((fake) => {
    const cti = new CallingExtensions({ debugMode: false, eventHandlers: /** @type {any} */ ({}) });
    cti.userLoggedIn();
    assert.deepEqual(fake.posts, []);
    assert.equal(fake.logs[0].level, "warn");
    assert.equal(fake.logs[0].args[1], "iFrame not initialized to send a message within HubSpot");
  }));

test("logging: one array argument, console.log in debug mode, console.debug otherwise", () =>
  withBrowser((fake) => {
    const cti = new CallingExtensions({ debugMode: true, eventHandlers: /** @type {any} */ ({}) });
    cti.logDebugMessage(/** @type {any} */ ({ message: "m" }));
    assert.deepEqual(fake.logs[0], {
      level: "log",
      args: [["[calling-extensions-sdk@0.9.7-beta.0]", "Generic Message", "m"]],
    });
    cti.iFrameManager.debugMode = false;
    cti.logDebugMessage({ message: "n", type: "T" });
    assert.equal(fake.logs[1].level, "debug");
  }));

test("deliberate difference: an iframe load error reaches the host as SYNC_ACK_FAILED", () =>
  withBrowser((fake) => {
    /** @type {any[]} */
    const seen = [];
    const host = new IFrameManager({
      debugMode: false,
      iFrameOptions: { src: "https://app.example/", width: "1", height: "1", hostElementSelector: "#host" },
      onMessageHandler: (/** @type {any} */ m) => seen.push(m),
    });
    assert.ok(host.iFrame);
    /** @type {any} */ (host.iFrame).onerror(new Event("error"));
    assert.deepEqual(seen, [{ type: "SYNC_ACK_FAILED" }]);
    assert.equal(fake.posts.length, 0);
  }));

test("host mode: SYNC goes to the iframe's origin every 100 ms until the ACK", () =>
  withBrowser((fake) => {
    /** @type {any[]} */
    const seen = [];
    const host = new IFrameManager({
      debugMode: false,
      iFrameOptions: { src: "https://app.example/x", width: "1", height: "1", hostElementSelector: "#host" },
      onMessageHandler: (/** @type {any} */ m) => seen.push(m),
    });
    /** @type {any} */ (host.iFrame).onload();
    fake.advance(250);
    assert.equal(fake.posts.length, 3);
    for (const p of fake.posts) {
      assert.equal(p.to, "iframe");
      assert.equal(p.targetOrigin, "https://app.example");
      assert.deepEqual(Object.keys(p.message), ["type", "hostUrl", "messageId"]);
    }
    const ack = { ...fake.posts[1].message, type: "SYNC_ACK", iFrameUrl: "https://app.example", debugMode: true };
    fake.deliver(ack, "https://app.example");
    assert.deepEqual(seen, [{ type: "READY", data: {} }]);
    assert.equal(host.debugMode, true);
    fake.advance(1000);
    assert.equal(fake.posts.length, 3, "no SYNC after READY");
  }));
