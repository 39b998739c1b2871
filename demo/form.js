// Reading the demo's form: typed accessors for the inputs, so the rest of the app never
// touches the DOM directly. Values typed by the user stay strings until a field needs a number.

/** @param {string} id */
export function input(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`demo page lacks #${id}`);
  return /** @type {HTMLInputElement} */ (element);
}

/** @param {string} id */
export const text = (id) => input(id).value.trim();

/** @param {string} id @returns {number | undefined} a number, or undefined when empty or not numeric */
export function number(id) {
  const value = text(id);
  const n = Number(value);
  return value === "" || Number.isNaN(n) ? undefined : n;
}

/** @param {string} id */
export const checked = (id) => input(id).checked;

/** @param {string} id @param {string | number | undefined} value */
export function setText(id, value) {
  input(id).value = value === undefined ? "" : String(value);
}

/** A fresh external call id. */
export function newCallId() {
  const random =
    typeof crypto !== "undefined" && "randomUUID" in crypto
      ? crypto.randomUUID()
      : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  return `demo-${random}`;
}
