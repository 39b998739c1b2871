// The calling remote (docs/protocol.md#iframe-locations, docs/protocol.md#inbound-call): for an app that supports inbound calling, every host
// tab runs it in its nav bar (`data-testid="calling-remote"`) in an engine session of its
// own with `location=remote`, so the app can report availability and ring. It shows the
// app's status, the ringing call (`incoming-call`) with the caller's name from the engine's
// `callerMatches` (the number when nothing matched), a button to open the caller's record,
// and Answer (`answer-call`), which opens the remote's panel: the call is answered in the
// app. The engine replies CALLER_ID_MATCH_* and CREATE_ENGAGEMENT_* itself; each call object
// the remote's session writes is reported (`ui:callChanged`) to the tab's record page.
//
// The app's iframe lives in a panel that is only hidden, never removed, and moving between
// pages never reloads the document, so NAVIGATE_TO_RECORD keeps the call; a full reload
// resumes the same session (sessionStorage), whose new SYNC carries the live engagementId.

import { showAlert } from "./alerts.js";
import { Bridge } from "./bridge.js";
import { el, replace } from "./dom.js";
import { recordPath } from "./routes.js";
import { SessionSocket } from "./socket.js";
import { isLive } from "./widget.js";

/** @typedef {import("./types.js").HostContext} HostContext */
/** @typedef {import("./types.js").Provider} Provider */
/** @typedef {import("./types.js").Output} Output */
/** @typedef {import("./types.js").UiCommand} UiCommand */
/** @typedef {import("./types.js").Input} Input */
/** @typedef {import("./types.js").CallPhase} CallPhase */

const SESSION_KEY = "callhost:remote-session";
const WINDOW_NAME = "callhost-calling-window";

/**
 * An inbound call the remote's app reported.
 * @typedef {object} InboundCall
 * @property {string} externalCallId
 * @property {string} fromNumber
 * @property {number | null} engagementId
 * @property {CallPhase | null} state
 * @property {Array<Record<string, unknown>> | null} matches  null until the engine matched
 */

export class CallingRemote {
  /**
   * @param {object} options
   * @param {HostContext} options.context
   * @param {Provider} options.provider
   * @param {HTMLElement} options.mount      where the remote goes in the nav bar
   * @param {(path: string) => void} options.navigate
   * @param {(engagementId: number | null, externalCallId?: string | null) => void} options.onCallsChanged
   *   called when the remote's session changed a call object (`ui:callChanged`), so the
   *   tab's record page reads that call again
   */
  constructor(options) {
    this.options = options;
    this.provider = options.provider;
    /** @type {Map<string, InboundCall>} */
    this.calls = new Map();
    /** @type {string | null} the call shown */
    this.current = null;

    this.status = el("span", { class: "remote-status", "data-testid": "remote-status" }, "Loading…");
    this.toggle = el("button", {
      type: "button", class: "remote-toggle", "data-testid": "remote-toggle", "aria-expanded": "false",
      onclick: () => this.setOpen(this.panel.hidden),
    }, this.provider.name, " ", this.status);
    // With usesCallingWindow the call lives in the calling window, which any tab can open
    // (one window, by name, for the tabs it is opened from).
    this.openWindow = this.provider.usesCallingWindow
      ? el("button", { type: "button", class: "remote-window", "data-testid": "open-calling-window", onclick: () => this.openCallingWindow() }, "Calling window")
      : null;
    this.incoming = el("div", { class: "incoming-call", "data-testid": "incoming-call", role: "status", hidden: true });
    this.frameHost = el("div", { class: "frame-host", "data-testid": "remote-frame" });
    this.panel = el("div", { class: "remote-panel", "data-testid": "remote-panel", hidden: true }, this.frameHost);
    this.root = el("div", {
      class: "calling-remote", "data-testid": "calling-remote", "data-app-id": this.provider.appId,
      "data-location": "remote", "data-uses-calling-window": String(this.provider.usesCallingWindow),
    }, this.toggle, this.openWindow, this.incoming, this.panel);
    options.mount.replaceChildren(this.root);

    this.bridge = new Bridge({ container: this.frameHost, send: (input) => this.send(input) });
    const saved = recall(this.provider.key);
    this.socket = new SessionSocket({
      sessionId: saved,
      url: (sessionId) => this.socketUrl(sessionId),
      onSession: (sessionId, config, resumed) => {
        remember({ key: this.provider.key, sessionId });
        if (!this.bridge.iframe) this.bridge.mount(config.appUrl || this.provider.url, this.provider.width, this.provider.height);
        else if (!resumed) this.bridge.reload();
      },
      onOutput: (output) => this.onOutput(output),
      onStatus: (connected) => (this.root.dataset.connected = String(connected)),
    });
  }

  /** @param {string | null} sessionId */
  socketUrl(sessionId) {
    const url = new URL("/host/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("appId", String(this.provider.appId));
    url.searchParams.set("location", "remote");
    if (this.provider.urlOverride) url.searchParams.set("url", this.provider.urlOverride);
    if (sessionId) url.searchParams.set("session", sessionId);
    return url.toString();
  }

  /**
   * What the bridge forwards goes to the engine; the page also notes the number of an
   * INCOMING_CALL, to show it when nothing matches.
   * @param {Input} input
   */
  send(input) {
    if (input.kind === "app") {
      const message = /** @type {any} */ (input.message);
      const data = message && typeof message === "object" ? message.data : null;
      if (message?.type === "INCOMING_CALL" && data && typeof data.externalCallId === "string") {
        const call = this.call(data.externalCallId);
        call.fromNumber = typeof data.fromNumber === "string" ? data.fromNumber : "";
        this.current = call.externalCallId;
      }
    }
    this.socket.send(input);
  }

  /** @param {string} externalCallId */
  call(externalCallId) {
    let call = this.calls.get(externalCallId);
    if (!call) {
      call = { externalCallId, fromNumber: "", engagementId: null, state: null, matches: null };
      this.calls.set(externalCallId, call);
    }
    return call;
  }

  /** Opens (or brings forward) the calling window, `/calling-integration-popup-ui/{portalId}`. */
  openCallingWindow() {
    const path = `/calling-integration-popup-ui/${this.options.context.portalId}`;
    const popup = window.open(path, WINDOW_NAME, "popup,width=440,height=720");
    popup?.focus();
  }

  /** @param {boolean} open */
  setOpen(open) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
  }

  /** @param {Output} output */
  onOutput(output) {
    switch (output.kind) {
      case "post":
        this.bridge.post(output.message, output.targetOrigin);
        break;
      case "ui":
        if (!this.bridge.handle(output)) this.onUi(output);
        break;
      case "error":
        console.warn("callhost: the remote's session reported an error", output.message);
        break;
      default:
        break;
    }
  }

  /** @param {UiCommand} command */
  onUi(command) {
    switch (command.command) {
      case "loadFailed":
        this.status.textContent = "Failed to load";
        break;
      case "alert":
        showAlert(String(command.message));
        break;
      case "show":
        this.setOpen(true);
        break;
      case "hide":
      case "minimize":
        this.setOpen(false);
        break;
      case "navigate": {
        const path = recordPath(this.options.context.portalId, command.objectTypeId, command.objectId);
        if (command.newTab) window.open(path, "_blank", "noopener");
        else this.options.navigate(path);
        break;
      }
      case "appStatus":
        this.status.textContent = !command.loggedIn ? "Logged out" : command.available === false ? "Unavailable" : command.available ? "Available" : "Logged in";
        this.status.dataset.loggedIn = String(command.loggedIn);
        this.status.dataset.available = String(command.available);
        break;
      case "callState": {
        const call = this.call(command.externalCallId);
        call.state = command.state;
        if (command.engagementId !== null && command.engagementId !== undefined) call.engagementId = command.engagementId;
        this.render();
        break;
      }
      case "callChanged":
        this.options.onCallsChanged(command.engagementId, command.externalCallId);
        break;
      case "callerMatches": {
        const call = this.call(command.externalCallId);
        call.matches = command.matches;
        this.current = call.externalCallId;
        this.render();
        break;
      }
      default:
        break;
    }
  }

  /** Shows the current inbound call while it rings or is live. */
  render() {
    const call = this.current ? this.calls.get(this.current) : undefined;
    if (!call || !isLive(call.state)) {
      this.incoming.hidden = true;
      replace(this.incoming);
      return;
    }
    const match = call.matches?.[0];
    const name = match ? [match.firstName, match.lastName].filter(Boolean).join(" ") || String(match.name ?? "") : "";
    const ringing = call.state === "RINGING";
    this.incoming.hidden = false;
    this.incoming.dataset.callState = String(call.state);
    this.incoming.dataset.externalCallId = call.externalCallId;
    if (call.engagementId !== null) this.incoming.dataset.engagementId = String(call.engagementId);
    replace(this.incoming,
      el("span", { class: "incoming-label" }, ringing ? "Incoming call from " : "On a call with "),
      el("strong", { "data-testid": "incoming-caller" }, name || call.fromNumber || "an unknown number"),
      match ? el("button", {
        type: "button", "data-testid": "open-caller-record",
        onclick: () => this.options.navigate(recordPath(this.options.context.portalId, String(match.objectTypeId), Number(match.objectId))),
      }, "Open record") : null,
      ringing ? el("button", { type: "button", "data-testid": "answer-call", onclick: () => this.setOpen(true) }, "Answer") : null);
  }
}

/** @param {{key: string, sessionId: string}} saved */
function remember(saved) {
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(saved));
  } catch {
    // No storage: a reload starts a new session.
  }
}

/**
 * The remote's session of the previous page load, if it ran the same provider.
 * @param {string} key
 * @returns {string | null}
 */
function recall(key) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null");
    return saved && saved.key === key && typeof saved.sessionId === "string" ? saved.sessionId : null;
  } catch {
    return null;
  }
}
