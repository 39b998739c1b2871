// The WebSocket to the server's session, and keeping it alive. The call must survive a lost
// connection: while the socket is down, inputs are queued in order; the reconnect names the
// session (`&session=<id>`, which the server keeps for a few minutes) and then flushes the
// queue. The first frame of every connection is `{kind:"session"}`; everything after it is
// a `post` or `ui` frame handed to `onOutput`.

/** @typedef {import("./types.js").PageInput} PageInput */
/** @typedef {import("./types.js").PageOutput} PageOutput */
/** @typedef {import("./types.js").SessionConfig} SessionConfig */

const MAX_BACKOFF_MS = 5_000;

export class SessionSocket {
  /**
   * @param {object} options
   * @param {(sessionId: string | null) => string} options.url   the ws URL, with the session to resume
   * @param {(sessionId: string, config: SessionConfig, resumed: boolean) => void} options.onSession
   * @param {(output: PageOutput) => void} options.onOutput
   * @param {(connected: boolean) => void} [options.onStatus]
   * @param {string | null} [options.sessionId] a session to resume (after a page reload)
   */
  constructor(options) {
    this.options = options;
    /** @type {string | null} */
    this.sessionId = options.sessionId ?? null;
    /** @type {WebSocket | null} */
    this.ws = null;
    /** @type {PageInput[]} */
    this.queue = [];
    this.open = false;
    this.closed = false;
    this.failures = 0;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.retry = null;
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const ws = new WebSocket(this.options.url(this.sessionId));
    this.ws = ws;
    let greeted = false;
    ws.addEventListener("message", (event) => {
      /** @type {PageOutput} */
      let frame;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        console.warn("callhost: a frame that is not JSON", event.data);
        return;
      }
      if (frame.kind === "session") {
        const resumed = this.sessionId !== null && this.sessionId === frame.sessionId;
        greeted = true;
        this.failures = 0;
        this.sessionId = frame.sessionId;
        this.open = true;
        this.options.onStatus?.(true);
        this.options.onSession(frame.sessionId, frame.config, resumed);
        this.flush();
        return;
      }
      this.options.onOutput(frame);
    });
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      this.open = false;
      this.ws = null;
      this.options.onStatus?.(false);
      if (this.closed) return;
      this.failures += 1;
      // A session the server no longer knows is refused before the greeting: after a few
      // such refusals start a new one rather than retrying forever.
      if (!greeted && this.failures >= 3) this.sessionId = null;
      const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures, 6));
      this.retry = setTimeout(() => this.connect(), delay);
    });
  }

  /** @param {PageInput} input */
  send(input) {
    if (this.closed) return;
    this.queue.push(input);
    if (this.open) this.flush();
  }

  flush() {
    while (this.open && this.ws && this.ws.readyState === WebSocket.OPEN && this.queue.length) {
      const next = /** @type {PageInput} */ (this.queue.shift());
      this.ws.send(JSON.stringify(next));
    }
  }

  /** Ends the session for good (the user switched providers). */
  close() {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.ws?.close(1000, "closed by the page");
    this.ws = null;
    this.open = false;
  }
}
