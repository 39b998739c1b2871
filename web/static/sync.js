// The SYNC loop (docs/protocol.md#handshake, host side). After each iframe `load` the engine answers with
// `startSync`; this posts SYNC with those fields and a fresh `h-sync-<n>` id every 100 ms to
// the exact target origin until the app's SYNC_ACK arrives, and gives up 30 s after the
// start. Ids never start with a digit, so no app instance id can match them (docs/protocol.md#message-ids).
// Timers and the clock are injected so the loop is tested without a browser.

/**
 * @typedef {object} SyncDeps
 * @property {(message: Record<string, unknown>, targetOrigin: string) => void} post
 * @property {() => void} onGiveUp       called once when 30 s pass without an ACK
 * @property {() => number} [now]
 * @property {(fn: () => void, ms: number) => unknown} [setTimer]
 * @property {(handle: unknown) => void} [clearTimer]
 * @property {number} [intervalMs]
 * @property {number} [timeoutMs]
 */

export class SyncLoop {
  /** @param {SyncDeps} deps */
  constructor(deps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimer ?? ((h) => clearTimeout(/** @type {any} */ (h)));
    this.intervalMs = deps.intervalMs ?? 100;
    this.timeoutMs = deps.timeoutMs ?? 30_000;
    /** Ids are unique for the page's life, across restarts. */
    this.sent = 0;
    /** @type {unknown} */
    this.timer = null;
    this.startedAt = 0;
    /** @type {Record<string, unknown>} */
    this.fields = {};
    /** @type {string | null} the origin SYNCs go to, which the ACK must come from */
    this.targetOrigin = null;
    this.running = false;
    /** @type {Set<string>} */
    this.ids = new Set();
  }

  /**
   * Starts (or restarts) the loop.
   * @param {Record<string, unknown>} fields top-level SYNC fields from the engine
   * @param {string} targetOrigin
   */
  start(fields, targetOrigin) {
    this.stop();
    this.fields = fields;
    this.targetOrigin = targetOrigin;
    this.startedAt = this.now();
    this.running = true;
    this.ids.clear();
    this.tick();
  }

  /** Stops the loop: the ACK arrived, or the iframe is going away. */
  stop() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.running = false;
  }

  /**
   * Whether a messageId is one of the SYNCs of the current loop.
   * @param {unknown} messageId
   */
  sentId(messageId) {
    return typeof messageId === "string" && this.ids.has(messageId);
  }

  tick() {
    this.timer = null;
    if (!this.running || this.targetOrigin === null) return;
    if (this.now() - this.startedAt > this.timeoutMs) {
      this.running = false;
      this.deps.onGiveUp();
      return;
    }
    const messageId = `h-sync-${++this.sent}`;
    this.ids.add(messageId);
    this.deps.post({ ...this.fields, type: "SYNC", messageId }, this.targetOrigin);
    this.timer = this.setTimer(() => this.tick(), this.intervalMs);
  }
}
