// A record's activity timeline: its associated calls (v4 associations, then a batch read),
// newest first, each as `data-testid="timeline-call"` with `data-engagement-id`. Every value
// is CRM data, rendered as text. A call an app logged with an external id also gets its
// recording's section (`recording.js`), kept across refreshes so playback is not cut.

import { el, replace } from "./dom.js";
import { mayHaveRecording, recordingSection } from "./recording.js";

/** @typedef {import("./api.js").CrmApi} CrmApi */

export const CALL_PROPERTIES = [
  "hs_call_title", "hs_call_body", "hs_call_status", "hs_call_duration", "hs_call_disposition",
  "hs_call_direction", "hs_timestamp", "hs_call_to_number", "hs_call_from_number",
  "hs_call_external_id", "hs_call_app_id",
];

/**
 * Loads and renders the calls of a record into `container`.
 * @param {CrmApi} api
 * @param {HTMLElement} container
 * @param {string} objectTypeId
 * @param {number} objectId
 */
export async function renderTimeline(api, container, objectTypeId, objectId) {
  const calls = await loadCalls(api, objectTypeId, objectId);
  container.dataset.count = String(calls.length);
  if (calls.length === 0) {
    replace(container, el("p", { class: "empty", "data-testid": "timeline-empty" }, "No calls yet."));
    return;
  }
  /** @type {Map<string, HTMLElement>} */
  const recordings = new Map();
  for (const section of container.querySelectorAll("[data-testid=recording]")) {
    const id = /** @type {HTMLElement} */ (section).dataset.engagementId;
    if (id) recordings.set(id, /** @type {HTMLElement} */ (section));
  }
  replace(container, el("ol", { class: "timeline" }, calls.map((call) => renderCall(call, recordings))));
}

/**
 * @param {CrmApi} api
 * @param {string} objectTypeId
 * @param {number} objectId
 * @returns {Promise<Array<{id: string, properties: Record<string, string | null>}>>}
 */
async function loadCalls(api, objectTypeId, objectId) {
  const links = await api.get(`/crm/v4/objects/${objectTypeId}/${objectId}/associations/calls?limit=500`);
  const ids = (Array.isArray(links?.results) ? links.results : []).map((/** @type {any} */ r) => String(r.toObjectId));
  if (ids.length === 0) return [];
  const body = await api.post("/crm/v3/objects/calls/batch/read", {
    properties: CALL_PROPERTIES,
    inputs: [...new Set(ids)].map((id) => ({ id })),
  });
  const calls = Array.isArray(body?.results) ? body.results : [];
  return calls.sort((/** @type {any} */ a, /** @type {any} */ b) => time(b.properties?.hs_timestamp) - time(a.properties?.hs_timestamp) || Number(b.id) - Number(a.id));
}

/**
 * @param {{id: string, properties: Record<string, string | null>}} call
 * @param {Map<string, HTMLElement>} recordings  the last render's recording sections, by call
 */
function renderCall(call, recordings) {
  const p = call.properties ?? {};
  /** @type {Array<[string, string | null | undefined, string]>} */
  const facts = [
    ["Status", p.hs_call_status, "status"],
    ["Duration", formatDuration(p.hs_call_duration), "duration"],
    ["Outcome", p.hs_call_disposition, "disposition"],
    ["Direction", p.hs_call_direction, "direction"],
    ["To", p.hs_call_to_number, "to"],
    ["From", p.hs_call_from_number, "from"],
  ];
  return el("li", { class: "timeline-call", "data-testid": "timeline-call", "data-engagement-id": call.id },
    el("header", {},
      el("strong", { class: "call-title", "data-field": "title" }, p.hs_call_title || "Call"),
      " ",
      el("time", { "data-field": "time", datetime: p.hs_timestamp ?? "" }, formatTime(p.hs_timestamp))),
    el("dl", { class: "call-facts" }, facts.filter(([, value]) => value).map(([label, value, field]) => [
      el("dt", {}, label),
      el("dd", { "data-field": field }, value),
    ])),
    p.hs_call_body ? el("p", { class: "call-notes", "data-field": "notes" }, p.hs_call_body) : null,
    mayHaveRecording(p) ? recordingSection(call.id, recordings.get(call.id)) : null);
}

/** @param {string | null | undefined} value */
function time(value) {
  if (!value) return 0;
  const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(n) ? n : 0;
}

/** @param {string | null | undefined} value */
function formatTime(value) {
  const t = time(value);
  return t ? new Date(t).toLocaleString() : "";
}

/**
 * Milliseconds as `m:ss` (HubSpot stores hs_call_duration in ms).
 * @param {string | null | undefined} value
 */
export function formatDuration(value) {
  if (value === null || value === undefined || value === "") return null;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0) return String(value);
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
