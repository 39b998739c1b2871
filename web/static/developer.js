// The developer's form on the Apps page, in development (loopback) only: creates an app with
// an OAuth client, as `callhost app create` does, and shows its client id and secret once.
// What callhost answers is rendered as text.
//
// Test hooks (data-testid): create-app-form, create-app-name, create-app-redirects (one URL a
// line), create-app-scopes, create-app-optional-scopes, create-app-submit, created-app
// (data-app-id, data-client-id), created-app-secret, create-app-error.

import { el, replace } from "./dom.js";
import { hostApi, messageOf } from "./host-api.js";

/**
 * Appends the form to `root` when the signed-in session may create apps (loopback
 * development, where it may also switch users).
 * @param {HTMLElement} root
 */
export async function renderCreateApp(root) {
  const me = await hostApi("GET", "/host/api/me").catch(() => null);
  if (!me?.canSwitch) return;
  const input = (/** @type {string} */ testid, /** @type {string} */ placeholder) =>
    el("input", { type: "text", "data-testid": testid, placeholder, size: 60 });
  const name = input("create-app-name", "My dialer");
  const redirects = el("textarea", { "data-testid": "create-app-redirects", rows: 2, cols: 60, placeholder: "https://backend.example.com/oauth/callback" });
  const scopes = input("create-app-scopes", "crm.objects.contacts.read crm.objects.contacts.write");
  const optional = input("create-app-optional-scopes", "crm.objects.deals.read");
  const result = el("div", { "aria-live": "polite" });
  const form = el("form", { "data-testid": "create-app-form", class: "create-app" },
    el("h2", {}, "Create an app (development)"),
    el("p", {}, el("label", {}, "Name ", name)),
    el("p", {}, el("label", {}, "Redirect URLs, one a line ", redirects)),
    el("p", {}, el("label", {}, "Scopes ", scopes)),
    el("p", {}, el("label", {}, "Optional scopes ", optional)),
    el("p", {}, el("button", { type: "submit", "data-testid": "create-app-submit" }, "Create app")),
    result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(result);
    try {
      const app = await hostApi("POST", "/host/api/developer/apps", {
        name: name.value,
        redirectUrls: redirects.value.split("\n").map((u) => u.trim()).filter(Boolean),
        scopes: scopes.value,
        optionalScopes: optional.value,
      });
      replace(result, el("dl", { "data-testid": "created-app", "data-app-id": app.appId, "data-client-id": app.clientId },
        el("dt", {}, "App ID"), el("dd", {}, String(app.appId)),
        el("dt", {}, "Client ID"), el("dd", {}, String(app.clientId)),
        el("dt", {}, "Client secret (shown once here; also the webhook signing key)"),
        el("dd", {}, el("code", { "data-testid": "created-app-secret" }, String(app.clientSecret)))));
    } catch (e) {
      replace(result, el("p", { class: "error", role: "alert", "data-testid": "create-app-error" }, messageOf(e)));
    }
  });
  root.append(form);
}
