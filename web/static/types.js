// Shared JSDoc types of the host page: the context the server hands the page, the calling
// providers the switcher offers, and the WebSocket protocol (the engine's `Input` and
// `Output`, serde JSON tagged by `kind`, camelCase; see crates/protocol/src/engine/io.rs).
// Types only: this module exports nothing at run time.

/**
 * An installed app with calling settings, as `GET /host/api/context` lists it.
 * @typedef {object} ContextApp
 * @property {number} appId
 * @property {string} name
 * @property {string} url
 * @property {number} width
 * @property {number} height
 * @property {boolean} isReady
 * @property {boolean} supportsCustomObjects
 * @property {boolean} supportsInboundCalling
 * @property {boolean} usesCallingWindow
 * @property {boolean} usesRemote
 */

/**
 * The signed-in user's context.
 * @typedef {object} HostContext
 * @property {number} portalId
 * @property {number} userId
 * @property {number} ownerId
 * @property {string} hostUrl
 * @property {string} accessToken
 * @property {ContextApp[]} apps
 */

/**
 * One entry of the provider switcher.
 * @typedef {object} Provider
 * @property {string} key        stable key, remembered in localStorage (`app:<id>`, `override`, `demo-local`)
 * @property {number} appId      the app the session runs under
 * @property {string} name       label shown to the user (text)
 * @property {string} url        iframe URL
 * @property {string | null} urlOverride  passed as `&url=` when the URL is not the app's own
 * @property {number | string} width
 * @property {number | string} height
 * @property {boolean} selectable isReady, or made ready by a localStorage override
 * @property {boolean} supportsCustomObjects
 * @property {boolean} usesCallingWindow
 * @property {boolean} supportsInboundCalling  the calling remote runs it
 */

/**
 * @typedef {object} DialInput
 * @property {"dial"} kind
 * @property {string} objectTypeId
 * @property {number} objectId
 * @property {string} [objectType]
 * @property {string} property
 * @property {string} phoneNumber
 * @property {string} [countryCode]
 * @property {number} timestampMs
 */

/**
 * What the page sends over the WebSocket.
 * @typedef {{kind: "loaded"}
 *   | {kind: "app", message: unknown, origin: string}
 *   | {kind: "dropped", message: unknown, origin: string, reason: "origin" | "source"}
 *   | {kind: "syncFailed"}
 *   | DialInput
 *   | {kind: "user", action: "minimize" | "restore" | "close" | "endCall"}
 *   | {kind: "user", action: "taskQueue", active: boolean}} Input
 */

/**
 * A UI command from the engine.
 * @typedef {{command: "startSync", fields: Record<string, unknown>, targetOrigin: string}
 *   | {command: "synced", appOrigin: string}
 *   | {command: "loadFailed"}
 *   | {command: "alert", message: string}
 *   | {command: "show"} | {command: "hide"} | {command: "minimize"}
 *   | {command: "resize", width: string | null, height: string | null}
 *   | {command: "navigate", objectTypeId: string, objectId: number, newTab: boolean}
 *   | {command: "loadUrl", url: string, appOrigin: string}
 *   | {command: "callState", externalCallId: string, engagementId: number | null, state: CallPhase}
 *   | {command: "appStatus", loggedIn: boolean, available: boolean | null}
 *   | {command: "callerMatches", externalCallId: string, matches: Array<Record<string, unknown>>}
 *   | {command: "callChanged", engagementId: number, externalCallId: string | null}} UiCommand
 */

/** @typedef {"RINGING" | "DIALING" | "IN_PROGRESS" | "ENDED" | "COMPLETED" | "TRANSFERRED"} CallPhase */

/**
 * One line of the engine's protocol log.
 * @typedef {object} LogEntry
 * @property {"fromApp" | "toApp" | "dropped" | "host"} flow
 * @property {string | null} messageType
 * @property {unknown} message
 * @property {Array<{code: string, message: string}>} findings
 */

/**
 * The session's fixed facts (the first frame from the server).
 * @typedef {object} SessionConfig
 * @property {string} hostUrl
 * @property {number} portalId
 * @property {number} userId
 * @property {number} ownerId
 * @property {number} appId
 * @property {string} appUrl
 * @property {string[]} [allowedOrigins]
 * @property {"widget" | "remote" | "window"} iframeLocation
 * @property {boolean} usesCallingWindow
 * @property {number | null} [engagementId]
 */

/**
 * What the server sends over the WebSocket.
 * @typedef {{kind: "session", sessionId: string, config: SessionConfig}
 *   | {kind: "post", message: unknown, targetOrigin: string}
 *   | ({kind: "ui"} & UiCommand)
 *   | ({kind: "log"} & LogEntry)
 *   | {kind: "store"}
 *   | {kind: "error", message?: string}} Output
 */

export {};
