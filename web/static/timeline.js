// A record's activity timeline: its associated calls (v4 associations, then a batch read),
// newest first, each as `data-testid="timeline-call"` with `data-engagement-id`. Every value
// is CRM data, rendered as text. A call an app logged with an external id also gets its
// recording's section (`recording.js`), kept across refreshes so playback is not cut.
//
// [`Timeline`] keeps one record's timeline current: a whole read when the page opens, and,
// when the engine says a call object changed (`ui:callChanged`), a read of that one call,
// whose entry is updated in place or inserted where it sorts. Reads run one at a time, so an
// older answer that arrives late can never overwrite a newer one.

import { CALL_DIRECTION, CALL_OUTCOME, CALL_STATUS, label } from "./labels.js";
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

/** @typedef {{id: string, properties: Record<string, string | null>}} CallObject */

/**
 * A record's timeline, kept current one read at a time.
 */
export class Timeline {
  /**
   * @param {CrmApi} api
   * @param {HTMLElement} container
   * @param {string} objectTypeId
   * @param {number} objectId
   */
  constructor(api, container, objectTypeId, objectId) {
    this.api = api;
    this.container = container;
    this.objectTypeId = objectTypeId;
    this.objectId = objectId;
    this.stopped = false;
    this.running = false;
    /** a whole read is waiting */
    this.wantAll = false;
    /** @type {Set<string>} calls waiting to be read again, by engagement id */
    this.wantCalls = new Set();
  }

  /** Reads the whole timeline again. */
  refresh() {
    this.wantAll = true;
    this.next();
  }

  /**
   * A call object changed: read it again (and insert it if it now belongs to the record).
   * @param {number | string | null | undefined} engagementId  a whole read when unknown
   */
  callChanged(engagementId) {
    if (engagementId === null || engagementId === undefined || !/^\d+$/.test(String(engagementId))) {
      this.refresh();
      return;
    }
    this.wantCalls.add(String(engagementId));
    this.next();
  }

  /** The page is gone: nothing more is read or rendered. */
  stop() {
    this.stopped = true;
    this.wantAll = false;
    this.wantCalls.clear();
  }

  /** Starts the next read unless one runs (it starts the next one when it ends). */
  next() {
    if (this.stopped || this.running) return;
    /** @type {() => Promise<void>} */
    let work;
    if (this.wantAll) {
      // A whole read that has not started yet covers every call waiting to be read.
      this.wantAll = false;
      this.wantCalls.clear();
      work = () => renderTimeline(this.api, this.container, this.objectTypeId, this.objectId)
        .catch((error) => {
          if (!this.stopped) replace(this.container, el("p", { class: "error" }, `Calls could not be loaded: ${error.message}`));
        });
    } else {
      const [id] = this.wantCalls;
      if (id === undefined) return;
      this.wantCalls.delete(id);
      // When the one call cannot be read, read everything (which says why if it fails too).
      work = () => renderOneCall(this.api, this.container, this.objectTypeId, this.objectId, id, () => this.stopped)
        .catch(() => {
          this.wantAll = true;
        });
    }
    this.running = true;
    work().finally(() => {
      this.running = false;
      this.next();
    });
  }
}

/**
 * Reads one call again and updates its entry: in place (at its sorted position), inserted
 * when the record now has it, removed when the call is gone. The recording section of the
 * entry is reused, as a whole render does.
 * @param {CrmApi} api
 * @param {HTMLElement} container
 * @param {string} objectTypeId
 * @param {number} objectId
 * @param {string} engagementId
 * @param {() => boolean} [stopped]
 */
export async function renderOneCall(api, container, objectTypeId, objectId, engagementId, stopped = () => false) {
  const shown = () => /** @type {HTMLElement | null} */ (container.querySelector(`[data-testid=timeline-call][data-engagement-id="${CSS.escape(engagementId)}"]`));
  const [call, linked] = await Promise.all([
    readCall(api, engagementId),
    shown() ? Promise.resolve(true) : isLinked(api, engagementId, objectTypeId, objectId),
  ]);
  if (stopped()) return;
  const existing = shown();
  if (!call) {
    existing?.remove();
    countShown(container);
    return;
  }
  if (!linked) return;
  /** @type {Map<string, HTMLElement>} */
  const recordings = new Map();
  const section = existing?.querySelector("[data-testid=recording]");
  if (section) recordings.set(engagementId, /** @type {HTMLElement} */ (section));
  let list = container.querySelector("ol.timeline");
  if (!list) {
    list = el("ol", { class: "timeline" });
    replace(container, list);
  }
  const entry = renderCall(call, recordings);
  const key = sortKey(call.properties?.hs_timestamp, call.id);
  const before = [...list.children].find((li) => li !== existing && compareKeys(entryKey(/** @type {HTMLElement} */ (li)), key) > 0);
  // One synchronous move: a playing recording is detached and attached again in the same
  // task, so playback goes on.
  if (existing) existing.remove();
  list.insertBefore(entry, before ?? null);
  countShown(container);
}

/**
 * One call's properties, or null when it does not exist (any more).
 * @param {CrmApi} api
 * @param {string} engagementId
 * @returns {Promise<CallObject | null>}
 */
async function readCall(api, engagementId) {
  try {
    const call = await api.get(`/crm/v3/objects/calls/${encodeURIComponent(engagementId)}?properties=${CALL_PROPERTIES.join(",")}`);
    return call ? { ...call, id: String(call.id ?? engagementId) } : null;
  } catch (error) {
    if (/** @type {any} */ (error)?.status === 404) return null;
    throw error;
  }
}

/**
 * Whether a call is associated with the record (read from the call's side).
 * @param {CrmApi} api
 * @param {string} engagementId
 * @param {string} objectTypeId
 * @param {number} objectId
 */
async function isLinked(api, engagementId, objectTypeId, objectId) {
  /** @type {string | null} */
  let after = null;
  do {
    const page = await api.get(`/crm/v4/objects/calls/${encodeURIComponent(engagementId)}/associations/${objectTypeId}?limit=500${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    const results = Array.isArray(page?.results) ? page.results : [];
    if (results.some((/** @type {any} */ r) => String(r.toObjectId) === String(objectId))) return true;
    after = page?.paging?.next?.after ?? null;
  } while (after);
  return false;
}

/** @param {HTMLElement} container */
function countShown(container) {
  const entries = container.querySelectorAll("[data-testid=timeline-call]").length;
  container.dataset.count = String(entries);
  if (entries === 0) replace(container, el("p", { class: "empty", "data-testid": "timeline-empty" }, "No calls yet."));
}

/**
 * Newest first, then the higher id first (the order of a whole render).
 * @param {string | null | undefined} timestamp
 * @param {string} id
 * @returns {[number, number]}
 */
function sortKey(timestamp, id) {
  return [time(timestamp), Number(id)];
}

/** @param {HTMLElement} entry */
function entryKey(entry) {
  const stamp = entry.querySelector("[data-field=time]")?.getAttribute("datetime");
  return sortKey(stamp, entry.dataset.engagementId ?? "0");
}

/**
 * Negative when `a` comes first on the timeline.
 * @param {[number, number]} a
 * @param {[number, number]} b
 */
function compareKeys(a, b) {
  return b[0] - a[0] || b[1] - a[1];
}

/**
 * @param {CrmApi} api
 * @param {string} objectTypeId
 * @param {number} objectId
 * @returns {Promise<CallObject[]>}
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
 * @param {CallObject} call
 * @param {Map<string, HTMLElement>} recordings  the last render's recording sections, by call
 */
function renderCall(call, recordings) {
  const p = call.properties ?? {};
  /** @type {Array<[string, string | null | undefined, string, string | null | undefined]>} label, shown, field, stored */
  const facts = [
    ["Status", label(CALL_STATUS, p.hs_call_status), "status", p.hs_call_status],
    ["Duration", formatDuration(p.hs_call_duration), "duration", p.hs_call_duration],
    ["Outcome", label(CALL_OUTCOME, p.hs_call_disposition), "disposition", p.hs_call_disposition],
    ["Direction", label(CALL_DIRECTION, p.hs_call_direction), "direction", p.hs_call_direction],
    ["To", p.hs_call_to_number, "to", p.hs_call_to_number],
    ["From", p.hs_call_from_number, "from", p.hs_call_from_number],
  ];
  return el("li", { class: "timeline-call", "data-testid": "timeline-call", "data-engagement-id": call.id },
    el("header", {},
      el("strong", { class: "call-title", "data-field": "title" }, p.hs_call_title || "Call"),
      " ",
      el("time", { "data-field": "time", datetime: p.hs_timestamp ?? "" }, formatTime(p.hs_timestamp))),
    el("dl", { class: "call-facts" }, facts.filter(([, value]) => value).map(([name, value, field, stored]) => [
      el("dt", {}, name),
      el("dd", { "data-field": field, "data-value": stored ?? "" }, value),
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
