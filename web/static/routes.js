// The host's URLs, in HubSpot's shapes, and nothing else: parsing `location.pathname` into a
// route and building the paths of list and record pages. Pure; no DOM.

/**
 * @typedef {{kind: "list", portalId: number, objectTypeId: string}
 *   | {kind: "record", portalId: number, objectTypeId: string, objectId: number}
 *   | {kind: "window", portalId: number}
 *   | {kind: "helpdesk", portalId: number}
 *   | {kind: "admin", portalId: number}
 *   | {kind: "home", portalId: number | null}} Route
 */

// Contacts, companies, tickets (the help desk links a ticket's record page) and custom objects.
const OBJECT_TYPE = /^(0-1|0-2|0-5|2-\d+)$/;

/**
 * Reads a pathname. Unknown shapes under `/contacts/{portalId}` are the home page.
 * @param {string} pathname
 * @returns {Route}
 */
export function parseRoute(pathname) {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const portalId = toId(parts[1]);
  if (parts[0] === "calling-integration-popup-ui" && portalId !== null) {
    return { kind: "window", portalId };
  }
  // The help desk (`/help-desk/{portalId}`, any deeper path is its channels page too) and the
  // apps settings page (`/settings/{portalId}/apps`).
  if (parts[0] === "help-desk" && portalId !== null) return { kind: "helpdesk", portalId };
  if (parts[0] === "settings" && portalId !== null && parts[2] === "apps" && parts.length === 3) {
    return { kind: "admin", portalId };
  }
  if (parts[0] !== "contacts" || portalId === null) return { kind: "home", portalId: null };
  const [, , section, typeId, a, b, c] = parts;
  if (section === "record" && OBJECT_TYPE.test(typeId ?? "")) {
    const objectId = toId(a);
    if (objectId !== null) return { kind: "record", portalId, objectTypeId: typeId, objectId };
  }
  if (section === "objects" && OBJECT_TYPE.test(typeId ?? "") && a === "views" && c === "list") {
    void b;
    return { kind: "list", portalId, objectTypeId: typeId };
  }
  // HubSpot's older list shapes: /contacts/{portalId}/contacts and /companies.
  if (section === "contacts") return { kind: "list", portalId, objectTypeId: "0-1" };
  if (section === "companies") return { kind: "list", portalId, objectTypeId: "0-2" };
  return { kind: "home", portalId };
}

/**
 * @param {number} portalId
 * @param {string} objectTypeId
 */
export function listPath(portalId, objectTypeId) {
  return `/contacts/${portalId}/objects/${objectTypeId}/views/all/list`;
}

/**
 * @param {number} portalId
 * @param {string} objectTypeId
 * @param {number | string} objectId
 */
export function recordPath(portalId, objectTypeId, objectId) {
  return `/contacts/${portalId}/record/${objectTypeId}/${objectId}`;
}

/** @param {string | undefined} text */
function toId(text) {
  if (!text || !/^\d{1,18}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** @param {number} portalId */
export function helpDeskPath(portalId) {
  return `/help-desk/${portalId}`;
}

/** @param {number} portalId */
export function appsSettingsPath(portalId) {
  return `/settings/${portalId}/apps`;
}
