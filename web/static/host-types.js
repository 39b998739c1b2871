// Shared JSDoc types of the host page: the context the server hands the page and the calling
// providers the switcher offers. The WebSocket protocol's types are generated from the Rust
// types into types.js. Types only: this module exports nothing at run time.

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

export {};
