// A list page (`/contacts/{portalId}/objects/{objectTypeId}/views/all/list`): the first 100
// records of a type, each linking to its record page. Values are rendered as text. Records
// with a phone number get a checkbox (`queue-select`), and "Start calling" (`start-queue`)
// hands the checked ones (or, when none is checked, every listed one with a phone number) to
// the call task queue, in list order.

import { el, replace } from "./dom.js";
import { recordPath } from "./routes.js";

/** @typedef {import("./objects.js").ObjectTypeInfo} ObjectTypeInfo */
/** @typedef {import("./api.js").CrmApi} CrmApi */
/** @typedef {import("./task-queue.js").CallTask} CallTask */

/**
 * @param {object} options
 * @param {HTMLElement} options.root
 * @param {CrmApi} options.api
 * @param {number} options.portalId
 * @param {ObjectTypeInfo} options.type
 * @param {(tasks: CallTask[]) => void} [options.onStartQueue]
 * @param {() => boolean} [options.isCurrent]  false once the user moved on to another page
 */
export async function renderListPage({ root, api, portalId, type, onStartQueue, isCurrent = () => true }) {
  document.title = `${type.plural} | callhost`;
  const columns = type.properties.slice(0, 5);
  const names = [...new Set([...type.properties.map((p) => p.name), ...type.phoneProperties])];
  const body = await api.get(`/crm/v3/objects/${type.objectTypeId}?limit=100&properties=${encodeURIComponent(names.join(","))}`);
  if (!isCurrent()) return;
  /** @type {Array<{id: string, properties: Record<string, string | null>}>} */
  const records = Array.isArray(body?.results) ? body.results : [];
  /** @type {Array<{box: HTMLInputElement, task: CallTask}>} */
  const callable = [];
  const rows = records.map((record) => {
    const props = record.properties ?? {};
    const title = type.title(props, record.id);
    const property = type.phoneProperties.find((name) => props[name]);
    let box = null;
    if (property && onStartQueue) {
      box = el("input", { type: "checkbox", "data-testid": "queue-select", "aria-label": `Add ${title} to the call queue` });
      callable.push({ box, task: {
        objectTypeId: type.objectTypeId, objectId: Number(record.id), objectType: type.objectType,
        property, value: String(props[property]), title,
      } });
    }
    return el("tr", { "data-testid": "record-row", "data-object-id": record.id },
      onStartQueue ? el("td", {}, box) : null,
      el("td", {}, el("a", { href: recordPath(portalId, type.objectTypeId, record.id), "data-nav": true, "data-testid": "record-link" }, title)),
      columns.map((c) => el("td", {}, props[c.name] ?? "")));
  });
  const start = () => {
    const checked = callable.filter((c) => c.box.checked);
    onStartQueue?.((checked.length ? checked : callable).map((c) => c.task));
  };
  replace(root,
    el("h1", {}, type.plural),
    onStartQueue && callable.length
      ? el("p", { class: "list-actions" }, el("button", { type: "button", "data-testid": "start-queue", onclick: start }, "Start calling"))
      : null,
    records.length === 0
      ? el("p", { class: "empty" }, `No ${type.plural.toLowerCase()} yet.`)
      : el("table", { class: "records", "data-testid": "record-list", "data-object-type-id": type.objectTypeId },
        el("thead", {}, el("tr", {}, onStartQueue ? el("th", {}, "") : null, el("th", {}, "Name"), columns.map((c) => el("th", {}, c.label)))),
        el("tbody", {}, rows)));
}
