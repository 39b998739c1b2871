// One action per SDK method: what each button sends, built from the form. Every method of
// CallingExtensions appears here, so the demo exercises the whole app-to-host surface.

import { checked, newCallId, number, setText, text } from "./form.js";

/** @typedef {import("/sdk/calling-extensions-sdk.esm.js").default} CallingExtensions */

/** The current call's ids, read from the form (the handlers keep the form up to date). */
function callIds() {
  return { externalCallId: text("external-call-id"), engagementId: number("engagement-id") };
}

/**
 * The numbers of the last call started here, for its completion.
 * @type {{ fromNumber: string, toNumber: string } | null}
 */
let current = null;

/**
 * The call whose CALL_COMPLETED awaits its UPDATE_ENGAGEMENT_SUCCEEDED, to be finalized then.
 * @type {{ externalCallId: string, engagementId: number } | null}
 */
let completing = null;

/**
 * The completed call to finalize once the host confirms the update of `engagementId`, taken
 * (so it is finalized once), or null when that update was not a completion.
 * @param {unknown} engagementId
 */
export function takeCompleted(engagementId) {
  if (!completing || String(completing.engagementId) !== String(engagementId)) return null;
  const call = completing;
  completing = null;
  return call;
}

/**
 * @param {CallingExtensions} cti
 * @returns {Array<[name: string, run: () => unknown]>} method name and what to send
 */
export function actions(cti) {
  return [
    ["initialized", () => cti.initialized({ isLoggedIn: true, engagementId: number("engagement-id") })],
    ["userLoggedIn", () => cti.userLoggedIn()],
    ["userLoggedOut", () => cti.userLoggedOut()],
    ["userAvailable", () => cti.userAvailable()],
    ["userUnavailable", () => cti.userUnavailable()],
    ["outgoingCall", () => startOutgoingCall(cti)],
    [
      "incomingCall",
      () => {
        const externalCallId = newCallId();
        setText("external-call-id", externalCallId);
        setText("engagement-id", undefined);
        // The caller is the phone field; the number called is the chosen line of ours (a
        // help-desk number the demo backend offers), else the From number.
        const call = { externalCallId, fromNumber: text("phone"), toNumber: text("line") || text("from"), callStartTime: Date.now(), createEngagement: true };
        cti.incomingCall(call);
        current = call;
        return call;
      },
    ],
    ["callAnswered", () => cti.callAnswered({ externalCallId: text("external-call-id") })],
    ["callEnded", () => endCall(cti)],
    [
      "callCompleted",
      () => {
        const { externalCallId, engagementId } = callIds();
        const data = {
          externalCallId,
          engagementId,
          hideWidget: checked("hide-widget"),
          engagementProperties: {
            hs_timestamp: Date.now(),
            hs_call_body: text("notes"),
            hs_call_status: "COMPLETED",
            // The numbers as the call started (an incoming call rang one of our lines).
            hs_call_to_number: current?.toNumber ?? text("phone"),
            hs_call_from_number: current?.fromNumber ?? text("from"),
          },
        };
        cti.callCompleted(data);
        completing = engagementId === undefined ? null : { externalCallId, engagementId };
        return data;
      },
    ],
    ["callTransferred", () => cti.callTransferred({ externalCallId: text("external-call-id") })],
    [
      "navigateToRecord",
      () => {
        const portalId = Number(document.body.dataset.portalId) || 0;
        const objectTypeId = /** @type {"0-1" | "0-2"} */ (text("object-type"));
        const data = {
          engagementId: number("engagement-id"),
          objectCoordinates: { portalId, objectId: number("object-id") ?? 0, objectTypeId },
        };
        cti.navigateToRecord(data);
        return data;
      },
    ],
    ["callData", () => cti.callData({ externalCallId: text("external-call-id"), note: text("notes") })],
    ["sendError", () => cti.sendError({ message: text("error-message") })],
    ["resizeWidget", () => cti.resizeWidget({ width: number("width") ?? 400, height: number("height") ?? 600 })],
    ["publishToChannel", () => cti.publishToChannel(/** @type {any} */ (callIds()))],
    ["finalizeEngagement", () => cti.finalizeEngagement(/** @type {any} */ (callIds()))],
    ["setWidgetUrl", () => cti.setWidgetUrl({ iFrameUrl: text("widget-url") || window.location.href })],
    [
      "sendMessage",
      () => {
        const message = JSON.parse(text("custom"));
        cti.sendMessage(message);
        return message;
      },
    ],
    ["logDebugMessage", () => cti.logDebugMessage({ message: text("notes"), type: "Demo" })],
  ];
}

/**
 * Starts an outbound call to the form's number, asking the host to log it.
 * @param {CallingExtensions} cti
 */
export function startOutgoingCall(cti) {
  const externalCallId = newCallId();
  setText("external-call-id", externalCallId);
  setText("engagement-id", undefined);
  const call = { externalCallId, toNumber: text("phone"), fromNumber: text("from"), callStartTime: Date.now(), createEngagement: true };
  cti.outgoingCall(call);
  current = call;
  return call;
}

/**
 * Ends the current call with the chosen end status.
 * @param {CallingExtensions} cti
 */
export function endCall(cti) {
  const { externalCallId, engagementId } = callIds();
  const callEndStatus = /** @type {import("/sdk/calling-extensions-sdk.esm.js").EndStatus} */ (text("end-status"));
  const data = { externalCallId, engagementId: /** @type {number} */ (engagementId), callEndStatus };
  cti.callEnded(data);
  return data;
}
