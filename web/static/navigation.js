// In-page navigation. Moving between pages never reloads the document, so the calling
// widget and its iframe stay alive mid-call: links marked `data-nav` and programmatic moves
// go through `history.pushState`, and back/forward re-render from `location`.

/** @type {(() => void) | null} */
let render = null;

/**
 * Starts listening; `onChange` renders the page for the current location.
 * @param {() => void} onChange
 */
export function startNavigation(onChange) {
  render = onChange;
  window.addEventListener("popstate", () => render?.());
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const target = event.target instanceof Element ? event.target.closest("a[data-nav]") : null;
    if (!(target instanceof HTMLAnchorElement) || target.origin !== location.origin) return;
    event.preventDefault();
    navigate(target.pathname + target.search);
  });
}

/**
 * Shows another page of the host without reloading the document.
 * @param {string} path
 */
export function navigate(path) {
  if (path !== location.pathname + location.search) history.pushState(null, "", path);
  render?.();
}
