// The provider switcher ("Call from"): every provider, greyed (`aria-disabled="true"`) when
// it cannot be chosen, either because it is not ready or because the record to call is a
// custom object and the app does not support those. Rendering only; the choice is handled by
// the caller.

import { el } from "./dom.js";
import { isOffered } from "./providers.js";

/** @typedef {import("./host-types.js").Provider} Provider */

/** What each container shows now: a new render that would show the same is skipped. */
const shown = new WeakMap();

/**
 * @param {HTMLElement} container
 * @param {object} state
 * @param {Provider[]} state.providers
 * @param {string | null} state.selectedKey
 * @param {string | null} state.objectTypeId  the type of the record being dialed, if any
 * @param {boolean} state.locked               a call is live: no switching
 * @param {(provider: Provider) => void} onChoose
 */
export function renderSwitcher(container, state, onChoose) {
  const rows = state.providers.map((provider) => {
    const offered = isOffered(provider, state.objectTypeId);
    return {
      provider,
      disabled: !offered || (state.locked && provider.key !== state.selectedKey),
      selected: provider.key === state.selectedKey,
      title: offered ? "" : provider.selectable ? "This app cannot call custom objects" : "This app is not ready",
    };
  });
  // Every callState re-renders the switcher, and most change nothing in it. Replacing the
  // options anyway would detach the one under the mouse, and the browser would then lay the
  // page out again in a task of its own, on the thread the calling app's messages are
  // delivered on (bench/README.md, "The message path").
  const signature = JSON.stringify(rows.map(({ provider, disabled, selected, title }) =>
    [provider.key, provider.appId, provider.name, disabled, selected, title]));
  if (shown.get(container) === signature) return;
  shown.set(container, signature);
  const options = rows.map(({ provider, disabled, selected, title }) => {
    return el("li", {
      role: "option",
      class: "provider-option",
      tabindex: disabled ? "-1" : "0",
      "data-testid": "provider-option",
      "data-app-id": provider.appId,
      "data-provider": provider.key,
      "aria-disabled": disabled ? "true" : "false",
      "aria-selected": selected ? "true" : "false",
      title,
      onclick: () => { if (!disabled) onChoose(provider); },
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (!disabled && (e.key === "Enter" || e.key === " ")) {
          e.preventDefault();
          onChoose(provider);
        }
      },
    }, provider.name);
  });
  const empty = state.providers.length === 0
    ? el("li", { class: "provider-empty" }, "No calling apps are installed in this portal.")
    : null;
  container.replaceChildren(
    el("span", { class: "switcher-label", id: "provider-switcher-label" }, "Call from"),
    el("ul", { role: "listbox", class: "provider-list", "aria-labelledby": "provider-switcher-label" }, options, empty),
  );
}
