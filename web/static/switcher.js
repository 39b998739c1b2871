// The provider switcher ("Call from"): every provider, greyed (`aria-disabled="true"`) when
// it cannot be chosen, either because it is not ready or because the record to call is a
// custom object and the app does not support those. Rendering only; the choice is handled by
// the caller.

import { el } from "./dom.js";
import { isOffered } from "./providers.js";

/** @typedef {import("./host-types.js").Provider} Provider */

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
  const options = state.providers.map((provider) => {
    const offered = isOffered(provider, state.objectTypeId);
    const disabled = !offered || (state.locked && provider.key !== state.selectedKey);
    const selected = provider.key === state.selectedKey;
    return el("li", {
      role: "option",
      class: "provider-option",
      tabindex: disabled ? "-1" : "0",
      "data-testid": "provider-option",
      "data-app-id": provider.appId,
      "data-provider": provider.key,
      "aria-disabled": disabled ? "true" : "false",
      "aria-selected": selected ? "true" : "false",
      title: offered ? "" : provider.selectable ? "This app cannot call custom objects" : "This app is not ready",
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
