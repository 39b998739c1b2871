/**
 * @param {string} hostElementSelector
 * @returns {Element}
 */
export function getHostElement(hostElementSelector: string): Element;
/**
 * Creates the iframe, wires its load and error callbacks and puts it in the host element,
 * replacing whatever was there.
 * @param {import("./types.js").IframeOptions} iFrameOptions
 * @param {(event: Event) => void} onLoadCallback
 * @param {OnErrorEventHandler} onLoadErrorCallback
 * @returns {HTMLIFrameElement | null}
 */
export function createIFrame(iFrameOptions: import("./types.js").IframeOptions, onLoadCallback: (event: Event) => void, onLoadErrorCallback: OnErrorEventHandler): HTMLIFrameElement | null;
/**
 * A number is pixels; a string (e.g. "100%") is used as given.
 * @param {number | string} size
 * @returns {string}
 */
export function formatSize(size: number | string): string;
