/** The SDK version string reported in SYNC_ACK and in the debug-log prefix. */
export const VERSION: "0.9.7-beta.0";
export namespace debugMessageType {
    let FROM_HUBSPOT: string;
    let TO_HUBSPOT: string;
    let GENERIC_MESSAGE: string;
}
/**
 * @type {{
 *   CALL_ANSWERED: string,
 *   CALL_COMPLETED: string,
 *   CALL_DATA: string,
 *   CALL_ENDED: string,
 *   CALL_TRANSFERRED: string,
 *   INCOMING_CALL: string,
 *   INITIALIZED: string,
 *   LOGGED_IN: string,
 *   LOGGED_OUT: string,
 *   NAVIGATE_TO_RECORD: string,
 *   OUTGOING_CALL_STARTED: string,
 *   PUBLISH_TO_CHANNEL: string,
 *   RESIZE_WIDGET: string,
 *   USER_AVAILABLE: string,
 *   USER_UNAVAILABLE: string,
 *   FINALIZE_ENGAGEMENT: string,
 * }}
 */
export const thirdPartyToHostEvents: {
    CALL_ANSWERED: string;
    CALL_COMPLETED: string;
    CALL_DATA: string;
    CALL_ENDED: string;
    CALL_TRANSFERRED: string;
    INCOMING_CALL: string;
    INITIALIZED: string;
    LOGGED_IN: string;
    LOGGED_OUT: string;
    NAVIGATE_TO_RECORD: string;
    OUTGOING_CALL_STARTED: string;
    PUBLISH_TO_CHANNEL: string;
    RESIZE_WIDGET: string;
    USER_AVAILABLE: string;
    USER_UNAVAILABLE: string;
    FINALIZE_ENGAGEMENT: string;
};
export namespace messageType {
    let END_CALL: string;
    let ERROR: string;
    let READY: string;
    let SET_CALL_STATE: string;
    let SET_WIDGET_URL: string;
    let SYNC_ACK_FAILED: string;
    let SYNC_ACK: string;
    let SYNC: string;
    let UNLOADING: string;
    let FAILED: string;
    let CALLER_ID_MATCH_FAILED: string;
    let CALLER_ID_MATCH_SUCCEEDED: string;
    let CREATE_ENGAGEMENT_FAILED: string;
    let CREATE_ENGAGEMENT_SUCCEEDED: string;
    let DIAL_NUMBER: string;
    let ENGAGEMENT_CREATED: string;
    let INITIATE_CALL_ID_FAILED: string;
    let INITIATE_CALL_ID_SUCCEEDED: string;
    let NAVIGATE_TO_RECORD_FAILED: string;
    let PUBLISH_TO_CHANNEL_FAILED: string;
    let PUBLISH_TO_CHANNEL_SUCCEEDED: string;
    let FINALIZE_ENGAGEMENT_FAILED: string;
    let FINALIZE_ENGAGEMENT_SUCCEEDED: string;
    let SET_WIDGET_URL_FAILED: string;
    let UPDATE_ENGAGEMENT_FAILED: string;
    let UPDATE_ENGAGEMENT_SUCCEEDED: string;
    let VISIBILITY_CHANGED: string;
    let CALL_ANSWERED: string;
    let CALL_COMPLETED: string;
    let CALL_DATA: string;
    let CALL_ENDED: string;
    let CALL_TRANSFERRED: string;
    let INCOMING_CALL: string;
    let INITIALIZED: string;
    let LOGGED_IN: string;
    let LOGGED_OUT: string;
    let NAVIGATE_TO_RECORD: string;
    let OUTGOING_CALL_STARTED: string;
    let PUBLISH_TO_CHANNEL: string;
    let RESIZE_WIDGET: string;
    let USER_AVAILABLE: string;
    let USER_UNAVAILABLE: string;
    let FINALIZE_ENGAGEMENT: string;
}
/**
 * The handler for each message type an app can handle: DIAL_NUMBER -> onDialNumber.
 * @type {Record<string, keyof import("./types.js").EventHandlers>}
 */
export const messageHandlerNames: Record<string, keyof import("./types.js").EventHandlers>;
export namespace errorType {
    let UNKNOWN_MESSAGE_TYPE: string;
}
/**
 * @type {{
 *   INTERNAL_CONNECTING: string,
 *   INTERNAL_CALLING_CRM_USER: string,
 *   INTERNAL_IN_PROGRESS: string,
 *   INTERNAL_CANCELED: string,
 *   INTERNAL_FAILED: string,
 *   INTERNAL_BUSY: string,
 *   INTERNAL_NO_ANSWER: string,
 *   INTERNAL_COMPLETED: string,
 *   INTERNAL_ENDING: string,
 *   INTERNAL_QUEUED: string,
 *   INTERNAL_RINGING: string,
 * }}
 */
export const callStatus: {
    INTERNAL_CONNECTING: string;
    INTERNAL_CALLING_CRM_USER: string;
    INTERNAL_IN_PROGRESS: string;
    INTERNAL_CANCELED: string;
    INTERNAL_FAILED: string;
    INTERNAL_BUSY: string;
    INTERNAL_NO_ANSWER: string;
    INTERNAL_COMPLETED: string;
    INTERNAL_ENDING: string;
    INTERNAL_QUEUED: string;
    INTERNAL_RINGING: string;
};
/**
 * @type {{
 *   INTERNAL_QUEUED: string,
 *   INTERNAL_RINGING: string,
 *   INTERNAL_CONNECTING: string,
 *   INTERNAL_CALLING_CRM_USER: string,
 * }}
 */
export const callRingingStatus: {
    INTERNAL_QUEUED: string;
    INTERNAL_RINGING: string;
    INTERNAL_CONNECTING: string;
    INTERNAL_CALLING_CRM_USER: string;
};
/**
 * @type {{
 *   INTERNAL_IN_PROGRESS: string,
 * }}
 */
export const callInProgressStatus: {
    INTERNAL_IN_PROGRESS: string;
};
/**
 * @type {{
 *   INTERNAL_ENDING: string,
 * }}
 */
export const callEndingStatus: {
    INTERNAL_ENDING: string;
};
/**
 * @type {{
 *   INTERNAL_COMPLETED: string,
 *   INTERNAL_FAILED: string,
 *   INTERNAL_CANCELED: string,
 *   INTERNAL_BUSY: string,
 *   INTERNAL_NO_ANSWER: string,
 * }}
 */
export const callEndStatus: {
    INTERNAL_COMPLETED: string;
    INTERNAL_FAILED: string;
    INTERNAL_CANCELED: string;
    INTERNAL_BUSY: string;
    INTERNAL_NO_ANSWER: string;
};
export const CONTACT: "CONTACT";
export const COMPANY: "COMPANY";
export namespace callerIdTypes {
    export { CONTACT };
    export { COMPANY };
}
