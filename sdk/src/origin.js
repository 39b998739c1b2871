// Origins. `extractHostFromUrl` turns any URL (absolute or relative to the page) into
// `protocol//host`, the exact origin string that postMessage compares; the anchor element
// resolves it the way the browser does, including for an empty string (the page itself).
// `getDestinationHost` picks the peer's origin at construction: the iframe's `src` in host
// mode, the referrer (the embedding page) in app mode.

/**
 * @param {string} url
 * @returns {string}
 */
export function extractHostFromUrl(url) {
  const a = document.createElement("a");
  a.href = url;
  return `${a.protocol}//${a.host}`;
}

/**
 * @param {import("./types.js").IframeOptions | undefined} iFrameOptions
 * @returns {string}
 */
export function getDestinationHost(iFrameOptions) {
  return extractHostFromUrl(iFrameOptions ? iFrameOptions.src : document.referrer);
}
