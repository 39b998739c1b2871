// The calling controller: which provider is chosen, the one engine session the widget (or
// the calling window) runs (session.js), dials from Call buttons, and the engine's UI
// commands that are the widget's. It emits `call-state` when the widget's call changes (its
// phase, engagement or caller: the task queue follows it), and `call-changed`
// ({engagementId, externalCallId}) when the engine says a store write changed a call object
// (`ui:callChanged`, from this session or, through `changed`, from the tab's calling remote),
// so an open record page re-reads that call.
//
// One session at a time. Switching providers ends the current session, but not while a call
// is live (the engine says which calls are). A full reload of the page resumes the session.
//
// Deep link (docs/design.md#host-urls): a page opened with `?callingApp={appId}` opens the
// widget on that app at once, as if the user had chosen it in the switcher; an app that is
// not offered in the portal (not installed, no calling settings, not ready) says so in a host
// alert and changes nothing.

import { hostApi, messageOf } from "./host-api.js";
import { normalizePhone } from "./phone.js";
import { showAlert } from "./alerts.js";
import { InspectorPanel } from "./inspector-panel.js";
import { isOffered, providersFor, rememberedProvider, rememberProvider } from "./providers.js";
import { PageSession, rememberedProviderKey } from "./session.js";
import { renderSwitcher } from "./switcher.js";
import { Widget } from "./widget.js";

/** @typedef {import("./host-types.js").HostContext} HostContext */
/** @typedef {import("./host-types.js").Provider} Provider */
/** @typedef {import("./types.js").UiCommand} UiCommand */
/** @typedef {import("./types.js").DialRequest} DialRequest */
/** @typedef {Extract<UiCommand, {command: "callState"}>} CallState */

/** How long an app may take to finish its handshake before the widget looks into why. */
const LOAD_CHECK_MS = 5_000;

/**
 * What callhost can tell about an app URL that has not answered (`/host/api/app-check`).
 * @param {string} url
 * @returns {Promise<string>}
 */
async function appProblem(url) {
  try {
    const check = await hostApi("GET", `/host/api/app-check?url=${encodeURIComponent(url)}`);
    if (check.problem) return String(check.problem);
    if (check.status && check.status >= 400) return `its URL answers HTTP ${check.status}`;
    return "its page loads, but it has not started the calling SDK's handshake (does it create the SDK, and from this URL?)";
  } catch (error) {
    return `callhost could not check its URL (${messageOf(error)})`;
  }
}

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
    /** @type {PageSession | null} */
    this.session = null;
    /** @type {DialRequest | null} a click waiting for the user to choose a provider */
    this.pendingDial = null;
    /** @type {string | null} the type of the record last dialed: custom objects limit the choice */
    this.dialType = null;
    /** @type {CallState | null} the widget's call, as the engine last described it */
    this.call = null;
    /** whether the user is working a call task queue (the engine then ignores hideWidget) */
    this.taskQueue = false;
    this.widget = new Widget({
      minimize: () => this.user("minimize"),
      restore: () => this.user("restore"),
      close: () => (this.session ? this.user("close") : this.hide()),
      endCall: () => this.user("endCall"),
      retry: () => {
        this.widget.setLoadFailed(false);
        const session = this.session;
        if (!session) return;
        session.synced = false;
        session.loadProblem = null;
        session.reload();
        this.watchLoad(session);
      },
      inspect: () => this.inspector.toggle(),
    });
    this.inspector = new InspectorPanel({ sessionId: () => this.session?.id ?? null, beside: this.widget.root });
    this.renderSwitcher();
    window.addEventListener("beforeunload", (event) => {
      if (this.live) event.preventDefault();
    });
    this.resume();
    if (options.location === "widget") this.openLinked(new URLSearchParams(location.search).get("callingApp"));
  }

  /**
   * Opens the widget on the app a deep link names (`?callingApp=`), or says why it cannot.
   * @param {string | null} raw  the parameter's value; nothing happens without one
   */
  openLinked(raw) {
    if (raw === null) return;
    const appId = /^[1-9][0-9]{0,17}$/.test(raw.trim()) ? Number(raw.trim()) : null;
    if (appId === null) {
      showAlert(`callingApp must be an app id, got "${raw}".`);
      return;
    }
    const provider = this.providers.find((p) => p.key === `app:${appId}`);
    if (!provider) {
      showAlert(`Calling app ${appId} is not offered in this portal: it is not installed here with calling settings.`);
      return;
    }
    if (!provider.selectable) {
      showAlert(`Calling app ${provider.name} (${appId}) is not offered: its calling settings say it is not ready (isReady is false).`);
      return;
    }
    if (this.live && this.session && this.session.provider.key !== provider.key) {
      showAlert(`A call is live in ${this.session.provider.name}; ${provider.name} was not opened.`);
      return;
    }
    this.widget.show();
    this.choose(provider);
  }

  /** Whether the widget's call is ringing, dialing or connected (the engine's `live`). */
  get live() {
    return this.call?.live ?? false;
  }

  /** Opens the widget (the nav bar's Calling button); the keyboard moves into it. */
  open() {
    if (this.session && !this.widget.visible) {
      this.user("restore");
      this.widget.show();
    } else if (this.session && this.widget.minimized) {
      this.user("restore");
    } else {
      this.widget.show();
      if (!this.session && this.selected) this.start(this.selected);
    }
    this.widget.focus();
  }

  /** Hides the widget, and the inspector panel with it: reopening shows the widget alone. */
  hide() {
    this.inspector.setOpen(false);
    this.widget.setInspecting(false);
    this.widget.hide();
  }

  /**
   * A Call button was clicked.
   * @param {{objectTypeId: string, objectId: number, objectType: string, property: string, value: string}} target
   */
  dial(target) {
    const { phoneNumber, countryCode } = normalizePhone(target.value);
    /** @type {DialRequest} */
    const request = {
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
    this.widget.focus();
    const provider = this.selected && isOffered(this.selected, target.objectTypeId) ? this.selected : null;
    this.renderSwitcher();
    if (!provider) {
      this.pendingDial = request;
      return;
    }
    this.pendingDial = null;
    if (!this.session || this.session.provider.key !== provider.key) this.start(provider);
    this.session?.send({ kind: "dial", ...request });
  }

  /**
   * The user picked a provider in the switcher.
   * @param {Provider} provider
   */
  choose(provider) {
    if (this.live && this.session && this.session.provider.key !== provider.key) return;
    this.selected = provider;
    rememberProvider(localStorage, provider);
    if (!this.session || this.session.provider.key !== provider.key) this.start(provider);
    const dial = this.pendingDial;
    if (dial && isOffered(provider, dial.objectTypeId ?? null)) {
      this.pendingDial = null;
      this.session?.send({ kind: "dial", ...dial });
    }
    this.renderSwitcher();
    // The chosen option was re-rendered: keep the keyboard on it rather than on <body>.
    if (this.widget.root.contains(document.activeElement) || document.activeElement === document.body) {
      /** @type {HTMLElement | null} */ (this.widget.switcher.querySelector('[aria-selected="true"]'))?.focus();
    }
  }

  /**
   * Starts a session with a provider, ending the current one.
   * @param {Provider} provider
   * @param {boolean} [resume]  resume the session of the previous page load
   */
  start(provider, resume = false) {
    this.stop();
    this.setCall(null);
    this.widget.setLoadFailed(false);
    this.widget.setLoadSlow(null);
    this.widget.setConnected(null);
    this.widget.status.textContent = "Loading…";
    const session = new PageSession({
      provider,
      location: this.options.location,
      container: this.widget.frameHost,
      portalId: this.context.portalId,
      navigate: this.options.navigate,
      resume,
      onUi: (command) => {
        if (this.session === session) this.onUi(command);
      },
      onStatus: (connected) => {
        if (this.session === session) this.widget.setConnected(connected);
      },
      onSelectApp: (appId) => {
        const chosen = this.providers.find((p) => p.appId === appId);
        if (chosen && this.session === session) this.choose(chosen);
      },
      onSynced: () => {
        if (this.session !== session) return;
        session.synced = true;
        this.widget.setLoadSlow(null);
      },
    });
    this.session = session;
    this.watchLoad(session);
    if (this.taskQueue) session.send({ kind: "user", action: "taskQueue", active: true });
  }

  /**
   * An app that has not finished the SDK handshake a few seconds after it was started is
   * looked into: callhost fetches its URL and the widget says what it found (unreachable, a
   * certificate, framing forbidden) or that the page loaded but has not answered, while
   * the handshake keeps its 30 s limit.
   * @param {PageSession} session
   */
  watchLoad(session) {
    setTimeout(async () => {
      if (this.session !== session || session.synced) return;
      const url = session.appUrl;
      this.widget.setLoadSlow(`Waiting for the calling app at ${url} to answer…`);
      session.loadProblem = await appProblem(url);
      if (this.session !== session || session.synced || !this.widget.failed.hidden) return;
      this.widget.setLoadSlow(`The calling app at ${url} has not answered yet: ${session.loadProblem}. callhost keeps waiting until 30 s have passed.`);
    }, LOAD_CHECK_MS);
  }

  /**
   * The user started or stopped working a call task queue; the session (and any later one)
   * is told.
   * @param {boolean} active
   */
  setTaskQueue(active) {
    if (this.taskQueue === active) return;
    this.taskQueue = active;
    this.session?.send({ kind: "user", action: "taskQueue", active });
  }

  /** Ends the current session (another provider was chosen). */
  stop() {
    this.session?.end();
    this.session = null;
  }

  /** Reopens the session of the previous page load, if there was one. */
  resume() {
    const key = rememberedProviderKey(this.options.location);
    const provider = key === null ? undefined : this.providers.find((p) => p.key === key);
    if (!provider) return;
    this.selected = provider;
    this.widget.show();
    this.start(provider, true);
    this.renderSwitcher();
  }

  /** @param {"minimize" | "restore" | "close" | "endCall"} action */
  user(action) {
    if (this.session) this.session.send({ kind: "user", action });
    else if (action === "close") this.hide();
  }

  /** @param {UiCommand} command */
  onUi(command) {
    switch (command.command) {
      case "loadFailed": {
        const url = this.session?.appUrl ?? "";
        const why = this.session?.loadProblem ?? "it did not complete the SDK handshake";
        this.widget.setLoadFailed(true, `The calling app at ${url} did not answer within 30 s: ${why}.`);
        break;
      }
      case "show":
        this.widget.show();
        break;
      case "hide":
        this.hide();
        break;
      case "minimize":
        this.widget.minimize();
        break;
      case "callState":
        this.setCall(command);
        break;
      case "callChanged":
        this.changed(command.engagementId, command.externalCallId);
        break;
      case "appStatus":
        this.widget.setAppStatus(command.loggedIn, command.available);
        break;
      default:
        break;
    }
  }

  /**
   * The widget's call changed (or there is none): the widget, the switcher's lock and the
   * task queue follow.
   * @param {CallState | null} call
   */
  setCall(call) {
    this.call = call;
    this.widget.setCall(call);
    this.renderSwitcher();
    this.dispatchEvent(new CustomEvent("call-state", { detail: { engagementId: call?.engagementId ?? null } }));
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
      locked: this.live,
    }, (provider) => this.choose(provider));
  }
}
