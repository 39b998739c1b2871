// A minimal fake of the browser globals the SDK touches (window, document, console, timers,
// Date.now), so the unit and differential tests can drive the SDK, ours or the official one,
// in Node and record everything it does: posts with their target origin, handler calls,
// console output and timers.

/**
 * Parses URLs the way an anchor element does, relative to the page.
 * @param {string} base
 */
function anchorFactory(base) {
  return () => {
    /** @type {URL | null} */
    let url = null;
    return {
      set href(value) {
        try {
          url = new URL(String(value), base);
        } catch {
          url = null;
        }
      },
      get protocol() {
        return url ? url.protocol : ":";
      },
      get host() {
        return url ? url.host : "";
      },
    };
  };
}

/**
 * @typedef {object} Post
 * @property {string} to "parent" or "iframe"
 * @property {any} message a structured clone of what was posted
 * @property {string} targetOrigin
 */

/**
 * Installs fresh globals and returns the recorder.
 * @param {{href?: string, referrer?: string, now?: number}} [options]
 */
export function installFakeBrowser(options = {}) {
  const href = options.href ?? "https://app.example/phone/index.html";
  const referrer = options.referrer ?? "https://host.example/contacts/1";
  /** @type {Post[]} */
  const posts = [];
  /** @type {Array<{level: string, args: any[]}>} */
  const logs = [];
  /** @type {Set<(event: any) => void>} */
  const listeners = new Set();
  /** @type {Array<{at: number, fn: () => void}>} */
  let timers = [];
  let now = options.now ?? 1_700_000_000_000;

  const postTo = (/** @type {string} */ to) => ({
    postMessage(/** @type {any} */ message, /** @type {string} */ targetOrigin) {
      posts.push({ to, message: structuredClone(message), targetOrigin });
    },
  });

  /** @type {any} */
  const hostElement = {
    children: /** @type {any[]} */ ([]),
    set textContent(_v) {
      this.children = [];
    },
    set innerHTML(_v) {
      this.children = [];
    },
    appendChild(/** @type {any} */ child) {
      this.children.push(child);
    },
    querySelector(/** @type {string} */ sel) {
      return this.children.find((/** @type {any} */ c) => c.tagName === sel) ?? null;
    },
  };

  const makeAnchor = anchorFactory(href);
  /** @type {any} */
  const document = {
    referrer,
    createElement(/** @type {string} */ tag) {
      if (tag === "a") return makeAnchor();
      if (tag === "iframe") {
        /** @type {any} */
        const iframe = {
          tagName: "iframe",
          contentWindow: postTo("iframe"),
          attributes: /** @type {Record<string, string>} */ ({}),
          setAttribute(/** @type {string} */ k, /** @type {string} */ v) {
            this.attributes[k] = v;
          },
        };
        return iframe;
      }
      throw new Error(`fake document cannot create ${tag}`);
    },
    querySelector(/** @type {string} */ sel) {
      return sel === "#host" ? hostElement : null;
    },
  };

  /** @type {any} */
  const window = {
    location: { href },
    parent: postTo("parent"),
    addEventListener(/** @type {string} */ type, /** @type {any} */ fn) {
      if (type === "message") listeners.add(fn);
    },
    removeEventListener(/** @type {string} */ type, /** @type {any} */ fn) {
      if (type === "message") listeners.delete(fn);
    },
    setTimeout(/** @type {() => void} */ fn, /** @type {number} */ ms) {
      timers.push({ at: now + ms, fn });
      return timers.length;
    },
  };

  const g = /** @type {any} */ (globalThis);
  g.window = window;
  g.document = document;
  g.self = window;
  const realNow = Date.now;
  Date.now = () => now;
  const realConsole = { log: console.log, debug: console.debug, warn: console.warn, error: console.error };
  for (const level of /** @type {const} */ (["log", "debug", "warn", "error"])) {
    console[level] = (...args) => logs.push({ level, args: structuredClone(args) });
  }

  return {
    posts,
    logs,
    window,
    document,
    hostElement,
    /** Delivers a message event to every listener, as the browser would. */
    deliver(/** @type {any} */ data, /** @type {string} */ origin, source = null) {
      for (const fn of [...listeners]) fn({ data, origin, source });
    },
    listenerCount: () => listeners.size,
    /** Advances the fake clock, running due timers in order. */
    advance(/** @type {number} */ ms) {
      const until = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > until) break;
        timers = timers.slice(1);
        now = next.at;
        next.fn();
      }
      now = until;
    },
    setNow(/** @type {number} */ value) {
      now = value;
    },
    pendingTimers: () => timers.length,
    restore() {
      Date.now = realNow;
      Object.assign(console, realConsole);
      delete g.window;
      delete g.document;
      delete g.self;
    },
  };
}
