// The calling controller: which provider is chosen, the one live widget session (its socket
// and its bridge), dials from Call buttons, and the engine's UI commands that are not the
// bridge's. Its events are named after the engine commands they relay: `call-state` when its
// call's phase or engagement changes (`ui:callState`; the task queue follows it), and
// `call-changed` ({engagementId, externalCallId}) when the engine says
// a store write changed a call object (`ui:callChanged`, from this session or, through
// `changed`, from the tab's calling remote), so an open record page re-reads that call.
//
// One session at a time. Switching providers ends the current session, but not while a call
// is live. The session id is kept in sessionStorage so a full reload of the page resumes the
// same engine session (the new SYNC then carries the live call's engagementId).

import { showAlert } from "./alerts.js";
import { Bridge } from "./bridge.js";
import { normalizePhone } from "./phone.js";
import { InspectorPanel } from "./inspector-panel.js";
import { isOffered, providersFor, rememberedProvider, rememberProvider } from "./providers.js";
import { recordPath } from "./routes.js";
import { SessionSocket } from "./socket.js";
import { renderSwitcher } from "./switcher.js";
import { isLive, Widget } from "./widget.js";

/** @typedef {import("./types.js").HostContext} HostContext */
/** @typedef {import("./types.js").Provider} Provider */
/** @typedef {import("./types.js").Output} Output */
/** @typedef {import("./types.js").UiCommand} UiCommand */
/** @typedef {import("./types.js").DialInput} DialInput */
/** @typedef {import("./types.js").LogEntry} LogEntry */

/**
 * The sessionStorage key of the session to resume. The calling window has its own: a popup
 * starts with a copy of its opener's sessionStorage, and must not take over the opener's
 * widget session.
 * @param {"widget" | "window"} location
 */
const sessionKey = (location) => (location === "window" ? "callhost:window-session" : "callhost:session");
const LOG_LIMIT = 1000;

/**
 * @typedef {object} Session
 * @property {Provider} provider
 * @property {SessionSocket} socket
 * @property {Bridge} bridge
 */

export class CallingController extends EventTarget {
  /**
   * @param {HostContext} context
   * @param {object} options
   * @param {"widget" | "window"} options.location
   * @param {(path: string) => void} options.navigate
   */
  constructor(context, options) {
    super();
    this.context = context;
    this.options = options;
    this.providers = providersFor(context.apps, localStorage);
    /** @type {Provider | null} */
    this.selected = rememberedProvider(this.providers, localStorage) ?? null;
    /** @type {Session | null} */
    this.session = null;
    /** @type {DialInput | null} a click waiting for the user to choose a provider */
    this.pendingDial = null;
    /** @type {string | null} the type of the record last dialed: custom objects limit the choice */
    this.dialType = null;
    /** @type {import("./types.js").CallPhase | null} */
    this.phase = null;
    /** whether the user is working a call task queue (the engine then ignores hideWidget) */
    this.taskQueue = false;
    /** @type {LogEntry[]} the protocol log, for a future inspector */
    this.log = [];
    this.widget = new Widget({
      minimize: () => this.user("minimize"),
      restore: () => this.user("restore"),
      close: () => (this.session ? this.user("close") : this.widget.hide()),
      endCall: () => this.user("endCall"),
      retry: () => {
        this.widget.setLoadFailed(false);
        this.session?.bridge.reload();
      },
      inspect: () => this.inspector.toggle(),
    });
    /** @type {string | null} the engine session the widget runs, for the inspector panel */
    this.sessionId = null;
    this.inspector = new InspectorPanel({ sessionId: () => this.sessionId, beside: this.widget.root });
    this.renderSwitcher();
    window.addEventListener("beforeunload", (event) => {
      if (isLive(this.phase)) event.preventDefault();
    });
    this.resume();
  }

  /** Opens the widget (the nav bar's Calling button). */
  open() {
    if (this.session && !this.widget.visible) {
      this.user("restore");
    } else if (this.session && this.widget.minimized) {
      this.user("restore");
    } else {
      this.widget.show();
      if (!this.session && this.selected) this.start(this.selected);
    }
  }

  /**
   * A Call button was clicked.
   * @param {{objectTypeId: string, objectId: number, objectType: string, property: string, value: string}} target
   */
  dial(target) {
    const { phoneNumber, countryCode } = normalizePhone(target.value);
    /** @type {DialInput} */
    const input = {
      kind: "dial",
      objectTypeId: target.objectTypeId,
      objectId: target.objectId,
      objectType: target.objectType,
      property: target.property,
      phoneNumber,
      countryCode,
      timestampMs: Date.now(),
    };
    this.dialType = target.objectTypeId;
    this.widget.show();
    const provider = this.selected && isOffered(this.selected, target.objectTypeId) ? this.selected : null;
    this.renderSwitcher();
    if (!provider) {
      this.pendingDial = input;
      return;
    }
    this.pendingDial = null;
    if (!this.session || this.session.provider.key !== provider.key) this.start(provider);
    this.session?.socket.send(input);
  }

  /**
   * The user picked a provider in the switcher.
   * @param {Provider} provider
   */
  choose(provider) {
    if (isLive(this.phase) && this.session && this.session.provider.key !== provider.key) return;
    this.selected = provider;
    rememberProvider(localStorage, provider);
    if (!this.session || this.session.provider.key !== provider.key) this.start(provider);
    const dial = this.pendingDial;
    if (dial && isOffered(provider, dial.objectTypeId)) {
      this.pendingDial = null;
      this.session?.socket.send(dial);
    }
    this.renderSwitcher();
  }

  /**
   * Starts a session with a provider, ending the current one.
   * @param {Provider} provider
   * @param {string | null} [resumeId]
   */
  start(provider, resumeId = null) {
    this.stop();
    this.phase = null;
    this.widget.setCall(null, null);
    this.widget.setLoadFailed(false);
    this.widget.status.textContent = "Loading…";
    /** @type {Session} */
    const session = /** @type {any} */ ({ provider });
    session.bridge = new Bridge({ container: this.widget.frameHost, send: (input) => session.socket.send(input) });
    session.socket = new SessionSocket({
      sessionId: resumeId,
      url: (sessionId) => this.socketUrl(provider, sessionId),
      onSession: (sessionId, config, resumed) => {
        remember(sessionKey(this.options.location), { key: provider.key, sessionId });
        if (this.session === session) this.sessionId = sessionId;
        if (!session.bridge.iframe) session.bridge.mount(config.appUrl || provider.url, provider.width, provider.height);
        else if (!resumed) session.bridge.reload();
      },
      onOutput: (output) => {
        if (this.session === session) this.onOutput(session, output);
      },
      onStatus: (connected) => (this.widget.root.dataset.connected = String(connected)),
    });
    this.session = session;
    if (this.taskQueue) session.socket.send({ kind: "user", action: "taskQueue", active: true });
  }

  /**
   * The user started or stopped working a call task queue; the session (and any later one)
   * is told.
   * @param {boolean} active
   */
  setTaskQueue(active) {
    if (this.taskQueue === active) return;
    this.taskQueue = active;
    this.session?.socket.send({ kind: "user", action: "taskQueue", active });
  }

  /** Ends the current session (another provider was chosen). */
  stop() {
    if (!this.session) return;
    this.session.socket.close();
    this.session.bridge.destroy();
    this.session = null;
    this.sessionId = null;
    forget(sessionKey(this.options.location));
  }

  /** Reopens the session of the previous page load, if there was one. */
  resume() {
    const saved = recall(sessionKey(this.options.location));
    if (!saved) return;
    const provider = this.providers.find((p) => p.key === saved.key);
    if (!provider) {
      forget(sessionKey(this.options.location));
      return;
    }
    this.selected = provider;
    this.widget.show();
    this.start(provider, saved.sessionId);
    this.renderSwitcher();
  }

  /**
   * @param {Provider} provider
   * @param {string | null} sessionId
   */
  socketUrl(provider, sessionId) {
    const url = new URL("/host/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("appId", String(provider.appId));
    url.searchParams.set("location", this.options.location);
    if (provider.urlOverride) url.searchParams.set("url", provider.urlOverride);
    if (sessionId) url.searchParams.set("session", sessionId);
    return url.toString();
  }

  /** @param {"minimize" | "restore" | "close" | "endCall"} action */
  user(action) {
    if (this.session) this.session.socket.send({ kind: "user", action });
    else if (action === "close") this.widget.hide();
  }

  /**
   * @param {Session} session
   * @param {Output} output
   */
  onOutput(session, output) {
    switch (output.kind) {
      case "post":
        session.bridge.post(output.message, output.targetOrigin);
        break;
      case "ui":
        if (!session.bridge.handle(output)) this.onUi(output);
        break;
      case "log":
        this.onLog(output);
        break;
      case "error":
        console.warn("callhost: the session reported an error", output.message);
        break;
      default:
        break;
    }
  }

  /** @param {UiCommand} command */
  onUi(command) {
    switch (command.command) {
      case "loadFailed":
        this.widget.setLoadFailed(true);
        break;
      case "alert":
        showAlert(String(command.message));
        break;
      case "show":
        this.widget.show();
        break;
      case "hide":
        this.widget.hide();
        break;
      case "minimize":
        this.widget.minimize();
        break;
      case "navigate": {
        const path = recordPath(this.context.portalId, command.objectTypeId, command.objectId);
        if (command.newTab) window.open(path, "_blank", "noopener");
        else this.options.navigate(path);
        break;
      }
      case "callState":
        this.phase = command.state;
        this.widget.setCall(command.state, command.engagementId);
        this.renderSwitcher();
        this.dispatchEvent(new CustomEvent("call-state", { detail: { engagementId: command.engagementId } }));
        break;
      case "callChanged":
        this.changed(command.engagementId, command.externalCallId);
        break;
      case "appStatus":
        this.widget.setAppStatus(command.loggedIn, command.available);
        break;
      case "callerMatches": {
        const first = command.matches[0];
        const name = first ? [first.firstName, first.lastName, first.name].filter(Boolean).join(" ") : "";
        this.widget.setCaller(name ? `Incoming call from ${name}` : "Incoming call");
        break;
      }
      default:
        break;
    }
  }

  /** @param {LogEntry} entry */
  onLog(entry) {
    this.log.push(entry);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }

  /**
   * A store write changed a call object (the engine's `callChanged`, from this session or
   * the tab's calling remote): an open record page reads that call again.
   * @param {number | null} engagementId  null: which call is unknown, everything is read again
   * @param {string | null} [externalCallId]
   */
  changed(engagementId, externalCallId = null) {
    this.dispatchEvent(new CustomEvent("call-changed", { detail: { engagementId, externalCallId } }));
  }

  renderSwitcher() {
    renderSwitcher(this.widget.switcher, {
      providers: this.providers,
      selectedKey: this.selected?.key ?? null,
      objectTypeId: this.dialType,
      locked: isLive(this.phase),
    }, (provider) => this.choose(provider));
  }
}

/**
 * @param {string} storageKey
 * @param {{key: string, sessionId: string}} saved
 */
function remember(storageKey, saved) {
  try {
    sessionStorage.setItem(storageKey, JSON.stringify(saved));
  } catch {
    // No storage: a reload starts a new session.
  }
}

/** @param {string} storageKey */
function forget(storageKey) {
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // Nothing kept.
  }
}

/**
 * @param {string} storageKey
 * @returns {{key: string, sessionId: string} | null}
 */
function recall(storageKey) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(storageKey) ?? "null");
    return saved && typeof saved.key === "string" && typeof saved.sessionId === "string" ? saved : null;
  } catch {
    return null;
  }
}
