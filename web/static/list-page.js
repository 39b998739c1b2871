// A list page (`/contacts/{portalId}/objects/{objectTypeId}/views/all/list`): the first 100
// records of a type, each linking to its record page. Values are rendered as text.

import { el, replace } from "./dom.js";
import { recordPath } from "./routes.js";

/** @typedef {import("./objects.js").ObjectTypeInfo} ObjectTypeInfo */
/** @typedef {import("./api.js").CrmApi} CrmApi */

/**
 * @param {object} options
 * @param {HTMLElement} options.root
 * @param {CrmApi} options.api
 * @param {number} options.portalId
 * @param {ObjectTypeInfo} options.type
 */
export async function renderListPage({ root, api, portalId, type }) {
  document.title = `${type.plural} | callhost`;
  const columns = type.properties.slice(0, 5);
  const names = [...new Set([...type.properties.map((p) => p.name), ...type.phoneProperties])];
  const body = await api.get(`/crm/v3/objects/${type.objectTypeId}?limit=100&properties=${encodeURIComponent(names.join(","))}`);
  /** @type {Array<{id: string, properties: Record<string, string | null>}>} */
  const records = Array.isArray(body?.results) ? body.results : [];
  const rows = records.map((record) => el("tr", { "data-testid": "record-row", "data-object-id": record.id },
    el("td", {}, el("a", { href: recordPath(portalId, type.objectTypeId, record.id), "data-nav": true, "data-testid": "record-link" },
      type.title(record.properties ?? {}, record.id))),
    columns.map((c) => el("td", {}, record.properties?.[c.name] ?? ""))));
  replace(root,
    el("h1", {}, type.plural),
    records.length === 0
      ? el("p", { class: "empty" }, `No ${type.plural.toLowerCase()} yet.`)
      : el("table", { class: "records", "data-testid": "record-list", "data-object-type-id": type.objectTypeId },
        el("thead", {}, el("tr", {}, el("th", {}, "Name"), columns.map((c) => el("th", {}, c.label)))),
        el("tbody", {}, rows)));
}
