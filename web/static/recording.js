// A call's recording on the activity timeline (`data-testid="recording"`): for a call with
// `hs_call_external_id` and `hs_call_app_id` whose app has recording settings, a player
// (`<audio controls preload="none">`, `data-testid="recording-audio"`) whose source is the
// host's audio route, so the browser's seeks become Range requests that callhost passes on to
// the app's media server; whether the app marked the recording ready
// (`data-testid="recording-ready"`, `data-ready`); and, when playing fails, the host's
// readable reason (`data-testid="recording-error"`). Messages are rendered as text.

import { el, replace } from "./dom.js";
import { hostApi } from "./host-api.js";

/**
 * What `GET /host/api/recordings/{engagementId}/status` answers.
 * @typedef {object} RecordingStatus
 * @property {string} engagementId
 * @property {boolean} available  the call has a recording to offer
 * @property {boolean} ready  the app marked it ready (recordings/ready)
 * @property {string | null} readyAt
 * @property {string | null} audioUrl
 * @property {string | null} message  why there is none, when not available
 */

/**
 * Whether a call may have a recording worth asking the host about.
 * @param {Record<string, string | null>} properties
 */
export function mayHaveRecording(properties) {
  return Boolean(properties.hs_call_external_id && properties.hs_call_app_id);
}

/**
 * The recording section of a call. `previous` is the section the last render made for the
 * same call: it is reused (its status refreshed), so a timeline refresh never stops a
 * recording that is playing.
 * @param {string} engagementId
 * @param {HTMLElement | undefined} previous
 * @returns {HTMLElement}
 */
export function recordingSection(engagementId, previous) {
  const section = previous ?? el("section", {
    class: "recording", "data-testid": "recording", "data-engagement-id": engagementId,
    "data-state": "loading", hidden: true,
  });
  void showStatus(section, engagementId);
  return section;
}

/**
 * @param {HTMLElement} section
 * @param {string} engagementId
 */
async function showStatus(section, engagementId) {
  /** @type {RecordingStatus} */
  let status;
  try {
    status = await hostApi("GET", `/host/api/recordings/${encodeURIComponent(engagementId)}/status`);
  } catch (error) {
    section.hidden = false;
    section.dataset.state = "error";
    replace(section, heading(), errorLine(/** @type {Error} */ (error).message));
    return;
  }
  if (!status.available || !status.audioUrl) {
    // Nothing to play: no player, the reason kept for whoever inspects the page.
    section.hidden = true;
    section.dataset.state = "unavailable";
    section.title = status.message ?? "";
    return;
  }
  section.hidden = false;
  let badge = /** @type {HTMLElement | null} */ (section.querySelector("[data-testid=recording-ready]"));
  if (!badge || !section.querySelector("audio")) {
    badge = el("span", { class: "recording-ready", "data-testid": "recording-ready" });
    replace(section, heading(" ", badge), player(section, status.audioUrl),
      el("p", { class: "error", "data-testid": "recording-error", hidden: true }));
    section.dataset.state = "ready";
  }
  badge.dataset.ready = String(status.ready);
  badge.textContent = status.ready ? "Ready" : "Not marked ready by the app yet";
  badge.title = status.readyAt ? `Marked ready ${new Date(status.readyAt).toLocaleString()}` : "";
}

/** @param {...(string | Node)} rest */
function heading(...rest) {
  return el("h3", {}, "Recording", ...rest);
}

/** @param {string} message */
function errorLine(message) {
  return el("p", { class: "error", "data-testid": "recording-error" }, message);
}

/**
 * The player. When it cannot play, the host is asked once for the reason: the audio route
 * answers its failures in HubSpot's error shape, which an `<audio>` element cannot show.
 * @param {HTMLElement} section
 * @param {string} audioUrl
 */
function player(section, audioUrl) {
  const audio = el("audio", { controls: true, preload: "none", src: audioUrl, "data-testid": "recording-audio" });
  audio.addEventListener("error", async () => {
    const line = /** @type {HTMLElement | null} */ (section.querySelector("[data-testid=recording-error]"));
    if (!line) return;
    section.dataset.state = "error";
    line.hidden = false;
    line.textContent = "The recording could not be played.";
    line.textContent = await failureReason(audioUrl, audio.error);
  });
  audio.addEventListener("playing", () => {
    const line = /** @type {HTMLElement | null} */ (section.querySelector("[data-testid=recording-error]"));
    if (line) line.hidden = true;
    section.dataset.state = "ready";
  });
  return audio;
}

/**
 * Why the audio route failed, from its error body; the media error when it did not fail.
 * @param {string} audioUrl
 * @param {MediaError | null} mediaError
 * @returns {Promise<string>}
 */
async function failureReason(audioUrl, mediaError) {
  try {
    const response = await fetch(audioUrl, { credentials: "same-origin", headers: { range: "bytes=0-0" } });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      if (body && typeof body.message === "string") return body.message;
      return `The recording could not be played (HTTP ${response.status}).`;
    }
    await response.body?.cancel();
  } catch {
    // The host itself is unreachable: the generic reason below.
  }
  const detail = mediaError?.message ? `: ${mediaError.message}` : "";
  return `The browser could not play the recording (media error ${mediaError?.code ?? "?"})${detail}.`;
}

