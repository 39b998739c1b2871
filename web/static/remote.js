// The calling remote (docs/protocol.md#iframe-locations, docs/protocol.md#inbound-call): for an app that supports inbound calling, every host
// tab runs it in its nav bar (`data-testid="calling-remote"`) in an engine session of its
// own with `location=remote` (session.js), so the app can report availability and ring. It
// shows the app's status, the latest inbound call while it is live (`incoming-call`), named
// as the engine names it (`ui:callState`'s displayName: the caller's name, else the number),
// a button to open the caller's record, and Answer (`answer-call`), which opens the remote's
// panel: the call is answered in the app. The engine replies CALLER_ID_MATCH_* and
// CREATE_ENGAGEMENT_* itself; each call object the remote's session writes is reported
// (`ui:callChanged`) to the tab's record page.
//
// The app's iframe lives in a panel that is only hidden, never removed, and moving between
// pages never reloads the document, so NAVIGATE_TO_RECORD keeps the call; a full reload
// resumes the same session, whose new SYNC carries the live engagementId and whose engine
// restates the ringing call.

import { el, replace } from "./dom.js";
import { recordPath } from "./routes.js";
import { PageSession } from "./session.js";

/** @typedef {import("./host-types.js").HostContext} HostContext */
/** @typedef {import("./host-types.js").Provider} Provider */
/** @typedef {import("./types.js").UiCommand} UiCommand */
/** @typedef {Extract<UiCommand, {command: "callState"}>} CallState */

const WINDOW_NAME = "callhost-calling-window";

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
    /** @type {CallState | null} the inbound call shown */
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

    this.session = new PageSession({
      provider: this.provider,
      location: "remote",
      container: this.frameHost,
      portalId: options.context.portalId,
      navigate: options.navigate,
      resume: true,
      onUi: (command) => this.onUi(command),
      onStatus: (connected) => (this.root.dataset.connected = String(connected)),
    });
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

  /** @param {UiCommand} command */
  onUi(command) {
    switch (command.command) {
      case "loadFailed":
        this.status.textContent = "Failed to load";
        break;
      case "show":
        this.setOpen(true);
        break;
      case "hide":
      case "minimize":
        this.setOpen(false);
        break;
      case "appStatus":
        this.status.textContent = !command.loggedIn ? "Logged out" : command.available === false ? "Unavailable" : command.available ? "Available" : "Logged in";
        this.status.dataset.loggedIn = String(command.loggedIn);
        this.status.dataset.available = String(command.available);
        break;
      case "callState":
        // Only inbound calls are the remote's to show; a later update of the call shown
        // replaces it.
        if (command.direction === "INBOUND" || command.externalCallId === this.current?.externalCallId) {
          this.current = command;
          this.render();
        }
        break;
      case "callChanged":
        this.options.onCallsChanged(command.engagementId, command.externalCallId);
        break;
      default:
        break;
    }
  }

  /** Shows the current inbound call while it rings or is live. */
  render() {
    const call = this.current;
    if (!call || !call.live) {
      this.incoming.hidden = true;
      replace(this.incoming);
      return;
    }
    const caller = call.caller;
    const ringing = call.state === "RINGING";
    this.incoming.hidden = false;
    this.incoming.dataset.callState = call.state;
    this.incoming.dataset.externalCallId = call.externalCallId;
    if (call.engagementId !== null) this.incoming.dataset.engagementId = String(call.engagementId);
    replace(this.incoming,
      el("span", { class: "incoming-label" }, ringing ? "Incoming call from " : "On a call with "),
      el("strong", { "data-testid": "incoming-caller" }, call.displayName ?? "an unknown number"),
      caller ? el("button", {
        type: "button", "data-testid": "open-caller-record",
        onclick: () => this.options.navigate(recordPath(this.options.context.portalId, caller.objectTypeId, caller.objectId)),
      }, "Open record") : null,
      ringing ? el("button", { type: "button", "data-testid": "answer-call", onclick: () => this.setOpen(true) }, "Answer") : null);
  }
}
