// The calling widget's DOM (`data-testid="calling-widget"`): header with the app's status,
// the inspector panel's toggle (`widget-inspect`), minimize and close, the provider
// switcher, the in-call bar with End call, the "app failed to load" notice with Retry, and
// the element the app's iframe lives in. It only shows things: the call as the engine
// describes it (`ui:callState`: its phase, whether it is live, who is calling), and what the
// buttons do is decided by the engine (they send `user` inputs).
//
// Hiding and minimizing never remove or re-parent the iframe: that would reload the app and
// drop the call.
//
// Accessibility: the call's phase and the app's status are live regions (screen readers
// announce a ringing, connected or ended call); `focus()` moves the keyboard into the widget
// when the user opens it, and `hide()` hands focus back to where it came from.

import { el } from "./dom.js";

/** @typedef {Extract<import("./types.js").UiCommand, {command: "callState"}>} CallState */

export class Widget {
  /**
   * @param {object} actions
   * @param {() => void} actions.minimize
   * @param {() => void} actions.restore
   * @param {() => void} actions.close
   * @param {() => void} actions.endCall
   * @param {() => void} actions.retry
   * @param {() => boolean} [actions.inspect]  toggles the inspector panel; true when it opened
   */
  constructor(actions) {
    this.minimized = false;
    this.status = el("span", { class: "app-status", "data-testid": "app-status", "aria-live": "polite" });
    this.minimizeButton = el("button", {
      type: "button", class: "icon", "data-testid": "widget-minimize", "aria-label": "Minimize",
      onclick: () => (this.minimized ? actions.restore() : actions.minimize()),
    }, "–");
    this.switcher = el("div", { class: "provider-switcher", "data-testid": "provider-switcher" });
    this.callText = el("span", { class: "call-state", "data-testid": "call-state", role: "status", "aria-live": "polite" }, "No call");
    /** @type {HTMLElement | null} where focus was when the user opened the widget */
    this.opener = null;
    this.endButton = el("button", { type: "button", class: "end-call", "data-testid": "end-call", disabled: true, onclick: actions.endCall }, "End call");
    this.failedText = el("span", { "data-testid": "load-failed-reason" }, "The calling app failed to load.");
    this.failed = el("div", { class: "load-failed", "data-testid": "load-failed", role: "status", hidden: true },
      this.failedText,
      el("button", { type: "button", "data-testid": "retry-load", onclick: actions.retry }, "Retry"));
    this.slow = el("p", { class: "load-slow", "data-testid": "load-slow", role: "status", hidden: true });
    this.frameHost = el("div", { class: "frame-host", "data-testid": "widget-frame" });
    /** @type {boolean | null} whether the session's socket is up (null: not yet connected) */
    this.connected = null;
    /** the app's status as last reported, shown again once the connection is back */
    this.appStatusText = "";
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.connectionTimer = null;
    this.connection = el("p", { class: "connection-state", "data-testid": "connection-state", role: "status", hidden: true });
    this.body = el("div", { class: "widget-body" },
      this.connection,
      this.slow,
      this.switcher,
      el("div", { class: "call-bar" }, this.callText, this.endButton),
      this.failed,
      this.frameHost);
    this.root = el("aside", { class: "calling-widget", "data-testid": "calling-widget", "data-state": "hidden", hidden: true, "aria-label": "Calling", tabindex: "-1" },
      el("header", { class: "widget-header" },
        el("strong", { class: "widget-title" }, "Calling"),
        this.status,
        this.inspectButton = actions.inspect ? el("button", {
          type: "button", class: "icon inspect", "data-testid": "widget-inspect", "aria-pressed": "false",
          "aria-label": "Inspector", title: "Show this session in the protocol inspector",
          onclick: (/** @type {Event} */ event) => {
            const open = actions.inspect?.() ?? false;
            /** @type {HTMLElement} */ (event.currentTarget).setAttribute("aria-pressed", String(open));
          },
        }, "⌕") : null,
        this.minimizeButton,
        el("button", { type: "button", class: "icon", "data-testid": "widget-close", "aria-label": "Close", onclick: actions.close }, "×")),
      this.body);
    (document.getElementById("dock") ?? document.body).append(this.root);
  }

  get visible() {
    return !this.root.hidden;
  }

  show() {
    this.root.hidden = false;
    this.setMinimized(false);
  }

  hide() {
    const hadFocus = this.root.contains(document.activeElement);
    this.root.hidden = true;
    this.root.dataset.state = "hidden";
    if (hadFocus) {
      const back = this.opener?.isConnected ? this.opener : document.querySelector("[data-testid=open-widget]");
      /** @type {HTMLElement | null} */ (back)?.focus();
    }
    this.opener = null;
  }

  /**
   * Moves the keyboard into the widget (the user opened it), remembering where focus was so
   * that closing the widget hands it back.
   */
  focus() {
    const active = /** @type {HTMLElement | null} */ (document.activeElement);
    if (!this.root.contains(active) && active !== document.body) this.opener = active;
    this.root.focus();
  }

  /** @param {boolean} open  whether the inspector panel shows */
  setInspecting(open) {
    this.inspectButton?.setAttribute("aria-pressed", String(open));
  }

  minimize() {
    this.root.hidden = false;
    this.setMinimized(true);
  }

  /** @param {boolean} minimized */
  setMinimized(minimized) {
    this.minimized = minimized;
    this.root.dataset.state = minimized ? "minimized" : "open";
    this.root.classList.toggle("minimized", minimized);
    this.minimizeButton.textContent = minimized ? "▢" : "–";
    this.minimizeButton.setAttribute("aria-label", minimized ? "Restore" : "Minimize");
  }

  /**
   * Shows the call (a ringing one by who is calling), or that there is none.
   * @param {CallState | null} call
   */
  setCall(call) {
    // Only what changed is written: a callState that only adds the engagement id (the one
    // right after the app's reply) then costs the page no layout.
    const state = call?.state ?? "";
    if (this.root.dataset.callState !== state) this.root.dataset.callState = state;
    const text = call ? describe(call) : "No call";
    if (this.callText.textContent !== text) this.callText.textContent = text;
    const engagementId = call && call.engagementId !== null ? String(call.engagementId) : undefined;
    if (this.callText.dataset.engagementId !== engagementId) {
      if (engagementId === undefined) delete this.callText.dataset.engagementId;
      else this.callText.dataset.engagementId = engagementId;
    }
    if (this.endButton.disabled !== !call?.live) this.endButton.disabled = !call?.live;
  }

  /**
   * @param {boolean} loggedIn
   * @param {boolean | null} available
   */
  setAppStatus(loggedIn, available) {
    this.appStatusText = loggedIn ? (available === false ? "Logged in, unavailable" : "Logged in") : "Logged out";
    if (this.connected !== false) this.status.textContent = this.appStatusText;
    this.status.dataset.loggedIn = String(loggedIn);
  }

  /**
   * The connection to callhost went down or came back. While it is down the widget says so
   * (what the app sends meanwhile is kept and delivered on reconnect, docs/design.md#lost-connection);
   * when it is back it says that too, for a few seconds.
   * @param {boolean | null} connected  null: a new session, not connected yet
   */
  setConnected(connected) {
    const wasLost = this.connected === false;
    this.connected = connected;
    this.root.dataset.connected = connected === null ? "" : String(connected);
    if (this.connectionTimer) clearTimeout(this.connectionTimer);
    this.connectionTimer = null;
    if (connected === false) {
      this.connection.hidden = false;
      this.connection.dataset.state = "lost";
      this.connection.textContent = "The connection to callhost was lost. Reconnecting… The call goes on; what the app sends meanwhile is delivered once connected.";
      this.status.textContent = "Reconnecting…";
    } else if (connected && wasLost) {
      this.connection.hidden = false;
      this.connection.dataset.state = "restored";
      this.connection.textContent = "Reconnected to callhost.";
      this.status.textContent = this.appStatusText;
      this.connectionTimer = setTimeout(() => { this.connection.hidden = true; }, 4000);
    } else {
      this.connection.hidden = true;
    }
  }

  /**
   * @param {boolean} failed
   * @param {string} [reason]  what is known about why, shown as text
   */
  setLoadFailed(failed, reason) {
    this.failed.hidden = !failed;
    this.failedText.textContent = reason ?? "The calling app failed to load.";
    if (failed) this.setLoadSlow(null);
  }

  /**
   * The app has not finished its handshake yet: what is known so far (null: nothing to say).
   * @param {string | null} text
   */
  setLoadSlow(text) {
    this.slow.hidden = text === null;
    this.slow.textContent = text ?? "";
  }
}

/** @param {CallState} call */
function describe(call) {
  switch (call.state) {
    case "RINGING": return call.displayName ? `Incoming call from ${call.displayName}` : "Incoming call";
    case "DIALING": return "Dialing";
    case "IN_PROGRESS": return "In progress";
    case "ENDED": return "Call ended";
    case "COMPLETED": return "Call logged";
    case "TRANSFERRED": return "Transferred";
    default: return String(call.state);
  }
}
