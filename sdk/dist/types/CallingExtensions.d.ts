export default CallingExtensions;
export type EventHandlers = import("./types.js").EventHandlers;
/** @typedef {import("./types.js").EventHandlers} EventHandlers */
declare class CallingExtensions {
    /** @param {import("./types.js").Options} options */
    constructor(options: import("./types.js").Options);
    /** @type {import("./types.js").Options} */
    options: import("./types.js").Options;
    /** @type {IFrameManager} */
    iFrameManager: IFrameManager;
    /**
     * Tells the host the app is ready for interaction.
     * @param {import("./types.js").OnInitialized} payload
     */
    initialized(payload: import("./types.js").OnInitialized): void;
    /** The user became available for inbound calls. */
    userAvailable(): void;
    /** The user became unavailable for inbound calls. */
    userUnavailable(): void;
    /** The user logged in to the calling app. */
    userLoggedIn(): void;
    /** The user logged out of the calling app. */
    userLoggedOut(): void;
    /**
     * An inbound call is ringing.
     * @param {import("./types.js").OnIncomingCall} callInfo
     */
    incomingCall(callInfo: import("./types.js").OnIncomingCall): void;
    /**
     * An outbound call has started.
     * @param {import("./types.js").OnOutgoingCall} callInfo
     */
    outgoingCall(callInfo: import("./types.js").OnOutgoingCall): void;
    /**
     * A call was answered.
     * @param {import("./types.js").OnCallAnswered} payload
     */
    callAnswered(payload: import("./types.js").OnCallAnswered): void;
    /**
     * A call was transferred away from this user.
     * @param {import("./types.js").OnCallTransferred} payload
     */
    callTransferred(payload: import("./types.js").OnCallTransferred): void;
    /**
     * Asks the host to open a record page.
     * @param {import("./types.js").OnNavigateToRecord} payload
     */
    navigateToRecord(payload: import("./types.js").OnNavigateToRecord): void;
    /**
     * Legacy free-form call data.
     * @param {any} payload
     */
    callData(payload: any): void;
    /**
     * The call has ended.
     * @param {import("./types.js").OnCallEnded} data
     */
    callEnded(data: import("./types.js").OnCallEnded): void;
    /**
     * The user is done with the call (notes, disposition); the host logs it.
     * @param {import("./types.js").OnCallCompleted} data
     */
    callCompleted(data: import("./types.js").OnCallCompleted): void;
    /**
     * Asks the host to show an error to the user.
     * @param {import("./types.js").OnError} data
     */
    sendError(data: import("./types.js").OnError): void;
    /**
     * Asks the host to resize the app's iframe.
     * @param {import("./types.js").OnResize} data
     */
    resizeWidget(data: import("./types.js").OnResize): void;
    /**
     * Sends any message as given (custom or legacy shapes).
     * @param {import("./types.js").OnMessage} message
     */
    sendMessage(message: import("./types.js").OnMessage): void;
    /**
     * Logs through the SDK's debug logger.
     * @param {{message: string, type: string}} param0
     */
    logDebugMessage({ message, type }: {
        message: string;
        type: string;
    }): void;
    /**
     * Dispatches one host message to the event handlers; see the module comment.
     * @param {{type: keyof EventHandlers, data: any}} event
     */
    onMessageHandler(event: {
        type: keyof EventHandlers;
        data: any;
    }): void;
    /**
     * Publishes the call to a connected channel.
     * @deprecated use finalizeEngagement instead
     * @param {import("./types.js").OnPublishToChannel} data
     */
    publishToChannel(data: import("./types.js").OnPublishToChannel): void;
    /**
     * Finalizes the engagement (help-desk channel calls).
     * @param {import("./types.js").OnFinalizeEngagement} data
     */
    finalizeEngagement(data: import("./types.js").OnFinalizeEngagement): void;
    /**
     * Asks the host to load the app from another URL.
     * @param {import("./types.js").OnSetWidgetUrl} data
     */
    setWidgetUrl(data: import("./types.js").OnSetWidgetUrl): void;
}
import IFrameManager from "./IFrameManager.js";
