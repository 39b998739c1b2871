// A tiny element builder. It owns the page's one rule about text: everything that comes from
// an app, the CRM or the user goes in as text nodes (`textContent`), never as HTML, so a
// calling app's error message or a contact's name cannot inject markup.

/**
 * @typedef {string | number | boolean | null | undefined | Node} Child
 * @typedef {Child | Child[] | Child[][]} Children
 */

/**
 * Creates an element with attributes (strings; `false`/`null`/`undefined` leave them out),
 * event listeners (`on<event>` keys taking functions) and text or element children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined | ((event: any) => void)>} [attrs]
 * @param {...Children} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") {
      node.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

/**
 * Appends children as text or nodes.
 * @param {Node} parent
 * @param {Children[]} children
 */
export function append(parent, children) {
  for (const child of /** @type {Child[]} */ (children.flat(2))) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces an element's children.
 * @param {Element} parent
 * @param {...Children} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}
