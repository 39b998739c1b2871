// The protocol inspector page: loads the portal's record (`/host/api/inspector`) and keeps it
// live by polling, filters by app, call and findings, and renders every message as text
// (messages come from calling apps: never as HTML).

import { el, replace } from "./dom.js";

/**
 * @typedef {{code: string, message: string}} Finding
 * @typedef {{request: Record<string, unknown>, result: Record<string, unknown>, durationMs: number}} Effect
 * @typedef {{seq: number, offsetMs: number, flow: string, messageType: string | null, message: unknown,
 *   findings: Finding[], externalCallId: string | null, effects: Effect[]}} Entry
 * @typedef {{sessionId: string, appId: number, appUrl: string, iframeLocation: string, startedAt: number,
 *   entries: Entry[]}} SessionRecord
 */

/** @type {Map<string, SessionRecord>} */
const sessions = new Map();
const FLOW = { fromApp: "app → host", toApp: "host → app", dropped: "dropped", host: "host" };

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

function filters() {
  return {
    app: /** @type {HTMLSelectElement} */ (byId("filter-app")).value,
    call: /** @type {HTMLInputElement} */ (byId("filter-call")).value.trim(),
    findingsOnly: /** @type {HTMLInputElement} */ (byId("filter-findings")).checked,
  };
}

/** @param {Effect} effect */
function describeEffect(effect) {
  const { request, result } = effect;
  const outcome = result.result === "failed" ? `failed: ${String(result.message)}` : JSON.stringify(result);
  return `${String(request.request)} ${JSON.stringify({ ...request, request: undefined })} → ${outcome} (${effect.durationMs.toFixed(1)} ms)`;
}

/** @param {Entry} entry */
function row(entry) {
  const classes = [entry.findings.length ? "has-findings" : "", entry.flow === "dropped" ? "dropped" : ""].join(" ").trim();
  return el("tr", { class: classes || null, "data-testid": "inspector-entry", "data-seq": entry.seq,
    "data-type": entry.messageType ?? "", "data-flow": entry.flow, "data-findings": entry.findings.map((f) => f.code).join(" ") },
    el("td", { class: "offset" }, `+${entry.offsetMs.toFixed(1)} ms`),
    el("td", { class: "flow" }, FLOW[/** @type {keyof typeof FLOW} */ (entry.flow)] ?? entry.flow),
    el("td", { class: "type" }, entry.messageType ?? "—"),
    el("td", {},
      entry.findings.map((f) => el("span", { class: "finding", "data-testid": "inspector-finding", "data-code": f.code },
        el("code", {}, f.code), " ", f.message)),
      entry.effects.map((e) => el("span", { class: "effect", "data-testid": "inspector-effect" }, describeEffect(e))),
      el("details", {}, el("summary", {}, "message"), el("pre", {}, JSON.stringify(entry.message, null, 2)))));
}

function render() {
  const { app, call, findingsOnly } = filters();
  const select = /** @type {HTMLSelectElement} */ (byId("filter-app"));
  const apps = [...new Set([...sessions.values()].map((s) => String(s.appId)))];
  for (const id of apps) {
    if (![...select.options].some((o) => o.value === id)) select.append(el("option", { value: id }, id));
  }
  const shown = [...sessions.values()].filter((s) => !app || String(s.appId) === app).map((s) => {
    const entries = s.entries.filter((e) => (!call || e.externalCallId === call) && (!findingsOnly || e.findings.length));
    return { s, entries };
  }).filter(({ entries }) => entries.length);
  const exportUrl = new URL("/host/api/inspector", location.origin);
  exportUrl.searchParams.set("download", "1");
  if (app) exportUrl.searchParams.set("appId", app);
  if (call) exportUrl.searchParams.set("externalCallId", call);
  byId("export").setAttribute("href", exportUrl.pathname + exportUrl.search);
  if (!shown.length) return replace(byId("sessions"), el("p", { class: "empty" }, "No matching messages."));
  replace(byId("sessions"), shown.map(({ s, entries }) =>
    el("section", { class: "session", "data-testid": "inspector-session", "data-session-id": s.sessionId, "data-app-id": s.appId },
      el("h2", {}, `App ${s.appId} · ${s.iframeLocation} · ${s.appUrl} · started ${new Date(s.startedAt).toLocaleTimeString()}`),
      el("table", {}, el("tbody", {}, entries.map(row))))));
}

async function load() {
  const response = await fetch("/host/api/inspector", { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`the inspector's record: HTTP ${response.status}`);
  const record = /** @type {{sessions: SessionRecord[]}} */ (await response.json());
  sessions.clear();
  for (const s of record.sessions) sessions.set(s.sessionId, s);
  render();
}

/** Polls the record every second: the page stays live without a stream to keep open. */
async function follow() {
  const live = byId("live");
  for (;;) {
    try {
      await load();
      live.textContent = "live";
      live.dataset.state = "live";
    } catch (error) {
      live.textContent = `reconnecting… (${String(error)})`;
      live.dataset.state = "down";
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

for (const id of ["filter-app", "filter-call", "filter-findings"]) byId(id).addEventListener("input", render);
void follow();
