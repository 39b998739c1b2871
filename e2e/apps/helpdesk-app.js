// A help-desk calling app on the OFFICIAL SDK (UMD build, `window.default`), for the browser
// tests: every message the host sends is kept in `window.events` ({handler, data}); and
// `window.takeCall({externalCallId, fromNumber, toNumber, finish})` plays a whole inbound
// call into a connected number, as a softphone's backend would report it: INCOMING_CALL
// (createEngagement), then once the engagement exists CALL_ANSWERED, CALL_ENDED and
// CALL_COMPLETED, then once the update succeeded `finish` (FINALIZE_ENGAGEMENT, or the
// deprecated PUBLISH_TO_CHANNEL). It resolves with the engagement id.

/* global window, document */
(function helpdeskApp() {
  const events = [];
  window.events = events;
  /** Waiters for the next message of a handler: handler -> [resolve]. */
  const waiting = new Map();
  const handlers = [
    "onReady", "onDialNumber", "onEngagementCreated", "onCreateEngagementSucceeded", "onCreateEngagementFailed",
    "onUpdateEngagementSucceeded", "onUpdateEngagementFailed", "onCallerIdMatchSucceeded", "onCallerIdMatchFailed",
    "onPublishToChannelSucceeded", "onPublishToChannelFailed", "onFinalizeEngagementSucceeded",
    "onFinalizeEngagementFailed", "onVisibilityChanged", "onSetWidgetUrlFailed", "onFailed", "defaultEventHandler",
  ];
  const eventHandlers = {};
  for (const handler of handlers) {
    eventHandlers[handler] = (data) => {
      const copy = JSON.parse(JSON.stringify(data === undefined ? null : data));
      events.push({ handler, data: copy });
      const item = document.createElement("li");
      item.dataset.handler = handler;
      item.textContent = handler;
      document.getElementById("events").append(item);
      const queue = waiting.get(handler) || [];
      waiting.delete(handler);
      queue.forEach((resolve) => resolve(copy));
      if (handler === "onReady") window.cti.initialized({ isLoggedIn: true, engagementId: copy && copy.engagementId });
    };
  }
  const next = (handler) => new Promise((resolve) => {
    waiting.set(handler, [...(waiting.get(handler) || []), resolve]);
  });

  window.takeCall = async function takeCall({ externalCallId, fromNumber, toNumber, finish = "finalize" }) {
    const created = next("onCreateEngagementSucceeded");
    window.cti.incomingCall({ externalCallId, fromNumber, toNumber, callStartTime: Date.now(), createEngagement: true });
    const { engagementId } = await created;
    const updated = next("onUpdateEngagementSucceeded");
    window.cti.callAnswered({ externalCallId });
    window.cti.callEnded({ externalCallId, engagementId, callEndStatus: "COMPLETED" });
    window.cti.callCompleted({ externalCallId, engagementId, hideWidget: false,
      engagementProperties: { hs_call_body: `help-desk call ${externalCallId}` } });
    await updated;
    if (finish === "finalize") window.cti.finalizeEngagement({ externalCallId, engagementId });
    else if (finish === "publish") window.cti.publishToChannel({ externalCallId, engagementId });
    return engagementId;
  };

  window.cti = new window.default({ debugMode: false, eventHandlers });
}());
