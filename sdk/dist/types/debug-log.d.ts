/**
 * @param {boolean} debugMode
 * @param {any[]} args
 */
export function logDebug(debugMode: boolean, args: any[]): void;
export const prefix: "[calling-extensions-sdk@0.9.7-beta.0]";
