// Labels for the codes the CRM stores: what a person reads instead of `IN_PROGRESS`, a
// pipeline id or an outcome's GUID. The stored code stays on the element (`data-value`) for
// scripts and tests; an unknown code is shown as it is. Dates are shown in the reader's
// locale. Pure: no DOM.

/** HubSpot's call statuses (`hs_call_status`). */
export const CALL_STATUS = {
  BUSY: "Busy",
  CALLING_CRM_USER: "Calling CRM user",
  CANCELED: "Canceled",
  COMPLETED: "Completed",
  CONNECTING: "Connecting",
  FAILED: "Failed",
  IN_PROGRESS: "In progress",
  MISSED: "Missed",
  NO_ANSWER: "No answer",
  QUEUED: "Queued",
  RINGING: "Ringing",
  HOLD: "On hold",
  UNKNOWN: "Unknown",
};

/** `hs_call_direction`. */
export const CALL_DIRECTION = { INBOUND: "Inbound", OUTBOUND: "Outbound" };

/** HubSpot's default call outcomes (`hs_call_disposition` holds their ids). */
export const CALL_OUTCOME = {
  "f240bbac-87c9-4f6e-bf70-924b57d47db7": "Connected",
  "9d9162e7-6cf3-4944-bf63-4dff82258764": "Busy",
  "73a0d17f-1163-4015-bdd5-ec830791da20": "No answer",
  "b2cf5968-551e-4856-9783-52b3da59a7d0": "Left voicemail",
  "a4c4c377-d246-4b32-a13b-75a56a4cd0ff": "Left live message",
  "17b47fee-58de-441e-a44c-c6300d46f273": "Wrong number",
};

/** The default ticket pipeline and its statuses (`hs_pipeline`, `hs_pipeline_stage`). */
export const TICKET_PIPELINE = { 0: "Support pipeline" };
export const TICKET_STATUS = { 1: "New", 2: "Waiting on contact", 3: "Waiting on us", 4: "Closed" };

/**
 * The label of `code` in `labels`, or the code itself when it has none.
 * @param {Record<string, string>} labels
 * @param {string | null | undefined} code
 * @returns {string}
 */
export function label(labels, code) {
  if (code === null || code === undefined) return "";
  return Object.hasOwn(labels, code) ? labels[code] : code;
}

/**
 * An ISO-8601 timestamp or epoch milliseconds as a local date and time; anything else as
 * it is.
 * @param {string | null | undefined} value
 * @returns {string}
 */
export function formatDateTime(value) {
  if (!value) return "";
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toLocaleString() : value;
}

/**
 * How a property's stored value reads on a page.
 * @param {{labels?: Record<string, string>, dateTime?: boolean}} property
 * @param {string | null | undefined} value
 */
export function displayValue(property, value) {
  if (property.dateTime) return formatDateTime(value);
  if (property.labels) return label(property.labels, value);
  return value ?? "";
}
