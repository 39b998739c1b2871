// Host alerts (`data-testid="host-alert"`): the one place app and host messages reach the
// user as a popup. The message is always set as text. One alert shows at a time; a newer one
// replaces it.

import { el } from "./dom.js";

/** @type {HTMLElement | null} */
let current = null;

/**
 * Shows `message` as plain text.
 * @param {string} message
 */
export function showAlert(message) {
  dismissAlert();
  const text = el("span", { class: "alert-text", "data-testid": "host-alert-text" });
  text.textContent = message;
  current = el("div", { class: "host-alert", role: "alert", "data-testid": "host-alert" },
    text,
    el("button", { type: "button", class: "alert-dismiss", "data-testid": "host-alert-dismiss", "aria-label": "Dismiss", onclick: dismissAlert }, "×"));
  document.body.append(current);
}

export function dismissAlert() {
  current?.remove();
  current = null;
}
