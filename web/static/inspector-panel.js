// The inspector panel beside the calling widget (`data-testid="inspector-panel"`): the
// inspector's view of the widget's own session, its messages both ways with time offsets,
// findings, store changes and REST calls, rendered by inspector-view.js as on the inspector
// page. It polls the session's record once a second while it is open and not at all while it
// is closed, so a closed panel costs nothing.

import { el, replace } from "./dom.js";
import { loadRecord, sessionSection } from "./inspector-view.js";

const POLL_MS = 1_000;

export class InspectorPanel {
  /**
   * @param {object} options
   * @param {() => string | null} options.sessionId  the widget's current session, if any
   * @param {HTMLElement} options.beside  the calling widget (in the dock): the panel sits to its left
   */
  constructor(options) {
    this.options = options;
    this.open = false;
    /** bumped on every open and close, so only the latest polling loop goes on */
    this.generation = 0;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    this.body = el("div", { class: "inspector-panel-body", "data-testid": "inspector-panel-sessions" });
    this.status = el("span", { class: "inspector-panel-status", "data-testid": "inspector-panel-live" }, "");
    this.root = el("aside", { class: "inspector-panel", "data-testid": "inspector-panel", hidden: true, "aria-label": "Protocol inspector" },
      el("header", {}, el("strong", {}, "Inspector"), " ", this.status), this.body);
    // In the dock, to the widget's left: the page reflows around both.
    this.options.beside.before(this.root);
  }

  /** Shows the panel while it is open and the widget is shown. */
  place() {
    this.root.hidden = !this.open || this.options.beside.hidden;
  }

  /** @param {boolean} open */
  setOpen(open) {
    this.open = open;
    this.place();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.generation += 1;
    if (open) void this.refresh(this.generation);
  }

  toggle() {
    this.setOpen(!this.open);
    return this.open;
  }

  /** @param {number} generation */
  async refresh(generation) {
    const current = () => this.open && generation === this.generation;
    if (!current()) return;
    const sessionId = this.options.sessionId();
    try {
      if (!sessionId) {
        replace(this.body, el("p", { class: "empty" }, "No widget session yet."));
      } else {
        const [session] = await loadRecord({ session: sessionId });
        if (!current()) return;
        if (session && session.sessionId === this.options.sessionId()) {
          replace(this.body, sessionSection(session, session.entries));
        } else if (!session) {
          replace(this.body, el("p", { class: "empty" }, "No messages yet."));
        }
      }
      this.status.textContent = "live";
      this.status.dataset.state = "live";
    } catch (error) {
      this.status.textContent = `reconnecting… (${String(error)})`;
      this.status.dataset.state = "down";
    }
    this.place();
    if (current()) this.timer = setTimeout(() => void this.refresh(generation), POLL_MS);
  }
}
