// Scripted scenarios, each run against any SDK build in the fake browser. A run returns a
// transcript of everything observable: posts (message and target origin), handler calls
// (name, data, message, `this`), console output, thrown errors and chosen state. The
// differential test runs every scenario against the official SDK and ours and compares the
// transcripts; ids are normalised because ours come from a counter (a documented difference).

import { installFakeBrowser } from "./fake-browser.mjs";

export const HOST = "https://host.example";
export const APP = "https://app.example";
export const INSTANCE = 1_700_000_000_000;

const HANDLER_NAMES = [
  "onCallerIdMatchFailed", "onCallerIdMatchSucceeded", "onCreateEngagementFailed",
  "onCreateEngagementSucceeded", "onDialNumber", "onEndCall", "onEngagementCreated",
  "onInitiateCallIdFailed", "onInitiateCallIdSucceeded", "onNavigateToRecordFailed",
  "onPublishToChannelFailed", "onPublishToChannelSucceeded", "onFinalizeEngagementFailed",
  "onFinalizeEngagementSucceeded", "onReady", "onSetCallState", "onSetWidgetUrlFailed",
  "onUpdateEngagementFailed", "onUpdateEngagementSucceeded", "onVisibilityChanged", "onFailed",
];

/**
 * Event handlers that record their calls.
 * @param {any[]} calls
 * @param {string[]} names
 */
export function recordingHandlers(calls, names = [...HANDLER_NAMES, "defaultEventHandler", "FAILED"]) {
  /** @type {Record<string, Function>} */
  const handlers = {};
  for (const name of names) {
    handlers[name] = function (/** @type {any} */ data, /** @type {any} */ message) {
      calls.push({ handler: name, data: structuredClone(data), message: structuredClone(message), thisType: typeof this });
    };
  }
  return handlers;
}

/** Replaces ids the SDK generated itself (`<instanceId>_<anything>`) with a marker. */
function normaliseIds(/** @type {any} */ value) {
  return JSON.parse(
    JSON.stringify(value ?? null, (_k, v) =>
      typeof v === "string" && new RegExp(`^${INSTANCE}_\\d+$`).test(v) ? `${INSTANCE}_<own>` : v,
    ),
  );
}

/**
 * Runs one scenario and returns its transcript.
 * @param {any} sdk the module namespace (default, Constants, IFrameManager)
 * @param {(ctx: any) => void} script
 * @param {{referrer?: string}} [options]
 */
export function run(sdk, script, options = {}) {
  const fake = installFakeBrowser({ now: INSTANCE, referrer: options.referrer });
  /** @type {any[]} */
  const calls = [];
  /** @type {any[]} */
  const events = [];
  const ctx = {
    sdk,
    fake,
    calls,
    note: (/** @type {string} */ label, /** @type {any} */ value) => events.push({ note: label, value: structuredClone(value) }),
    /** Runs `fn`, recording a thrown error's type and message instead of failing. */
    attempt(/** @type {string} */ label, /** @type {() => void} */ fn) {
      try {
        fn();
      } catch (e) {
        const err = /** @type {Error} */ (e);
        // Engine-written messages (TypeError) name minified variables; compare only the class.
        const message = err.constructor === Error ? err.message : undefined;
        events.push({ note: label, threw: err.constructor.name, message });
      }
    },
  };
  try {
    script(ctx);
  } finally {
    fake.restore();
  }
  return normaliseIds({ posts: fake.posts, calls, logs: fake.logs, events });
}

const sync = (/** @type {Record<string, any>} */ extra = {}) => ({
  type: "SYNC",
  messageId: "h-sync-1",
  hostUrl: HOST,
  ...extra,
});

/** @type {Record<string, (ctx: any) => void>} */
export const scenarios = {
  "handshake: SYNC from any origin, ACK echoes it, READY gets the SYNC fields": ({ sdk, fake, calls }) => {
    const cti = new sdk.default({ debugMode: true, eventHandlers: recordingHandlers(calls) });
    fake.deliver(sync({ portalId: 7, userId: 8, ownerId: "9", iframeLocation: "widget", usesCallingWindow: true, extra: [1] }), "https://elsewhere.example");
    fake.deliver(sync({ messageId: "h-sync-2", portalId: 99 }), HOST);
    cti.initialized({ isLoggedIn: true, engagementId: 5 });
  },

  "handshake: SYNC without hostUrl keeps the referrer origin; debugMode false logs to debug": ({ sdk, fake, calls }) => {
    const cti = new sdk.default({ debugMode: false, eventHandlers: recordingHandlers(calls) });
    fake.deliver({ type: "SYNC", messageId: "h-1" }, "https://evil.example");
    cti.userLoggedIn();
  },

  "handshake: SYNC without messageId gets an id from the app": ({ sdk, fake, calls }) => {
    new sdk.default({ debugMode: true, eventHandlers: recordingHandlers(calls) });
    fake.deliver({ type: "SYNC", hostUrl: HOST, engagementId: 42 }, HOST);
  },

  "sends before READY are dropped with a warning": ({ sdk, calls }) => {
    const cti = new sdk.default({ debugMode: true, eventHandlers: recordingHandlers(calls) });
    cti.initialized({ isLoggedIn: false });
    cti.userLoggedIn();
    cti.sendMessage({ type: "CUSTOM", data: { a: 1 } });
  },

  "every app method puts its official shape on the wire": ({ sdk, fake, calls }) => {
    const cti = new sdk.default({ debugMode: true, eventHandlers: recordingHandlers(calls) });
    fake.deliver(sync(), HOST);
    const call = { externalCallId: "c-1" };
    cti.initialized({ isLoggedIn: true, sizeInfo: { width: 300, height: 500 } });
    cti.userAvailable();
    cti.userUnavailable();
    cti.userLoggedIn();
    cti.userLoggedOut();
    cti.incomingCall({ ...call, fromNumber: "+1555", toNumber: "+1666", createEngagement: true });
    cti.outgoingCall({ ...call, toNumber: "+1666", createEngagement: true, callStartTime: 1 });
    cti.callAnswered(call);
    cti.callAnswered();
    cti.callTransferred(call);
    cti.navigateToRecord({ objectCoordinates: { portalId: 1, objectId: 2, objectTypeId: "0-1" }, openIn: "NEW_TAB" });
    cti.callData({ anything: true });
    cti.callEnded();
    cti.callEnded({ ...call, engagementId: 3, callEndStatus: "COMPLETED" });
    cti.callCompleted({ ...call, engagementId: 3, hideWidget: false, engagementProperties: { hs_timestamp: 1 } });
    cti.sendError({ message: "boom" });
    cti.resizeWidget({ width: 1, height: 2 });
    cti.publishToChannel({ ...call, engagementId: 3 });
    cti.finalizeEngagement({ ...call, engagementId: 3 });
    cti.setWidgetUrl({ iFrameUrl: "https://app2.example/x" });
    cti.sendMessage({ type: "SET_WIDGET_URL", iFrameUrl: "https://legacy.example" });
    cti.sendMessage({ type: "CUSTOM", messageId: "given-id", data: null });
    cti.logDebugMessage({ message: "hello" });
    cti.logDebugMessage({ message: "typed", type: "Custom Type" });
  },

  "incoming pipeline: origin, id, own-prefix and dispatch rules": ({ sdk, fake, calls, attempt }) => {
    const cti = new sdk.default({ debugMode: true, eventHandlers: recordingHandlers(calls) });
    fake.deliver(sync(), HOST);
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-2", data: { phoneNumber: "1" } }, "https://evil.example");
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-3", data: { phoneNumber: "2" } }, `${HOST}/`);
    fake.deliver({ type: "DIAL_NUMBER", data: { phoneNumber: "3" } }, HOST);
    fake.deliver({ messageId: "h-4", data: {} }, HOST);
    fake.deliver({ type: "DIAL_NUMBER", messageId: `${INSTANCE}_999`, data: { phoneNumber: "4" } }, HOST);
    fake.deliver({ type: "DIAL_NUMBER", messageId: `${INSTANCE}5`, data: { phoneNumber: "5" } }, HOST);
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-5", data: { phoneNumber: "6" } }, HOST);
    let n = 10;
    for (const type of Object.keys(sdk.Constants.messageHandlerNames)) {
      fake.deliver({ type, messageId: `h-${n++}`, data: { n } }, HOST);
    }
    for (const type of ["NOT_A_TYPE", "SYNC_ACK", "UNLOADING", "ERROR", "READY_NOT", "UPDATE_ASSOCIATIONS_FAILED", "toString", "constructor"]) {
      fake.deliver({ type, messageId: `h-${n++}`, data: { n } }, HOST);
    }
    fake.deliver({ type: 17, messageId: "h-num" }, HOST);
    attempt("null data", () => fake.deliver(null, HOST));
    cti.userLoggedIn();
  },

  "dispatch: missing handlers fall back to defaultEventHandler, then console.error": ({ sdk, fake, calls }) => {
    const withDefault = recordingHandlers(calls, ["defaultEventHandler"]);
    const a = new sdk.default({ debugMode: false, eventHandlers: withDefault });
    fake.deliver(sync(), HOST);
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-1", data: 1 }, HOST);
    fake.deliver({ type: "CREATE_ENGAGEMENT_FAILED", messageId: "h-2", data: 2 }, HOST);
    a.iFrameManager.remove();
    const b = new sdk.default({ debugMode: false, eventHandlers: {} });
    fake.deliver(sync({ messageId: "h-sync-b" }), HOST);
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-3" }, HOST);
    fake.deliver({ type: "MYSTERY", messageId: "h-4" }, HOST);
    fake.deliver({ type: "X_FAILED", messageId: "h-5" }, HOST);
    b.iFrameManager.remove();
  },

  "dispatch: FAILED key handler only for *_FAILED; onFailed only for FAILED": ({ sdk, fake, calls }) => {
    new sdk.default({ debugMode: false, eventHandlers: recordingHandlers(calls, ["onFailed", "FAILED", "onCreateEngagementFailed"]) });
    fake.deliver(sync(), HOST);
    fake.deliver({ type: "CREATE_ENGAGEMENT_FAILED", messageId: "h-1", data: { error: { message: "x" } } }, HOST);
    fake.deliver({ type: "FAILED", messageId: "h-2", data: "f" }, HOST);
    fake.deliver({ type: "WHATEVER_FAILED", messageId: "h-3", data: "w" }, HOST);
  },

  "SET_WIDGET_URL from the host switches the origin and fires READY again": ({ sdk, fake, calls }) => {
    const cti = new sdk.default({ debugMode: true, eventHandlers: recordingHandlers(calls) });
    fake.deliver(sync(), HOST);
    fake.deliver({ type: "SET_WIDGET_URL", messageId: "h-1", iFrameUrl: "https://new.example" }, HOST);
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-2", data: "old" }, HOST);
    fake.deliver({ type: "DIAL_NUMBER", messageId: "h-3", data: "new" }, "https://new.example");
    fake.deliver({ type: "SET_WIDGET_URL", messageId: "h-4" }, "https://new.example");
    cti.userLoggedIn();
  },

  "empty referrer: the destination is the app's own origin": ({ sdk, fake, calls, note }) => {
    const cti = new sdk.default({ debugMode: false, eventHandlers: recordingHandlers(calls) });
    note("destinationHost", cti.iFrameManager.destinationHost);
    fake.deliver({ type: "SYNC", messageId: "h-1" }, HOST);
    note("after SYNC", cti.iFrameManager.destinationHost);
  },

  "construction: errors, fields and listener": ({ sdk, fake, note, attempt }) => {
    attempt("no options", () => new sdk.default());
    attempt("no handlers", () => new sdk.default({ debugMode: true }));
    attempt("IFrameManager without handler", () => new sdk.IFrameManager({ debugMode: true }));
    const cti = new sdk.default({ debugMode: true, eventHandlers: {} });
    const m = cti.iFrameManager;
    note("ce keys", Object.keys(cti));
    note("manager keys", Object.keys(m));
    note("fields", {
      isReady: m.isReady, isIFrameHost: m.isIFrameHost, debugMode: m.debugMode, iFrame: m.iFrame,
      destinationHost: m.destinationHost, firstSyncSent: m.firstSyncSent, callbacks: m.callbacks,
      instanceId: m.instanceId, instanceRegexp: String(m.instanceRegexp),
      parentIsDestination: m.destinationWindow === fake.window.parent,
      options: Object.keys(m.options),
    });
    note("listeners", fake.listenerCount());
    m.remove();
    note("listeners after remove", fake.listenerCount());
  },

  "statics: ids, origins, sizes": ({ sdk, note, attempt }) => {
    const M = sdk.IFrameManager;
    note("id shape", /^123_\d+$/.test(M.createMessageId(123)));
    note("hosts", ["https://a.example:8443/x?y#z", "http://b.example/", "/relative", "", "mailto:x"].map((u) => M.extractHostFromUrl(u)));
    note("destination", [M.getDestinationHost(undefined), M.getDestinationHost({ src: "https://c.example/app" })]);
    note("sizes", [M.formatSize(10), M.formatSize("50%"), M.formatSize(0)]);
    attempt("missing host element", () => M.getHostElement("#nope"));
    attempt("missing option", () => M.createIFrame({ src: "https://c.example", width: "1", height: "" , hostElementSelector: "#host" }, () => {}, () => {}));
  },

  "host mode: iframe, SYNC loop, ACK, resize, remove": ({ sdk, fake, calls, note }) => {
    const host = new sdk.IFrameManager({
      debugMode: false,
      iFrameOptions: { src: "https://app.example/phone?x=1", width: "400px", height: "600px", hostElementSelector: "#host" },
      onMessageHandler: (/** @type {any} */ m) => calls.push({ hostHandler: structuredClone(m) }),
    });
    const iframe = fake.hostElement.children[0];
    note("iframe", { src: iframe.src, width: iframe.width, height: iframe.height, allow: iframe.allow, id: iframe.id, same: iframe === host.iFrame });
    note("destination", host.destinationHost);
    iframe.onload();
    fake.advance(350);
    const firstSync = fake.posts[0].message;
    fake.deliver({ ...firstSync, type: "SYNC_ACK", debugMode: true, version: "x", iFrameUrl: "https://app.example" }, "https://app.example");
    note("after ack", { isReady: host.isReady, debugMode: host.debugMode, destinationHost: host.destinationHost });
    fake.advance(1000);
    host.sendMessage({ type: "DIAL_NUMBER", data: { phoneNumber: "+1" } });
    fake.deliver({ type: "INITIALIZED", messageId: "a-1", data: {} }, "https://app.example");
    host.updateIFrameSize({ width: 300, height: "80%" });
    host.updateIFrameSize({ width: 0 });
    note("attributes", iframe.attributes);
    host.remove();
    note("after remove", { children: fake.hostElement.children.length, isReady: host.isReady, iFrame: host.iFrame, options: host.options });
  },

  "host mode: no ACK within 30 s gives a local SYNC_ACK_FAILED": ({ sdk, fake, calls, note }) => {
    const host = new sdk.IFrameManager({
      debugMode: false,
      iFrameOptions: { src: "https://app.example/", width: "1", height: "1", hostElementSelector: "#host" },
      onMessageHandler: (/** @type {any} */ m) => calls.push({ hostHandler: structuredClone(m) }),
    });
    host.iFrame.onload();
    fake.advance(31_000);
    note("syncs", fake.posts.length);
    note("timers left", fake.pendingTimers());
  },

  "host mode CallingExtensions answers app messages with ERROR (the ping-pong hazard)": ({ sdk, fake, calls }) => {
    const host = new sdk.default({
      debugMode: false,
      iFrameOptions: { src: "https://app.example/", width: "1", height: "1", hostElementSelector: "#host" },
      eventHandlers: recordingHandlers(calls, ["onReady", "defaultEventHandler"]),
    });
    host.iFrameManager.iFrame.onload();
    const firstSync = fake.posts[0].message;
    fake.deliver({ ...firstSync, type: "SYNC_ACK", iFrameUrl: "https://app.example" }, "https://app.example");
    fake.deliver({ type: "INITIALIZED", messageId: "a-1", data: { isLoggedIn: true } }, "https://app.example");
    fake.deliver({ type: "ERROR", messageId: "a-2", data: { type: "UNKNOWN_MESSAGE_TYPE" } }, "https://app.example");
  },
};
