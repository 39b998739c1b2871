// The host page's WebSocket protocol, as JSDoc typedefs. Generated from the Rust types in
// crates/protocol/src/engine/io.rs by `cargo run -p callhost-protocol --example page-types`:
// do not edit; crates/protocol/tests/page_types.rs fails when this file is stale.
//
// The page sends `PageInput`s (what it observed) and receives `PageOutput`s (the session
// frame, then the engine's posts and UI commands). JSON, tagged by `kind`, camelCase.
// Types only: this module exports nothing at run time.

/**
 * What a host page may send over the WebSocket: only what it observed. A store result is not
 * among them: a frame of kind `done` does not parse, so a page can never answer the engine's
 * store requests in the server's place. Each variant is the `Input` of the same name.
 * - loaded: The iframe fired `load`: the engine answers with `ui:startSync`.
 * - app: A message the page accepted from the iframe (`event.source` and `event.origin` checked).
 * - dropped: A message the page refused; the engine only logs it as a finding.
 * - syncFailed: The page gave up waiting for SYNC_ACK (30 s after load), or the iframe failed to load.
 * - dial: A Call button was clicked.
 * - user: The user did something in the widget.
 * @typedef {{kind: "loaded"}
 *   | {kind: "app", message: unknown, origin: string}
 *   | {kind: "dropped", message: unknown, origin: string, reason: DropReason}
 *   | {kind: "syncFailed"}
 *   | ({kind: "dial"} & DialRequest)
 *   | ({kind: "user"} & UserAction)} PageInput
 */

/**
 * What the server sends a host page over the WebSocket: first the session frame, then the
 * engine's `post` and `ui` outputs; and the server's own `refused` (a frame it refused) and
 * `selectApp` (the automation API choosing the widget's app, docs/automation.md#actions).
 * - session: The first frame of every connection: the session's id (to resume it after a reload or a lost connection) and its configuration.
 * - post: Post `message` into the iframe with exactly this target origin.
 * - refused: The server refused a frame the page sent (it is not a page input); nothing reached the engine.
 * - selectApp: Switch the widget to this app, as if the user picked it in the switcher.
 * @typedef {{kind: "session", sessionId: string, config: SessionConfig}
 *   | {kind: "post", message: unknown, targetOrigin: string}
 *   | ({kind: "ui"} & UiCommand)
 *   | {kind: "refused", message: string}
 *   | {kind: "selectApp", appId: number}} PageOutput
 */

/**
 * Where a call is in its life.
 * @typedef {"RINGING" | "DIALING" | "IN_PROGRESS" | "ENDED" | "COMPLETED" | "TRANSFERRED"} CallPhase
 */

/**
 * What a Call button dials: a record's phone number, or (the automation API's dial by
 * number, docs/automation.md#actions) a number no record has, without the record's fields.
 * @typedef {object} DialRequest
 * @property {string} phoneNumber
 * @property {number} timestampMs When the user clicked, ms since the epoch (the page's clock).
 * @property {string | null} [countryCode] ISO 3166 region of the number, when known (`US`).
 * @property {number | null} [objectId]
 * @property {string | null} [objectType] `CONTACT`, `COMPANY`, ... when known.
 * @property {string | null} [objectTypeId] `0-1` contacts, `0-2` companies, `2-...` custom objects; absent without a record.
 * @property {string | null} [property] The phone property clicked (`phone`, `mobilephone`, ...); absent without a record.
 */

/**
 * The direction of a call, from the user's side.
 * @typedef {"INBOUND" | "OUTBOUND"} Direction
 */

/**
 * Why the page refused a message before it reached the engine.
 * @typedef {"origin"
 *   | "source"} DropReason
 */

/**
 * Where the app's iframe lives (`iframeLocation` in SYNC).
 * @typedef {"widget" | "remote" | "window"} IframeLocation
 */

/**
 * A CRM record, by type id and id.
 * @typedef {object} ObjectRef
 * @property {string} objectTypeId
 * @property {number} objectId
 */

/**
 * Fixed facts about a session, known when the page opens it.
 * @typedef {object} SessionConfig
 * @property {string} hostUrl The host page's exact origin (`scheme://host:port`, no trailing slash).
 * @property {number} portalId
 * @property {number} userId
 * @property {number} ownerId
 * @property {number} appId
 * @property {string} appUrl The app's iframe URL from its settings (or a localStorage override).
 * @property {Array<string>} allowedOrigins Origins besides the app URL's that SET_WIDGET_URL may move to.
 * @property {IframeLocation} iframeLocation
 * @property {boolean} usesCallingWindow
 * @property {number | null} engagementId A live call to resume (the page was reloaded or navigated mid-call).
 * @property {boolean} legacyEngagementCreated Also send the legacy ENGAGEMENT_CREATED after CREATE_ENGAGEMENT_SUCCEEDED.
 */

/**
 * A change to the host's UI.
 * - startSync: Start (or restart) the SYNC loop with these top-level SYNC fields, to this origin.
 * - synced: The handshake finished; later messages from the app are accepted from `app_origin`.
 * - loadFailed: Show "app failed to load" with a retry.
 * - alert: Show an alert; `message` is plain text from the app or the host. An alert that the app is logged out (`loggedOut`) goes away by itself when the app reports it logged in.
 * - resize: Size the iframe; values are CSS lengths (`"400px"`), already formatted.
 * - navigate: Open a record page.
 * - loadUrl: Load a new URL in the iframe (SET_WIDGET_URL accepted); a new SYNC follows its load.
 * - callState: A call as the page shows it (the widget's call bar, the calling remote's ringing call, the provider switcher's lock, the navigation guard): sent whenever its phase, its engagement or who is calling changes. Every field is decided here, none by the page.
 * - appStatus: The app's login or availability changed.
 * - callChanged: A store write changed this call object (created, updated or finalized), including the statuses the host records without a reply to the app: a page showing the call (a record's timeline) re-reads it. Sent once per successful write, never for a failed one.
 * @typedef {{command: "startSync", fields: Record<string, unknown>, targetOrigin: string}
 *   | {command: "synced", appOrigin: string}
 *   | {command: "loadFailed"}
 *   | {command: "alert", message: string, loggedOut: boolean}
 *   | {command: "show"}
 *   | {command: "hide"}
 *   | {command: "minimize"}
 *   | {command: "resize", width: string | null, height: string | null}
 *   | {command: "navigate", objectTypeId: string, objectId: number, newTab: boolean}
 *   | {command: "loadUrl", url: string, appOrigin: string}
 *   | {command: "callState", externalCallId: string, engagementId: number | null, state: CallPhase, live: boolean, direction: Direction | null, number: string | null, displayName: string | null, caller: ObjectRef | null}
 *   | {command: "appStatus", loggedIn: boolean, available: boolean | null}
 *   | {command: "callChanged", engagementId: number, externalCallId: string | null}} UiCommand
 */

/**
 * Something the user did in the host.
 * - taskQueue: The user started or stopped working a call task queue (hideWidget is then ignored).
 * @typedef {{action: "minimize"}
 *   | {action: "restore"}
 *   | {action: "close"}
 *   | {action: "endCall"}
 *   | {action: "taskQueue", active: boolean}} UserAction
 */

export {};
