/**
 * One handler per host-to-app message type (see `Constants.messageHandlerNames`), plus an
 * optional catch-all. Every handler is called as `handler(data, message)`.
 */
export type EventHandlers = {
    onCallerIdMatchFailed: Function;
    onCallerIdMatchSucceeded: Function;
    onCreateEngagementFailed: Function;
    onCreateEngagementSucceeded: Function;
    onDialNumber: Function;
    onEndCall: Function;
    onEngagementCreated: Function;
    onInitiateCallIdFailed: Function;
    onInitiateCallIdSucceeded: Function;
    onNavigateToRecordFailed: Function;
    onPublishToChannelFailed: Function;
    onPublishToChannelSucceeded: Function;
    onFinalizeEngagementFailed: Function;
    onFinalizeEngagementSucceeded: Function;
    onReady: Function;
    onSetCallState: Function;
    onSetWidgetUrlFailed: Function;
    onUpdateEngagementFailed: Function;
    onUpdateEngagementSucceeded: Function;
    onVisibilityChanged: Function;
    onFailed: Function;
    defaultEventHandler?: Function | undefined;
};
/**
 * Host mode: where and how to create the app's iframe.
 */
export type IframeOptions = {
    src: string;
    height: string;
    width: string;
    hostElementSelector: string;
};
export type Options = {
    iFrameOptions?: IframeOptions | undefined;
    debugMode: boolean;
    eventHandlers: EventHandlers;
};
export type IframeManagerOptions = {
    iFrameOptions?: IframeOptions | undefined;
    debugMode: boolean;
    onMessageHandler: Function;
};
export type OnResize = {
    width: number;
    height: number;
};
export type SizeInfo = OnResize;
export type OnInitialized = {
    isLoggedIn?: boolean | undefined;
    engagementId?: number | undefined;
};
export type OnIncomingCall = {
    externalCallId: string;
    fromNumber: string;
    toNumber: string;
    callStartTime?: number | undefined;
    createEngagement?: boolean | undefined;
};
export type OnOutgoingCall = {
    externalCallId: string;
    fromNumber?: string | undefined;
    toNumber?: string | undefined;
    callStartTime?: number | undefined;
    createEngagement?: boolean | undefined;
};
export type OnCallAnswered = {
    externalCallId: string;
};
export type OnCallTransferred = {
    externalCallId: string;
};
export type OnPublishToChannel = {
    externalCallId: string;
    engagementId: number;
};
export type OnFinalizeEngagement = {
    externalCallId: string;
    engagementId: number;
};
export type OnSetWidgetUrl = {
    iFrameUrl: string;
};
export type EndStatus = "COMPLETED" | "FAILED" | "CANCELED" | "BUSY" | "NO_ANSWER" | "REJECTED" | "MISSED";
export type OnCallEnded = {
    externalCallId: string;
    engagementId: number;
    callEndStatus?: EndStatus | undefined;
};
/**
 * Call properties an app may hand to the host with `callCompleted`; the host writes them to
 * the call engagement. `hs_call_duration` is in milliseconds.
 */
export type RawEngagementProperties = {
    hs_timestamp: number | string;
    hs_call_body?: string | undefined;
    hs_call_callee_object_id?: string | undefined;
    hs_call_callee_object_type?: string | undefined;
    hs_call_direction?: string | undefined;
    hs_call_disposition?: string | undefined;
    hs_call_duration?: string | undefined;
    hs_call_from_number?: string | undefined;
    hs_call_recording_url?: string | undefined;
    hs_call_status?: string | undefined;
    hs_call_title?: string | undefined;
    hs_call_source?: string | undefined;
    hs_call_to_number?: string | undefined;
    hubspot_owner_id?: string | undefined;
    hs_activity_type?: string | undefined;
    hs_attachment_ids?: string | undefined;
};
export type OnCallCompleted = {
    externalCallId: string;
    engagementId?: string | number | undefined;
    hideWidget?: boolean | undefined;
    engagementProperties?: RawEngagementProperties | undefined;
};
export type ObjectCoordinates = {
    portalId: number;
    objectId: number;
    objectTypeId: "0-1" | "0-2";
};
export type OnNavigateToRecord = {
    engagementId?: number | undefined;
    objectCoordinates: ObjectCoordinates;
    openIn?: "CURRENT_TAB" | "NEW_TAB" | undefined;
};
export type OnError = {
    message: string;
};
export type OnMessage = {
    type: string;
    data?: Object | undefined;
};
export type ContactIdMatch = {
    callerIdType: "CONTACT";
    objectCoordinates: ObjectCoordinates;
    firstName: string;
    lastName: string;
    email: string;
};
export type CompanyIdMatch = {
    callerIdType: "COMPANY";
    objectCoordinates: ObjectCoordinates;
    name: string;
};
