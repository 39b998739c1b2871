// The app-facing API: one method per app-to-host message, and the dispatch of host messages
// to the app's event handlers.
//
// Dispatch rules (official 0.9.7, reproduced exactly; see README):
// 1. A type in `messageHandlerNames` goes to `eventHandlers[name]` if the app defined it.
// 2. Any other type is first answered with ERROR {type: UNKNOWN_MESSAGE_TYPE, data:
//    {originalMessage}}; a host must therefore never answer ERROR with ERROR.
// 3. A type ending in "_FAILED" also goes to `eventHandlers.FAILED` (the literal key
//    "FAILED", not `onFailed`), before the specific handler.
// 4. With no specific handler, `defaultEventHandler` gets it; with neither, console.error.
// Handlers are called as plain functions: `handler(data, message)`.

import { debugMessageType, errorType, messageHandlerNames, messageType } from "./constants.js";
import { prefix } from "./debug-log.js";
import IFrameManager from "./IFrameManager.js";

/** @typedef {import("./types.js").EventHandlers} EventHandlers */

class CallingExtensions {
  /** @param {import("./types.js").Options} options */
  constructor(options) {
    if (!options || !options.eventHandlers) {
      throw new Error("Invalid options or missing eventHandlers.");
    }
    /** @type {import("./types.js").Options} */
    this.options = options;
    /** @type {IFrameManager} */
    this.iFrameManager = new IFrameManager({
      iFrameOptions: options.iFrameOptions,
      debugMode: options.debugMode,
      onMessageHandler: (/** @type {any} */ event) => this.onMessageHandler(event),
    });
  }

  /**
   * Tells the host the app is ready for interaction.
   * @param {import("./types.js").OnInitialized} payload
   */
  initialized(payload) {
    this.sendMessage({ type: messageType.INITIALIZED, data: payload });
  }

  /** The user became available for inbound calls. */
  userAvailable() {
    this.sendMessage({ type: messageType.USER_AVAILABLE });
  }

  /** The user became unavailable for inbound calls. */
  userUnavailable() {
    this.sendMessage({ type: messageType.USER_UNAVAILABLE });
  }

  /** The user logged in to the calling app. */
  userLoggedIn() {
    this.sendMessage({ type: messageType.LOGGED_IN });
  }

  /** The user logged out of the calling app. */
  userLoggedOut() {
    this.sendMessage({ type: messageType.LOGGED_OUT });
  }

  /**
   * An inbound call is ringing.
   * @param {import("./types.js").OnIncomingCall} callInfo
   */
  incomingCall(callInfo) {
    this.sendMessage({ type: messageType.INCOMING_CALL, data: callInfo });
  }

  /**
   * An outbound call has started.
   * @param {import("./types.js").OnOutgoingCall} callInfo
   */
  outgoingCall(callInfo) {
    this.sendMessage({ type: messageType.OUTGOING_CALL_STARTED, data: callInfo });
  }

  /**
   * A call was answered.
   * @param {import("./types.js").OnCallAnswered} payload
   */
  callAnswered(payload) {
    this.sendMessage({ type: messageType.CALL_ANSWERED, data: payload });
  }

  /**
   * A call was transferred away from this user.
   * @param {import("./types.js").OnCallTransferred} payload
   */
  callTransferred(payload) {
    this.sendMessage({ type: messageType.CALL_TRANSFERRED, data: payload });
  }

  /**
   * Asks the host to open a record page.
   * @param {import("./types.js").OnNavigateToRecord} payload
   */
  navigateToRecord(payload) {
    this.sendMessage({ type: messageType.NAVIGATE_TO_RECORD, data: payload });
  }

  /**
   * Legacy free-form call data.
   * @param {any} payload
   */
  callData(payload) {
    this.sendMessage({ type: messageType.CALL_DATA, data: payload });
  }

  /**
   * The call has ended.
   * @param {import("./types.js").OnCallEnded} data
   */
  callEnded(data) {
    this.sendMessage({ type: messageType.CALL_ENDED, data });
  }

  /**
   * The user is done with the call (notes, disposition); the host logs it.
   * @param {import("./types.js").OnCallCompleted} data
   */
  callCompleted(data) {
    this.sendMessage({ type: messageType.CALL_COMPLETED, data });
  }

  /**
   * Asks the host to show an error to the user.
   * @param {import("./types.js").OnError} data
   */
  sendError(data) {
    this.sendMessage({ type: messageType.ERROR, data });
  }

  /**
   * Asks the host to resize the app's iframe.
   * @param {import("./types.js").OnResize} data
   */
  resizeWidget(data) {
    this.sendMessage({ type: messageType.RESIZE_WIDGET, data });
  }

  /**
   * Sends any message as given (custom or legacy shapes).
   * @param {import("./types.js").OnMessage} message
   */
  sendMessage(message) {
    this.iFrameManager.sendMessage(message);
  }

  /**
   * Logs through the SDK's debug logger.
   * @param {{message: string, type: string}} param0
   */
  logDebugMessage({ message, type = debugMessageType.GENERIC_MESSAGE }) {
    this.iFrameManager.logDebugMessage(prefix, type, message);
  }

  /**
   * Dispatches one host message to the event handlers; see the module comment.
   * @param {{type: keyof EventHandlers, data: any}} event
   */
  onMessageHandler(event) {
    const { type, data } = event;
    const { eventHandlers } = this.options;
    /** @type {Function | undefined} */
    let handler;

    if (type in messageHandlerNames) {
      const name = messageHandlerNames[type];
      if (name in eventHandlers) {
        handler = eventHandlers[name];
      }
    } else {
      this.sendMessage({
        type: messageType.ERROR,
        data: { type: errorType.UNKNOWN_MESSAGE_TYPE, data: { originalMessage: event } },
      });
    }

    if (String(type).endsWith("_FAILED")) {
      const failedHandler = eventHandlers[/** @type {keyof EventHandlers} */ (messageType.FAILED)];
      if (failedHandler) {
        failedHandler(data, event);
      }
    }

    handler = handler || eventHandlers.defaultEventHandler;
    if (handler) {
      handler(data, event);
    } else {
      console.error(`No event handler is available to handle message of type: ${type}`);
    }
  }

  /**
   * Publishes the call to a connected channel.
   * @deprecated use finalizeEngagement instead
   * @param {import("./types.js").OnPublishToChannel} data
   */
  publishToChannel(data) {
    this.sendMessage({ type: messageType.PUBLISH_TO_CHANNEL, data });
  }

  /**
   * Finalizes the engagement (help-desk channel calls).
   * @param {import("./types.js").OnFinalizeEngagement} data
   */
  finalizeEngagement(data) {
    this.sendMessage({ type: messageType.FINALIZE_ENGAGEMENT, data });
  }

  /**
   * Asks the host to load the app from another URL.
   * @param {import("./types.js").OnSetWidgetUrl} data
   */
  setWidgetUrl(data) {
    this.sendMessage({ type: messageType.SET_WIDGET_URL, data });
  }
}

export default CallingExtensions;
