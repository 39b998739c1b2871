// The bridge between one calling app's iframe and its engine session: it creates the iframe
// (the official id and a wider `allow` list, docs/protocol.md#the-iframe), reports every `load`, runs the SYNC
// loop the engine asks for, forwards accepted app messages, reports refused ones, and posts
// what the engine tells it to post. It decides nothing about the protocol.
//
// Origins: posts go to the exact target origin the engine names, never "*". An app message
// is accepted only from the iframe's window and the expected origin: before the handshake the
// SYNC target origin, after it the origin the engine confirms in `synced`; `loadUrl` (an
// accepted SET_WIDGET_URL) moves the expectation to the new origin before the new load.

import { classify, rateLimiter, toJsonValue } from "./inbound.js";
import { SyncLoop } from "./sync.js";

/** @typedef {import("./types.js").PageInput} PageInput */
/** @typedef {import("./types.js").UiCommand} UiCommand */

export const IFRAME_ID = "hubspot-calling-extension-iframe";

/** Every live bridge of the page: a message from another bridge's iframe is its business. */
const bridges = new Set();
export const IFRAME_ALLOW = "microphone; autoplay; speaker-selection";

export class Bridge {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container  where the iframe lives
   * @param {(input: PageInput) => void} options.send
   */
  constructor(options) {
    this.options = options;
    /** @type {HTMLIFrameElement | null} */
    this.iframe = null;
    /** @type {string | null} the origin app messages must come from */
    this.appOrigin = null;
    this.synced = false;
    this.allowDrop = rateLimiter(20, 1_000);
    this.sync = new SyncLoop({
      post: (message, targetOrigin) => this.post(message, targetOrigin),
      onGiveUp: () => this.options.send({ kind: "syncFailed" }),
    });
    this.onMessage = this.onMessage.bind(this);
    window.addEventListener("message", this.onMessage);
    bridges.add(this);
  }

  /**
   * Creates the iframe (once per session).
   * @param {string} url
   * @param {number | string} width
   * @param {number | string} height
   */
  mount(url, width, height) {
    this.appOrigin = originOf(url);
    const iframe = document.createElement("iframe");
    iframe.id = IFRAME_ID;
    iframe.setAttribute("allow", IFRAME_ALLOW);
    iframe.title = "Calling app";
    iframe.addEventListener("load", () => this.onLoad());
    iframe.addEventListener("error", () => this.options.send({ kind: "syncFailed" }));
    this.iframe = iframe;
    this.resize(formatSize(width), formatSize(height));
    iframe.src = url;
    this.options.container.replaceChildren(iframe);
  }

  /** Loads the app again (the Retry of "app failed to load"). */
  reload() {
    if (!this.iframe) return;
    this.sync.stop();
    // Setting src, even to the same URL, navigates the iframe again and fires `load`.
    this.iframe.src = this.iframe.src;
  }

  onLoad() {
    if (!this.iframe) return;
    // A load is a new app instance (or none at all): the handshake starts over.
    this.synced = false;
    this.sync.stop();
    this.options.send({ kind: "loaded" });
  }

  /**
   * Carries out a `post` output.
   * @param {unknown} message
   * @param {string} targetOrigin
   */
  post(message, targetOrigin) {
    const target = this.iframe?.contentWindow;
    if (!target || !targetOrigin || targetOrigin === "*") return;
    target.postMessage(message, targetOrigin);
  }

  /**
   * The bridge's share of UI commands; returns false for the ones it does not own.
   * @param {UiCommand} command
   */
  handle(command) {
    switch (command.command) {
      case "startSync":
        this.synced = false;
        this.appOrigin = command.targetOrigin;
        this.sync.start(command.fields, command.targetOrigin);
        return true;
      case "synced":
        this.sync.stop();
        this.synced = true;
        this.appOrigin = command.appOrigin;
        return true;
      case "loadUrl":
        this.sync.stop();
        this.synced = false;
        this.appOrigin = command.appOrigin;
        if (this.iframe) this.iframe.src = command.url;
        return true;
      case "resize":
        this.resize(command.width, command.height);
        return true;
      default:
        return false;
    }
  }

  /**
   * Sizes the iframe; values are CSS lengths, already formatted (docs/protocol.md#widget-size); null keeps one.
   * @param {string | null} width
   * @param {string | null} height
   */
  resize(width, height) {
    if (!this.iframe) return;
    if (width) {
      this.iframe.setAttribute("width", width);
      this.iframe.style.width = width;
    }
    if (height) {
      this.iframe.setAttribute("height", height);
      this.iframe.style.height = height;
    }
  }

  /** @param {MessageEvent} event */
  onMessage(event) {
    const frameWindow = this.iframe?.contentWindow ?? null;
    const expected = this.synced ? this.appOrigin : (this.sync.targetOrigin ?? this.appOrigin);
    const verdict = classify(event, frameWindow, expected);
    if (verdict === "ignore") return;
    if (verdict === "source" && [...bridges].some((b) => b !== this && b.iframe?.contentWindow === event.source)) return;
    let message;
    try {
      message = toJsonValue(event.data);
    } catch {
      console.warn("callhost: a message that cannot be forwarded", event.data);
      return;
    }
    if (verdict === "accept") {
      if (isSyncAck(message)) this.sync.stop();
      this.options.send({ kind: "app", message, origin: event.origin });
    } else if (this.allowDrop()) {
      this.options.send({ kind: "dropped", message, origin: event.origin, reason: verdict });
    }
  }

  /** Removes the iframe and stops listening (the session ended). */
  destroy() {
    this.sync.stop();
    window.removeEventListener("message", this.onMessage);
    bridges.delete(this);
    this.iframe?.remove();
    this.iframe = null;
  }
}

/** @param {unknown} message */
function isSyncAck(message) {
  return Boolean(message && typeof message === "object" && /** @type {any} */ (message).type === "SYNC_ACK");
}

/**
 * `IFrameManager.formatSize`: a number becomes `<n>px`, a string is used as is, 0 is none.
 * @param {number | string | null | undefined} value
 */
export function formatSize(value) {
  if (!value) return null;
  return typeof value === "number" ? `${value}px` : value;
}

/** @param {string} url */
function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
