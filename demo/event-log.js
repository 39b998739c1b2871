// The event log: one list item per handler call, newest first. Everything the host sends is
// shown as text (textContent), never parsed as HTML, whatever it contains.

/** @param {unknown} value */
function describe(value) {
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value, null, 1).replace(/\n\s*/g, " ");
  } catch {
    return String(value);
  }
}

/**
 * Adds an entry for one handler call.
 * @param {HTMLOListElement} list
 * @param {string} handler
 * @param {unknown} data
 * @param {{type?: unknown} | undefined} message
 */
export function logEvent(list, handler, data, message) {
  const item = document.createElement("li");
  item.dataset.handler = handler;
  item.dataset.type = String(message && message.type);
  const name = document.createElement("span");
  name.className = "handler";
  name.textContent = handler;
  item.append(name, ` ${String(message && message.type)} ${describe(data)}`);
  list.prepend(item);
}

/**
 * Adds a line for something the app itself did (a method call).
 * @param {HTMLOListElement} list
 * @param {string} text
 */
export function logNote(list, text) {
  const item = document.createElement("li");
  item.dataset.note = "sent";
  item.textContent = `→ ${text}`;
  list.prepend(item);
}
