// The apps settings page (`/settings/{portalId}/apps`): the portal's installed apps, each
// with its client secret (the key of the webhooks callhost signs for it) hidden until asked
// for, and a Rotate button that, after a confirmation, replaces it at once. App names are
// rendered as text.
//
// Test hooks (data-testid): app-row (data-app-id), show-secret, client-secret, rotate-secret,
// secret-error.

import { el, replace } from "./dom.js";
import { hostApi, messageOf } from "./host-api.js";
import { renderCreateApp } from "./developer.js";
import { decorateInstalls } from "./installs.js";
import { renderWho } from "./who.js";

/**
 * @param {object} options
 * @param {HTMLElement} options.root
 * @param {() => boolean} [options.isCurrent]
 * @param {(message: string) => boolean} [options.confirm]  asks before a rotation
 */
export async function renderAppsPage({ root, isCurrent = () => true, confirm = (m) => window.confirm(m) }) {
  document.title = "Apps | callhost";
  const body = await hostApi("GET", "/host/api/apps");
  if (!isCurrent()) return;
  /** @type {Array<{appId: number, name: string | null}>} */
  const apps = Array.isArray(body?.apps) ? body.apps : [];
  replace(root,
    el("h1", {}, "Installed apps"),
    el("p", {}, "Each app's client secret signs the webhooks callhost sends it (help-desk numbers, recordings). ",
      "Rotating it takes effect at once: update the app before you rotate."),
    apps.length === 0
      ? el("p", { class: "empty" }, "No apps are installed in this portal.")
      : el("table", { class: "records apps" },
        el("thead", {}, el("tr", {}, el("th", {}, "App"), el("th", {}, "App ID"), el("th", {}, "Client secret"))),
        el("tbody", {}, apps.map((app) => appRow(app, confirm)))));
  await decorateInstalls(root, confirm);
  await renderWho(root);
  await renderCreateApp(root);
}

/**
 * @param {{appId: number, name: string | null}} app
 * @param {(message: string) => boolean} confirm
 */
function appRow(app, confirm) {
  const name = app.name ?? `App ${app.appId}`;
  const secret = el("code", { class: "client-secret", "data-testid": "client-secret", hidden: true });
  const error = el("span", { class: "error", "data-testid": "secret-error", role: "alert" });
  /** @param {{clientSecret?: unknown}} answer */
  const show = (answer) => {
    replace(secret, typeof answer?.clientSecret === "string" ? answer.clientSecret : "");
    secret.hidden = false;
    showButton.textContent = "Hide client secret";
  };
  const showButton = el("button", { type: "button", "data-testid": "show-secret" }, "Show client secret");
  showButton.addEventListener("click", async () => {
    replace(error);
    if (!secret.hidden) {
      secret.hidden = true;
      replace(secret);
      showButton.textContent = "Show client secret";
      return;
    }
    try {
      show(await hostApi("GET", `/host/api/apps/${app.appId}/secret`));
    } catch (e) {
      replace(error, `The secret could not be read: ${messageOf(e)}`);
    }
  });
  const rotateButton = el("button", { type: "button", "data-testid": "rotate-secret" }, "Rotate");
  rotateButton.addEventListener("click", async () => {
    replace(error);
    if (!confirm(`Rotate the client secret of ${name}? The current secret stops working at once.`)) return;
    rotateButton.disabled = true;
    try {
      show(await hostApi("POST", `/host/api/apps/${app.appId}/secret/rotate`));
    } catch (e) {
      replace(error, `The secret could not be rotated: ${messageOf(e)}`);
    } finally {
      rotateButton.disabled = false;
    }
  });
  return el("tr", { "data-testid": "app-row", "data-app-id": app.appId },
    el("td", { "data-field": "name" }, name),
    el("td", {}, String(app.appId)),
    el("td", {}, showButton, " ", rotateButton, " ", secret, " ", error));
}
