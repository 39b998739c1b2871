// The developer settings panel (`data-testid="dev-settings"`, from the nav bar's "Developer
// settings"): a form over HubSpot's documented `LocalSettings:Calling:*` localStorage overrides
// (docs/design.md#localstorage-overrides), so nobody edits localStorage by hand. It writes the
// same keys with the same values a developer would type, and removes a key that is turned
// off, so the overrides stay readable (and settable) in localStorage exactly as documented.
// Saving reloads the page: the providers are read from the overrides when a page starts.

import { el } from "./dom.js";
import { CHANNEL_OVERRIDE_KEY } from "./helpdesk.js";
import { DEMO_WIDGET_KEY, INBOUND_KEY, OVERRIDE_KEY } from "./providers.js";

/** `installDemoWidget`'s values, as HubSpot documents them. */
const DEMO_WIDGET_CHOICES = [
  ["", "Off"],
  ["local", "local: Demo App Local at https://localhost:9025/"],
  ["app:js", "app:js: callhost's demo app"],
  ["app", "app: callhost's demo app"],
];

/**
 * Builds the panel and returns the nav bar's button that opens it.
 * @param {Storage} storage
 * @param {() => void} reload
 * @returns {HTMLButtonElement}
 */
export function devSettingsButton(storage, reload = () => location.reload()) {
  const demo = el("select", { id: "dev-demo-widget", "data-testid": "dev-demo-widget" },
    DEMO_WIDGET_CHOICES.map(([value, label]) => el("option", { value }, label)));
  const inbound = el("input", { type: "checkbox", id: "dev-inbound", "data-testid": "dev-inbound" });
  const channel = el("input", { type: "checkbox", id: "dev-channel", "data-testid": "dev-channel" });
  const override = el("textarea", {
    id: "dev-override", "data-testid": "dev-override", rows: 5, spellcheck: "false", "aria-describedby": "dev-override-help dev-error",
    placeholder: '{"name": "My app", "url": "https://localhost:9025/", "isReady": true}',
  });
  const error = el("p", { id: "dev-error", class: "error", "data-testid": "dev-error", role: "alert" });
  const form = el("form", { method: "dialog", class: "dev-settings-form" },
    el("h2", {}, "Developer settings"),
    el("p", { class: "muted" }, "HubSpot's localStorage overrides for calling apps, kept in this browser only. Saving reloads the page."),
    el("label", { for: "dev-demo-widget" }, "Demo widget (", el("code", {}, DEMO_WIDGET_KEY), ")"), demo,
    el("label", { class: "check" }, inbound, " Every app supports inbound calling (", el("code", {}, INBOUND_KEY), ")"),
    el("label", { class: "check" }, channel, " Ask apps for help-desk numbers even when not ready (", el("code", {}, CHANNEL_OVERRIDE_KEY), ")"),
    el("label", { for: "dev-override" }, "Calling app settings (", el("code", {}, OVERRIDE_KEY), ")"), override,
    el("p", { id: "dev-override-help", class: "muted" },
      "JSON: name, url, isReady, width, height, supportsCustomObjects, appId. It overrides the app it names (by appId, else by name), or adds an app of its own with a url. Empty removes it."),
    error,
    el("div", { class: "dev-settings-actions" },
      el("button", { type: "submit", value: "save", "data-testid": "dev-save" }, "Save and reload"),
      el("button", { type: "submit", value: "cancel", formnovalidate: true, "data-testid": "dev-cancel" }, "Cancel")));
  const dialog = el("dialog", { class: "dev-settings", "data-testid": "dev-settings", "aria-labelledby": "dev-settings-title" }, form);
  /** @type {HTMLElement} */ (form.querySelector("h2")).id = "dev-settings-title";
  document.body.append(dialog);

  const load = () => {
    demo.value = storage.getItem(DEMO_WIDGET_KEY) ?? "";
    if (demo.value !== (storage.getItem(DEMO_WIDGET_KEY) ?? "")) demo.value = "";
    inbound.checked = storage.getItem(INBOUND_KEY) === "true";
    channel.checked = storage.getItem(CHANNEL_OVERRIDE_KEY) === "true";
    override.value = storage.getItem(OVERRIDE_KEY) ?? "";
    error.textContent = "";
  };
  form.addEventListener("submit", (event) => {
    const submitter = /** @type {SubmitEvent} */ (event).submitter;
    if (/** @type {HTMLButtonElement | null} */ (submitter)?.value !== "save") return;
    const text = override.value.trim();
    if (text) {
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        parsed = undefined;
        error.textContent = `The calling app settings are not JSON: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (parsed === undefined || !parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        if (parsed !== undefined) error.textContent = "The calling app settings must be a JSON object ({...}).";
        event.preventDefault();
        override.focus();
        return;
      }
    }
    const set = (/** @type {string} */ key, /** @type {string | null} */ value) => (value === null ? storage.removeItem(key) : storage.setItem(key, value));
    set(DEMO_WIDGET_KEY, demo.value || null);
    set(INBOUND_KEY, inbound.checked ? "true" : null);
    set(CHANNEL_OVERRIDE_KEY, channel.checked ? "true" : null);
    set(OVERRIDE_KEY, text || null);
    reload();
  });
  return el("button", {
    type: "button", class: "nav-button", "data-testid": "open-dev-settings", "aria-haspopup": "dialog",
    onclick: () => { load(); dialog.showModal(); },
  }, "Developer settings");
}
