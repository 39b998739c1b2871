// Which `message` events reach the engine. This is the page's security boundary, so the
// rule is strict and written once (docs/protocol.md#origins):
//
// - accepted: `event.source` is the app's iframe window AND `event.origin` is exactly the
//   expected origin (the app's origin after the handshake; the SYNC target origin before);
// - reported as dropped (the engine logs a finding): messages from the iframe with another
//   origin, and messages from any other window that look like SDK messages;
// - ignored silently: everything else (browser extensions, devtools, other widgets), so the
//   log is not spammed.
// Pure; tested without a browser.

/** @typedef {"accept" | "origin" | "source" | "ignore"} Verdict */

/**
 * @param {{source: unknown, origin: string, data: unknown}} event
 * @param {unknown} frameWindow  the iframe's `contentWindow` (null when there is no iframe)
 * @param {string | null} expectedOrigin
 * @returns {Verdict}
 */
export function classify(event, frameWindow, expectedOrigin) {
  if (frameWindow && event.source === frameWindow) {
    return expectedOrigin !== null && event.origin === expectedOrigin ? "accept" : "origin";
  }
  return looksLikeSdkMessage(event.data) ? "source" : "ignore";
}

/** @param {unknown} data */
export function looksLikeSdkMessage(data) {
  if (!data || typeof data !== "object" || Array.isArray(data)) return false;
  const type = /** @type {Record<string, unknown>} */ (data).type;
  return typeof type === "string" && /^[A-Z][A-Z0-9_]{2,60}$/.test(type);
}

/**
 * A structured-clone value made JSON-safe for the WebSocket: BigInts become strings,
 * undefined values and functions disappear, cycles are cut.
 * @param {unknown} value
 * @returns {unknown}
 */
export function toJsonValue(value) {
  const seen = new WeakSet();
  return JSON.parse(JSON.stringify(value, (_key, v) => {
    if (typeof v === "bigint") return v.toString();
    if (v && typeof v === "object") {
      if (seen.has(v)) return undefined;
      seen.add(v);
    }
    return v;
  }) ?? "null");
}

/**
 * Lets `limit` drop reports through per `windowMs`; a hostile page cannot flood the socket.
 * @param {number} limit
 * @param {number} windowMs
 * @param {() => number} [now]
 */
export function rateLimiter(limit, windowMs, now = Date.now) {
  let start = now();
  let count = 0;
  return () => {
    const t = now();
    if (t - start > windowMs) {
      start = t;
      count = 0;
    }
    count += 1;
    return count <= limit;
  };
}
