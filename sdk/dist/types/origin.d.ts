/**
 * @param {string} url
 * @returns {string}
 */
export function extractHostFromUrl(url: string): string;
/**
 * @param {import("./types.js").IframeOptions | undefined} iFrameOptions
 * @returns {string}
 */
export function getDestinationHost(iFrameOptions: import("./types.js").IframeOptions | undefined): string;
