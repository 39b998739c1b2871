// The SYNC / SYNC_ACK handshake, both halves.
//
// Host side: after every iframe `load` the host posts SYNC every `SYNC_RETRY_MS` until the
// app answers, and gives up with a local SYNC_ACK_FAILED once `SYNC_TIMEOUT_MS` have passed
// since the load. App side: the first SYNC is answered with a SYNC_ACK that echoes every field
// of the SYNC (its messageId included: the host matches the ACK to its request by that id)
// and adds the app's debugMode, SDK version and own origin; later SYNCs are ignored.
//
// SYNC is accepted from any origin, before the origin filter, because the app cannot know
// the host's origin until SYNC tells it (`hostUrl`). Whoever sends the first SYNC wins; that
// is the official protocol and hosts rely on it.

import { messageType, VERSION } from "./constants.js";
import { extractHostFromUrl } from "./origin.js";

export const SYNC_RETRY_MS = 100;
export const SYNC_TIMEOUT_MS = 30000;

/**
 * The app's answer to a SYNC.
 * @param {Record<string, any>} sync the SYNC message as received
 * @param {boolean} debugMode
 */
export function syncAck(sync, debugMode) {
  return Object.assign({}, sync, {
    type: messageType.SYNC_ACK,
    debugMode,
    version: VERSION,
    iFrameUrl: extractHostFromUrl(window.location.href),
  });
}

/**
 * The data of the app's local READY event: these keys, always present, even if undefined.
 * @param {Record<string, any>} sync
 */
export function readyData(sync) {
  const { engagementId, portalId, userId, ownerId, iframeLocation, usesCallingWindow, hostUrl } =
    sync;
  return { engagementId, portalId, userId, ownerId, iframeLocation, usesCallingWindow, hostUrl };
}

/** The host's SYNC, without an id (the sender adds one). */
export function syncMessage() {
  return { type: messageType.SYNC, hostUrl: extractHostFromUrl(window.location.href) };
}
