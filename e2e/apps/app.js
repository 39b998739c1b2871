// A calling app for the browser tests, built on the OFFICIAL SDK from npm. It is loaded by
// `umd.html` (the UMD build by script tag: `window.default`) and by `esm.html` (the ESM
// build), and records every handler call in `window.events` so tests can see exactly what
// the host delivered. `window.cti` is the CallingExtensions instance, for tests to call.
//
// Query parameters: `login=out` initializes logged out; `manual` skips initialized();
// `auto=complete` answers every DIAL_NUMBER with a whole call (OUTGOING_CALL_STARTED, and
// once the engagement exists CALL_ANSWERED, CALL_ENDED and CALL_COMPLETED with hideWidget
// true), as a power dialer does.

/* global window, document, URLSearchParams */
window.startApp = function startApp(CallingExtensions) {
  const params = new URLSearchParams(window.location.search);
  const events = [];
  window.events = events;
  const record = (handler) => (data, message) => {
    events.push({ handler, type: message && message.type, data: JSON.parse(JSON.stringify(data === undefined ? null : data)) });
    const item = document.createElement("li");
    item.dataset.handler = handler;
    item.textContent = handler;
    document.getElementById("events").append(item);
  };
  const names = [
    "onDialNumber", "onEngagementCreated", "onCreateEngagementSucceeded", "onCreateEngagementFailed",
    "onUpdateEngagementSucceeded", "onUpdateEngagementFailed", "onCallerIdMatchSucceeded", "onCallerIdMatchFailed",
    "onNavigateToRecordFailed", "onPublishToChannelSucceeded", "onPublishToChannelFailed",
    "onFinalizeEngagementSucceeded", "onFinalizeEngagementFailed", "onSetWidgetUrlFailed", "onVisibilityChanged",
    "onEndCall", "onFailed", "onSetCallState", "onInitiateCallIdSucceeded", "onInitiateCallIdFailed", "defaultEventHandler",
  ];
  const eventHandlers = {};
  for (const name of names) eventHandlers[name] = record(name);
  if (params.get("auto") === "complete") {
    let calls = 0;
    /** @type {string | null} */
    let current = null;
    eventHandlers.onDialNumber = (data, message) => {
      record("onDialNumber")(data, message);
      calls += 1;
      current = `auto-${Date.now()}-${calls}`;
      window.cti.outgoingCall({ externalCallId: current, toNumber: data.phoneNumber, callStartTime: Date.now(), createEngagement: true });
    };
    eventHandlers.onCreateEngagementSucceeded = (data, message) => {
      record("onCreateEngagementSucceeded")(data, message);
      const externalCallId = current;
      if (!externalCallId) return;
      current = null;
      window.cti.callAnswered({ externalCallId });
      window.cti.callEnded({ externalCallId, engagementId: data.engagementId, callEndStatus: "COMPLETED" });
      window.cti.callCompleted({ externalCallId, engagementId: data.engagementId, hideWidget: true,
        engagementProperties: { hs_call_body: `auto call ${externalCallId}` } });
    };
  }
  eventHandlers.onReady = (data) => {
    record("onReady")(data, { type: "READY" });
    if (!params.has("manual")) {
      window.cti.initialized({ isLoggedIn: params.get("login") !== "out", engagementId: data && data.engagementId });
    }
  };
  window.cti = new CallingExtensions({ debugMode: false, eventHandlers });
  document.getElementById("flavour").textContent = document.documentElement.dataset.flavour || "";
};
