// The shapes of the public API, as JSDoc typedefs: options, event handlers and the payloads
// of every app-to-host method. They mirror the published 0.9.7 typings name for name, so a
// TypeScript app that compiles against the official package compiles against this one.
// This module has no runtime content; `index.js` re-exports its types.

/**
 * One handler per host-to-app message type (see `Constants.messageHandlerNames`), plus an
 * optional catch-all. Every handler is called as `handler(data, message)`.
 * @typedef {object} EventHandlers
 * @property {Function} onCallerIdMatchFailed
 * @property {Function} onCallerIdMatchSucceeded
 * @property {Function} onCreateEngagementFailed
 * @property {Function} onCreateEngagementSucceeded
 * @property {Function} onDialNumber
 * @property {Function} onEndCall
 * @property {Function} onEngagementCreated
 * @property {Function} onInitiateCallIdFailed
 * @property {Function} onInitiateCallIdSucceeded
 * @property {Function} onNavigateToRecordFailed
 * @property {Function} onPublishToChannelFailed
 * @property {Function} onPublishToChannelSucceeded
 * @property {Function} onFinalizeEngagementFailed
 * @property {Function} onFinalizeEngagementSucceeded
 * @property {Function} onReady
 * @property {Function} onSetCallState
 * @property {Function} onSetWidgetUrlFailed
 * @property {Function} onUpdateEngagementFailed
 * @property {Function} onUpdateEngagementSucceeded
 * @property {Function} onVisibilityChanged
 * @property {Function} onFailed
 * @property {Function} [defaultEventHandler]
 */

/**
 * Host mode: where and how to create the app's iframe.
 * @typedef {object} IframeOptions
 * @property {string} src
 * @property {string} height
 * @property {string} width
 * @property {string} hostElementSelector
 */

/**
 * @typedef {object} Options
 * @property {IframeOptions} [iFrameOptions]
 * @property {boolean} debugMode
 * @property {EventHandlers} eventHandlers
 */

/**
 * @typedef {object} IframeManagerOptions
 * @property {IframeOptions} [iFrameOptions]
 * @property {boolean} debugMode
 * @property {Function} onMessageHandler
 */

/**
 * @typedef {object} OnResize
 * @property {number} width
 * @property {number} height
 */

/** @typedef {OnResize} SizeInfo */

/**
 * @typedef {object} OnInitialized
 * @property {boolean} [isLoggedIn]
 * @property {number} [engagementId]
 */

/**
 * @typedef {object} OnIncomingCall
 * @property {string} externalCallId
 * @property {string} fromNumber
 * @property {string} toNumber
 * @property {number} [callStartTime]
 * @property {boolean} [createEngagement]
 */

/**
 * @typedef {object} OnOutgoingCall
 * @property {string} externalCallId
 * @property {string} [fromNumber]
 * @property {string} [toNumber]
 * @property {number} [callStartTime]
 * @property {boolean} [createEngagement]
 */

/**
 * @typedef {object} OnCallAnswered
 * @property {string} externalCallId
 */

/**
 * @typedef {object} OnCallTransferred
 * @property {string} externalCallId
 */

/**
 * @deprecated use OnFinalizeEngagement instead
 * @typedef {object} OnPublishToChannel
 * @property {string} externalCallId
 * @property {number} engagementId
 */

/**
 * @typedef {object} OnFinalizeEngagement
 * @property {string} externalCallId
 * @property {number} engagementId
 */

/**
 * @typedef {object} OnSetWidgetUrl
 * @property {string} iFrameUrl
 */

/** @typedef {"COMPLETED" | "FAILED" | "CANCELED" | "BUSY" | "NO_ANSWER" | "REJECTED" | "MISSED"} EndStatus */

/**
 * @typedef {object} OnCallEnded
 * @property {string} externalCallId
 * @property {number} engagementId
 * @property {EndStatus} [callEndStatus]
 */

/**
 * Call properties an app may hand to the host with `callCompleted`; the host writes them to
 * the call engagement. `hs_call_duration` is in milliseconds.
 * @typedef {object} RawEngagementProperties
 * @property {number | string} hs_timestamp
 * @property {string} [hs_call_body]
 * @property {string} [hs_call_callee_object_id]
 * @property {string} [hs_call_callee_object_type]
 * @property {string} [hs_call_direction]
 * @property {string} [hs_call_disposition]
 * @property {string} [hs_call_duration]
 * @property {string} [hs_call_from_number]
 * @property {string} [hs_call_recording_url]
 * @property {string} [hs_call_status]
 * @property {string} [hs_call_title]
 * @property {string} [hs_call_source]
 * @property {string} [hs_call_to_number]
 * @property {string} [hubspot_owner_id]
 * @property {string} [hs_activity_type]
 * @property {string} [hs_attachment_ids]
 */

/**
 * @typedef {object} OnCallCompleted
 * @property {string} externalCallId
 * @property {number | string} [engagementId]
 * @property {boolean} [hideWidget]
 * @property {RawEngagementProperties} [engagementProperties]
 */

/**
 * @typedef {object} ObjectCoordinates
 * @property {number} portalId
 * @property {number} objectId
 * @property {"0-1" | "0-2"} objectTypeId
 */

/**
 * @typedef {object} OnNavigateToRecord
 * @property {number} [engagementId]
 * @property {ObjectCoordinates} objectCoordinates
 * @property {"CURRENT_TAB" | "NEW_TAB"} [openIn]
 */

/**
 * @typedef {object} OnError
 * @property {string} message
 */

/**
 * @typedef {object} OnMessage
 * @property {string} type
 * @property {Object} [data]
 */

/**
 * @typedef {object} ContactIdMatch
 * @property {"CONTACT"} callerIdType
 * @property {ObjectCoordinates} objectCoordinates
 * @property {string} firstName
 * @property {string} lastName
 * @property {string} email
 */

/**
 * @typedef {object} CompanyIdMatch
 * @property {"COMPANY"} callerIdType
 * @property {ObjectCoordinates} objectCoordinates
 * @property {string} name
 */

export {};
