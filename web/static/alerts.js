// Host alerts (`data-testid="host-alert"`): the one place app and host messages reach the
// user as a popup. The message is always set as text. One alert shows at a time; a newer one
// replaces it. An alert that the app is logged out goes by itself when the app logs in
// (`dismissLoggedOutAlert`).

import { el } from "./dom.js";

/** @type {HTMLElement | null} */
let current = null;

/**
 * Shows `message` as plain text.
 * @param {string} message
 * @param {{loggedOut?: boolean}} [options]  loggedOut: the alert says the app is logged out
 */
export function showAlert(message, options = {}) {
  dismissAlert();
  const text = el("span", { class: "alert-text", "data-testid": "host-alert-text" });
  text.textContent = message;
  current = el("div", { class: "host-alert", role: "alert", "data-testid": "host-alert" },
    text,
    el("button", { type: "button", class: "alert-dismiss", "data-testid": "host-alert-dismiss", "aria-label": "Dismiss", onclick: dismissAlert }, "×"));
  if (options.loggedOut) current.dataset.loggedOut = "true";
  document.body.append(current);
}

/** The app reported it logged in: an alert that said it was logged out is no longer true. */
export function dismissLoggedOutAlert() {
  if (current?.dataset.loggedOut) dismissAlert();
}

export function dismissAlert() {
  current?.remove();
  current = null;
}
