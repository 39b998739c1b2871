// The host page's entry point: loads the signed-in context, builds the nav bar and the
// calling controller once, and renders the page for `location.pathname` on every in-page
// navigation. The document itself is never reloaded by the host, so the calling widget
// outlives page changes.

import { CrmApi, loadContext } from "./api.js";
import { renderAppsPage } from "./admin.js";
import { CallingController } from "./calling.js";
import { devSettingsButton } from "./dev-settings.js";
import { el, replace } from "./dom.js";
import { renderHelpDeskPage, TICKET_TYPE } from "./helpdesk.js";
import { renderListPage } from "./list-page.js";
import { navigate, startNavigation } from "./navigation.js";
import { loadObjectTypes } from "./objects.js";
import { remoteProvider } from "./providers.js";
import { renderRecordPage } from "./record-page.js";
import { CallingRemote } from "./remote.js";
import { appsSettingsPath, helpDeskPath, listPath, parseRoute } from "./routes.js";
import { TaskQueue } from "./task-queue.js";

/** @typedef {import("./objects.js").ObjectTypeInfo} ObjectTypeInfo */

const root = /** @type {HTMLElement} */ (document.getElementById("page"));
const nav = /** @type {HTMLElement} */ (document.getElementById("nav"));

async function main() {
  let context;
  try {
    context = await loadContext();
  } catch (error) {
    replace(root, el("h1", {}, "Not signed in"), el("p", { class: "error" }, String(error instanceof Error ? error.message : error)));
    return;
  }
  const api = new CrmApi(context.accessToken);
  const types = await loadObjectTypes(api);
  // Record and list pages also open tickets (the help desk links them); the nav bar does not
  // list them.
  const pageTypes = [...types, TICKET_TYPE];
  const route = parseRoute(location.pathname);
  const calling = new CallingController(context, {
    location: route.kind === "window" ? "window" : "widget",
    navigate,
  });
  const queue = new TaskQueue({ calling, navigate, portalId: context.portalId });
  const remoteSlot = el("span", { class: "remote-slot" });
  renderNav(context.portalId, types, remoteSlot, () => calling.open());
  // For an app that supports inbound calling, every tab but the calling window runs the
  // calling remote in its nav bar.
  const inbound = route.kind === "window" ? null : remoteProvider(calling.providers, calling.selected);
  if (inbound) {
    new CallingRemote({ context, provider: inbound, mount: remoteSlot, navigate, onCallsChanged: (id) => calling.changed(id) });
  }
  document.body.dataset.portalId = String(context.portalId);

  /** @type {(() => void) | null} */
  let leave = null;
  let generation = 0;
  const render = async () => {
    leave?.();
    leave = null;
    const mine = ++generation;
    const route = parseRoute(location.pathname);
    root.dataset.route = route.kind;
    try {
      if (route.kind === "record") {
        const type = pageTypes.find((t) => t.objectTypeId === route.objectTypeId);
        if (!type) return notFound(`Unknown object type ${route.objectTypeId}`);
        const stop = await renderRecordPage({
          root, api, portalId: context.portalId, type, objectId: route.objectId,
          onCall: (target) => calling.dial(target), calls: calling, isCurrent: () => mine === generation,
        });
        if (mine === generation) leave = stop;
        else stop();
      } else if (route.kind === "list") {
        const type = pageTypes.find((t) => t.objectTypeId === route.objectTypeId);
        if (!type) return notFound(`Unknown object type ${route.objectTypeId}`);
        await renderListPage({ root, api, portalId: context.portalId, userId: context.userId, type, onStartQueue: (tasks) => queue.start(tasks), isCurrent: () => mine === generation });
      } else if (route.kind === "helpdesk") {
        const stop = await renderHelpDeskPage({ root, portalId: context.portalId, isCurrent: () => mine === generation });
        if (mine === generation) leave = stop;
        else stop();
      } else if (route.kind === "admin") {
        await renderAppsPage({ root, isCurrent: () => mine === generation });
      } else if (route.kind === "window") {
        document.title = "Calling window | callhost";
        // The dedicated calling window: the call front and centre, nothing of the CRM around it.
        document.body.classList.add("calling-window");
        replace(root, el("h1", { class: "visually-hidden" }, "Calling window"),
          el("p", { class: "muted window-note" }, "Calls placed here go on while you move between pages in your other tabs."));
        // The window runs the app the tabs' calling remote runs, when there is one.
        const windowProvider = remoteProvider(calling.providers, calling.selected);
        if (windowProvider && !calling.session) calling.selected = windowProvider;
        // Nothing chosen yet and only one app to choose: the window loads it at once.
        const selectable = calling.providers.filter((p) => p.selectable);
        if (!calling.selected && selectable.length === 1) calling.selected = selectable[0];
        calling.open();
      } else {
        document.title = "callhost";
        replace(root, el("h1", {}, "callhost"),
          el("ul", {}, types.map((t) => el("li", {}, el("a", { href: listPath(context.portalId, t.objectTypeId), "data-nav": true }, t.plural)))));
      }
    } catch (error) {
      if (mine !== generation) return;
      // A record that does not exist is said in words, with the way back to its list; the
      // API's path and wording are for developers (the inspector and the console have them).
      const status = /** @type {any} */ (error)?.status;
      if (route.kind === "record" && status === 404) {
        const type = pageTypes.find((t) => t.objectTypeId === route.objectTypeId);
        const what = type ? type.singular.toLowerCase() : "record";
        console.warn("callhost: record not found", error);
        notFound(`There is no ${what} with ID ${route.objectId} in this portal. It may have been deleted.`,
          type ? { href: listPath(context.portalId, type.objectTypeId), text: `All ${type.plural.toLowerCase()}` } : null);
      } else {
        notFound(error instanceof Error ? error.message : String(error));
      }
    }
  };
  startNavigation(render);
  await render();
  document.body.dataset.ready = "true";
}

/**
 * @param {string} message
 * @param {{href: string, text: string} | null} [back]  a page to go to instead
 */
function notFound(message, back = null) {
  document.title = "Not found | callhost";
  replace(root, el("h1", {}, "Not found"), el("p", { class: "error", "data-testid": "page-error" }, message),
    back ? el("p", {}, el("a", { href: back.href, "data-nav": true }, back.text)) : null);
}

/**
 * @param {number} portalId
 * @param {ObjectTypeInfo[]} types
 * @param {HTMLElement} remoteSlot  where the calling remote goes
 * @param {() => void} openWidget
 */
function renderNav(portalId, types, remoteSlot, openWidget) {
  replace(nav,
    el("a", { class: "brand", href: listPath(portalId, "0-1"), "data-nav": true }, "callhost"),
    types.map((t) => el("a", { href: listPath(portalId, t.objectTypeId), "data-nav": true, "data-testid": `nav-${t.objectTypeId}` }, t.plural)),
    el("a", { href: helpDeskPath(portalId), "data-nav": true, "data-testid": "nav-helpdesk" }, "Help desk"),
    el("span", { class: "spacer" }),
    el("a", { href: appsSettingsPath(portalId), "data-nav": true, "data-testid": "nav-apps" }, "Apps"),
    // The inspector is a page of its own (no data-nav): it opens in a new tab, so the call here
    // goes on while the developer watches its messages.
    el("a", { href: `/calling-inspector/${portalId}`, target: "_blank", rel: "noopener", "data-testid": "nav-inspector" }, "Inspector"),
    devSettingsButton(localStorage),
    remoteSlot,
    el("button", { type: "button", class: "open-widget", "data-testid": "open-widget", onclick: openWidget }, "Calling"));
}

main();
