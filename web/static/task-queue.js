// The call task queue (docs/protocol.md#call-task-queue): a list of records to call one after the other, and its
// bar (`data-testid="task-queue"`, under the nav bar, outside the widget so it
// stays reachable when the widget is hidden). Each task opens its record and dials it once;
// Next and Skip move on; the last one ends the queue. While the queue is worked the calling
// controller tells the engine (`taskQueue` user action), so CALL_COMPLETED's hideWidget
// never closes the widget, and every task gets its own DIAL_NUMBER even after the user
// closed the widget (the HubSpot failure reported as issue #237 of the SDK repository).

import { el, replace } from "./dom.js";
import { recordPath } from "./routes.js";

/**
 * One task: a record and the phone property to dial.
 * @typedef {object} CallTask
 * @property {string} objectTypeId
 * @property {number} objectId
 * @property {string} objectType
 * @property {string} property
 * @property {string} value   the stored phone number
 * @property {string} title   the record's display name (text)
 */

/** @typedef {"pending" | "done" | "skipped"} TaskStatus */

export class TaskQueue {
  /**
   * @param {object} options
   * @param {import("./calling.js").CallingController} options.calling
   * @param {(path: string) => void} options.navigate
   * @param {number} options.portalId
   */
  constructor(options) {
    this.options = options;
    /** @type {CallTask[]} */
    this.tasks = [];
    /** @type {TaskStatus[]} */
    this.statuses = [];
    this.index = -1;
    this.root = el("section", { class: "task-queue", "data-testid": "task-queue", "aria-label": "Call tasks", hidden: true });
    const nav = document.getElementById("nav");
    if (nav) nav.after(this.root);
    else document.body.prepend(this.root);
    options.calling.addEventListener("call-state", () => this.render());
  }

  get active() {
    return this.index >= 0 && this.index < this.tasks.length;
  }

  /**
   * Starts working a new queue (ending the current one).
   * @param {CallTask[]} tasks
   */
  start(tasks) {
    if (tasks.length === 0) return;
    this.tasks = tasks.slice();
    this.statuses = tasks.map(() => /** @type {TaskStatus} */ ("pending"));
    this.index = 0;
    this.options.calling.setTaskQueue(true);
    this.run();
  }

  /** The current task is done: on to the next. */
  next() {
    this.advance("done");
  }

  /** The current task is skipped: on to the next. */
  skip() {
    this.advance("skipped");
  }

  /** Ends the queue now. */
  stop() {
    this.index = -1;
    this.tasks = [];
    this.statuses = [];
    this.options.calling.setTaskQueue(false);
    this.render();
  }

  /** @param {TaskStatus} status */
  advance(status) {
    if (!this.active) return;
    this.statuses[this.index] = status;
    this.index += 1;
    if (this.active) this.run();
    else this.stop();
  }

  /** Opens the current task's record and dials it (once). */
  run() {
    const task = this.tasks[this.index];
    this.render();
    this.options.navigate(recordPath(this.options.portalId, task.objectTypeId, task.objectId));
    this.options.calling.dial(task);
  }

  render() {
    if (!this.active) {
      // It renders on every callState: with no queue there is nothing to change.
      if (this.root.hidden && !this.root.firstChild) return;
      this.root.hidden = true;
      replace(this.root);
      return;
    }
    const task = this.tasks[this.index];
    const busy = this.options.calling.live;
    const last = this.index === this.tasks.length - 1;
    this.root.hidden = false;
    this.root.dataset.index = String(this.index);
    this.root.dataset.count = String(this.tasks.length);
    replace(this.root,
      el("strong", {}, "Call tasks"),
      el("span", { class: "task-current", "data-testid": "task-queue-current", "data-object-id": task.objectId },
        `${this.index + 1} of ${this.tasks.length}: `, task.title, ` (${task.value})`),
      el("button", { type: "button", "data-testid": "task-queue-skip", disabled: busy, onclick: () => this.skip() }, "Skip"),
      el("button", { type: "button", "data-testid": "task-queue-next", disabled: busy, onclick: () => this.next() }, last ? "Finish" : "Next"),
      el("button", { type: "button", "data-testid": "task-queue-stop", onclick: () => this.stop() }, "Stop"),
      el("ol", { class: "task-list" }, this.tasks.map((t, i) => el("li", {
        "data-testid": "task-queue-item", "data-object-id": t.objectId, "data-status": this.statuses[i],
        "aria-current": i === this.index ? "step" : false,
      }, t.title))));
  }
}
