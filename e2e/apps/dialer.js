// The dialer's logic (see dialer.html). Every SDK event is listed in `window.events` and the
// event log; `login=out` in the query string starts it logged out.

/* global window, document, URLSearchParams */
(function dialer(CallingExtensions) {
  const params = new URLSearchParams(window.location.search);
  const $ = (id) => document.querySelector(`[data-testid=${id}]`);
  const events = [];
  window.events = events;
  /** @type {{externalCallId: string, engagementId?: number} | null} */
  let call = null;
  let calls = 0;

  const status = (text) => ($("status").textContent = text);
  const fail = (what, data) => {
    const error = $("error");
    error.textContent = `${what}: ${(data && data.error && data.error.message) || "unknown error"}`;
    error.hidden = false;
  };
  const log = (handler, data) => {
    events.push({ handler, data: JSON.parse(JSON.stringify(data === undefined ? null : data)) });
    const item = document.createElement("li");
    item.dataset.handler = handler;
    item.textContent = handler;
    $("event-log").append(item);
  };
  const newCall = () => ({ externalCallId: `dialer-${Date.now()}-${(calls += 1)}` });
  const hangUp = (callEndStatus) => {
    if (!call) return;
    const { externalCallId, engagementId } = call;
    window.cti.callEnded({ externalCallId, engagementId, callEndStatus });
    window.cti.callCompleted({ externalCallId, engagementId, hideWidget: false,
      engagementProperties: { hs_call_body: `Notes from the dialer (${callEndStatus})` } });
    call = null;
    $("answer").disabled = true;
    status("Call ended");
  };

  const eventHandlers = {
    onReady: (data) => {
      log("onReady", data);
      const loggedIn = params.get("login") !== "out";
      window.cti.initialized({ isLoggedIn: loggedIn });
      status(loggedIn ? "Logged in" : "Logged out");
    },
    onDialNumber: (data) => {
      log("onDialNumber", data);
      call = newCall();
      window.cti.outgoingCall({ externalCallId: call.externalCallId, toNumber: data.phoneNumber,
        callStartTime: Date.now(), createEngagement: true });
      status(`Calling ${data.phoneNumber}`);
    },
    onCreateEngagementSucceeded: (data) => {
      log("onCreateEngagementSucceeded", data);
      if (!call) return;
      call.engagementId = data.engagementId;
      if ($("answer").disabled) {
        window.cti.callAnswered({ externalCallId: call.externalCallId });
        status("In call");
      }
    },
    onCreateEngagementFailed: (data) => {
      log("onCreateEngagementFailed", data);
      fail("The call could not be logged", data);
    },
    onUpdateEngagementSucceeded: (data) => log("onUpdateEngagementSucceeded", data),
    onUpdateEngagementFailed: (data) => {
      log("onUpdateEngagementFailed", data);
      fail("The call's notes could not be saved", data);
    },
    onCallerIdMatchSucceeded: (data) => log("onCallerIdMatchSucceeded", data),
    onCallerIdMatchFailed: (data) => log("onCallerIdMatchFailed", data),
    onVisibilityChanged: (data) => log("onVisibilityChanged", data),
    onEndCall: (data) => {
      log("onEndCall", data);
      hangUp($("answer").disabled ? "COMPLETED" : "REJECTED");
    },
    onNavigateToRecordFailed: (data) => log("onNavigateToRecordFailed", data),
  };
  window.cti = new CallingExtensions({ debugMode: false, eventHandlers });

  $("ring").addEventListener("click", () => {
    call = newCall();
    window.cti.incomingCall({ externalCallId: call.externalCallId, fromNumber: $("from-number").value,
      toNumber: "+18885550140", callStartTime: Date.now(), createEngagement: true });
    $("answer").disabled = false;
    status(`Ringing: ${$("from-number").value}`);
  });
  $("answer").addEventListener("click", () => {
    if (!call) return;
    window.cti.callAnswered({ externalCallId: call.externalCallId });
    $("answer").disabled = true;
    status("In call");
  });
})(window.default);
