// Call recordings on the activity timeline, in Chromium against a real `callhost serve`: calls
// logged through the REST API with hs_call_external_id / hs_call_app_id, an app whose
// recording settings point to a backend on loopback (its signatures checked with the OFFICIAL
// Node client's helper) that answers an authenticatedUrl on a media server serving a real WAV
// file with Range support, slowly enough that a seek past what is buffered needs a new range.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";

import { newAppId, openHost, recordUrl, restClient, useCallhost } from "./fixtures.js";
import { verify } from "./webhooks.js";

const SAMPLE_RATE = 16_000;
const SECONDS = 120;

/** A mono 16-bit PCM WAV file: `seconds` of a 440 Hz tone. */
function wav(seconds) {
  const samples = SAMPLE_RATE * seconds;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8);
  header.write("fmt ", 12);
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/**
 * The app's backend and media server on one loopback port. `GET /rec/{externalId}` checks
 * the v3 and v2 signatures (401 when either fails) and answers an authenticatedUrl, or a 500
 * for external ids starting with "broken"; `GET /media/call.wav` serves the WAV, honouring
 * `Range` (206) and sending 64 KiB every 40 ms.
 */
async function startAppBackend() {
  const file = wav(SECONDS);
  const backend = {
    /** @type {string | null} */ secret: null,
    /** Retrieval requests: {url, verified}. */ retrievals: [],
    /** Media requests: {range, status}. */ media: [],
    url: "",
    close: async () => {},
  };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path.startsWith("/rec/")) {
      const request = { method: req.method, url: `${backend.url}${req.url}`, headers: req.headers, body: "" };
      const verified = backend.secret ? verify(request, backend.secret) : { v3: false, v2: false };
      backend.retrievals.push({ url: request.url, verified });
      if (!verified.v3 || !verified.v2) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"message":"bad signature"}');
      } else if (decodeURIComponent(path.slice(5)).startsWith("broken")) {
        res.writeHead(500, { "content-type": "application/json" }).end('{"message":"storage offline"}');
      } else {
        res.writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ authenticatedUrl: `${backend.url}/media/call.wav?token=abc123` }));
      }
      return;
    }
    if (path !== "/media/call.wav") {
      res.writeHead(404).end();
      return;
    }
    const range = req.headers.range ?? null;
    let start = 0;
    let end = file.length - 1;
    let status = 200;
    const headers = { "content-type": "audio/wav", "accept-ranges": "bytes" };
    if (range) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (!m || Number(m[1]) >= file.length) {
        backend.media.push({ range, status: 416 });
        res.writeHead(416, { "content-range": `bytes */${file.length}` }).end();
        return;
      }
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), file.length - 1) : file.length - 1;
      status = 206;
      headers["content-range"] = `bytes ${start}-${end}/${file.length}`;
    }
    backend.media.push({ range, status });
    headers["content-length"] = String(end - start + 1);
    res.writeHead(status, headers);
    for (let at = start; at <= end && !res.destroyed; at += 64 * 1024) {
      const ok = res.write(file.subarray(at, Math.min(at + 64 * 1024, end + 1)));
      if (!ok) await new Promise((resolve) => res.once("drain", resolve).once("close", resolve));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    res.end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  backend.url = `http://127.0.0.1:${/** @type {any} */ (server.address()).port}`;
  backend.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return backend;
}

let callhost;
let browser;
let backend;

// Muted playback needs no user gesture anyway; the flag keeps the test independent of that.
useCallhost({ chromiumArgs: ["--autoplay-policy=no-user-gesture-required"] }, async (env) => {
  ({ server: callhost, browser } = env);
  backend = await startAppBackend();
  env.onClose(() => backend.close());
});

/** Registers an app with calling settings and, given a template, recording settings. */
async function registerApp(ready, template) {
  const appId = newAppId();
  const rest = restClient(ready);
  await rest.registerApp(appId, { name: `Recorder ${appId}`, url: "https://widget.example.com/" });
  if (template) {
    const url = new URL(`/crm/v3/extensions/calling/${appId}/settings/recording`, ready.apiUrl);
    url.searchParams.set("hapikey", ready.developerApiKey);
    const response = await fetch(url, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ urlToRetrieveAuthedRecording: template }),
    });
    assert.equal(response.status, 200, await response.text());
  }
  return appId;
}

/** A call on the contact, logged by `appId` with `externalId`; returns its id. */
async function logCall(ready, contactId, appId, externalId, title) {
  const call = await restClient(ready).post("/crm/v3/objects/calls", {
    properties: {
      hs_timestamp: new Date().toISOString(), hs_call_title: title, hs_call_status: "COMPLETED",
      hs_call_external_id: externalId, hs_call_app_id: String(appId),
      hs_call_external_account_id: "acct-1", hs_call_source: "INTEGRATIONS_PLATFORM",
    },
    associations: [{ to: { id: contactId }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 194 }] }],
  });
  return call.id;
}

test("a call's recording plays through callhost, seeks with a Range request, and failures say why", async () => {
  const { ready } = callhost;
  const rest = restClient(ready);
  const ada = await rest.contactNamed("Ada");
  const recorder = await registerApp(ready, `${backend.url}/rec/%s?from=callhost`);
  const silent = await registerApp(ready, null);
  const played = await logCall(ready, ada.id, recorder, "rec-1", "Recorded call");
  const broken = await logCall(ready, ada.id, recorder, "broken-1", "Broken recording");
  const noSettings = await logCall(ready, ada.id, silent, "rec-2", "App without recording settings");
  await rest.post("/crm/v3/extensions/calling/recordings/ready", { engagementId: Number(played) });

  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await openHost(page, recordUrl(ready, "0-1", ada.id));
  const entry = (id) => page.locator(`[data-testid=timeline-call][data-engagement-id="${id}"]`);
  const player = entry(played).getByTestId("recording-audio");
  await player.waitFor({ timeout: 10_000 });
  assert.equal(await player.getAttribute("preload"), "none");
  assert.equal(await player.getAttribute("src"), `/host/api/recordings/${played}/audio`);
  assert.equal(await entry(played).getByTestId("recording-ready").getAttribute("data-ready"), "true");
  assert.equal(await entry(broken).getByTestId("recording-ready").getAttribute("data-ready"), "false");
  // An app without recording settings: no player, the reason kept on the hidden section.
  await page.locator(`[data-testid=recording][data-engagement-id="${noSettings}"][data-state=unavailable]`).waitFor({ state: "attached" });
  assert.equal(await entry(noSettings).getByTestId("recording-audio").count(), 0);
  assert.equal(backend.retrievals.length, 0, "nothing is asked of the app before playing");

  // The backend checks signatures with the secret the admin API shows for the app.
  const secret = await page.request.get(`${ready.hostUrl}/host/api/apps/${recorder}/secret`);
  assert.equal(secret.status(), 200);
  backend.secret = (await secret.json()).clientSecret;

  // Play, then seek far past what the slow media server has sent so far.
  const outcome = await player.evaluate(async (audio) => {
    const media = /** @type {HTMLAudioElement} */ (audio);
    media.muted = true;
    const playResult = await media.play().then(() => "playing", (e) => `rejected: ${e.name}`);
    if (!Number.isFinite(media.duration) || media.duration <= 0) {
      await new Promise((resolve) => media.addEventListener("durationchange", resolve, { once: true }));
    }
    const seeked = new Promise((resolve) => media.addEventListener("seeked", resolve, { once: true }));
    media.currentTime = 110;
    await seeked;
    return { playResult, duration: media.duration, currentTime: media.currentTime, error: media.error && media.error.code };
  });
  assert.equal(outcome.playResult, "playing");
  assert.ok(Math.abs(outcome.duration - SECONDS) < 0.5, `duration ${outcome.duration}`);
  assert.ok(Math.abs(outcome.currentTime - 110) < 1, `currentTime ${outcome.currentTime}`);
  assert.equal(outcome.error, null);

  const seekRanges = backend.media.filter((m) => m.status === 206 && Number(/^bytes=(\d+)/.exec(m.range)?.[1]) > 0);
  assert.ok(seekRanges.length >= 1, `the seek reached the media server as a Range request: ${JSON.stringify(backend.media)}`);
  const byteOfSecond110 = 44 + 110 * SAMPLE_RATE * 2;
  assert.ok(
    seekRanges.some((m) => Math.abs(Number(/^bytes=(\d+)/.exec(m.range)[1]) - byteOfSecond110) < SAMPLE_RATE * 2 * 5),
    `a range starts near second 110 (byte ${byteOfSecond110}): ${JSON.stringify(backend.media)}`,
  );
  assert.ok(backend.retrievals.length >= 1);
  for (const { url, verified } of backend.retrievals) {
    assert.deepEqual(verified, { v3: true, v2: true }, url);
    assert.equal(url, `${backend.url}/rec/rec-1?from=callhost&externalAccountId=acct-1&appId=${recorder}`);
  }
  assert.equal(await entry(played).getByTestId("recording-error").isVisible(), false);

  // The broken recording: playing fails and the entry shows the host's reason.
  await entry(broken).getByTestId("recording-audio").evaluate((audio) => {
    const media = /** @type {HTMLAudioElement} */ (audio);
    media.muted = true;
    media.play().catch(() => {});
  });
  const reason = entry(broken).getByTestId("recording-error");
  await reason.filter({ hasText: "HTTP 500" }).waitFor({ timeout: 10_000 });
  assert.match(await reason.innerText(), new RegExp(`App ${recorder}'s recording URL gave no recording: the webhook answered HTTP 500`));
  assert.deepEqual(errors, []);
  await page.close();
});
