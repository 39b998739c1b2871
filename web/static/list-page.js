// A list page (`/contacts/{portalId}/objects/{objectTypeId}/views/all/list[?q=text]`): the
// first 100 records of a type, or those matching a search (`list-search`, the CRM search API's
// `query`), each linking to its record page. Values are rendered as text. Records with a phone
// number get a checkbox (`queue-select`), and "Start calling" (`start-queue`) hands the checked
// ones (or, when none is checked, every listed one with a phone number) to the call task
// queue, in list order.
//
// The current search can be saved under a name (`save-search`). Saved searches are kept by
// callhost (`/host/api/saved-searches`), per portal, user and object type, so they follow the
// user to any browser; each one (`saved-search`) can be shown again, worked as a call task
// queue (`start-saved-search-queue`), which searches again and so takes the search's current
// results, or deleted (`delete-saved-search`). callhost's refusals (a duplicate name, a name
// or query too long) are shown as text in `saved-search-error`.

import { displayValue } from "./labels.js";
import { showAlert } from "./alerts.js";
import { el, replace } from "./dom.js";
import { recordPath } from "./routes.js";
import { hostApi, messageOf } from "./host-api.js";

/** @typedef {import("./objects.js").ObjectTypeInfo} ObjectTypeInfo */
/** @typedef {import("./api.js").CrmApi} CrmApi */
/** @typedef {import("./task-queue.js").CallTask} CallTask */
/** @typedef {{id: string, properties: Record<string, string | null>}} ListedRecord */
/**
 * A saved search as callhost keeps it.
 * @typedef {{id: number, name: string, query: string, objectTypeId: string, createdAt: string}} SavedSearch
 */

const LIMIT = 100;

/**
 * @param {object} options
 * @param {HTMLElement} options.root
 * @param {CrmApi} options.api
 * @param {number} options.portalId
 * @param {number} [options.userId]  the signed-in user, whose saved searches callhost offers (none without it)
 * @param {ObjectTypeInfo} options.type
 * @param {(tasks: CallTask[]) => void} [options.onStartQueue]
 * @param {() => boolean} [options.isCurrent]  false once the user moved on to another page
 */
export async function renderListPage({ root, api, portalId, userId, type, onStartQueue, isCurrent = () => true }) {
  document.title = `${type.plural} | callhost`;
  const saved = userId !== undefined;
  let query = new URLSearchParams(location.search).get("q") ?? "";
  // Both asked at once; a failure to list the saved searches does not hide the records.
  const savedSearches = saved ? listSavedSearches(type).then((list) => ({ list, error: null }), (error) => ({ list: [], error })) : null;
  const records = await fetchRecords(api, type, query);
  const firstSaved = await savedSearches;
  if (!isCurrent()) return;

  const list = el("div", { class: "record-list-area" });
  const savedList = el("ul", { class: "saved-searches", "data-testid": "saved-searches" });
  const searchBox = el("input", { type: "search", name: "q", value: query, "data-testid": "list-search", "aria-label": `Search ${type.plural.toLowerCase()}`, placeholder: "Search" });
  const nameBox = el("input", { type: "text", "data-testid": "saved-search-name", "aria-label": "Name of the saved search", placeholder: "Name this search", maxlength: 100 });
  const saveButton = el("button", { type: "button", "data-testid": "save-search", onclick: () => void saveCurrent() }, "Save search");
  const savedError = el("p", { class: "error", "data-testid": "saved-search-error", role: "alert" });

  /** Shows `found` as the list, with the task queue's controls. */
  const show = (/** @type {ListedRecord[]} */ found) => {
    /** @type {Array<{box: HTMLInputElement, task: CallTask}>} */
    const callable = [];
    const columns = type.properties.slice(0, 5);
    const rows = found.map((record) => {
      const props = record.properties ?? {};
      const task = onStartQueue ? taskOf(type, record) : null;
      let box = null;
      if (task) {
        box = el("input", { type: "checkbox", "data-testid": "queue-select", "aria-label": `Add ${task.title} to the call queue` });
        callable.push({ box, task });
      }
      return el("tr", { "data-testid": "record-row", "data-object-id": record.id },
        onStartQueue ? el("td", {}, box) : null,
        el("td", {}, el("a", { href: recordPath(portalId, type.objectTypeId, record.id), "data-nav": true, "data-testid": "record-link" }, type.title(props, record.id))),
        columns.map((c) => el("td", { "data-value": props[c.name] ?? "", class: type.phoneProperties.includes(c.name) ? "phone" : null }, displayValue(c, props[c.name]))));
    });
    const start = () => {
      const checked = callable.filter((c) => c.box.checked);
      onStartQueue?.((checked.length ? checked : callable).map((c) => c.task));
    };
    replace(list,
      onStartQueue && callable.length
        ? el("p", { class: "list-actions" }, el("button", { type: "button", "data-testid": "start-queue", onclick: start }, "Start calling"))
        : null,
      found.length === 0
        ? el("p", { class: "empty", "data-testid": "record-list-empty" }, query ? `No ${type.plural.toLowerCase()} match “${query}”.` : `No ${type.plural.toLowerCase()} yet.`)
        : el("table", { class: "records", "data-testid": "record-list", "data-object-type-id": type.objectTypeId, "data-query": query },
          el("thead", {}, el("tr", {}, onStartQueue ? el("th", {}, "") : null, el("th", {}, "Name"), columns.map((c) => el("th", {}, c.label)))),
          el("tbody", {}, rows)));
  };

  /** Runs a search and shows its results; the URL keeps it, so a reload shows it again. */
  const search = async (/** @type {string} */ text) => {
    query = text.trim();
    searchBox.value = query;
    const url = new URL(location.href);
    if (query) url.searchParams.set("q", query);
    else url.searchParams.delete("q");
    history.replaceState(history.state, "", url);
    const found = await fetchRecords(api, type, query);
    if (isCurrent() && query === text.trim()) show(found);
  };

  /** Shows callhost's refusal (or a network failure) as text, until the next success. */
  const showSavedError = (/** @type {string} */ what, /** @type {unknown} */ error) => replace(savedError, `${what}: ${messageOf(error)}`);

  const renderSaved = (/** @type {SavedSearch[]} */ searches) => {
    replace(savedList, searches.map((s) => el("li", { "data-testid": "saved-search", "data-name": s.name, "data-query": s.query, "data-id": s.id },
      el("button", { type: "button", class: "link", "data-testid": "show-saved-search", onclick: () => void search(s.query) }, s.name),
      onStartQueue ? el("button", { type: "button", "data-testid": "start-saved-search-queue", title: "Call everyone this search finds now",
        onclick: () => void startSaved(s.query, s.name) }, "Start calling") : null,
      el("button", { type: "button", class: "icon", "data-testid": "delete-saved-search", "aria-label": `Delete ${s.name}`,
        onclick: () => void removeSaved(s) }, "×"))));
  };

  /** Lists the saved searches again, as callhost has them now. */
  const reloadSaved = async () => {
    try {
      const searches = await listSavedSearches(type);
      if (isCurrent()) renderSaved(searches);
    } catch (error) {
      showSavedError("Saved searches could not be loaded", error);
    }
  };

  const removeSaved = async (/** @type {SavedSearch} */ s) => {
    try {
      await hostApi("DELETE", `/host/api/saved-searches/${encodeURIComponent(s.id)}`);
    } catch (error) {
      showSavedError(`“${s.name}” could not be deleted`, error);
      return;
    }
    replace(savedError);
    await reloadSaved();
  };

  /** A saved search's queue: the search runs again now, so it takes the current results. */
  const startSaved = async (/** @type {string} */ text, /** @type {string} */ name) => {
    try {
      const tasks = (await fetchRecords(api, type, text)).map((r) => taskOf(type, r)).filter((t) => t !== null);
      if (!tasks.length) showAlert(`Nobody that “${name}” finds has a phone number.`);
      else onStartQueue?.(/** @type {CallTask[]} */ (tasks));
    } catch (error) {
      showAlert(error instanceof Error ? error.message : String(error));
    }
  };

  /** Saves the current search under the name typed (or, without one, under its text). */
  const saveCurrent = async () => {
    if (!saved || saveButton.disabled) return;
    saveButton.disabled = true;
    try {
      await hostApi("POST", "/host/api/saved-searches", { name: nameBox.value.trim() || query, query, objectTypeId: type.objectTypeId });
    } catch (error) {
      showSavedError("The search was not saved", error);
      return;
    } finally {
      saveButton.disabled = false;
    }
    nameBox.value = "";
    replace(savedError);
    await reloadSaved();
  };

  replace(root,
    el("h1", {}, type.plural),
    el("form", { class: "list-search", "data-testid": "list-search-form", role: "search",
      onsubmit: (/** @type {Event} */ event) => { event.preventDefault(); void search(searchBox.value); } },
      searchBox,
      el("button", { type: "submit", "data-testid": "run-search" }, "Search"),
      saved ? [nameBox, saveButton] : null),
    saved ? el("section", { class: "saved-search-list", "aria-label": "Saved searches" }, el("strong", {}, "Saved searches"), savedList, savedError) : null,
    list);
  if (firstSaved) {
    renderSaved(firstSaved.list);
    if (firstSaved.error) showSavedError("Saved searches could not be loaded", firstSaved.error);
  }
  show(records);
}

/**
 * The signed-in user's saved searches of a type, by name, as callhost keeps them.
 * @param {ObjectTypeInfo} type
 * @returns {Promise<SavedSearch[]>}
 */
async function listSavedSearches(type) {
  const body = await hostApi("GET", `/host/api/saved-searches?objectTypeId=${encodeURIComponent(type.objectTypeId)}`);
  const list = Array.isArray(body?.savedSearches) ? body.savedSearches : [];
  return list.filter((/** @type {any} */ s) => s && typeof s.id === "number" && typeof s.name === "string" && typeof s.query === "string");
}

/**
 * The first records of a type, or those matching `query` (the CRM search API).
 * @param {CrmApi} api
 * @param {ObjectTypeInfo} type
 * @param {string} query
 * @returns {Promise<ListedRecord[]>}
 */
async function fetchRecords(api, type, query) {
  const names = [...new Set([...type.properties.map((p) => p.name), ...type.phoneProperties])];
  const body = query
    ? await api.post(`/crm/v3/objects/${type.objectTypeId}/search`, { query, limit: LIMIT, properties: names })
    : await api.get(`/crm/v3/objects/${type.objectTypeId}?limit=${LIMIT}&properties=${encodeURIComponent(names.join(","))}`);
  return Array.isArray(body?.results) ? body.results : [];
}

/**
 * The call task for a record, when it has a phone number.
 * @param {ObjectTypeInfo} type
 * @param {ListedRecord} record
 * @returns {CallTask | null}
 */
function taskOf(type, record) {
  const props = record.properties ?? {};
  const property = type.phoneProperties.find((name) => props[name]);
  if (!property) return null;
  return {
    objectTypeId: type.objectTypeId, objectId: Number(record.id), objectType: type.objectType,
    property, value: String(props[property]), title: type.title(props, record.id),
  };
}
