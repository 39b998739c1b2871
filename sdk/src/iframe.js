// Host mode's DOM work: creating the app's iframe inside a host element, and sizing it.
// The iframe keeps the official id and `allow` list, because hosts and apps look for them.
// Nothing here ever writes markup: the host element is emptied with `textContent`.

const REQUIRED =
  "iFrameOptions is missing one of the required properties - {src, width, height, hostElementSelector}.";

/**
 * @param {string} hostElementSelector
 * @returns {Element}
 */
export function getHostElement(hostElementSelector) {
  const hostElement = document.querySelector(hostElementSelector);
  if (!hostElement) {
    throw new Error(`hostElement not found. Selector - ${hostElementSelector}`);
  }
  return hostElement;
}

/**
 * Creates the iframe, wires its load and error callbacks and puts it in the host element,
 * replacing whatever was there.
 * @param {import("./types.js").IframeOptions} iFrameOptions
 * @param {(event: Event) => void} onLoadCallback
 * @param {OnErrorEventHandler} onLoadErrorCallback
 * @returns {HTMLIFrameElement | null}
 */
export function createIFrame(iFrameOptions, onLoadCallback, onLoadErrorCallback) {
  const { src, width, height, hostElementSelector } = iFrameOptions;
  if (!src || !width || !height || !hostElementSelector) {
    throw new Error(REQUIRED);
  }

  const iFrame = document.createElement("iframe");
  iFrame.onload = onLoadCallback;
  iFrame.onerror = onLoadErrorCallback;
  iFrame.src = src;
  iFrame.width = width;
  iFrame.height = height;
  iFrame.allow = "microphone; autoplay";
  iFrame.id = "hubspot-calling-extension-iframe";

  const element = getHostElement(hostElementSelector);
  element.textContent = "";
  element.appendChild(iFrame);
  return element.querySelector("iframe");
}

/**
 * A number is pixels; a string (e.g. "100%") is used as given.
 * @param {number | string} size
 * @returns {string}
 */
export function formatSize(size) {
  return typeof size === "number" ? `${size}px` : size;
}
