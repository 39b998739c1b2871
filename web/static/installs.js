// The Apps page's install controls (`/settings/{portalId}/apps`): each installed app's granted
// scopes and an Uninstall button for super admins, who alone may install and uninstall; other
// users see why not. Uninstalling revokes the app's tokens in this portal and takes it out of
// the provider switcher and the help desk (docs/oauth.md#installs). Scope names are text.
//
// Test hooks (data-testid): install-permission, app-scopes, uninstall-app, uninstall-error.

import { el, replace } from "./dom.js";
import { hostApi, messageOf } from "./host-api.js";

/**
 * @typedef {{appId: number, name: string | null, scopes: string[] | null}} Install
 */

/**
 * Adds the scopes and the Uninstall button to the rows the apps page rendered under `root`.
 * @param {HTMLElement} root
 * @param {(message: string) => boolean} confirm  asks before uninstalling
 */
export async function decorateInstalls(root, confirm) {
  const body = await hostApi("GET", "/host/api/installs");
  /** @type {Install[]} */
  const installs = Array.isArray(body?.apps) ? body.apps : [];
  const canInstall = body?.canInstall === true;
  if (!canInstall) {
    root.querySelector("h1")?.after(el("p", { class: "notice", "data-testid": "install-permission" },
      typeof body?.why === "string" ? body.why : "You may not install or uninstall apps."));
  }
  root.querySelector("table.apps thead tr")?.append(el("th", {}, "Scopes"), el("th", {}, ""));
  for (const row of root.querySelectorAll("[data-testid=app-row]")) {
    const appId = Number(/** @type {HTMLElement} */ (row).dataset.appId);
    const install = installs.find((i) => i.appId === appId);
    const scopes = install?.scopes;
    row.append(
      el("td", { "data-testid": "app-scopes" }, scopes ? scopes.join(" ") : "all (development install)"),
      el("td", {}, canInstall ? uninstallButton(/** @type {HTMLElement} */ (row), appId, confirm) : ""));
  }
}

/**
 * @param {HTMLElement} row
 * @param {number} appId
 * @param {(message: string) => boolean} confirm
 */
function uninstallButton(row, appId, confirm) {
  const error = el("span", { class: "error", "data-testid": "uninstall-error", role: "alert" });
  const button = el("button", { type: "button", "data-testid": "uninstall-app" }, "Uninstall");
  button.addEventListener("click", async () => {
    replace(error);
    const name = row.querySelector("[data-field=name]")?.textContent ?? `App ${appId}`;
    if (!confirm(`Uninstall ${name}? Its tokens in this portal stop working at once.`)) return;
    button.disabled = true;
    try {
      await hostApi("DELETE", `/host/api/apps/${appId}`);
      row.remove();
    } catch (e) {
      replace(error, `The app could not be uninstalled: ${messageOf(e)}`);
      button.disabled = false;
    }
  });
  return el("span", {}, button, " ", error);
}
