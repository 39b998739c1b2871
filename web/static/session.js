// One engine session of the page: the WebSocket to the server's widget session (socket.js),
// the bridge to the app's iframe (bridge.js), and resuming after a reload. Every iframe
// location runs its app through one of these: the widget and the calling window (calling.js)
// and the calling remote (remote.js); they differ only in how they show the UI commands.
//
// Posts, the bridge's own UI commands (startSync, synced, loadUrl, resize), alerts and
// navigation to a record are carried out here, the same for every location; every other UI
// command goes to `onUi`. The session id is kept in sessionStorage per
// location, so a full reload of the page resumes the same engine session (its new SYNC then
// carries the live call's engagementId). The calling window has a key of its own: a popup
// starts with a copy of its opener's sessionStorage and must not take over the opener's
// widget session.

import { dismissLoggedOutAlert, showAlert } from "./alerts.js";
import { Bridge } from "./bridge.js";
import { recordPath } from "./routes.js";
import { SessionSocket } from "./socket.js";

/** @typedef {import("./host-types.js").Provider} Provider */
/** @typedef {import("./types.js").IframeLocation} IframeLocation */
/** @typedef {import("./types.js").PageInput} PageInput */
/** @typedef {import("./types.js").PageOutput} PageOutput */
/** @typedef {import("./types.js").UiCommand} UiCommand */

/** @type {Record<IframeLocation, string>} */
const STORAGE_KEYS = {
  widget: "callhost:session",
  remote: "callhost:remote-session",
  window: "callhost:window-session",
};

export class PageSession {
  /**
   * Opens a session (or resumes the one this location ran the same provider in before a
   * reload) and mounts the app's iframe in `container` once the server greets it.
   * @param {object} options
   * @param {Provider} options.provider
   * @param {IframeLocation} options.location
   * @param {HTMLElement} options.container  where the iframe lives
   * @param {number} options.portalId  the portal whose records `navigate` opens
   * @param {(path: string) => void} options.navigate  in-page navigation
   * @param {boolean} [options.resume]  resume the remembered session, if it ran this provider
   * @param {(command: UiCommand) => void} options.onUi  the UI commands this module does not carry out
   * @param {(connected: boolean) => void} [options.onStatus]
   * @param {(appId: number) => void} [options.onSelectApp]  the automation API picked an app
   * @param {() => void} [options.onSynced]  the app finished the SDK handshake
   */
  constructor(options) {
    this.options = options;
    this.provider = options.provider;
    /** whether the app finished the SDK handshake (set by its owner) */
    this.synced = false;
    /** @type {string | null} what callhost found about an app that has not answered */
    this.loadProblem = null;
    const saved = options.resume ? recall(options.location) : null;
    this.bridge = new Bridge({ container: options.container, send: (input) => this.send(input) });
    this.socket = new SessionSocket({
      sessionId: saved?.key === this.provider.key ? saved.sessionId : null,
      url: (sessionId) => socketUrl(this.provider, options.location, sessionId),
      onSession: (sessionId, config, resumed) => {
        remember(options.location, { key: this.provider.key, sessionId });
        if (!this.bridge.iframe) this.bridge.mount(config.appUrl || this.provider.url, this.provider.width, this.provider.height);
        else if (!resumed) this.bridge.reload();
      },
      onOutput: (output) => this.onOutput(output),
      onStatus: options.onStatus,
    });
  }

  /** The URL the app's frame loads. */
  get appUrl() {
    return this.bridge.iframe?.src ?? this.provider.url;
  }

  /** The engine session's id, once the server greeted the page. */
  get id() {
    return this.socket.sessionId;
  }

  /** @param {PageInput} input */
  send(input) {
    this.socket.send(input);
  }

  /** Loads the app again (the Retry of "app failed to load"). */
  reload() {
    this.bridge.reload();
  }

  /** Ends the session for good (another provider was chosen): nothing resumes it. */
  end() {
    this.socket.close();
    this.bridge.destroy();
    forget(this.options.location);
  }

  /** @param {PageOutput} output */
  onOutput(output) {
    switch (output.kind) {
      case "post":
        this.bridge.post(output.message, output.targetOrigin);
        break;
      case "ui":
        if (!this.bridge.handle(output)) this.onUi(output);
        else if (output.command === "synced") this.options.onSynced?.();
        break;
      case "selectApp":
        this.options.onSelectApp?.(output.appId);
        break;
      case "refused":
        console.warn(`callhost refused a frame: ${output.message}`);
        break;
      default:
        break;
    }
  }

  /** @param {UiCommand} command */
  onUi(command) {
    switch (command.command) {
      case "alert":
        showAlert(command.message, { loggedOut: command.loggedOut });
        break;
      case "appStatus":
        if (command.loggedIn) dismissLoggedOutAlert();
        this.options.onUi(command);
        break;
      case "navigate": {
        const path = recordPath(this.options.portalId, command.objectTypeId, command.objectId);
        if (command.newTab) window.open(path, "_blank", "noopener");
        else this.options.navigate(path);
        break;
      }
      default:
        this.options.onUi(command);
    }
  }
}

/**
 * The provider this location's session of the previous page load ran, if any.
 * @param {IframeLocation} location
 */
export function rememberedProviderKey(location) {
  return recall(location)?.key ?? null;
}

/**
 * @param {Provider} provider
 * @param {IframeLocation} location
 * @param {string | null} sessionId
 */
function socketUrl(provider, location, sessionId) {
  const url = new URL("/host/ws", window.location.href);
  url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("appId", String(provider.appId));
  url.searchParams.set("location", location);
  if (provider.urlOverride) url.searchParams.set("url", provider.urlOverride);
  if (sessionId) url.searchParams.set("session", sessionId);
  return url.toString();
}

/**
 * @param {IframeLocation} location
 * @param {{key: string, sessionId: string}} saved
 */
function remember(location, saved) {
  try {
    sessionStorage.setItem(STORAGE_KEYS[location], JSON.stringify(saved));
  } catch {
    // No storage: a reload starts a new session.
  }
}

/** @param {IframeLocation} location */
function forget(location) {
  try {
    sessionStorage.removeItem(STORAGE_KEYS[location]);
  } catch {
    // Nothing kept.
  }
}

/**
 * @param {IframeLocation} location
 * @returns {{key: string, sessionId: string} | null}
 */
function recall(location) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEYS[location]) ?? "null");
    return saved && typeof saved.key === "string" && typeof saved.sessionId === "string" ? saved : null;
  } catch {
    return null;
  }
}
