// The demo calling app: a CallingExtensions instance whose every handler logs what the host
// sent, a button per SDK method, and the small amount of call logic a host needs to see a
// realistic call (initialize when ready, take the number from DIAL_NUMBER, keep the
// engagement id the host created, hang up on END_CALL).
//
// It loads the SDK from its own origin (`/sdk/`), so it runs unchanged under callhost and
// under any page that hosts it with the official SDK's IFrameManager.

import CallingExtensions from "/sdk/calling-extensions-sdk.esm.js";
import { actions, endCall, startOutgoingCall, takeCompleted } from "./actions.js";
import { logEvent, logNote } from "./event-log.js";
import { checked, setText } from "./form.js";

const log = /** @type {HTMLOListElement} */ (document.getElementById("event-log"));
const status = /** @type {HTMLElement} */ (document.getElementById("status"));
const debugMode = new URLSearchParams(window.location.search).has("debug");

/** @param {string} text */
function setStatus(text) {
  status.textContent = text;
}

/** @type {CallingExtensions} */
let cti;

/**
 * Wraps a handler so every call is logged before the app reacts to it.
 * @param {string} name
 * @param {(data: any) => void} [react]
 */
const handler =
  (name, react) =>
  (/** @type {any} */ data, /** @type {any} */ message) => {
    logEvent(log, name, data, message);
    if (react) react(data);
  };

/** @param {any} data */
function keepEngagementId(data) {
  if (data && data.engagementId !== undefined) setText("engagement-id", data.engagementId);
}

/**
 * Once the host has logged a completed call, finalizes it (FINALIZE_ENGAGEMENT), as a
 * help-desk app does so that a call into a help-desk number ends in its ticket.
 * @param {any} data
 */
function finalizeCompleted(data) {
  const call = takeCompleted(data && data.engagementId);
  if (!call || !checked("finalize")) return;
  cti.finalizeEngagement(/** @type {any} */ (call));
  logNote(log, `finalizeEngagement(${JSON.stringify(call)})`);
}

const eventHandlers = {
  onReady: handler("onReady", (data) => {
    const { portalId, iframeLocation, hostUrl, engagementId } = data || {};
    if (portalId !== undefined) document.body.dataset.portalId = String(portalId);
    keepEngagementId(data);
    setStatus(`ready${hostUrl ? ` (${hostUrl}${iframeLocation ? `, ${iframeLocation}` : ""})` : ""}`);
    cti.initialized({ isLoggedIn: true, engagementId });
  }),
  onDialNumber: handler("onDialNumber", (data) => {
    const number = data && (data.phoneNumber || data.phone_number);
    if (number) setText("phone", number);
    if (checked("auto-dial")) startOutgoingCall(cti);
  }),
  onEngagementCreated: handler("onEngagementCreated", keepEngagementId),
  onCreateEngagementSucceeded: handler("onCreateEngagementSucceeded", keepEngagementId),
  onCreateEngagementFailed: handler("onCreateEngagementFailed"),
  onUpdateEngagementSucceeded: handler("onUpdateEngagementSucceeded", finalizeCompleted),
  onUpdateEngagementFailed: handler("onUpdateEngagementFailed"),
  onCallerIdMatchSucceeded: handler("onCallerIdMatchSucceeded"),
  onCallerIdMatchFailed: handler("onCallerIdMatchFailed"),
  onNavigateToRecordFailed: handler("onNavigateToRecordFailed"),
  onPublishToChannelSucceeded: handler("onPublishToChannelSucceeded"),
  onPublishToChannelFailed: handler("onPublishToChannelFailed"),
  onFinalizeEngagementSucceeded: handler("onFinalizeEngagementSucceeded"),
  onFinalizeEngagementFailed: handler("onFinalizeEngagementFailed"),
  onInitiateCallIdSucceeded: handler("onInitiateCallIdSucceeded"),
  onInitiateCallIdFailed: handler("onInitiateCallIdFailed"),
  onSetWidgetUrlFailed: handler("onSetWidgetUrlFailed"),
  onSetCallState: handler("onSetCallState"),
  onVisibilityChanged: handler("onVisibilityChanged"),
  onEndCall: handler("onEndCall", () => endCall(cti)),
  onFailed: handler("onFailed"),
  // The SDK calls the literal key "FAILED" for every *_FAILED message, before its handler.
  FAILED: handler("FAILED"),
  defaultEventHandler: handler("defaultEventHandler"),
};

cti = new CallingExtensions({ debugMode, eventHandlers });

const buttons = /** @type {HTMLElement} */ (document.getElementById("methods"));
for (const [name, run] of actions(cti)) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = name;
  button.dataset.testid = `sdk-${name}`;
  button.addEventListener("click", () => {
    try {
      const sent = run();
      logNote(log, `${name}(${sent === undefined ? "" : JSON.stringify(sent)})`);
    } catch (error) {
      logNote(log, `${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  buttons.append(button);
}

/** @type {HTMLElement} */ (document.getElementById("clear-log")).addEventListener("click", () => {
  log.textContent = "";
});
