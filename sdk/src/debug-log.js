// Debug logging, in the official format: every entry is ONE array argument
// `[prefix, kind, type, payload]`, sent to `console.log` in debug mode and to `console.debug`
// otherwise, so existing log filters and devtools habits keep working.

import { VERSION } from "./constants.js";

export const prefix = `[calling-extensions-sdk@${VERSION}]`;

/**
 * @param {boolean} debugMode
 * @param {any[]} args
 */
export function logDebug(debugMode, args) {
  (debugMode ? console.log : console.debug).call(null, args);
}
