// The protocol inspector page: loads the portal's record (`/host/api/inspector`) and keeps it
// live by polling, filters by app, call and findings, and renders every session with
// inspector-view.js (the panel beside the calling widget renders with the same module).

import { el, replace } from "./dom.js";
import { loadRecord, sessionSection } from "./inspector-view.js";

/** @typedef {import("./inspector-view.js").SessionRecord} SessionRecord */

/** @type {Map<string, SessionRecord>} */
const sessions = new Map();

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

function filters() {
  return {
    app: /** @type {HTMLSelectElement} */ (byId("filter-app")).value,
    call: /** @type {HTMLInputElement} */ (byId("filter-call")).value.trim(),
    findingsOnly: /** @type {HTMLInputElement} */ (byId("filter-findings")).checked,
  };
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
  replace(byId("sessions"), shown.map(({ s, entries }) => sessionSection(s, entries)));
}

async function load() {
  const record = await loadRecord();
  sessions.clear();
  for (const s of record) sessions.set(s.sessionId, s);
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
