// How the protocol inspector shows a widget session: one row per entry (a message in either
// direction, a host event, or a REST call an app's backend made about the session's calls),
// with its time offset, findings highlighted and the store changes it caused. Shared by the
// inspector page (inspector.js) and the panel beside the calling widget (inspector-panel.js),
// so both show exactly the same thing. Everything in an entry may come from an app: it is
// rendered as text, never as HTML.

import { el } from "./dom.js";

/**
 * @typedef {{code: string, message: string}} Finding
 * @typedef {{request: Record<string, unknown>, result: Record<string, unknown>, durationMs: number, injected?: boolean}} Effect
 * @typedef {{method: string, path: string, status: number, durationMs: number, portalId: number,
 *   engagementIds: number[], externalCallIds: string[]}} RestCall
 * @typedef {{seq: number, offsetMs: number, flow: string, messageType: string | null, message: unknown,
 *   findings: Finding[], externalCallId: string | null, effects: Effect[], rest?: RestCall | null,
 *   fault?: unknown}} Entry
 * @typedef {{sessionId: string, appId: number, appUrl: string, iframeLocation: string, startedAt: number,
 *   entries: Entry[]}} SessionRecord
 */

export const FLOW = { fromApp: "app → host", toApp: "host → app", dropped: "dropped", host: "host", rest: "REST API" };

/** @param {Effect} effect */
export function describeEffect(effect) {
  const { request, result } = effect;
  const outcome = result.result === "failed" ? `failed: ${String(result.message)}` : JSON.stringify(result);
  const injected = effect.injected ? " (injected fault)" : "";
  return `${String(request.request)} ${JSON.stringify({ ...request, request: undefined })} → ${outcome}${injected} (${effect.durationMs.toFixed(1)} ms)`;
}

/** @param {RestCall} rest */
function describeRest(rest) {
  const ids = [
    rest.engagementIds.length ? `engagements ${rest.engagementIds.join(", ")}` : "",
    rest.externalCallIds.length ? `calls ${rest.externalCallIds.join(", ")}` : "",
  ].filter(Boolean).join(" · ");
  return `${rest.method} ${rest.path} → ${rest.status} (${rest.durationMs.toFixed(1)} ms)${ids ? ` · ${ids}` : ""}`;
}

/**
 * What a host entry without a message type is (a dial, a user's click, a store result...):
 * its recorded input's `kind`, with the user's action or the result's outcome.
 * @param {unknown} message
 */
export function hostKind(message) {
  const input = /** @type {Record<string, any>} */ (message && typeof message === "object" ? message : {});
  const kind = typeof input.kind === "string" ? input.kind : null;
  if (!kind) return "—";
  if (kind === "user" && typeof input.action === "string") return `user: ${input.action}`;
  if (kind === "done") return `store result: ${String(input.result?.result ?? "?")}`;
  return kind;
}

/** @param {Entry} entry */
export function entryRow(entry) {
  const failed = entry.rest && entry.rest.status >= 400;
  const classes = [entry.findings.length ? "has-findings" : "", entry.flow === "dropped" ? "dropped" : "",
    entry.rest ? "rest" : "", failed ? "rest-failed" : "", entry.fault ? "injected" : ""].join(" ").trim();
  return el("tr", { class: classes || null, "data-testid": "inspector-entry", "data-seq": entry.seq,
    "data-type": entry.messageType ?? "", "data-flow": entry.flow, "data-findings": entry.findings.map((f) => f.code).join(" "),
    "data-external-call-id": entry.externalCallId ?? null, "data-injected": entry.fault ? "true" : null },
    el("td", { class: "offset" }, `+${entry.offsetMs.toFixed(1)} ms`),
    el("td", { class: "flow" }, FLOW[/** @type {keyof typeof FLOW} */ (entry.flow)] ?? entry.flow),
    el("td", { class: "type" }, entry.messageType ?? hostKind(entry.message)),
    el("td", {},
      entry.rest ? el("span", { class: "rest-call", "data-testid": "inspector-rest", "data-method": entry.rest.method,
        "data-status": entry.rest.status, "data-engagement-ids": entry.rest.engagementIds.join(" ") }, describeRest(entry.rest)) : null,
      entry.findings.map((f) => el("span", { class: "finding", "data-testid": "inspector-finding", "data-code": f.code },
        el("code", {}, f.code), " ", f.message)),
      entry.effects.map((e) => el("span", { class: "effect", "data-testid": "inspector-effect" }, describeEffect(e))),
      entry.rest ? null : el("details", {}, el("summary", {}, entry.fault ? "injected fault" : "message"),
        el("pre", {}, JSON.stringify(entry.fault ?? entry.message, null, 2)))));
}

/**
 * One session's section: a heading and its entries (already filtered by the caller).
 * @param {SessionRecord} session
 * @param {Entry[]} entries
 */
export function sessionSection(session, entries) {
  return el("section", { class: "session", "data-testid": "inspector-session", "data-session-id": session.sessionId, "data-app-id": session.appId },
    el("h2", {}, `App ${session.appId} · ${session.iframeLocation} · ${session.appUrl} · started ${new Date(session.startedAt).toLocaleTimeString()}`),
    el("table", {}, el("tbody", {}, entries.map(entryRow))));
}

/**
 * The inspector's record of the signed-in user's portal, optionally of one session.
 * @param {{session?: string}} [filter]
 * @returns {Promise<SessionRecord[]>}
 */
export async function loadRecord(filter = {}) {
  const url = new URL("/host/api/inspector", location.origin);
  if (filter.session) url.searchParams.set("session", filter.session);
  const response = await fetch(url, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`the inspector's record: HTTP ${response.status}`);
  const record = /** @type {{sessions: SessionRecord[]}} */ (await response.json());
  return record.sessions;
}
