/**
 * The app's answer to a SYNC.
 * @param {Record<string, any>} sync the SYNC message as received
 * @param {boolean} debugMode
 */
export function syncAck(sync: Record<string, any>, debugMode: boolean): Record<string, any> & {
    type: string;
    debugMode: boolean;
    version: string;
    iFrameUrl: string;
};
/**
 * The data of the app's local READY event: these keys, always present, even if undefined.
 * @param {Record<string, any>} sync
 */
export function readyData(sync: Record<string, any>): {
    engagementId: any;
    portalId: any;
    userId: any;
    ownerId: any;
    iframeLocation: any;
    usesCallingWindow: any;
    hostUrl: any;
};
/** The host's SYNC, without an id (the sender adds one). */
export function syncMessage(): {
    type: string;
    hostUrl: string;
};
export const SYNC_RETRY_MS: 100;
export const SYNC_TIMEOUT_MS: 30000;
