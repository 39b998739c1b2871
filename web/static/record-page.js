// A record page (`/contacts/{portalId}/record/{objectTypeId}/{objectId}`): the record's
// properties, a Call button on each phone property that has a value
// (`data-testid="call-button"`, `data-phone` = the stored value), and the activity timeline,
// whose entry for a call is read again whenever the calling controller reports that the call
// object changed.

import { el, replace } from "./dom.js";
import { displayValue } from "./labels.js";
import { listPath } from "./routes.js";
import { Timeline } from "./timeline.js";

/** @typedef {import("./objects.js").ObjectTypeInfo} ObjectTypeInfo */
/** @typedef {import("./api.js").CrmApi} CrmApi */

/**
 * @param {object} options
 * @param {HTMLElement} options.root
 * @param {CrmApi} options.api
 * @param {number} options.portalId
 * @param {ObjectTypeInfo} options.type
 * @param {number} options.objectId
 * @param {(target: {objectTypeId: string, objectId: number, objectType: string, property: string, value: string}) => void} options.onCall
 * @param {EventTarget} options.calls  emits `call-changed` ({engagementId, externalCallId}) after a call object is written
 * @param {() => boolean} [options.isCurrent]  false once the user moved on to another page
 * @returns {Promise<() => void>} stops the page's listeners
 */
export async function renderRecordPage({ root, api, portalId, type, objectId, onCall, calls, isCurrent = () => true }) {
  const names = [...new Set([...type.properties.map((p) => p.name), ...type.phoneProperties])];
  const record = await api.get(`/crm/v3/objects/${type.objectTypeId}/${objectId}?properties=${encodeURIComponent(names.join(","))}`);
  if (!isCurrent()) return () => {};
  /** @type {Record<string, string | null>} */
  const props = record?.properties ?? {};
  const title = type.title(props, String(objectId));
  document.title = `${title} | callhost`;

  const rows = type.properties.map((property) => {
    const { name, label } = property;
    const value = props[name];
    const phone = type.phoneProperties.includes(name) && value;
    return [
      el("dt", {}, label),
      el("dd", { "data-property": name },
        el("span", { class: "value", "data-value": value ?? "" }, displayValue(property, value)),
        phone ? el("button", {
          type: "button", class: "call-button", "data-testid": "call-button", "data-phone": value, "data-property": name,
          "aria-label": `Call ${value}`,
          onclick: () => onCall({ objectTypeId: type.objectTypeId, objectId, objectType: type.objectType, property: name, value: String(value) }),
        }, "Call") : null),
    ];
  });

  const timeline = el("div", { class: "timeline-host", "data-testid": "timeline" }, el("p", { class: "empty" }, "Loading calls…"));
  replace(root,
    el("p", { class: "breadcrumb" }, el("a", { href: listPath(portalId, type.objectTypeId), "data-nav": true }, `‹ ${type.plural}`)),
    el("article", { class: "record", "data-testid": "record", "data-object-type-id": type.objectTypeId, "data-object-id": objectId },
      el("h1", { "data-testid": "record-title" }, title),
      el("section", { class: "properties" }, el("h2", {}, "About this ", type.singular.toLowerCase()), el("dl", {}, rows)),
      el("section", { class: "activity" }, el("h2", {}, "Activity"), timeline)));

  // The timeline reads one call again whenever the engine says that call object changed
  // (`call-changed`: this tab's widget or calling remote wrote it); its reads run one at a time.
  const timelineView = new Timeline(api, timeline, type.objectTypeId, objectId);
  /** @param {Event} event */
  const onCallChanged = (event) => timelineView.callChanged(/** @type {CustomEvent} */ (event).detail?.engagementId);
  calls.addEventListener("call-changed", onCallChanged);
  timelineView.refresh();
  return () => {
    timelineView.stop();
    calls.removeEventListener("call-changed", onCallChanged);
  };
}
