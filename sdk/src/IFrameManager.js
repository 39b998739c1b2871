// The messenger: one window's end of the postMessage channel, in app mode (inside the
// iframe, talking to `window.parent`) or in host mode (with `iFrameOptions`: it creates the
// iframe and talks to its `contentWindow`).
//
// Invariants, all from the official SDK and relied on by hosts and apps:
// - Incoming messages go through one pipeline, in this order: SYNC (handshake, any origin,
//   first one only) -> exact origin check against `destinationHost` -> drop without
//   `messageId` or `type` -> debug log -> SET_WIDGET_URL (switch origin, READY again) ->
//   responses to our own ids (`instanceRegexp`) run their callback and are swallowed ->
//   everything else goes to `onMessageHandler`.
// - Nothing but SYNC is sent before the handshake completes; such sends are dropped with a
//   warning, never queued.
// - Every post names `destinationHost` as its target origin, never "*".
//
// Deliberate differences (see README): ids come from a counter (`message-id.js`), and the
// iframe's load-error callback is bound, so a load error reaches the handler as
// SYNC_ACK_FAILED instead of throwing.

import { debugMessageType, messageType } from "./constants.js";
import { logDebug, prefix } from "./debug-log.js";
import { SYNC_RETRY_MS, SYNC_TIMEOUT_MS, readyData, syncAck, syncMessage } from "./handshake.js";
import { createIFrame, formatSize, getHostElement } from "./iframe.js";
import { createMessageId } from "./message-id.js";
import { extractHostFromUrl, getDestinationHost } from "./origin.js";

/** @typedef {import("./types.js").IframeManagerOptions} IframeManagerOptions */
/** @typedef {import("./types.js").IframeOptions} IframeOptions */
/** @typedef {import("./types.js").SizeInfo} SizeInfo */

class IFrameManager {
  /** @param {IframeManagerOptions} options */
  constructor(options) {
    /** @type {number} */
    this.firstSyncSent = 0;
    /** @type {IframeManagerOptions | null} */
    this.options = options;
    const { iFrameOptions, onMessageHandler, debugMode } = options;

    /** @type {IframeManagerOptions["onMessageHandler"]} */
    this.onMessageHandler = onMessageHandler;
    if (!this.onMessageHandler) {
      throw new Error("Invalid options: onMessageHandler is not defined");
    }
    /** @type {boolean} */
    this.isIFrameHost = !!iFrameOptions;
    /** @type {boolean} */
    this.debugMode = debugMode;
    /** Callbacks waiting for a response, by the id of the request. @type {{[key: string]: Function}} */
    this.callbacks = {};
    /** @type {number} */
    this.instanceId = Date.now();
    /** @type {RegExp} */
    this.instanceRegexp = new RegExp(`^${this.instanceId}`);
    /** @type {boolean} */
    this.isReady = false;

    // Listening starts now, not lazily: a host may SYNC as soon as the page has loaded.
    /** @type {(event: any) => void} */
    this.messageHandler = (event) => this.onMessage(event);
    window.addEventListener("message", this.messageHandler);

    /** @type {HTMLIFrameElement | null} */
    this.iFrame = iFrameOptions
      ? IFrameManager.createIFrame(
          iFrameOptions,
          () => {
            // Every load (first load, reload, navigation) restarts the handshake.
            this.firstSyncSent = Date.now();
            this.isReady = false;
            this.sendSync();
          },
          () => this.handleLoadError(),
        )
      : null;

    /** @type {Window | null} */
    this.destinationWindow =
      iFrameOptions && this.iFrame ? this.iFrame.contentWindow : window.parent;
    /** @type {string} */
    this.destinationHost = IFrameManager.getDestinationHost(iFrameOptions);
  }

  /**
   * Creates a new message id.
   * @param {string | number} instanceId
   * @returns {string}
   */
  static createMessageId(instanceId) {
    return createMessageId(instanceId);
  }

  /**
   * Gets the html element that hosts the iFrame.
   * @param {string} hostElementSelector
   * @returns {Element}
   */
  static getHostElement(hostElementSelector) {
    return getHostElement(hostElementSelector);
  }

  /**
   * @param {string} url
   * @returns {string}
   */
  static extractHostFromUrl(url) {
    return extractHostFromUrl(url);
  }

  /**
   * @param {IframeOptions | undefined} iFrameOptions
   * @returns {string}
   */
  static getDestinationHost(iFrameOptions) {
    return getDestinationHost(iFrameOptions);
  }

  /** Reports a failed iframe load to the handler as a local SYNC_ACK_FAILED. */
  handleLoadError() {
    this.onMessageHandler({ type: messageType.SYNC_ACK_FAILED });
  }

  /**
   * @param {IframeOptions} iFrameOptions
   * @param {(event: Event) => void} onLoadCallback
   * @param {OnErrorEventHandler} onLoadErrorCallback
   * @returns {HTMLIFrameElement | null}
   */
  static createIFrame(iFrameOptions, onLoadCallback, onLoadErrorCallback) {
    return createIFrame(iFrameOptions, onLoadCallback, onLoadErrorCallback);
  }

  /**
   * Sets the iframe's width and height attributes; 0 or a missing value leaves one unchanged.
   * @param {SizeInfo} sizeInfo
   */
  updateIFrameSize(sizeInfo) {
    const { width, height } = sizeInfo;
    if (this.iFrame) {
      if (width) {
        this.iFrame.setAttribute("width", IFrameManager.formatSize(width));
      }
      if (height) {
        this.iFrame.setAttribute("height", IFrameManager.formatSize(height));
      }
    }
  }

  /**
   * @param {number | string} size
   * @returns {string}
   */
  static formatSize(size) {
    return formatSize(size);
  }

  /** Marks the channel ready and emits the local READY event. */
  onReady(data = {}) {
    this.isReady = true;
    this.onMessageHandler({ type: messageType.READY, data });
  }

  /** Stops listening and, in host mode, removes the iframe. */
  remove() {
    window.removeEventListener("message", this.messageHandler);
    if (this.iFrame && this.options && this.options.iFrameOptions) {
      IFrameManager.getHostElement(this.options.iFrameOptions.hostElementSelector).textContent =
        "";
      this.isReady = false;
      this.iFrame = null;
      this.options = null;
    }
  }

  /**
   * Sends a message to the other window. A message without an id gets a new one, and the
   * callback (if any) waits for the response carrying that id.
   * @param {{type: string, messageId?: string | number, hostUrl?: string}} message
   * @param {Function} [callback]
   */
  sendMessage(message, callback) {
    const { type } = message;
    if (type !== messageType.SYNC && !this.isReady) {
      console.warn(prefix, "iFrame not initialized to send a message within HubSpot", message);
      return;
    }

    let { messageId } = message;
    if (!messageId) {
      messageId = IFrameManager.createMessageId(this.instanceId);
      if (callback) {
        this.callbacks[messageId] = callback;
      }
    }

    const newMessage = Object.assign({}, message, { messageId });
    this.logDebugMessage(prefix, debugMessageType.TO_HUBSPOT, type, message);
    if (this.destinationWindow) {
      this.destinationWindow.postMessage(newMessage, this.destinationHost);
    }
  }

  /**
   * The incoming pipeline; see the module comment for its order.
   * @param {{data: any, origin?: any}} event
   */
  onMessage(event) {
    const { data, origin } = event;
    const { type } = event.data;

    if (type === messageType.SYNC) {
      if (!this.isReady) {
        this.isReady = true;
        const ack = syncAck(data, this.debugMode);
        this.destinationHost = data.hostUrl || this.destinationHost;
        this.logDebugMessage(prefix, debugMessageType.FROM_HUBSPOT, type, data);
        this.sendMessage(ack);
        this.onReady(readyData(data));
      }
      return;
    }

    if (this.destinationHost !== origin) {
      return;
    }

    const { messageId } = data;
    if (!messageId || !type) {
      return;
    }

    this.logDebugMessage(prefix, debugMessageType.FROM_HUBSPOT, type, data);

    if (type === messageType.SET_WIDGET_URL) {
      const { iFrameUrl } = data;
      this.destinationHost = iFrameUrl || this.destinationHost;
      this.onReady({ iFrameUrl });
      return;
    }

    if (this.instanceRegexp.test(messageId)) {
      // A response to one of our own requests: run its callback; never dispatch it.
      const callback = this.callbacks[messageId];
      if (callback) {
        callback(data);
        delete this.callbacks[messageId];
      }
      return;
    }

    this.onMessageHandler(data);
  }

  /** Host mode: posts one SYNC and schedules the next, until READY or the timeout. */
  sendSync() {
    if (Date.now() - this.firstSyncSent > SYNC_TIMEOUT_MS) {
      this.onMessageHandler({ type: messageType.SYNC_ACK_FAILED });
      return;
    }

    this.sendMessage(syncMessage(), (/** @type {{debugMode?: any, iFrameUrl?: any}} */ ack) => {
      this.destinationHost = ack.iFrameUrl || this.destinationHost;
      this.onReady();
      // The host logs the way the app asked to (its debugMode comes back in the ACK).
      this.debugMode = ack && ack.debugMode;
    });

    // An app may load the SDK asynchronously: keep asking until it answers.
    window.setTimeout(() => {
      if (this.iFrame && !this.isReady) {
        this.sendSync();
      }
    }, SYNC_RETRY_MS);
  }

  /** @param {any[]} args */
  logDebugMessage(...args) {
    logDebug(this.debugMode, args);
  }
}

export default IFrameManager;
